"""The continuation simulator: N more days of the demo shop, after the last loaded event.

``simulate(state_file, out_dir, last_event_ms, days, campaigns)`` reads the state the generator
(or the previous run) wrote, and writes into ``out_dir``:

* the four RetailRocket files, ready for the ordinary ingest: ``events.csv`` (the new events
  only, every timestamp after ``last_event_ms``), ``item_properties_part1.csv`` (the weekly
  snapshots falling in the new days: price, availability and category rows of the items that
  changed, as the generator records them), an empty ``item_properties_part2.csv`` and the same
  ``category_tree.csv``;
* ground truth that ingest never reads: ``ground_truth_archetypes.csv`` and
  ``ground_truth_response.csv`` for the visitors who arrived in these days, and
  ``ground_truth_effects.csv``: per running campaign and treated customer, the purchases in the
  campaign window without contact, caused by it and prevented by it (``demo.response``);
* ``simulator_state.npz``: the state after these days, for the next run.

The world carries on as generated: visitors still within their stay keep browsing at their
archetype's rate, steady customers keep buying at their own rate, new visitors of every
archetype with a lifespan arrive at the period's average rate (the trend held at its last level,
the weekly cycle and the daily rhythm as before) and live out their archetype: a first session
when they arrive, more sessions at random over their stay, a one-off purchase for buyers. Steady
archetypes (deal seekers, loyal and lapsing high spenders) gain no new members, and the lapsing
ones stay gone unless contact wins them back.

Customers in the treatment list of a running campaign respond by their latent type in the
campaign's channel (``demo.response.contact``); nobody else is touched. What anyone does without
contact does not depend on the campaigns: a run with campaigns writes the same events as one
without, plus the caused purchases and minus the prevented baskets.

Deterministic: the run's random streams are keyed by the state's seed and the run's start, and
responses by (seed, campaign, customer), so the same state, days and campaigns give the same
files, and simulating 7 days then 7 more from the written state is repeatable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.archetypes import ARCHETYPES, NAMES, visitor_counts
from demo.behaviour import Sessions, browsing_sessions, purchase_sessions
from demo.catalogue import Catalogue, build_catalogue, build_category_tree
from demo.events import REAL_DUPLICATES, SessionRows, events_table, expand_sessions
from demo.generator import tree_table
from demo.properties import PRICE_KEY, PRICE_STEPS, ROWS_PER_ITEM, number_text
from demo.response import (
    check_channel,
    contact,
    effects_table,
    latent_response,
    response_table,
    response_types,
)
from demo.state import STATE_FILE, ActiveVisitors, ShopState, check_continuity
from demo.streams import numeric_ids, stream, to_epoch_ms
from demo.timeline import END_MS, MS_PER_DAY, N_DAYS, N_SNAPSHOTS, SNAPSHOT_MS, START_MS, Timeline
from demo.writer import write_all

log = logging.getLogger(__name__)

WEEK_MS = 7 * MS_PER_DAY
# Weekly chance that an item's property is recorded again, as over the generated period.
WEEKLY_CHANGE = {key: (rows - 1.0) / (N_SNAPSHOTS - 1) for key, rows in ROWS_PER_ITEM.items()}
_SUBSTREAMS = ("arrivals", "sessions", "events", "caused", "properties", "duplicates")


@dataclass(frozen=True)
class RunningCampaign:
    """A campaign whose treatment group is being contacted, as the operational store holds it.

    ``starts_at_ms`` is the contact (launch) time, the window is [starts_at_ms, ends_at_ms);
    ``treatment`` holds the visitor ids contacted (the control group is never passed in).
    """

    campaign_id: str
    channel: str
    starts_at_ms: int
    ends_at_ms: int
    treatment: np.ndarray

    def __post_init__(self) -> None:
        check_channel(self.channel)
        if self.ends_at_ms <= self.starts_at_ms:
            raise ValueError(f"campaign {self.campaign_id}: the window ends before it starts")
        object.__setattr__(self, "treatment",
                           np.unique(np.asarray(self.treatment, dtype=np.int64)))

    @classmethod
    def from_store(
        cls, campaign_id: str, channel: str, launched_at: datetime, ends_at: datetime,
        treatment_ids: Iterable[object],
    ) -> RunningCampaign:
        """From an operational store's campaign: datetimes (naive = UTC, ``ends_at`` exclusive)
        and the treatment group's customer ids as text; ids that are not whole numbers are
        counted as unknown by ``simulate``. The channel is matched without case."""
        return cls(campaign_id, channel.strip().lower(), to_epoch_ms(launched_at),
                   to_epoch_ms(ends_at), numeric_ids(treatment_ids))


@dataclass
class SimulationSummary:
    """What ``simulate`` wrote: the span, rows per file, campaign reach, time taken."""

    out_dir: Path
    start_ms: int  # exclusive: events are after it
    end_ms: int
    rows: dict[str, int] = field(default_factory=dict)
    new_visitors: int = 0
    treated: int = 0  # treated customers known to the demo
    unknown_treated: int = 0  # treatment ids the demo never had: nobody to respond
    caused: int = 0
    prevented: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        span = (f"{np.datetime64(self.start_ms, 'ms')} to {np.datetime64(self.end_ms, 'ms')} "
                "UTC")
        lines = [f"Simulated {span} into {self.out_dir} in {self.seconds:.1f} s: "
                 f"{self.new_visitors:,} new visitors; {self.treated:,} treated customers, "
                 f"{self.caused:,} purchases caused and {self.prevented:,} prevented by contact."]
        if self.unknown_treated:
            lines.append(f"  {self.unknown_treated:,} treatment ids are not demo visitors and "
                         "were left alone.")
        width = max(len(name) for name in self.rows)
        lines += [f"  {name:<{width}}  {count:>12,} rows" for name, count in self.rows.items()]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Arrivals:
    active: ActiveVisitors
    archetype: np.ndarray  # int8
    response_u: np.ndarray  # float32


def simulate(
    state_file: Path, out_dir: Path, last_event_ms: int, days: int,
    campaigns: Sequence[RunningCampaign] = (),
) -> SimulationSummary:
    """Write ``days`` days of the demo shop after ``last_event_ms`` into ``out_dir``.

    ``state_file``: the ``simulator_state.npz`` written with the files that were loaded last.
    ``last_event_ms``: the newest event timestamp in the warehouse. The new days run from the
    state's clock (which is at or after that event) for ``days`` × 24 hours. Raises ValueError if
    the state does not belong to the loaded data: older than it, or a run whose files were not
    loaded.
    """
    started = time.perf_counter()
    if not 1 <= days <= 366:
        raise ValueError(f"days must be between 1 and 366, got {days}")
    state = ShopState.load(state_file)
    check_continuity(state.clock_ms, state.chunk_start_ms, last_event_ms, "events")
    start = state.clock_ms
    end = start + days * MS_PER_DAY
    seed = state.seed
    timeline = Timeline(stream(seed, "timeline"), future_rng=stream(seed, "future"))
    if end >= timeline.end_ms:
        raise ValueError("the demo's calendar ends ten years after its data; cannot simulate "
                         f"past {np.datetime64(timeline.end_ms, 'ms')}")
    tree = build_category_tree(stream(seed, "tree"))
    cat = build_catalogue(state.scale, tree, stream(seed, "catalogue"))

    def rng(name: str) -> np.random.Generator:
        return stream(seed, "simulate", start, _SUBSTREAMS.index(name))

    arrivals = _arrivals(state, timeline, start, end, rng("arrivals"))
    archetype = np.concatenate([state.archetype, arrivals.archetype])
    response_u = np.concatenate([state.response_u, arrivals.response_u])
    active = ActiveVisitors.concat([state.active, arrivals.active])
    natural = _sessions(active, arrivals.active, archetype, timeline, start, end,
                        rng("sessions"))
    rows = expand_sessions(natural, cat, rng("events"))

    summary = SimulationSummary(Path(out_dir), start, end, new_visitors=len(arrivals.active))
    is_purchase = natural.basket > 0
    purchases = natural.select(is_purchase)
    dropped = np.zeros(len(purchases), dtype=bool)
    caused_parts, effect_tables = [Sessions.empty()], []
    caused_rng = rng("caused")
    for campaign in campaigns:
        ids = campaign.treatment
        known = ids[(ids >= 0) & (ids < state.n_visitors)]
        summary.unknown_treated += ids.size - known.size  # -1 stands for every non-numeric id
        summary.treated += known.size
        types = response_types(archetype[known], response_u[known], campaign.channel)
        outcome = contact(seed, campaign.campaign_id, campaign.channel,
                          (campaign.starts_at_ms, campaign.ends_at_ms), known, known, types,
                          purchases.visitor, purchases.start, (start, end))
        dropped |= outcome.prevented
        caused_parts.append(_purchases_of(outcome.caused_visitor, outcome.caused_at, archetype,
                                          caused_rng))
        effect_tables.append(effects_table(
            campaign.campaign_id, campaign.channel, known, archetype[known], types,
            outcome.natural, outcome.caused, outcome.prevented_count))
        summary.caused += int(outcome.caused.sum())
    summary.prevented = int(dropped.sum())  # a basket two campaigns both stop is one basket
    dropped_sessions = np.zeros(len(natural), dtype=bool)
    dropped_sessions[np.flatnonzero(is_purchase)[dropped]] = True
    caused_rows = expand_sessions(Sessions.concat(caused_parts), cat, caused_rng)

    n_dup = round(REAL_DUPLICATES * state.scale * days / N_DAYS)
    parts: list[SessionRows] = [rows.without_baskets(dropped_sessions), caused_rows]
    events = events_table(parts, cat, n_dup, state.next_transactionid, rng("duplicates"))
    prices, stock, properties = _property_snapshots(state, cat, start, end, rng("properties"))

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    new = arrivals.active.visitor_id
    summary.rows = write_all({
        out_dir / "events.csv": events,
        out_dir / "item_properties_part1.csv": properties,
        out_dir / "item_properties_part2.csv": properties.slice(0, 0),
        out_dir / "category_tree.csv": tree_table(tree),
        out_dir / "ground_truth_archetypes.csv": pa.table({"visitorid": new, "archetype": (
            pa.DictionaryArray.from_arrays(arrivals.archetype, pa.array(list(NAMES))))}),
        out_dir / "ground_truth_response.csv": response_table(
            new, arrivals.archetype, arrivals.response_u, np.zeros(new.size)),
        out_dir / "ground_truth_effects.csv": _effects(effect_tables),
    })
    last = pc.max(events["timestamp"]).as_py()
    clock = max(end, last or end)
    last_tid = pc.max(events["transactionid"]).as_py()
    ShopState(
        seed=seed, scale=state.scale, clock_ms=clock, chunk_start_ms=start,
        next_transactionid=state.next_transactionid if last_tid is None else last_tid + 1,
        archetype=archetype, response_u=response_u,
        active=active.select(_still_active(active, clock)),
        item_price=prices, item_available=stock,
    ).save(out_dir / STATE_FILE)
    summary.seconds = time.perf_counter() - started
    log.info("%s", summary)
    return summary


def _still_active(active: ActiveVisitors, clock: int) -> np.ndarray:
    """Visitors who may do something after ``clock``: within their stay and not inert."""
    busy = (active.browse_rate > 0) | (active.buy_rate > 0) | (active.t_buy > clock)
    return busy & (active.t_leave > clock)


def _arrivals(
    state: ShopState, timeline: Timeline, start: int, end: int, rng: np.random.Generator
) -> _Arrivals:
    """New visitors of the archetypes with a lifespan, arriving in (start, end] at the period's
    average rate per unit of activity; ids follow the last id in order of arrival."""
    counts = visitor_counts(state.scale)
    share = float(timeline.activity_days(start, end) / timeline.activity_days(START_MS, END_MS))
    codes, t0, leave, extra = [], [], [], []
    for code, archetype in enumerate(ARCHETYPES):
        if archetype.lifespan_days is None:
            continue
        n = int(rng.poisson(counts[code] * share))
        arrive = timeline.sample(np.full(n, start + 1), np.full(n, end + 1), rng)
        stay = rng.exponential(archetype.lifespan_days * MS_PER_DAY, n).astype(np.int64)
        codes.append(np.full(n, code, dtype=np.int8))
        t0.append(arrive)
        leave.append(np.minimum(arrive + np.maximum(stay, 1), timeline.end_ms - 1))
        extra.append(np.zeros(n, np.int64) if archetype.single_event
                     else rng.poisson(archetype.extra_sessions, n))
    code, t_start, t_leave, more = (np.concatenate(x) for x in (codes, t0, leave, extra))
    order = np.argsort(t_start, kind="stable")
    code, t_start, t_leave, more = code[order], t_start[order], t_leave[order], more[order]

    buy_share = np.array([a.buy_share for a in ARCHETYPES])[code]
    buyer = rng.random(code.size) < buy_share
    t_buy = np.full(code.size, -1, dtype=np.int64)
    t_buy[buyer] = timeline.sample(t_start[buyer], t_leave[buyer], rng)
    life = np.maximum(timeline.activity_days(t_start, t_leave), 1e-9)
    active = ActiveVisitors(
        visitor_id=state.n_visitors + np.arange(code.size, dtype=np.int64),
        t_start=t_start, t_leave=t_leave,
        browse_rate=more / life,  # so the expected further sessions over the stay are ``more``
        buy_rate=np.zeros(code.size), t_buy=t_buy,
    )
    return _Arrivals(active, code, latent_response(code, 1 + more, rng))


def _sessions(
    active: ActiveVisitors, arrivals: ActiveVisitors, archetype: np.ndarray, timeline: Timeline,
    start: int, end: int, rng: np.random.Generator,
) -> Sessions:
    """Sessions of every active visitor in (start, end]: arrivals' first sessions, browsing and
    steady purchases at each visitor's rate, pending one-off purchases that fall due."""
    lo = np.maximum(active.t_start, start + 1)
    hi = np.minimum(active.t_leave, end + 1)
    span = timeline.activity_days(lo, hi)
    n_browse = rng.poisson(active.browse_rate * span)
    n_buy = rng.poisson(active.buy_rate * span)
    browse_who = np.repeat(np.arange(len(active)), n_browse)
    buy_who = np.repeat(np.arange(len(active)), n_buy)
    browse_at = timeline.sample(lo[browse_who], hi[browse_who], rng)
    buy_at = timeline.sample(lo[buy_who], hi[buy_who], rng)
    due = np.flatnonzero((active.t_buy > start) & (active.t_buy <= end))

    visitor_browse = active.visitor_id[browse_who]
    visitor_buy = np.concatenate([active.visitor_id[buy_who], active.visitor_id[due]])
    buy_at = np.concatenate([buy_at, active.t_buy[due]])
    parts = [Sessions.empty()]
    for code, kind in enumerate(ARCHETYPES):
        first = arrivals.visitor_id[archetype[arrivals.visitor_id] == code]
        if first.size:
            at = arrivals.t_start[archetype[arrivals.visitor_id] == code]
            parts.append(browsing_sessions(first, at, np.ones(first.size, bool), kind, rng))
        mine = archetype[visitor_browse] == code
        if mine.any():
            parts.append(browsing_sessions(visitor_browse[mine], browse_at[mine],
                                           np.zeros(int(mine.sum()), bool), kind, rng))
        mine = archetype[visitor_buy] == code
        if mine.any():
            parts.append(purchase_sessions(visitor_buy[mine], buy_at[mine], kind, rng))
    return Sessions.concat(parts)


def _purchases_of(
    visitor: np.ndarray, at: np.ndarray, archetype: np.ndarray, rng: np.random.Generator
) -> Sessions:
    """Purchase sessions of the given visitors at the given times, each in its archetype's way."""
    parts = [Sessions.empty()]
    for code, kind in enumerate(ARCHETYPES):
        mine = archetype[visitor] == code
        if mine.any():
            parts.append(purchase_sessions(visitor[mine], at[mine], kind, rng))
    return Sessions.concat(parts)


def _property_snapshots(
    state: ShopState, cat: Catalogue, start: int, end: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, pa.Table]:
    """Weekly snapshots after the generated 18, falling in (start, end]: the items whose price,
    stock or category record changed. Returns the new prices, stock and the property rows."""
    prices, stock = state.item_price.copy(), state.item_available.copy()
    first = max(N_SNAPSHOTS, int(np.floor((start - SNAPSHOT_MS[0]) / WEEK_MS)) + 1)
    stamps = [SNAPSHOT_MS[0] + k * WEEK_MS for k in range(first, first + 60)]
    stamps = [t for t in stamps if start < t <= end]
    chunks: list[pa.Table] = []
    n = cat.n_items
    for stamp in stamps:
        moved = np.flatnonzero(rng.random(n) < WEEKLY_CHANGE[PRICE_KEY])
        step = rng.choice(PRICE_STEPS, moved.size)
        prices[moved] = np.maximum(np.round(prices[moved] * step / 10.0), 1).astype(np.int64) * 10
        flipped = np.flatnonzero(rng.random(n) < WEEKLY_CHANGE["available"])
        stock[flipped] = 1 - stock[flipped]
        recorded = np.flatnonzero(rng.random(n) < WEEKLY_CHANGE["categoryid"])
        for key, items, values in (
            ("categoryid", recorded,
             pc.cast(pa.array(cat.used_categories[cat.category[recorded]]), pa.string())),
            ("available", flipped, pc.cast(pa.array(stock[flipped]), pa.string())),
            (PRICE_KEY, moved, number_text(prices[moved])),
        ):
            chunks.append(pa.table({
                "timestamp": pa.array(np.full(items.size, stamp, dtype=np.int64)),
                "itemid": pa.array(cat.item_ids[items]),
                "property": pa.array([key] * items.size, pa.string()),
                "value": values,
            }))
    empty = pa.table({"timestamp": pa.array([], pa.int64()), "itemid": pa.array([], pa.int64()),
                      "property": pa.array([], pa.string()), "value": pa.array([], pa.string())})
    table = pa.concat_tables([empty, *chunks]) if chunks else empty
    return prices, stock, table


def _effects(tables: list[pa.Table]) -> pa.Table:
    if tables:
        return pa.concat_tables(tables)
    empty = np.empty(0, dtype=np.int64)
    return effects_table("", "email", empty, empty.astype(np.int8), empty.astype(np.int8),
                         empty, empty, empty)
