"""Push delivery at scale: queue a push campaign's messages at its launch, then deliver them to a
local HTTP receiver through the webhook adapter with the default settings (batches of 500, the
default rate limit, retries, idempotency keys, statuses written back).

    python bench/send.py [--messages 100000] [--rate 5000] [--ops-url URL] [--out DIR]

The receiver runs in a process of its own on 127.0.0.1, parses every batch and keeps the
idempotency keys it accepted, as a provider would; the run checks that every treatment customer
was received exactly once and the hold-out never. Prints the time to render the messages, to
launch (campaign, assignments and outbox rows in one transaction) and to send. Target (issue 16):
100,000 messages delivered in 60 s or less. Results for the record go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import shutil
import sys
import tempfile
import time
import urllib.request
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.clock import utc_now  # noqa: E402
from warehouse.commands import PushMessages, launch_audience, treatment_groups  # noqa: E402
from warehouse.delivery.quiet_hours import QuietHours  # noqa: E402
from warehouse.delivery.sender import send_queued  # noqa: E402
from warehouse.delivery.settings import DeliverySettings  # noqa: E402
from warehouse.promote.message import DEFAULT_BODY, DEFAULT_TITLE, render_messages  # noqa: E402

HOLDOUT = 0.1
SEGMENTS = np.array(["Champions", "Loyal", "At risk", None], dtype=object)


def _serve(port_queue: multiprocessing.Queue) -> None:
    keys: set[str] = set()
    customers: set[str] = set()
    stats = {"requests": 0, "messages": 0, "duplicates": 0, "largest_batch": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def _json(self, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._json({**stats, "customers": sorted(customers)})

        def do_POST(self) -> None:
            messages = json.loads(self.rfile.read(int(self.headers["Content-Length"])))[
                "messages"]
            stats["requests"] += 1
            stats["largest_batch"] = max(stats["largest_batch"], len(messages))
            for message in messages:
                if message["idempotency_key"] in keys:
                    stats["duplicates"] += 1
                    continue
                keys.add(message["idempotency_key"])
                customers.add(message["customer_id"])
                stats["messages"] += 1
            self._json({"accepted": len(messages), "failed": []})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000,
                        help="treatment messages to deliver (the audience adds a 10%% hold-out)")
    parser.add_argument("--rate", type=float, default=DeliverySettings().rate_per_second,
                        help="the sender's rate limit, messages/s (default: the setting's)")
    parser.add_argument("--ops-url", default=None,
                        help="operational store (default: an SQLite file in a temporary folder)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the store")
    args = parser.parse_args()
    folder = Path(args.out or tempfile.mkdtemp(prefix="actionboard-send-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.duckdb"
    audience_size = math.ceil(args.messages / (1 - HOLDOUT))
    rng = np.random.default_rng(16)
    audience = pd.DataFrame({"customer_id": [f"b{i}" for i in range(audience_size)],
                             "segment": SEGMENTS[rng.integers(0, len(SEGMENTS), audience_size)]})
    item = {"item_id": "1108", "item_name": "Organic Grapes", "category": "produce / fresh fruits",
            "price_amount": 2.99}

    started = time.perf_counter()
    messages = pd.DataFrame({
        "customer_id": audience["customer_id"],
        "title": render_messages(DEFAULT_TITLE, item, audience, "title"),
        "body": render_messages(DEFAULT_BODY, item, audience, "body"),
        "deep_link": render_messages("myapp://item/{item_id}", item, audience, "deep link")})
    rendered = time.perf_counter() - started

    started = time.perf_counter()
    now = utc_now()
    launched = launch_audience(
        db, audience, user="bench", name="send bench", action="Push", channel="push",
        offer="item 1108", kpi="conversion rate", source="push", control_share=HOLDOUT,
        ops_url=args.ops_url, messages=PushMessages(messages, now, now))
    launch_seconds = time.perf_counter() - started

    ports: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()
    receiver = multiprocessing.get_context("fork").Process(target=_serve, args=(ports,),
                                                            daemon=True)
    receiver.start()
    url = f"http://127.0.0.1:{ports.get(timeout=30)}"
    try:
        settings = DeliverySettings(adapter="webhook", url=url + "/v1/push",
                                    rate_per_second=args.rate,
                                    quiet_hours=QuietHours(clock_time(0), clock_time(0)))
        started = time.perf_counter()
        summary = send_queued(db, settings, user="bench", ops_url=args.ops_url)
        send_seconds = time.perf_counter() - started
        with urllib.request.urlopen(url + "/stats", timeout=30) as answer:
            stats = json.loads(answer.read())
    finally:
        receiver.terminate()
        receiver.join(5)
    received = set(stats.pop("customers"))
    [group] = [g for g in treatment_groups(db, now, ops_url=args.ops_url)
               if g.campaign_id == launched.campaign_id]
    treatment = set(group.customer_ids)
    holdout = set(audience["customer_id"]) - treatment
    treated = launched.count_queued
    print(f"render {audience_size:,} titles, bodies and links: {rendered:.2f} s")
    print(f"launch {audience_size:,} customers, queue {treated:,} messages: {launch_seconds:.2f} s")
    print(f"send {summary.sent:,} messages (rate limit {settings.rate_per_second:,.0f}/s, "
          f"batches of {settings.batch_size}): {send_seconds:.2f} s, "
          f"{summary.sent / send_seconds:,.0f} messages/s")
    print(f"receiver: {stats['requests']:,} requests, {stats['messages']:,} messages, "
          f"largest batch {stats['largest_batch']}, {stats['duplicates']} duplicates; "
          f"{len(received):,} customers; of the {len(holdout):,} held out: "
          f"{len(received & holdout)}")
    ok = (summary.sent == treated == stats["messages"] == len(received)
          and received == treatment and not received & holdout
          and stats["duplicates"] == 0 and stats["largest_batch"] <= 500)
    print(f"every treatment customer received once: {ok}; target 60 s: "
          f"{'met' if send_seconds <= 60 else 'MISSED'}")
    if args.out is None:
        shutil.rmtree(folder, ignore_errors=True)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
