"""Write a grocery shop in the generic orders format, and continue it day by day.

``generate_grocery(out_dir, scale, seed)`` writes half a year (2024-01-01 to 2024-06-30, UTC)
of a grocery app shaped like public grocery data (Instacart): about 10 items per order, most
of them re-orders, about 50,000 products in departments and aisles, households ordering weekly,
fortnightly or monthly and re-buying staples on their own cycles, some always buying large
baskets. Scale 1 is about 20,000 households (80 % customers when the data starts, the rest
joining during it; some leave): about 310,000 orders, 3 M order lines.

Files (``demo.writer`` style: header, unquoted values):

* ``orders.csv`` — one row per order line: ``customer_id, order_id, ordered_at, amount,
  item_id, quantity``; ``ordered_at`` is ``YYYY-MM-DD HH:MM:SS`` in UTC, ``amount`` the line's
  amount (price × quantity, 2 decimals);
* ``items.csv`` — ``item_id, name, category, price`` with category ``department / aisle``;
* ``push_consent.csv`` — ``customer_id, consent (1/0), opted_out_at`` (empty unless the
  customer opted out);
* ground truth that ingest never reads: ``ground_truth_households.csv`` (type, order cycle,
  staples, typical basket, dates, push response type), ``ground_truth_staples.csv`` (each
  household's staple items and their re-purchase cycles in days);
* ``grocery_state.npz`` for the continuation (``demo.grocery.state``).

``simulate_grocery(state_file, out_dir, last_order_ms, days, campaigns)`` appends ``days`` days
after the last loaded order in the same files (only the new rows: new orders, new households'
consent rows and the opt-outs of these days; ``items.csv`` again), with running push campaigns
answered as ``demo.grocery.push`` says, their realised effects in
``ground_truth_push_effects.csv``, and the next state. Deterministic for the state (and seed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.grocery.calendar import END_MS, MS_PER_DAY, N_DAYS, START_MS
from demo.grocery.catalogue import GroceryCatalogue, build_grocery_catalogue
from demo.grocery.households import (
    HOUSEHOLD_TYPES,
    TYPE_NAMES,
    NewHouseholds,
    department_of_aisles,
    draw_households,
)
from demo.grocery.orders import Orders, run_orders
from demo.grocery.push import PUSH_EFFECT_COLUMNS, PushCampaign, apply_push, push_types
from demo.grocery.state import GROCERY_STATE_FILE, GroceryState
from demo.response import TYPES
from demo.state import check_continuity
from demo.streams import stream
from demo.writer import write_all

log = logging.getLogger(__name__)

HOUSEHOLDS = 20_000  # at scale 1: customers when the data starts plus those joining during it
JOINING_SHARE = 0.2  # of HOUSEHOLDS join during the period; they keep joining at that rate
ESTABLISHED_SINCE_DAYS = 365  # established households joined up to a year before the data
GROCERY_FILES = ("orders.csv", "items.csv", "push_consent.csv")


@dataclass
class GrocerySummary:
    """What a grocery run wrote: span, rows per file, households, campaign reach, time."""

    out_dir: Path
    start_ms: int  # exclusive
    end_ms: int
    rows: dict[str, int] = field(default_factory=dict)
    new_households: int = 0
    orders: int = 0
    pushed: int = 0  # treated customers the push reached
    not_delivered: int = 0  # treated customers without consent, or unknown ids
    orders_caused: int = 0
    orders_prevented: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        span = (f"{np.datetime64(self.start_ms + 1, 'ms').astype('datetime64[s]')} to "
                f"{np.datetime64(self.end_ms, 'ms').astype('datetime64[s]')} UTC")
        lines = [f"Wrote grocery orders {span} to {self.out_dir} in {self.seconds:.1f} s: "
                 f"{self.orders:,} orders, {self.new_households:,} new households"]
        if self.pushed or self.not_delivered:
            lines[0] += (f"; pushes reached {self.pushed:,} customers ({self.not_delivered:,} "
                         f"not reached), causing {self.orders_caused:,} orders and "
                         f"preventing {self.orders_prevented:,}")
        width = max(len(name) for name in self.rows)
        lines += [f"  {name:<{width}}  {count:>12,} rows" for name, count in self.rows.items()]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Span:
    """One run's result before writing."""

    state: GroceryState
    orders: Orders
    order_ids: np.ndarray
    new_households: np.ndarray  # positions
    opted_out: np.ndarray  # positions that opted out in the span
    effects: list[pa.Table]
    summary: GrocerySummary


def generate_grocery(out_dir: Path, scale: float = 1.0, seed: int = 7) -> GrocerySummary:
    """Write the grocery shop's half year into ``out_dir`` (created if needed).

    ``scale`` in (0, 10]: 1.0 is about 20,000 households. Same seed → identical files.
    """
    if not 0 < scale <= 10:
        raise ValueError(f"scale must be in (0, 10], got {scale}")
    started = time.perf_counter()
    cat = _catalogue(seed)
    rng = stream(seed, "grocery", 1)
    n = max(round(HOUSEHOLDS * scale * (1 - JOINING_SHARE)), 1)
    joined = START_MS - rng.integers(0, ESTABLISHED_SINCE_DAYS * MS_PER_DAY, n)
    first = draw_households(n, joined, True, START_MS, cat, _departments(cat), START_MS, rng)
    empty = np.empty(0, dtype=np.int64)
    state = GroceryState(
        seed=seed, scale=scale, clock_ms=START_MS - 1, chunk_start_ms=START_MS - 2,
        next_order_id=1, kind=empty.astype(np.int8), joined=empty, leaves=empty,
        next_order=empty, consent=empty.astype(np.int8), opted_out_at=empty,
        basket_mean=empty.astype(np.float64), push_u=empty.astype(np.float32),
        staple_owner=empty, staple_item=empty, staple_cycle=empty.astype(np.float64),
        staple_due=empty,
    )
    state = _join(state, first, rng)
    span = _advance(state, cat, END_MS - 1, ())
    summary = _write(span, cat, Path(out_dir), all_households=True)
    summary.seconds = time.perf_counter() - started
    log.info("%s", summary)
    return summary


def simulate_grocery(
    state_file: Path, out_dir: Path, last_order_ms: int, days: int,
    campaigns: Sequence[PushCampaign] = (),
) -> GrocerySummary:
    """Write ``days`` days of the grocery shop after ``last_order_ms`` into ``out_dir``.

    ``state_file``: the ``grocery_state.npz`` written with the files loaded last;
    ``last_order_ms``: the newest order time in the warehouse (Unix ms). Raises ValueError when
    the state does not belong to the loaded data (as ``demo.simulator.simulate`` does).
    """
    started = time.perf_counter()
    if not 1 <= days <= 366:
        raise ValueError(f"days must be between 1 and 366, got {days}")
    state = GroceryState.load(state_file)
    check_continuity(state.clock_ms, state.chunk_start_ms, last_order_ms, "orders")
    cat = _catalogue(state.seed)
    span = _advance(state, cat, state.clock_ms + days * MS_PER_DAY, campaigns)
    summary = _write(span, cat, Path(out_dir), all_households=False)
    summary.seconds = time.perf_counter() - started
    log.info("%s", summary)
    return summary


def _catalogue(seed: int) -> GroceryCatalogue:
    return build_grocery_catalogue(stream(seed, "grocery", 0))


def _departments(cat: GroceryCatalogue) -> np.ndarray:
    return department_of_aisles(cat.aisle_names)


def _join(state: GroceryState, new: NewHouseholds, rng: np.random.Generator) -> GroceryState:
    """``state`` plus the households ``new`` (a NewHouseholds), with their push ``u``."""
    offset = state.n_households
    return state.with_(
        kind=np.concatenate([state.kind, new.kind]),
        joined=np.concatenate([state.joined, new.joined]),
        leaves=np.concatenate([state.leaves, new.leaves]),
        next_order=np.concatenate([state.next_order, new.next_order]),
        consent=np.concatenate([state.consent, new.consent]),
        opted_out_at=np.concatenate([state.opted_out_at, new.opted_out_at]),
        basket_mean=np.concatenate([state.basket_mean, new.basket_mean]),
        push_u=np.concatenate([state.push_u, rng.random(len(new)).astype(np.float32)]),
        staple_owner=np.concatenate([state.staple_owner, new.staple_owner + offset]),
        staple_item=np.concatenate([state.staple_item, new.staple_item]),
        staple_cycle=np.concatenate([state.staple_cycle, new.staple_cycle]),
        staple_due=np.concatenate([state.staple_due, new.staple_due]),
    )


def _advance(
    state: GroceryState, cat: GroceryCatalogue, end: int, campaigns: Sequence[PushCampaign]
) -> _Span:
    """Orders in (clock, end]: households joining, natural orders, then the pushes' effects."""
    start = state.clock_ms
    summary = GrocerySummary(Path(), start, end)

    def rng(step: int) -> np.random.Generator:
        return stream(state.seed, "grocery", 2, start, step)

    arrive = rng(0)
    rate = HOUSEHOLDS * state.scale * JOINING_SHARE / N_DAYS
    n_new = int(arrive.poisson(rate * (end - start) / MS_PER_DAY))
    joined = np.sort(arrive.integers(start + 1, end + 1, n_new))
    new = draw_households(n_new, joined, False, start, cat, _departments(cat), end, arrive)
    offset = state.n_households
    state = _join(state, new, arrive)
    summary.new_households = n_new

    first = np.searchsorted(state.staple_owner, np.arange(state.n_households))
    count = np.bincount(state.staple_owner, minlength=state.n_households)
    next_order, due = state.next_order.copy(), state.staple_due.copy()
    natural = run_orders(state.kind, state.leaves, next_order, first, count, state.staple_item,
                         state.staple_cycle, due, end, cat, rng(1))

    cancelled = np.zeros(len(natural), dtype=bool)
    caused, effects = [], []
    consent, opted_out_at = state.consent.copy(), state.opted_out_at.copy()
    opted: list[np.ndarray] = []
    for campaign in campaigns:
        out = apply_push(state, campaign, natural, (start, end), cat, rng(2))
        cancelled |= out.cancelled
        caused.append(out.caused)
        effects.append(out.effects)
        consent[out.opted_out] = 0
        opted_out_at[out.opted_out] = out.opted_out_at
        opted.append(out.opted_out)
        delivered = out.effects["delivered"].to_numpy()
        summary.pushed += int(delivered.sum())
        summary.not_delivered += int(campaign.treatment.size - delivered.sum())
        summary.orders_caused += len(out.caused)
    summary.orders_prevented = int(cancelled.sum())
    orders = Orders.concat([natural.without(cancelled), *caused])
    order_ids = np.empty(len(orders), dtype=np.int64)
    order_ids[np.lexsort((orders.household, orders.at))] = (
        state.next_order_id + np.arange(len(orders)))
    summary.orders = len(orders)
    last = int(orders.at.max()) if len(orders) else end
    state = state.with_(
        clock_ms=max(end, last), chunk_start_ms=start,
        next_order_id=state.next_order_id + len(orders), next_order=next_order, staple_due=due,
        consent=consent, opted_out_at=opted_out_at,
    )
    return _Span(state, orders, order_ids, offset + np.arange(n_new),
                 np.unique(np.concatenate([np.empty(0, np.int64), *opted])), effects, summary)


def _iso(ms: np.ndarray) -> pa.Array:
    """Unix ms as ``YYYY-MM-DD HH:MM:SS`` (UTC, to the second)."""
    seconds = pa.array(np.asarray(ms) // 1000, pa.int64()).cast(pa.timestamp("s"))
    return pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S")


def _write(span: _Span, cat: GroceryCatalogue, out_dir: Path, all_households: bool
           ) -> GrocerySummary:
    state, orders = span.state, span.orders
    out_dir.mkdir(parents=True, exist_ok=True)
    listed = (np.arange(state.n_households) if all_households
              else np.union1d(span.new_households, span.opted_out))
    new = np.arange(state.n_households) if all_households else span.new_households
    summary = span.summary
    summary.out_dir = out_dir
    summary.rows = write_all({
        out_dir / "orders.csv": _orders_table(orders, span.order_ids, cat),
        out_dir / "items.csv": cat.table(),
        out_dir / "push_consent.csv": _consent_table(state, listed),
        out_dir / "ground_truth_households.csv": _households_table(state, new),
        out_dir / "ground_truth_staples.csv": _staples_table(state, new, cat),
        **({} if all_households else {
            out_dir / "ground_truth_push_effects.csv": _effects_table(span.effects)}),
    })
    state.save(out_dir / GROCERY_STATE_FILE)
    return summary


def _orders_table(orders: Orders, order_ids: np.ndarray, cat: GroceryCatalogue) -> pa.Table:
    line_id = order_ids[orders.line_order]
    item = orders.line_item
    rows = np.lexsort((cat.item_ids[item], line_id))
    amount = np.round(cat.price[item] * orders.line_quantity, 2)
    order = orders.line_order[rows]
    return pa.table({
        "customer_id": pa.array(orders.household[order] + 1),
        "order_id": pa.array(line_id[rows]),
        "ordered_at": _iso(orders.at[order]),
        "amount": pa.array(amount[rows]),
        "item_id": pa.array(cat.item_ids[item[rows]]),
        "quantity": pa.array(orders.line_quantity[rows]),
    })


def _consent_table(state: GroceryState, households: np.ndarray) -> pa.Table:
    opted = state.opted_out_at[households]
    never = pa.array(opted < 0, pa.bool_())
    return pa.table({
        "customer_id": pa.array(households + 1),
        "consent": pa.array(state.consent[households]),
        "opted_out_at": pc.if_else(never, pa.scalar(None, pa.string()),
                                   _iso(np.maximum(opted, 0))),
    })


def _households_table(state: GroceryState, households: np.ndarray) -> pa.Table:
    cycle = np.array([t.cycle_days for t in HOUSEHOLD_TYPES])
    kind = state.kind[households]
    staples = np.bincount(state.staple_owner, minlength=state.n_households)[households]
    return pa.table({
        "customer_id": pa.array(households + 1),
        "household_type": pa.DictionaryArray.from_arrays(kind, pa.array(list(TYPE_NAMES))),
        "order_cycle_days": pa.array(cycle[kind]),
        "staples": pa.array(staples),
        "explore_per_order": pa.array(np.array([t.explore for t in HOUSEHOLD_TYPES])[kind]),
        "basket_mean": pa.array(np.round(state.basket_mean[households], 2)),
        "joined_at": _iso(state.joined[households]),
        "leaves_at": _iso(state.leaves[households]),
        "push_response": pa.DictionaryArray.from_arrays(
            push_types(kind, state.push_u[households]), pa.array(list(TYPES))),
    })


def _staples_table(state: GroceryState, households: np.ndarray, cat: GroceryCatalogue
                   ) -> pa.Table:
    rows = np.flatnonzero(np.isin(state.staple_owner, households))
    return pa.table({
        "customer_id": pa.array(state.staple_owner[rows] + 1),
        "item_id": pa.array(cat.item_ids[state.staple_item[rows]]),
        "cycle_days": pa.array(np.round(state.staple_cycle[rows], 2)),
    })


def _effects_table(tables: list[pa.Table]) -> pa.Table:
    if tables:
        return pa.concat_tables(tables)
    return pa.table({name: pa.array([], pa.string()) for name in PUSH_EFFECT_COLUMNS})
