"""A real local push provider for the sender's tests: an HTTP server in a thread that records
every request and answers as scripted — OK, a 5xx, a 4xx, an answer slower than the sender's
timeout, or a connection dropped after the request was read.

Like a real provider it keeps what it accepted by idempotency key: a copy of a message it already
accepted (a retry whose first answer was lost) is recorded as a duplicate and not delivered
again. ``delivered`` is what reached customers' phones.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK, SERVER_ERROR, BAD_REQUEST, SLOW, DROP, TOO_MANY = ("ok", "500", "400", "slow", "drop", "429")


@dataclass
class Receiver:
    """The server's script (one answer per request, then ``default``) and what it saw."""

    url: str = ""
    script: list[str] = field(default_factory=list)
    default: str = OK
    slow_seconds: float = 1.0
    requests: list[list[dict]] = field(default_factory=list)  # the messages of each request
    answers: list[str] = field(default_factory=list)  # what each request got
    delivered: Counter = field(default_factory=Counter)  # idempotency key -> 1 once accepted
    duplicates: Counter = field(default_factory=Counter)
    fail_keys: set[str] = field(default_factory=set)  # refused one by one in a 200 answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def accept(self, messages: list[dict]) -> None:
        with self.lock:
            for message in messages:
                key = message["idempotency_key"]
                if key in self.fail_keys:
                    continue
                if self.delivered[key]:
                    self.duplicates[key] += 1
                else:
                    self.delivered[key] = 1

    @property
    def received_customers(self) -> set[str]:
        return {m["customer_id"] for request in self.requests for m in request}


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:  # keep the test output quiet
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting
                self.close_connection = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            messages = json.loads(self.rfile.read(length))["messages"]
            answer = receiver.next_answer()
            with receiver.lock:
                receiver.requests.append(messages)
                receiver.answers.append(answer)
            if answer in (SERVER_ERROR, TOO_MANY):
                self._answer(int(answer), {"error": "try again later"})
                return
            if answer == BAD_REQUEST:
                self._answer(400, {"error": "invalid payload: title too long"})
                return
            receiver.accept(messages)  # a slow or dropped answer: the provider did accept it
            if answer == DROP:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if answer == SLOW:
                time.sleep(receiver.slow_seconds)
            failed = [{"idempotency_key": m["idempotency_key"], "error": "unregistered token"}
                      for m in messages if m["idempotency_key"] in receiver.fail_keys]
            self._answer(200, {"accepted": len(messages) - len(failed), "failed": failed})

    return Handler


@contextmanager
def push_receiver(**settings: object) -> Iterator[Receiver]:
    """A running receiver on 127.0.0.1 (a free port), stopped afterwards."""
    receiver = Receiver(**settings)  # type: ignore[arg-type]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/v1/push"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
