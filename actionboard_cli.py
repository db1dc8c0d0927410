"""Actionboard's command line and server start: ``python app.py …``, installed ``actionboard …``.

    serve [--port 8050]          serve the dashboard (builds the demo warehouse on first run)
          [--workers N]          with N gunicorn processes (Linux; default one waitress process)
    users list|add|set-role|set-password|remove   who may sign in to the dashboard, and as what
    demo --out DIR               write synthetic RetailRocket-format files
    ingest DIR                   load RetailRocket files into the warehouse
    ingest-orders FILE           load a generic orders CSV
    refresh                      rebuild marts and models, publish them to the dashboard
    export CAMPAIGN_ID           write a campaign's treatment and control groups as CSV
    runs [--limit N]             list the last refreshes and loads with their row counts and errors

Commands that touch the operational store take ``--ops-url`` (default ``$ACTIONBOARD_OPS_URL``,
else the SQLite file beside the warehouse). Refreshes and loads are recorded as runs
(``warehouse.commands.runs``); the command line acts as the user "cli" in the audit log. Only
argument parsing, printing and logging set-up live here: the work is in the packages.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from warehouse.ops.schema import ROLES
from warehouse.paths import warehouse_path
from warehouse.pipeline.defaults import (
    DEFAULT_CLV_DISCOUNT_RATE,
    DEFAULT_CLV_HORIZON_MONTHS,
    DEFAULT_GRANULARITY,
)
from warehouse.snapshots import current_snapshot

DEMO_SCALE = 0.1
DEMO_SEED = 7
CLI_USER = "cli"  # the acting user the audit log records for the command line
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_ENV_VAR = "ACTIONBOARD_LOG_LEVEL"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("actionboard")

T = TypeVar("T")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"scale must be in (0, 100], got {value}")
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a rate such as 0.1, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"rate must be in [0, 1), e.g. 0.1 for 10%, got {value}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}")
    return int(text)


def _session_hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of hours, got {text!r}") from None
    if not 0 < value <= 24 * 90:
        raise argparse.ArgumentTypeError(f"session hours must be in (0, 2160], got {value}")
    return value


def _add_db(parser: argparse.ArgumentParser) -> None:
    """--db and --ops-url: every command but ``demo`` uses the warehouse and its store."""
    parser.add_argument(
        "--db",
        help="warehouse file (default: $ACTIONBOARD_DB or data/actionboard.duckdb)",
    )
    parser.add_argument(
        "--ops-url", default=None,
        help="operational store (rules, campaigns, audit, runs): sqlite:///PATH or "
             "postgresql://USER:PASSWORD@HOST/DATABASE (default: $ACTIONBOARD_OPS_URL, "
             "else <db stem>.ops.sqlite beside the warehouse)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Actionboard: from e-commerce behaviour logs to marketing decisions.",
    )
    parser.add_argument(
        "--log-level", type=str.upper, choices=LOG_LEVELS, default=None,
        help=f"diagnostics on stderr (default: ${LOG_ENV_VAR}, else INFO when serving and "
             "WARNING for the other commands)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the dashboard (the default command)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8050, help="port (default 8050)")
    serve.add_argument("--workers", type=_positive_int, default=1,
                       help="worker processes: above 1, gunicorn serves (Linux and macOS); "
                            "default 1, waitress in this process")
    serve.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                       help="a host name browsers use to reach the server, besides localhost "
                            "and the bound address (repeatable)")
    serve.add_argument("--session-hours", type=_session_hours, default=None,
                       help="how long a sign-in lasts (default 12)")
    _add_db(serve)

    users = commands.add_parser("users", help="list, add, change and remove dashboard users")
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)
    _add_db(actions.add_parser("list", help="every user with their role"))
    add = actions.add_parser("add", help="add a user (asks for a password, or prints one)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--generate-password", action="store_true",
                     help="make up a password and print it instead of asking for one")
    _add_db(add)
    set_role = actions.add_parser("set-role", help="give a user another role")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=ROLES)
    _add_db(set_role)
    password = actions.add_parser("set-password", help="give a user a new password")
    password.add_argument("name")
    password.add_argument("--generate-password", action="store_true",
                          help="make up a password and print it instead of asking for one")
    _add_db(password)
    remove = actions.add_parser("remove", help="remove a user and end their sessions")
    remove.add_argument("name")
    _add_db(remove)

    demo = commands.add_parser("demo", help="write synthetic data in the RetailRocket format")
    demo.add_argument("--out", required=True, type=Path, help="folder to write the files to")
    demo.add_argument("--scale", type=_scale, default=DEMO_SCALE,
                      help="1.0 matches the real data set's size (default 0.1)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (default 7)")

    ingest = commands.add_parser("ingest", help="load RetailRocket files from a folder")
    ingest.add_argument("folder", type=Path, help="folder holding events.csv[.gz] and the others")
    ingest.add_argument("--price-property", default=None,
                        help="item property holding the price (default: 790, or as last loaded)")
    _add_db(ingest)

    orders = commands.add_parser("ingest-orders", help="load a generic orders CSV")
    orders.add_argument(
        "file", type=Path,
        help="CSV with customer_id, order_id, ordered_at, amount [, item_id, quantity]",
    )
    _add_db(orders)

    refresh = commands.add_parser("refresh", help="rebuild marts and models and publish them")
    refresh.add_argument("--as-of", type=_iso_date, default=None,
                         help="compute as of this date, YYYY-MM-DD (default: last event's date)")
    refresh.add_argument("--snapshots", choices=("month", "week"), default=DEFAULT_GRANULARITY,
                         help="period of the segment-migration snapshots (default %(default)s)")
    refresh.add_argument("--clv-horizon-months", type=_positive_int,
                         default=DEFAULT_CLV_HORIZON_MONTHS,
                         help="horizon of customer lifetime value in months (default %(default)s)")
    refresh.add_argument("--discount-rate", type=_rate, default=DEFAULT_CLV_DISCOUNT_RATE,
                         help="annual discount rate for CLV, e.g. 0.1 for 10%% "
                              "(default %(default)s)")
    _add_db(refresh)

    export = commands.add_parser("export", help="write a campaign's groups as CSV files")
    export.add_argument("campaign_id", help="campaign id, as shown on the Action board")
    export.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    _add_db(export)

    runs = commands.add_parser("runs", help="list the last refreshes and loads")
    runs.add_argument("--limit", type=_positive_int, default=20,
                      help="how many, newest first (default %(default)s)")
    _add_db(runs)
    return parser


def recorded(
    db: Path, ops_url: str | None, kind: str, params: Mapping[str, Any],
    work: Callable[[], T], counts: Callable[[T], Mapping[str, int]],
) -> T:
    """Run ``work`` as a recorded run of ``kind`` in the store (start, end, status, ``counts``
    of its result, the error if it fails)."""
    from warehouse.commands.runs import record_run
    from warehouse.ops import ops_store

    with record_run(ops_store(db, ops_url), kind, params) as run:
        result = work()
        run.add_counts(counts(result))
    return result


def load_counts(summary: Any) -> dict[str, int]:
    """A load's totals for its run record."""
    return {figure: summary.total(figure) for figure in (
        "rows_read", "rows_loaded", "duplicates_in_file", "already_loaded", "rows_rejected",
        "rows_skipped")}


def refresh_counts(snapshot: Path) -> dict[str, int]:
    """The published snapshot's main tables' rows, for the refresh's run record."""
    import duckdb

    from warehouse.queries.status import snapshot_counts

    with duckdb.connect(str(snapshot), read_only=True) as con:
        return snapshot_counts(con)


def ingest(db: Path, folder: Path, price_property: str | None, ops_url: str | None,
           progress: bool = True) -> Any:
    from warehouse.ingest.retailrocket import ingest_retailrocket

    return recorded(db, ops_url, "ingest",
                    {"folder": str(folder), "price_property": price_property},
                    lambda: ingest_retailrocket(db, folder, price_property=price_property,
                                                progress=progress, ops_url=ops_url),
                    load_counts)


def refresh(db: Path, ops_url: str | None, **settings: Any) -> Path:
    from warehouse.pipeline.refresh import refresh as run_refresh

    if not db.exists():  # nothing to refresh, nor a store to record it in: say how to start
        return run_refresh(db, ops_url=ops_url, **settings)
    return recorded(db, ops_url, "refresh", settings,
                    lambda: run_refresh(db, ops_url=ops_url, **settings), refresh_counts)


def build_demo_warehouse(db: Path, ops_url: str | None = None) -> None:
    """First run: generate the embedded demo data, load it and publish a refresh."""
    from demo.generator import generate

    print(f"No data yet at {db}: building the demo warehouse (scale {DEMO_SCALE}).")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="actionboard-demo-") as tmp:
        generate(Path(tmp), scale=DEMO_SCALE, seed=DEMO_SEED)
        print(ingest(db, Path(tmp), None, ops_url))
    refresh(db, ops_url)
    print(f"Demo warehouse ready in {time.perf_counter() - started:.1f} s.")


def serve(db: Path, host: str, port: int, ops_url: str | None = None, *, workers: int = 1,
          allowed_hosts: tuple[str, ...] = (), session_hours: float | None = None) -> None:
    from dashboard.serving.server import is_loopback, run
    from dashboard.serving.settings import ServerSettings
    from warehouse.commands import create_first_admin, login_configured
    from warehouse.commands.users import FIRST_ADMIN

    if current_snapshot(db) is None:
        if db.exists():
            refresh(db, ops_url)
        else:
            build_demo_warehouse(db, ops_url)
    password = create_first_admin(db, user=CLI_USER, ops_url=ops_url)
    if password is not None:
        print(f"First start: sign in as {FIRST_ADMIN!r} with the password {password}\n"
              "  (shown only this once; add users with `python app.py users add NAME --role "
              "ROLE`, change it with `python app.py users set-password admin`).")
    if not is_loopback(host) and not login_configured(db, ops_url=ops_url):
        print(f"warning: serving on {host}, reachable from other machines, while the only user "
              "is the generated admin: add your team's users (python app.py users add) and set "
              "the admin's password first.", file=sys.stderr)
    settings = ServerSettings(allowed_hosts=tuple(allowed_hosts))
    if session_hours is not None:
        settings = replace(settings, session_hours=session_hours)
    processes = f" with {workers} worker processes" if workers > 1 else ""
    run(db, host, port, ops_url=ops_url, workers=workers, settings=settings,
        ready=lambda: print(f"Actionboard is serving {db.name} at http://{host}:{port}/"
                            f"{processes}  (Ctrl+C to stop)", flush=True))


def new_password(generate: bool) -> tuple[str, bool]:
    """A password typed twice at the terminal, or a generated one (asked for, or no terminal
    to type at); whether it was generated."""
    import getpass

    from warehouse.commands.passwords import check_password, generate_password

    if generate or not sys.stdin.isatty():
        return generate_password(), True
    first = getpass.getpass("Password: ")
    check_password(first)
    if getpass.getpass("Password again: ") != first:
        raise ValueError("the two passwords differ")
    return first, False


def users_command(db: Path, ops_url: str | None, args: argparse.Namespace) -> str:
    """Run ``users ACTION``; what to print."""
    from warehouse import commands

    name = getattr(args, "name", None)
    if args.action == "list":
        listed = commands.list_users(db, ops_url=ops_url)
        if not listed:
            return "No users yet: the first `python app.py serve` creates the admin."
        width = max(len(user.name) for user in listed)
        return "\n".join(
            f"{user.name:<{width}}  {user.role:<14}  {'disabled' if user.is_disabled else ''}"
            .rstrip() for user in listed)
    if args.action in ("add", "set-password"):
        password, generated = new_password(args.generate_password)
        if args.action == "add":
            commands.add_user(db, name, args.role, password, user=CLI_USER, ops_url=ops_url)
            done = f"Added {name} as {args.role}."
        else:
            commands.set_password(db, name, password, user=CLI_USER, ops_url=ops_url)
            done = f"Set the password of {name}."
        return f"{done} Their password: {password}" if generated else done
    if args.action == "set-role":
        commands.set_role(db, name, args.role, user=CLI_USER, ops_url=ops_url)
        return f"{name} is now {args.role}."
    commands.remove_user(db, name, user=CLI_USER, ops_url=ops_url)
    return f"Removed {name}; their sessions have ended."


def configure_logging(level: str | None, command: str) -> None:
    """Log diagnostics to stderr, once per process; user-facing output stays on stdout."""
    chosen = level or os.environ.get(LOG_ENV_VAR, "").upper() or (
        "INFO" if command == "serve" else "WARNING")
    if chosen not in LOG_LEVELS:
        chosen = "INFO"
    logging.basicConfig(level=chosen, format=LOG_FORMAT, stream=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "serve"
    configure_logging(args.log_level, command)
    db = warehouse_path(getattr(args, "db", None))
    ops_url = getattr(args, "ops_url", None)
    try:
        if command == "serve":
            serve(db, getattr(args, "host", "127.0.0.1"), getattr(args, "port", 8050), ops_url,
                  workers=getattr(args, "workers", 1),
                  allowed_hosts=tuple(getattr(args, "allowed_host", ())),
                  session_hours=getattr(args, "session_hours", None))
        elif command == "users":
            print(users_command(db, ops_url, args))
        elif command == "demo":
            from demo.generator import generate

            print(generate(args.out, scale=args.scale, seed=args.seed))
        elif command == "ingest":
            print(ingest(db, args.folder, args.price_property, ops_url))
        elif command == "ingest-orders":
            from warehouse.ingest.orders import ingest_orders

            print(recorded(db, ops_url, "ingest-orders", {"file": str(args.file)},
                           lambda: ingest_orders(db, args.file), load_counts))
        elif command == "refresh":
            path = refresh(
                db,
                ops_url,
                as_of=args.as_of,
                granularity=args.snapshots,
                clv_horizon_months=args.clv_horizon_months,
                clv_discount_rate=args.discount_rate,
            )
            print(f"Published {path.name}")
        elif command == "export":
            from warehouse.commands import export_campaign

            for path in export_campaign(db, args.campaign_id, args.out, user=CLI_USER,
                                        ops_url=ops_url):
                print(f"Wrote {path}")
        elif command == "runs":
            print(runs_table(db, ops_url, args.limit))
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        log.debug("%s failed", command, exc_info=error)
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:  # the store cannot be reached or refused the change
        log.debug("%s failed", command, exc_info=error)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"error: the operational store failed: {reason}", file=sys.stderr)
        return 2
    return 0


def runs_table(db: Path, ops_url: str | None, limit: int) -> str:
    """The last ``limit`` runs as a table (nothing is created where no store exists yet)."""
    from warehouse.commands.runs import NO_RUNS, format_runs, list_runs
    from warehouse.ops import ops_store, ops_store_exists

    if not ops_store_exists(db, ops_url):
        return NO_RUNS
    return format_runs(list_runs(ops_store(db, ops_url), limit))


if __name__ == "__main__":
    sys.exit(main())
