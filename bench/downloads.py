"""Concurrent full-segment downloads against a served dashboard: time each and the server's memory.

    python bench/downloads.py --db /tmp/w/actionboard.duckdb --workers 2 --downloads 4

Starts ``python app.py serve --workers N`` on a free loopback port for warehouse ``--db``, signs
in as the analyst ``load-bench`` (given a fresh password through the command side, as
``bench/load.py`` does), warms every worker up with a small download, then runs ``--downloads``
downloads of ``--segment`` (default: the largest) at once through ``/download/segment.csv``. The
server's memory is the resident set of its process tree (gunicorn's master and workers), sampled
every 50 ms. Prints each download's seconds and bytes, the memory before and at its peak, then
stops the server. Figures for the record go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
if not __package__:  # run as a script: import from the project, not bench/ (its bench.py)
    sys.path[0] = str(ROOT)

from bench.dash_client import form_token  # noqa: E402
from bench.load import BENCH_USER, bench_password  # noqa: E402
from warehouse.snapshots import current_snapshot  # noqa: E402

DOWNLOAD_PATH = "/download/segment.csv"
SAMPLE_S = 0.05


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def segments_by_size(db: Path) -> list[tuple[str, int]]:
    """The published snapshot's segments, largest first."""
    snapshot = current_snapshot(db)
    if snapshot is None:
        raise SystemExit(f"error: no published snapshot for {db}; run python app.py refresh")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute("SELECT segment, customers FROM segment_summary WHERE customers > 0 "
                           "ORDER BY customers DESC, segment").fetchall()


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of ``process`` and its children."""
    total = 0
    for member in (process, *process.children(recursive=True)):
        with contextlib.suppress(psutil.NoSuchProcess):  # a worker restarting
            total += member.memory_info().rss
    return total


def signed_in(base: str, password: str) -> requests.Session:
    http = requests.Session()
    token = form_token(http.get(f"{base}/login", timeout=30).text)
    answer = http.post(f"{base}/login", allow_redirects=False, timeout=30,
                       data={"name": BENCH_USER, "password": password, "csrf": token,
                             "next": "/"})
    if answer.status_code != 303:
        raise SystemExit(f"error: cannot sign in as {BENCH_USER}: HTTP {answer.status_code}")
    return http


def download(http: requests.Session, url: str, segment: str) -> tuple[float, int]:
    """(seconds, bytes) of one download, read as it arrives."""
    started = time.perf_counter()
    size = 0
    with http.get(url, params={"segment": segment}, stream=True, timeout=600) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(chunk_size=1 << 16):
            size += len(chunk)
    return time.perf_counter() - started, size


def wait_for_health(base: str, server: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("error: the server exited; see its messages above")
        try:
            if requests.get(f"{base}/health", timeout=5).ok:
                return
        except requests.RequestException:  # not listening yet, or still starting
            pass
        time.sleep(0.5)
    raise SystemExit(f"error: no answer from {base}/health within {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a refreshed warehouse")
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument("--downloads", type=int, default=4, help="at once (default 4)")
    parser.add_argument("--segment", default=None, help="default: the largest segment")
    args = parser.parse_args(argv)
    if not 1 <= args.downloads <= 32 or not 1 <= args.workers <= 8:
        parser.error("--downloads must be in 1..32 and --workers in 1..8")
    sizes = segments_by_size(args.db)
    segment = args.segment or sizes[0][0]
    smallest = sizes[-1][0]
    password = bench_password(args.db, None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve", "--workers",
                               str(args.workers), "--port", str(port), "--db", str(args.db)],
                              cwd=ROOT)
    try:
        wait_for_health(base, server, 300)
        sessions = [signed_in(base, password) for _ in range(args.downloads)]
        for http in sessions:  # every worker builds its app and reads the snapshot once
            download(http, f"{base}{DOWNLOAD_PATH}", smallest)
        time.sleep(1)
        process = psutil.Process(server.pid)
        before = tree_rss(process)
        peak = before
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(process))
                time.sleep(SAMPLE_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results: list[tuple[float, int]] = []
        threads = [threading.Thread(target=lambda h=http: results.append(
            download(h, f"{base}{DOWNLOAD_PATH}", segment))) for http in sessions]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        after = tree_rss(process)
    finally:
        server.terminate()
        server.wait(timeout=60)
    rows = dict(sizes)[segment]
    print(f"{args.downloads} downloads of {segment!r} ({rows:,} customers) at once from "
          f"{args.workers} worker(s): {elapsed:.1f} s in all")
    for seconds, size in sorted(results):
        print(f"  {seconds:6.1f} s  {size / 1e6:7.1f} MB")
    print(f"server memory (resident, all processes): {before / 1e6:.0f} MB before, peak "
          f"{peak / 1e6:.0f} MB, {after / 1e6:.0f} MB after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
