"""Actionboard's command line and server start: ``python app.py …``, installed ``actionboard …``.

    serve [--port 8050]          serve the dashboard (builds the demo warehouse on first run)
          [--workers N]          with N gunicorn processes (Linux; default one waitress process)
    serve --db PATH --demo       build the demo warehouse at PATH if none is there
    users list|add|set-role|set-password|remove   who may sign in to the dashboard, and as what
    demo --out DIR [--market]    write synthetic RetailRocket-format (or One Click) files
    demo --shop grocery --out DIR  write a synthetic grocery shop (orders, items, consent)
    ingest DIR                   load RetailRocket files into the warehouse
    ingest-orders FILE [--items ITEMS]  load a generic orders CSV [and its item catalogue]
    ingest-consent FILE          load a push consent / opt-out list
    ingest-market DIR            load the One Click customer-activity files
    decline                      train, explain and score the decline-risk model, publish it
    refresh                      rebuild marts and models, publish them to the dashboard
    export CAMPAIGN_ID           write a campaign's treatment and control groups as CSV
    runs [--limit N]             list the last refreshes, loads and jobs: counts and errors
    daily [--date D]             today's contact list, the model's update, the check of D-3's list
    backtest --days 7            replay the daily list and compare it with the static formula
    launch-list --date D         launch a stored daily list as a campaign with a random hold-out
    promote-train                train and judge the item propensity model (Promote an item)
    promote ITEM [--size N] [--launch NAME]  an item's push audience [and launch it]
    simulate-grocery --state FILE --out DIR [--days N]  carry the grocery demo on, load, refresh
    promote-results CAMPAIGN_ID  a push campaign's results against its hold-out
    send [--campaign ID]         deliver queued push messages through the provider adapter
    simulate --days N            carry the demo shop on N days (running campaigns' treatment
                                 groups respond) and load them
    ingest-campaign FILE --name NAME   load a campaign run elsewhere: customer_id, group,
                                 converted [, revenue, own columns]

Commands that touch the operational store take ``--ops-url`` (default ``$ACTIONBOARD_OPS_URL``,
else the SQLite file beside the warehouse). Refreshes and loads are recorded as runs
(``warehouse.commands.runs``; the decline job records its own); the command line acts as the
user "cli" in the audit log. Only argument parsing, printing and logging set-up live here: the
work is in the packages.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from sqlalchemy.exc import SQLAlchemyError

from warehouse.decline.settings import (
    DEFAULT_CANDIDATES,
    DEFAULT_DECLINE_SHARE,
    DEFAULT_HIGH_RISK,
    DEFAULT_MARGIN_RATE,
    DEFAULT_MEDIUM_RISK,
    DEFAULT_PERIOD_DAYS,
    DEFAULT_SEED,
    SOURCES,
)
from warehouse.ops.schema import ROLES
from warehouse.paths import DEFAULT_DB, check_warehouse_path, warehouse_path
from warehouse.pipeline.defaults import (
    DEFAULT_CLV_DISCOUNT_RATE,
    DEFAULT_CLV_HORIZON_MONTHS,
    DEFAULT_GRANULARITY,
)
from warehouse.snapshots import current_snapshot

DEMO_SCALE = 0.1
DEMO_SEED = 7
MARKET_CUSTOMERS = 1300  # the published One Click files' size
SEARCH_JOBS = min(os.cpu_count() or 1, 4)
GROCERY_SCALE = 1.0  # about 20,000 households, 3 M order lines
SHOPS = ("retailrocket", "grocery")
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


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _campaign_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if len(set(ids)) < 2:
        raise argparse.ArgumentTypeError(
            f"expected two or more campaign ids separated by commas, got {text!r}")
    return ids


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}")
    return int(text)


def _number(what: str, example: str, low: float | None = None, high: float | None = None, *,
            with_low: bool = False, with_high: bool = True, divisor: float = 1.0
            ) -> Callable[[str], float]:
    """An argparse type: a finite number in the interval from ``low`` to ``high`` (either end
    open or closed, None for no end), divided by ``divisor``; otherwise one line saying what is
    allowed."""
    interval = (("[" if with_low and low is not None else "(")
                + ("-inf" if low is None else f"{low:g}") + ", "
                + ("inf" if high is None else f"{high:g}")
                + ("]" if with_high and high is not None else ")"))

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}") from None
        above = low is None or (value >= low if with_low else value > low)
        below = high is None or (value <= high if with_high else value < high)
        if not (math.isfinite(value) and above and below):
            raise argparse.ArgumentTypeError(f"{what} must be in {interval}, got {text}")
        return value / divisor

    return parse


_scale = _number("scale", "a number such as 1.0", 0, 100)
_rate = _number("rate", "a rate such as 0.1 for 10%", 0, 1, with_low=True, with_high=False)
_share = _number("share", "a number such as 0.8", 0, 1, with_high=False)
_amount = _number("amount", "an amount such as 4.5")
_money = _number("amount", "an amount such as 0.5", 0, with_low=True)
_percent = _number("percentage", "a percentage such as 30", 0, 100, divisor=100)  # a fraction
_session_hours = _number("session hours", "a number of hours", 0, 24 * 90)


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
    serve.add_argument("--secure-cookies", action="store_true",
                       help="send the sign-in cookie over HTTPS only (behind a TLS proxy)")
    serve.add_argument("--demo", action="store_true",
                       help="build the demo shop at --db if no file is there (it is built "
                            "without asking only at the default location)")
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

    demo = commands.add_parser("demo", help="write synthetic data in the RetailRocket format, "
                                            "or a grocery shop in the orders format")
    demo.add_argument("--out", required=True, type=Path, help="folder to write the files to")
    demo.add_argument("--shop", choices=SHOPS, default="retailrocket",
                      help="retailrocket: behaviour events (default); grocery: orders with item "
                           "lines, an item catalogue and push consent")
    demo.add_argument("--scale", type=_scale, default=None,
                      help=f"retailrocket: 1.0 matches the real data set's size (default "
                           f"{DEMO_SCALE}); grocery: 1.0 is about 20,000 households (default "
                           f"{GROCERY_SCALE}, at most 10)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (default 7)")
    demo.add_argument("--market", action="store_true",
                      help="write the One Click customer-activity files (market_file.csv, "
                           "market_money.csv, market_time.csv, money.csv) instead")
    demo.add_argument("--customers", type=_positive_int, default=MARKET_CUSTOMERS,
                      help="with --market: how many customers (default %(default)s)")

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
    orders.add_argument("--items", type=Path, default=None,
                        help="item catalogue CSV with item_id [, name, category, price], loaded "
                             "in the same transaction")
    _add_db(orders)

    market = commands.add_parser("ingest-market",
                                 help="load the One Click customer-activity files from a folder")
    market.add_argument("folder", type=Path, help="folder holding market_file.csv, "
                        "market_money.csv, market_time.csv and money.csv")
    _add_db(market)

    decline = commands.add_parser(
        "decline", help="train, explain and score the decline-risk model, then publish it")
    decline.add_argument("--source", choices=SOURCES, default="auto",
                         help="market: the One Click files; events: the event warehouse; auto "
                              "(default): the One Click files when loaded, else the events")
    decline.add_argument("--as-of", type=_iso_date, default=None,
                         help="events: score as of this date, YYYY-MM-DD (default: last day)")
    decline.add_argument("--period-days", type=_positive_int, default=DEFAULT_PERIOD_DAYS,
                         help="events: length of a month and of the label period, in days "
                              "(default %(default)s)")
    decline.add_argument("--decline-share", type=_share, default=DEFAULT_DECLINE_SHARE,
                         help="events: 'decreased' when the label period's purchases or revenue "
                              "fall below this share of the previous periods' (default "
                              "%(default)s)")
    decline.add_argument("--margin-rate", type=_share, default=DEFAULT_MARGIN_RATE,
                         help="events: profit = margin rate × revenue (default %(default)s)")
    decline.add_argument("--medium-risk", type=_share, default=DEFAULT_MEDIUM_RISK,
                         help="risk from which a customer is medium risk (default %(default)s)")
    decline.add_argument("--high-risk", type=_share, default=DEFAULT_HIGH_RISK,
                         help="risk above which a customer is high risk (default %(default)s)")
    decline.add_argument("--profit-threshold", type=_amount, default=None,
                         help="monthly profit from which a customer is high profit "
                              "(default: the median of the scored customers)")
    decline.add_argument("--candidates", type=_positive_int, default=DEFAULT_CANDIDATES,
                         help="models tried by the randomized search (default %(default)s)")
    decline.add_argument("--seed", type=int, default=DEFAULT_SEED,
                         help="random seed of the split and the search (default %(default)s)")
    decline.add_argument("--jobs", type=_positive_int, default=SEARCH_JOBS,
                         help="processes for the search (default %(default)s; same results)")
    decline.add_argument("--no-publish", action="store_true",
                         help="store the results without publishing a refresh")
    _add_db(decline)

    consent = commands.add_parser("ingest-consent", help="load a push consent / opt-out list")
    consent.add_argument("file", type=Path,
                         help="CSV with customer_id [, consent, opted_out_at, time_zone]")
    _add_db(consent)

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

    daily = commands.add_parser(
        "daily", help="the daily contact list: top visitors to contact, retrain, check D-3")
    daily.add_argument("--date", type=_iso_date, default=None,
                       help="report date YYYY-MM-DD (default: the day after the last activity)")
    daily.add_argument("--out", type=Path, default=None,
                       help="folder for the report files (default: reports/ beside the "
                            "warehouse, data/reports/)")
    daily.add_argument("--retrain", action="store_true",
                       help="train the day's new model version from scratch")
    _add_db(daily)

    backtest = commands.add_parser(
        "backtest", help="replay the daily list over past days against the static formula")
    backtest.add_argument("--days", type=_positive_int, default=7,
                          help="consecutive report dates (default 7)")
    backtest.add_argument("--end", type=_iso_date, default=None,
                          help="last report date YYYY-MM-DD (default: the last whose outcome "
                               "window has closed)")
    _add_db(backtest)

    launch = commands.add_parser(
        "launch-list", help="launch a stored daily list as a campaign with a random hold-out")
    launch.add_argument("--date", type=_iso_date, required=True,
                        help="report date of the list, YYYY-MM-DD (run daily for it first)")
    launch.add_argument("--control-share", type=float, default=0.1,
                        help="share held out at random and not contacted (default 0.1)")
    launch.add_argument("--channel", default="email", help="channel (default email)")
    launch.add_argument("--name", default=None,
                        help="campaign name (default: Daily list YYYY-MM-DD)")
    _add_db(launch)

    _add_promote_commands(commands)

    simulate = commands.add_parser(
        "simulate", help="carry the demo shop on for some days and load them (demo only)")
    simulate.add_argument("--days", type=_positive_int, required=True,
                          help="days to simulate after the last loaded event (1-366)")
    simulate.add_argument("--refresh", action="store_true",
                          help="refresh afterwards (default: say to)")
    _add_db(simulate)

    results = commands.add_parser(
        "ingest-campaign", help="load the results of a campaign run outside Actionboard")
    results.add_argument(
        "file", type=Path,
        help="CSV with customer_id, group (treatment|control), converted (0/1) [, revenue, "
             "other numeric or text columns]")
    results.add_argument("--name", required=True,
                         help="the campaign's name; loading the same name again replaces it")
    results.add_argument("--channel", default="email",
                         help="channel it used: email, push, sms, onsite (default email)")
    results.add_argument("--action", default="Imported campaign", help="what it did")
    results.add_argument("--offer", default="(not stated)", help="its offer")
    results.add_argument("--kpi", default="conversion rate", help="what it aimed at")
    results.add_argument("--launched-at", type=_iso_date, default=None,
                         help="first day, YYYY-MM-DD (default: the end of the loaded data)")
    results.add_argument("--ends-at", type=_iso_date, default=None,
                         help="last day, YYYY-MM-DD (default: the first day)")
    results.add_argument("--control-share", type=float, default=None,
                         help="share planned for control, e.g. 0.2, for the sample-ratio check "
                              "(default: the share in the file)")
    _add_db(results)

    uplift = commands.add_parser(
        "uplift", help="the uplift models learnt from completed campaigns, and the money")
    uplift.add_argument("--top", type=_percent, default="30",
                        help="share to contact in the economic table, in %% (default 30)")
    uplift.add_argument("--cost-per-contact", type=_money, default=0.0,
                        help="cost of one contact (default 0)")
    uplift.add_argument("--margin", type=_money, default=None,
                        help="margin per conversion (default: revenue per converted customer)")
    uplift.add_argument("--campaigns", type=_campaign_ids, default=None, metavar="A,B",
                        help="learn one pooled model of these completed campaigns with the same "
                             "action (comma-separated ids) and show it")
    _add_db(uplift)

    targeted = commands.add_parser(
        "uplift-launch",
        help="launch the customers with the highest predicted uplift, with a control group")
    targeted.add_argument("--top", type=_percent, required=True,
                          help="share of the customers to target, in %%, e.g. 30")
    targeted.add_argument("--name", default=None, help="campaign name")
    targeted.add_argument("--control-share", type=float, default=0.2,
                          help="share held out as control (default 0.2)")
    targeted.add_argument("--duration-days", type=_positive_int, default=28,
                          help="length of the window in days (default 28)")
    targeted.add_argument("--as-rule", action="store_true",
                          help="create a rule on the board instead (persuadables in the top "
                               "share of all customers by uplift score), to launch from there")
    _add_db(targeted)
    return parser


def _add_promote_commands(commands: Any) -> None:
    from warehouse.promote import settings as promote

    train = commands.add_parser("promote-train", help="train and judge the item propensity "
                                                      "model; writes its report")
    train.add_argument("--min-basket", type=_positive_int, default=promote.DEFAULT_MIN_BASKET,
                       help="N: a qualifying order holds at least N items (default %(default)s)")
    train.add_argument("--horizon-days", type=_positive_int,
                       default=promote.DEFAULT_HORIZON_DAYS,
                       help="H: the purchase must come within H days (default %(default)s)")
    _add_db(train)

    item = commands.add_parser("promote", help="an item's push audience: the customers most "
                                               "likely to buy it in a large basket")
    item.add_argument("item_id", help="the item's id")
    item.add_argument("--size", type=_positive_int, default=None,
                      help="take the N most likely customers (default: the smallest audience "
                           "expected to capture 70%% of the item's qualifying purchases)")
    item.add_argument("--frequency-cap", type=_positive_int, default=promote.FREQUENCY_CAP,
                      help="leave out customers pushed this often in the last "
                           f"{promote.FREQUENCY_CAP_DAYS} days (default %(default)s)")
    item.add_argument("--launch", metavar="NAME", default=None,
                      help="launch the audience as a push campaign of this name, with a "
                           f"{promote.HOLDOUT_SHARE:.0%} random hold-out")
    _add_db(item)

    sim = commands.add_parser("simulate-grocery", help="carry the grocery demo shop on with its "
                                                       "push campaigns answered; load, refresh")
    sim.add_argument("--state", type=Path, required=True,
                     help="grocery_state.npz written with the files loaded last")
    sim.add_argument("--out", type=Path, required=True, help="folder for the new days' files")
    sim.add_argument("--days", type=_positive_int, default=promote.DEFAULT_HORIZON_DAYS,
                     help="days to add (default %(default)s)")
    _add_db(sim)

    results = commands.add_parser("promote-results", help="a push campaign's results against "
                                                          "its hold-out, in the published data")
    results.add_argument("campaign_id", help="campaign id, as printed at the launch")
    _add_db(results)

    send = commands.add_parser("send", help="deliver the outbox's queued push messages through "
                                            "the provider adapter (webhook or file)")
    send.add_argument("--campaign", default=None, help="only this campaign's messages")
    send.add_argument("--settings", type=Path, default=None,
                      help="delivery settings file, TOML with a [delivery] table (default: "
                           "$ACTIONBOARD_SEND_SETTINGS, else <db stem>.delivery.toml beside the "
                           "warehouse if present)")
    send.add_argument("--adapter", choices=("webhook", "file"), default=None,
                      help="override the settings' adapter")
    send.add_argument("--url", default=None, help="the webhook's URL")
    send.add_argument("--folder", type=Path, default=None, help="the file adapter's folder")
    send.add_argument("--file-format", choices=("csv", "jsonl"), default=None,
                      help="the file adapter's format")
    send.add_argument("--rate", type=_number("rate", "messages per second such as 2000", 0),
                      default=None,
                      help="at most this many messages per second")
    _add_db(send)


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


def ingest_market(db: Path, folder: Path, ops_url: str | None, progress: bool = True) -> Any:
    from warehouse.ingest.market import ingest_market as load_market

    return recorded(db, ops_url, "ingest-market", {"folder": str(folder)},
                    lambda: load_market(db, folder, progress=progress), load_counts)


def refresh(db: Path, ops_url: str | None, progress: bool = True, **settings: Any) -> Path:
    from warehouse.pipeline.refresh import refresh as run_refresh

    if not db.exists():  # nothing to refresh, nor a store to record it in: say how to start
        return run_refresh(db, ops_url=ops_url, progress=progress, **settings)
    return recorded(db, ops_url, "refresh", settings,
                    lambda: run_refresh(db, ops_url=ops_url, progress=progress, **settings),
                    refresh_counts)


def write_demo(shop: str, out: Path, scale: float | None, seed: int) -> Any:
    """Write a demo shop's files into ``out``; returns the generator's summary."""
    if shop == "grocery":
        from demo.grocery.shop import generate_grocery

        summary = generate_grocery(out, scale=scale or GROCERY_SCALE, seed=seed)
        return (f"{summary}\nLoad it with: python app.py ingest-orders {out / 'orders.csv'} "
                f"--items {out / 'items.csv'} --db DB, then python app.py ingest-consent "
                f"{out / 'push_consent.csv'} --db DB")
    from demo.generator import generate

    return generate(out, scale=scale or DEMO_SCALE, seed=seed)


def simulate(db: Path, days: int, ops_url: str | None, then_refresh: bool) -> None:
    """Carry the demo shop on ``days`` days, load them (a recorded run), refresh or say to."""
    from warehouse.demo_shop import simulate_days

    result = recorded(db, ops_url, "simulate", {"days": days},
                      lambda: simulate_days(db, days, ops_url=ops_url),
                      lambda done: load_counts(done.load))
    print(result)
    if then_refresh:
        print(f"Published {refresh(db, ops_url).name}")
    else:
        print(f"Run `python app.py refresh --db {db}` to publish the new days.")


def ingest_campaign(db: Path, ops_url: str | None, args: argparse.Namespace) -> None:
    """Load a campaign's results from a file (the command side's import) and say what it did."""
    from warehouse.commands import import_campaign_results

    imported = import_campaign_results(
        db, args.file, name=args.name, user=CLI_USER, channel=args.channel, action=args.action,
        offer=args.offer, kpi=args.kpi, launched_at=args.launched_at, ends_at=args.ends_at,
        control_share=args.control_share, ops_url=ops_url)
    print(imported)
    print(f"Run `python app.py refresh --db {db}` to measure it and learn whom it persuaded.")


def build_demo_warehouse(db: Path, ops_url: str | None = None, *, scale: float = DEMO_SCALE,
                         seed: int = DEMO_SEED, progress: bool = True,
                         decline: bool = True) -> None:
    """First run: generate the embedded demo data (the shop's events and the One Click
    customer-activity files), load them, keep the shop's simulator state and ground truth beside
    the warehouse (``simulate`` carries it on), run the decline model (unless ``decline`` is
    False) and publish a refresh."""
    from demo.generator import generate
    from demo.market import generate_market
    from warehouse.decline.job import DeclineSettings, run_decline
    from warehouse.demo_shop import keep_demo_files

    print(f"No data yet at {db}: building the demo warehouse (scale {scale:g}).")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="actionboard-demo-") as tmp:
        shop, market = Path(tmp) / "shop", Path(tmp) / "market"
        generate(shop, scale=scale, seed=seed, progress=progress)
        print(ingest(db, shop, None, ops_url, progress))
        keep_demo_files(shop, db)
        generate_market(market, customers=MARKET_CUSTOMERS, seed=seed)
        print(ingest_market(db, market, ops_url, progress=False))
    published = False
    if decline:
        try:  # the decline job records its run and publishes the refresh
            print(run_decline(db, DeclineSettings(n_jobs=SEARCH_JOBS), ops_url=ops_url))
            published = True
        except ValueError as error:  # the rest of the demo stands without the decline model
            log.warning("decline model not built: %s", error)
    if not published:
        refresh(db, ops_url, progress=progress)
    print(f"Demo warehouse ready in {time.perf_counter() - started:.1f} s.")


def serve(db: Path, host: str, port: int, ops_url: str | None = None, *, demo: bool = False,
          workers: int = 1, allowed_hosts: tuple[str, ...] = (),
          session_hours: float | None = None, secure_cookies: bool = False) -> None:
    """Serve the dashboard on ``db``. Without a published snapshot, a warehouse is refreshed
    first; where no file exists, the demo shop is built, but only at the default location or
    with ``demo``: a mistyped --db must not fill a new file with made-up data."""
    from dashboard.serving.server import is_loopback, run
    from dashboard.serving.settings import ServerSettings
    from warehouse.commands import create_first_admin, login_configured
    from warehouse.commands.users import FIRST_ADMIN

    if current_snapshot(db) is None:
        if db.exists():
            refresh(db, ops_url)
        elif demo or db == DEFAULT_DB.resolve():
            build_demo_warehouse(db, ops_url)
        else:
            raise FileNotFoundError(
                f"No warehouse at {db}. Load data first (python app.py ingest DIR --db {db}), or "
                "pass --demo to build the demo shop there."
            )
    password = create_first_admin(db, user=CLI_USER, ops_url=ops_url)
    if password is not None:
        print(f"First start: sign in as {FIRST_ADMIN!r} with the password {password}\n"
              "  (shown only this once; add users with `python app.py users add NAME --role "
              "ROLE`, change it with `python app.py users set-password admin`).")
    if not is_loopback(host) and not login_configured(db, ops_url=ops_url):
        print(f"warning: serving on {host}, reachable from other machines, while the only user "
              "is the generated admin: add your team's users (python app.py users add) and set "
              "the admin's password first.", file=sys.stderr)
    settings = ServerSettings(allowed_hosts=tuple(allowed_hosts), secure_cookies=secure_cookies)
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
        if command != "demo":
            check_warehouse_path(db)
        if command == "serve":
            serve(db, getattr(args, "host", "127.0.0.1"), getattr(args, "port", 8050), ops_url,
                  demo=getattr(args, "demo", False), workers=getattr(args, "workers", 1),
                  allowed_hosts=tuple(getattr(args, "allowed_host", ())),
                  session_hours=getattr(args, "session_hours", None),
                  secure_cookies=getattr(args, "secure_cookies", False))
        elif command == "users":
            print(users_command(db, ops_url, args))
        elif command == "demo" and args.market:
            from demo.market import generate_market

            print(generate_market(args.out, customers=args.customers, seed=args.seed))
        elif command == "demo":
            print(write_demo(args.shop, args.out, args.scale, args.seed))
        elif command == "ingest":
            print(ingest(db, args.folder, args.price_property, ops_url))
        elif command == "ingest-orders":
            from warehouse.ingest.orders import ingest_orders

            items = args.items
            print(recorded(db, ops_url, "ingest-orders",
                           {"file": str(args.file), "items": items and str(items)},
                           lambda: ingest_orders(db, args.file, items=items), load_counts))
        elif command == "ingest-consent":
            from warehouse.ingest.consent import ingest_consent

            print(recorded(db, ops_url, "ingest-consent", {"file": str(args.file)},
                           lambda: ingest_consent(db, args.file), load_counts))
        elif command == "ingest-market":
            print(ingest_market(db, args.folder, ops_url))
        elif command == "decline":
            from warehouse.decline.job import DeclineSettings, run_decline

            print(f"Searching {args.candidates} candidate models over five families "
                  f"({args.jobs} process{'es' if args.jobs > 1 else ''}); this takes a while.")
            print(run_decline(db, DeclineSettings(
                source=args.source, as_of=args.as_of, period_days=args.period_days,
                decline_share=args.decline_share, margin_rate=args.margin_rate,
                medium_from=args.medium_risk, high_above=args.high_risk,
                profit_threshold=args.profit_threshold, candidates=args.candidates,
                seed=args.seed, n_jobs=args.jobs), publish=not args.no_publish, ops_url=ops_url))
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
        elif command == "promote-train":
            from warehouse.promote.data import PromoteSettings
            from warehouse.promote.job import train_propensity

            settings = PromoteSettings(min_basket=args.min_basket,
                                       horizon_days=args.horizon_days)
            print(recorded(db, ops_url, "promote-train", {"min_basket": args.min_basket,
                                                          "horizon_days": args.horizon_days},
                           lambda: train_propensity(db, settings, ops_url=ops_url),
                           lambda result: {"version": result.version}).describe())
        elif command == "promote":
            print(promote_item(db, args.item_id, args.size, args.frequency_cap, args.launch,
                               ops_url))
        elif command == "simulate-grocery":
            print(simulate_grocery_shop(db, args.state, args.out, args.days, ops_url))
        elif command == "promote-results":
            from warehouse.promote.results import push_results

            print(push_results(db, args.campaign_id).describe())
        elif command == "send":
            print(send_messages(db, ops_url, args))
        elif command == "daily":
            from warehouse.daily.job import run_daily

            print(run_daily(db, args.date, out=args.out, retrain=args.retrain, ops_url=ops_url))
        elif command == "backtest":
            from warehouse.daily.backtest import run_backtest

            print(run_backtest(db, args.days, args.end, ops_url=ops_url))
        elif command == "launch-list":
            from warehouse.commands import launch_daily_list

            launched = launch_daily_list(db, args.date, control_share=args.control_share,
                                         channel=args.channel, name=args.name, user=CLI_USER,
                                         ops_url=ops_url)
            print(f"Launched {launched.campaign_id} ({launched.name}): "
                  f"{launched.count_treatment:,} to contact, {launched.count_control:,} held out"
                  f", {launched.count_excluded:,} left out (in a running campaign), "
                  f"{launched.count_no_consent:,} who refused notifications. "
                  f"{launched.describe_clock()}")
        elif command == "simulate":
            simulate(db, args.days, ops_url, args.refresh)
        elif command == "ingest-campaign":
            ingest_campaign(db, ops_url, args)
        elif command == "uplift" and args.campaigns:
            from warehouse.uplift_pool import pooled_report, train_pooled_model

            print(pooled_report(train_pooled_model(db, args.campaigns, ops_url=ops_url)))
        elif command == "uplift":
            print(uplift_report(db, args.top, args.cost_per_contact, args.margin))
        elif command == "uplift-launch" and args.as_rule:
            from warehouse.commands import create_uplift_rule

            rule = create_uplift_rule(db, user=CLI_USER, share=args.top, name=args.name,
                                      ops_url=ops_url)
            print(f"Created rule {rule.rule_id} ({rule.name}) at priority {rule.priority}.")
        elif command == "uplift-launch":
            from warehouse.commands import launch_top_uplift

            launched = launch_top_uplift(
                db, user=CLI_USER, share=args.top, name=args.name,
                control_share=args.control_share, duration_days=args.duration_days,
                ops_url=ops_url)
            print(f"Launched {launched.campaign_id} ({launched.name}): "
                  f"{launched.count_treatment:,} treatment, {launched.count_control:,} control, "
                  f"{launched.count_excluded:,} left out (in a running campaign), "
                  f"{launched.count_no_consent:,} who refused notifications. "
                  f"{launched.describe_clock()}")
    except (OSError, ValueError, RuntimeError, duckdb.Error) as error:
        log.debug("%s failed", command, exc_info=error)
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:  # the store cannot be reached or refused the change
        log.debug("%s failed", command, exc_info=error)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"error: the operational store failed: {reason}", file=sys.stderr)
        return 2
    return 0


def _one_line(error: BaseException) -> str:
    """The error's message on one line (DuckDB's span several, with hints)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return "; ".join(lines[:3]) if lines else type(error).__name__


def promote_item(db: Path, item_id: str, size: int | None, frequency_cap: int,
                 launch: str | None, ops_url: str | None) -> str:
    """An item's push audience in words, and the launched campaign when ``launch`` names it."""
    from warehouse.promote.audience import launch_promotion, plan_audience

    plan = plan_audience(db, item_id, size=size, frequency_cap=frequency_cap, ops_url=ops_url)
    if launch is None:
        return plan.describe()
    campaign = launch_promotion(db, plan, user=CLI_USER, name=launch, ops_url=ops_url)
    return (f"{plan.describe()}\nLaunched {campaign.campaign_id} {campaign.name!r}: "
            f"{campaign.count_treatment:,} to push, {campaign.count_control:,} held out, "
            f"{campaign.count_excluded:,} left out as already in a running campaign. "
            f"{campaign.describe_clock()} {campaign.count_queued:,} messages queued, not before "
            f"{campaign.not_before:%Y-%m-%d %H:%M} UTC: `python app.py send --campaign "
            f"{campaign.campaign_id}` delivers them.")


def send_messages(db: Path, ops_url: str | None, args: argparse.Namespace) -> str:
    """Deliver the queued push messages with the settings file and options given."""
    from warehouse.delivery.sender import send_queued
    from warehouse.delivery.settings import load_settings

    settings = load_settings(db, args.settings, adapter=args.adapter, url=args.url,
                             folder=args.folder, file_format=args.file_format,
                             rate_per_second=args.rate)
    return send_queued(db, settings, user=CLI_USER, campaign_id=args.campaign,
                       ops_url=ops_url).describe()


def simulate_grocery_shop(db: Path, state: Path, out: Path, days: int,
                          ops_url: str | None) -> str:
    """The grocery demo's next ``days`` days written, loaded and refreshed."""
    from demo.grocery.continuation import continue_grocery
    from warehouse.ingest.consent import ingest_consent
    from warehouse.ingest.orders import ingest_orders

    summary = continue_grocery(db, state, out, days, ops_url)
    loaded = recorded(db, ops_url, "ingest-orders", {"file": str(out / "orders.csv")},
                      lambda: ingest_orders(db, out / "orders.csv", items=out / "items.csv"),
                      load_counts)
    consent = recorded(db, ops_url, "ingest-consent", {"file": str(out / "push_consent.csv")},
                       lambda: ingest_consent(db, out / "push_consent.csv"), load_counts)
    path = refresh(db, ops_url)
    return (f"{summary}\n{loaded}\n{consent}\nPublished {path.name}. Next time: "
            f"--state {out / 'grocery_state.npz'}")


def uplift_report(db: Path, share: float, cost_per_contact: float, margin: float | None) -> str:
    """The learnt campaigns, the published model's comparison, types and economic table."""
    from warehouse.queries.uplift import campaign_economics, evidence, uplift_models
    from warehouse.snapshots import open_snapshot

    with open_snapshot(db) as con:
        models = uplift_models(con)
        if models.empty:
            return ("No completed campaign with a control group yet: launch one (Action board or "
                    "uplift-launch), or load one with ingest-campaign, then refresh.")
        lines = ["Campaigns (newest first), then pooled models:"]
        for row in models.itertuples():
            state = (f"{row.learner}, Qini {row.qini_coefficient:.3f} "
                     f"[{row.qini_low:.3f}, {row.qini_high:.3f}], version {row.model_version}"
                     if row.is_trained else row.reason)
            mark = "  (published as uplift_score)" if row.is_published else ""
            lines.append(f"  {row.campaign_id}  {row.name}: {row.count_treatment:,} treated, "
                         f"{row.count_control:,} control; {state}{mark}")
        published = models[models["is_published"]]
        if published.empty:
            return "\n".join(lines)
        campaign = str(published["campaign_id"].iloc[0])
        learners = evidence(con, "uplift_learners", campaign)
        types = evidence(con, "uplift_types", campaign)
        money = campaign_economics(con, campaign, share=share, cost_per_contact=cost_per_contact,
                                   margin_per_conversion=margin)
    lines += ["", f"Learners compared on held-out customers of {campaign}:",
              learners[["label", "qini_coefficient", "qini_low", "qini_high", "auuc",
                        "uplift_at_k", "is_chosen"]].to_string(index=False, float_format="%.3f"),
              "", "Response types (persuadable: predicted uplift >= 1 point; do-not-disturb: "
              "<= -1 point; else sure thing if P(convert without contact) >= 50%, lost cause):",
              types[["scope", "response_type", "customers", "share", "avg_uplift"]].to_string(
                  index=False, float_format="%.3f"),
              "", "The money (95% intervals), for a population like the campaign's:",
              money[["policy", "contacts", "incremental_conversions",
                     "incremental_conversions_low", "incremental_conversions_high", "cost",
                     "incremental_revenue", "profit", "profit_low", "profit_high"]].to_string(
                  index=False, float_format="%.1f")]
    return "\n".join(lines)


def runs_table(db: Path, ops_url: str | None, limit: int) -> str:
    """The last ``limit`` runs as a table (nothing is created where no store exists yet)."""
    from warehouse.commands.runs import NO_RUNS, format_runs, list_runs
    from warehouse.ops import ops_store, ops_store_exists

    if not ops_store_exists(db, ops_url):
        return NO_RUNS
    return format_runs(list_runs(ops_store(db, ops_url), limit))


if __name__ == "__main__":
    sys.exit(main())
