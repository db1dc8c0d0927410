"""Write a synthetic shop in exactly the RetailRocket (Kaggle) file format.

``generate(out_dir, scale, seed)`` writes ``events.csv``, ``item_properties_part1.csv``,
``item_properties_part2.csv`` and ``category_tree.csv`` with the published files' columns and
encodings, over 2015-05-03 .. 2015-09-18 UTC, plus files ingest never reads:

* ``ground_truth_archetypes.csv`` (visitorid, archetype): the customer type each visitor was
  drawn from (``demo.archetypes``);
* ``ground_truth_response.csv`` (visitorid, archetype, type_email, type_push, type_sms,
  effect_email, effect_push, effect_sms): each visitor's latent response to contact per channel
  and its expected effect (``demo.response``);
* ``demo_campaign.csv``, ``ground_truth_campaign.json`` and ``ground_truth_effects.csv``: a
  completed win-back campaign whose treated customers responded by type (``demo.campaign``);
* ``simulator_state.npz``: what the continuation simulator needs to carry on after the last
  event (``demo.state``, ``demo.simulator``).

Scale: ``scale`` multiplies visitors and events over the same 4.5 months; 1.0 reproduces the real
data's shape (2.76 M events, 1.41 M visitors; check with ``bench/generator_shape.py``). The
catalogue (items, item property rows, categories holding items) scales with ``min(scale, 1)``: a
scale-10 shop has ten times the visitors of the real one but the same catalogue, not ten of them.
The category tree is always the full 1,669-node tree. Part 1 of the item properties holds at most
``round(10,999,999 × min(scale, 1))`` rows, the rest go to part 2.

The data comes from a model of customers (archetypes with their own rates, Zipf-like item
popularity, lognormal prices per category, weekly price and stock changes, a weekly cycle and a
growth trend), carries the real log's dirt (exact duplicate rows, purchases before the item's
first price snapshot), and is byte-identical for the same seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from demo.archetypes import ARCHETYPES, NAMES
from demo.behaviour import Sessions, Visitors, build_sessions, build_visitors
from demo.campaign import campaign_table, effects_of, plant_campaign, write_ground_truth
from demo.catalogue import CategoryTree, build_catalogue, build_category_tree, catalogue_fraction
from demo.events import REAL_DUPLICATES, events_table, expand_sessions
from demo.properties import PRICE_KEY, REAL_PART1_ROWS, PropertyLog, build_property_log
from demo.response import latent_response, response_table
from demo.state import STATE_FILE, ActiveVisitors, ShopState
from demo.streams import stream
from demo.timeline import N_DAYS, START_MS, Timeline
from demo.writer import write_all

KAGGLE_FILES = ("events.csv", "item_properties_part1.csv", "item_properties_part2.csv",
                "category_tree.csv")
CAMPAIGN_TRUTH = "ground_truth_campaign.json"
_STEPS = ("catalogue", "item properties", "visitors and sessions", "campaign", "events", "writing")


@dataclass
class GenerationSummary:
    """What ``generate`` wrote: rows per file and how long it took."""

    out_dir: Path
    scale: float
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def __str__(self) -> str:
        width = max(len(name) for name in self.rows)
        lines = [f"Wrote {len(self.rows)} CSV files, {CAMPAIGN_TRUTH} and {STATE_FILE} to "
                 f"{self.out_dir} "
                 f"in {self.seconds:.1f} s (scale {self.scale:g}, seed {self.seed}):"]
        lines += [f"  {name:<{width}}  {count:>12,} rows" for name, count in self.rows.items()]
        return "\n".join(lines)


def tree_table(tree: CategoryTree) -> pa.Table:
    parent = tree.parent_ids
    return pa.table({
        "categoryid": tree.category_ids,
        "parentid": pa.array(np.nan_to_num(parent, nan=-1).astype(np.int64),
                             mask=np.isnan(parent)),
    })


def _archetype_table(visitor_ids: np.ndarray, archetype: np.ndarray) -> pa.Table:
    order = np.argsort(visitor_ids)
    return pa.table({
        "visitorid": visitor_ids[order],
        "archetype": pa.DictionaryArray.from_arrays(archetype[order], pa.array(list(NAMES))),
    })


def generate(
    out_dir: Path, scale: float = 0.1, seed: int = 7, progress: bool = True
) -> GenerationSummary:
    """Write the four RetailRocket files and the ground truth into ``out_dir`` (created if needed).

    ``scale`` in (0, 100]: 1.0 is the real shop's size. Same seed → byte-identical files.
    """
    if not 0 < scale <= 100:
        raise ValueError(f"scale must be in (0, 100], got {scale}")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(_STEPS), desc="demo data", unit="step", disable=not progress)

    def step(name: str) -> None:
        bar.set_postfix_str(name)

    step(_STEPS[0])
    timeline = Timeline(stream(seed, "timeline"))
    tree = build_category_tree(stream(seed, "tree"))
    cat = build_catalogue(scale, tree, stream(seed, "catalogue"))
    bar.update()

    step(_STEPS[1])
    log = build_property_log(cat, stream(seed, "properties"))
    bar.update()

    step(_STEPS[2])
    visitors = build_visitors(scale, timeline, stream(seed, "visitors"))
    browsing, buying = build_sessions(visitors, timeline, stream(seed, "sessions"))
    engagement = np.bincount(browsing.visitor, minlength=len(visitors)) + np.bincount(
        browsing.visitor, weights=browsing.n_carts, minlength=len(visitors))
    response_u = latent_response(visitors.archetype, engagement, stream(seed, "response"))
    bar.update()

    step(_STEPS[3])
    plan = plant_campaign(visitors, buying, response_u, seed, stream(seed, "campaign"))
    bar.update()

    step(_STEPS[4])
    natural = Sessions.concat([browsing, buying])
    dropped = np.concatenate([np.zeros(len(browsing), dtype=bool), plan.prevented_sessions])
    events_rng = stream(seed, "events")
    rows = expand_sessions(natural, cat, events_rng).without_baskets(dropped)
    caused = expand_sessions(plan.caused_sessions, cat, stream(seed, "campaign", 1))
    events = events_table([rows, caused], cat, max(round(REAL_DUPLICATES * scale), 3), 0,
                          events_rng, visitor_ids=visitors.visitor_ids)
    buy_rate = _steady_buy_rate(visitors, buying)
    bar.update()

    step(_STEPS[5])
    split = min(len(log), round(REAL_PART1_ROWS * catalogue_fraction(scale)))
    rows = write_all({
        out_dir / "events.csv": events,
        out_dir / "item_properties_part1.csv": log.table(0, split),
        out_dir / "item_properties_part2.csv": log.table(split, len(log)),
        out_dir / "category_tree.csv": tree_table(tree),
        out_dir / "ground_truth_archetypes.csv": _archetype_table(
            visitors.visitor_ids, visitors.archetype),
        out_dir / "ground_truth_response.csv": response_table(
            visitors.visitor_ids, visitors.archetype, response_u, buy_rate),
        out_dir / "demo_campaign.csv": campaign_table(plan, visitors),
        out_dir / "ground_truth_effects.csv": effects_of(plan, visitors),
    })
    write_ground_truth(out_dir / CAMPAIGN_TRUTH, plan)
    _initial_state(seed, scale, visitors, response_u, buy_rate, events, log).save(
        out_dir / STATE_FILE)
    bar.update()
    bar.close()
    return GenerationSummary(out_dir, scale, seed, rows, time.perf_counter() - started)


def _steady_buy_rate(visitors: Visitors, purchases: Sessions) -> np.ndarray:
    """Purchases per average day of each steady customer (no set lifespan) over the period;
    0 for everyone else, whose purchases are one-offs."""
    steady = np.array([a.lifespan_days is None for a in ARCHETYPES])[visitors.archetype]
    count = np.bincount(purchases.visitor, minlength=len(visitors))
    return np.where(steady, count / N_DAYS, 0.0)


def _initial_state(
    seed: int, scale: float, visitors: Visitors, response_u: np.ndarray, buy_rate: np.ndarray,
    events: pa.Table, log: PropertyLog,
) -> ShopState:
    """The state after the generated period: who is still active, current prices and stock."""
    n = len(visitors)
    clock = int(pc.max(events["timestamp"]).as_py())
    archetype = np.empty(n, dtype=np.int8)
    archetype[visitors.visitor_ids] = visitors.archetype
    u = np.empty(n, dtype=np.float32)
    u[visitors.visitor_ids] = response_u
    rate = np.array([
        (1 + a.extra_sessions) / N_DAYS if a.lifespan_days is None
        else (a.extra_sessions / a.lifespan_days if a.lifespan_days > 0 else 0.0)
        for a in ARCHETYPES
    ])
    keep = visitors.t_leave > clock
    active = ActiveVisitors(
        visitor_id=visitors.visitor_ids[keep],
        t_start=visitors.t_start[keep],
        t_leave=visitors.t_leave[keep],
        browse_rate=rate[visitors.archetype[keep]],
        buy_rate=buy_rate[keep],
        t_buy=np.full(int(keep.sum()), -1, dtype=np.int64),
    )
    price_items, prices = log.latest(PRICE_KEY)
    stock_items, stock = log.latest("available")
    item_price = np.zeros(log.item_ids.size, dtype=np.int64)
    item_price[price_items] = pc.cast(pc.utf8_slice_codeunits(prices, 1), pa.float64()).to_numpy()
    item_available = np.zeros(log.item_ids.size, dtype=np.int8)
    item_available[stock_items] = pc.cast(stock, pa.int8()).to_numpy()
    last_tid = pc.max(events["transactionid"]).as_py()
    return ShopState(
        seed=seed, scale=scale, clock_ms=clock, chunk_start_ms=START_MS,
        next_transactionid=0 if last_tid is None else last_tid + 1,
        archetype=archetype, response_u=u, active=active, item_price=item_price,
        item_available=item_available,
    )
