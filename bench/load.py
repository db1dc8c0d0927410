"""Many users at once against a served dashboard: real page visits and clicks, replayed over HTTP.

    python app.py serve --workers 2 --db /tmp/w/actionboard.duckdb &
    python bench/load.py --db /tmp/w/actionboard.duckdb --users 50 --think 2 --seconds 60
    python bench/load.py --db /tmp/w/actionboard.duckdb --users 8 --think 0 --seconds 30

Each simulated user signs in through the sign-in form, then, until the time is up, visits a
page as the Dash renderer does (the page, ``/_dash-layout``, ``/_dash-dependencies``, the pages
callback, the callbacks the page fires on load and those their answers fire) or changes one of
the page's controls and follows the callbacks it fires (``bench.dash_client``), waiting
``--think`` seconds (random ±50%) between actions; ``--think 0`` is a closed loop that measures
throughput. The server must be on this machine (loopback only). With ``--db``, the user
``load-bench`` (an analyst) is given a fresh password through the command side (audited);
otherwise pass ``--name`` and ``--password``.

Prints requests/s, p50/p95/p99 latency and errors per endpoint (callbacks by their first output)
and in total. An error is a failed connection or an HTTP status of 400 or more. Figures for the
record go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
if not __package__:  # run as a script: import from the project, not bench/ (its bench.py)
    sys.path[0] = str(ROOT)

from bench.dash_client import (  # noqa: E402
    CHAIN_WAVES,
    PAGES_CALLBACK_INPUT,
    Props,
    apply_response,
    chained_bodies,
    components,
    form_token,
    initial_bodies,
    pick,
    request_body,
)

CALLBACK_PATH = "/_dash-update-component"
PAGES = ("/", "/segments", "/migration", "/clv", "/board")
BENCH_USER = "load-bench"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TIMEOUT_S = 60


@dataclass
class Tally:
    """Latencies (seconds) and error counts per endpoint, shared by the users' threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kinds: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, endpoint: str, seconds: float, failure: str | None) -> None:
        """One request's time; ``failure``: its HTTP status or exception, if it failed."""
        with self.lock:
            self.latencies[endpoint].append(seconds)
            if failure is not None:
                self.errors[endpoint] += 1
                self.kinds[endpoint, failure] += 1


class SimulatedUser:
    """One browser: its session cookie, the page it is on and that page's components."""

    def __init__(self, base: str, name: str, password: str, tally: Tally, seed: int) -> None:
        self.base, self.tally = base, tally
        self.http = requests.Session()
        self.chooser = random.Random(seed)
        self.dependencies: list[dict[str, Any]] = []
        self.props: Props = {}
        page = self._get("/login", "GET /login")
        if page is None or page.status_code != 200:
            raise RuntimeError(f"no sign-in page at {base}/login: is the server running?")
        token = form_token(page.text)
        answer = self._call("POST /login", "post", "/login", allow_redirects=False,
                            data={"name": name, "password": password, "csrf": token,
                                  "next": "/"})
        if answer is None or answer.status_code != 303:
            raise RuntimeError(f"cannot sign in as {name!r}: HTTP "
                               f"{getattr(answer, 'status_code', 'no answer')}")

    def _call(self, endpoint: str, method: str, path: str, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            answer = self.http.request(method, self.base + path, timeout=TIMEOUT_S, **kwargs)
        except requests.RequestException as error:
            self.tally.add(endpoint, time.perf_counter() - started, type(error).__name__)
            return None
        failed = answer.status_code >= 400
        self.tally.add(endpoint, time.perf_counter() - started,
                       f"HTTP {answer.status_code}: {answer.text[:80]}" if failed else None)
        return answer

    def _get(self, path: str, endpoint: str) -> Any:
        return self._call(endpoint, "get", path)

    def _fire(self, bodies: list[dict[str, Any]]) -> set[str]:
        changed: set[str] = set()
        for body in bodies:
            endpoint = "callback " + body["output"].strip(".").split("...")[0]
            answer = self._call(endpoint, "post", CALLBACK_PATH, json=body)
            if answer is not None and answer.status_code == 200:
                changed |= apply_response(self.props, answer.json())
        return changed

    def _follow(self, changed: set[str]) -> None:
        for _ in range(CHAIN_WAVES):
            if not changed:
                return
            changed = self._fire(chained_bodies(self.dependencies, self.props, changed))

    def visit(self, path: str) -> None:
        """Open ``path`` as the renderer does."""
        self._get(path, f"GET {path}")
        layout = self._get("/_dash-layout", "GET /_dash-layout")
        dependencies = self._get("/_dash-dependencies", "GET /_dash-dependencies")
        if layout is None or dependencies is None or layout.status_code != 200:
            return
        self.dependencies = dependencies.json()
        self.props = components(layout.json())
        self.props.setdefault(PAGES_CALLBACK_INPUT, {}).update(pathname=path, search="")
        pages = next(d for d in self.dependencies
                     if any(item["id"] == PAGES_CALLBACK_INPUT for item in d["inputs"]))
        body = request_body(pages, self.props, changed=[f"{PAGES_CALLBACK_INPUT}.pathname"])
        assert body is not None
        self._fire([body])
        self._follow(self._fire(initial_bodies(self.dependencies, self.props)))

    def act(self) -> None:
        """Change a control of the page and follow what it fires."""
        self._follow(self._fire(list(pick(self.dependencies, self.props, self.chooser))))

    def run(self, deadline: float, think: float) -> None:
        while time.monotonic() < deadline:
            if not self.props or self.chooser.random() < 0.4:
                self.visit(self.chooser.choice(PAGES))
            else:
                self.act()
            if think:
                time.sleep(min(think * self.chooser.uniform(0.5, 1.5),
                               max(0.0, deadline - time.monotonic())))


def report(tally: Tally, seconds: float) -> str:
    """The table of figures per endpoint and in total."""
    rows = []
    every: list[float] = []
    errors = 0
    for endpoint in sorted(tally.latencies, key=lambda e: -len(tally.latencies[e])):
        values = np.array(tally.latencies[endpoint]) * 1000
        every.extend(values)
        errors += tally.errors[endpoint]
        rows.append(_row(endpoint[:60], values, tally.errors[endpoint], seconds))
    header = f"{'endpoint':<60} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} " \
             f"{'p99 ms':>8} {'errors':>6}"
    total = _row("all", np.array(every), errors, seconds) if every else "no requests"
    failures = [f"  {count} × {endpoint}: {kind}"
                for (endpoint, kind), count in sorted(tally.kinds.items())]
    return "\n".join([header, *rows, "-" * len(header), total,
                      *(["errors:", *failures] if failures else [])])


def _row(name: str, values: np.ndarray, errors: int, seconds: float) -> str:
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return (f"{name:<60} {len(values):>7} {len(values) / seconds:>7.1f} {p50:>8.0f} "
            f"{p95:>8.0f} {p99:>8.0f} {errors:>6}")


def bench_password(db: Path, ops_url: str | None) -> str:
    """A fresh password for the bench's analyst (added if missing), set through the command
    side."""
    from warehouse import commands

    password = commands.generate_password()
    if BENCH_USER in {user.name for user in commands.list_users(db, ops_url=ops_url)}:
        commands.set_password(db, BENCH_USER, password, user="cli", ops_url=ops_url)
    else:
        commands.add_user(db, BENCH_USER, commands.ANALYST, password, user="cli",
                          ops_url=ops_url)
    return password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=2.0,
                        help="seconds between a user's actions (0: a closed loop)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    parser.add_argument("--db", type=Path, help="the served warehouse: sign in as load-bench")
    parser.add_argument("--ops-url", default=None)
    parser.add_argument("--name", default=BENCH_USER)
    parser.add_argument("--password")
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname not in LOOPBACK:
        parser.error("the load test runs against a server on this machine only (loopback)")
    if not 1 <= args.users <= 500 or not 0 < args.seconds <= 3600:
        parser.error("--users must be in 1..500 and --seconds in (0, 3600]")
    if args.db is not None:
        password = bench_password(args.db, args.ops_url)
    elif args.password:
        password = args.password
    else:
        parser.error("give --db (to make the bench user) or --name and --password")
    tally = Tally()
    try:
        users = [SimulatedUser(args.url.rstrip("/"), args.name, password, tally, seed)
                 for seed in range(args.users)]
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tally.latencies.clear()  # the sign-ins are not part of the load
    tally.errors.clear()
    tally.kinds.clear()
    started = time.monotonic()
    deadline = started + args.seconds
    threads = [threading.Thread(target=user.run, args=(deadline, args.think), daemon=True)
               for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    print(f"{args.users} users, think {args.think:g} s, {elapsed:.0f} s against {args.url}")
    print(report(tally, elapsed))
    return 1 if any(tally.errors.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
