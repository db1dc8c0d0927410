"""Write a synthetic shop in exactly the RetailRocket (Kaggle) file format.

``generate(out_dir, scale, seed)`` writes ``events.csv``, ``item_properties_part1.csv``,
``item_properties_part2.csv`` and ``category_tree.csv`` with the published files' columns and
encodings, over 2015-05-03 .. 2015-09-18 UTC, plus files ingest never reads:

* ``ground_truth_archetypes.csv`` (visitorid, archetype): the customer type each visitor was
  drawn from (``demo.archetypes``);
* ``demo_campaign.csv`` and ``ground_truth_campaign.json``: a completed win-back campaign with a
  planted effect (``demo.campaign``).

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
from tqdm import tqdm

from demo.archetypes import NAMES
from demo.behaviour import Sessions, build_sessions, build_visitors
from demo.campaign import campaign_table, plant_campaign, write_ground_truth
from demo.catalogue import CategoryTree, build_catalogue, build_category_tree, catalogue_fraction
from demo.events import expand_events
from demo.properties import REAL_PART1_ROWS, build_property_log
from demo.timeline import Timeline
from demo.writer import write_all

KAGGLE_FILES = ("events.csv", "item_properties_part1.csv", "item_properties_part2.csv",
                "category_tree.csv")
CAMPAIGN_TRUTH = "ground_truth_campaign.json"
_STREAMS = ("timeline", "tree", "catalogue", "properties", "visitors", "sessions", "campaign",
            "events")
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
        lines = [f"Wrote {len(self.rows)} CSV files and {CAMPAIGN_TRUTH} to {self.out_dir} "
                 f"in {self.seconds:.1f} s (scale {self.scale:g}, seed {self.seed}):"]
        lines += [f"  {name:<{width}}  {count:>12,} rows" for name, count in self.rows.items()]
        return "\n".join(lines)


def _rng(seed: int, stream: str) -> np.random.Generator:
    """An independent random stream per generation step, so steps do not disturb each other."""
    return np.random.default_rng([seed, _STREAMS.index(stream)])


def _tree_table(tree: CategoryTree) -> pa.Table:
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
    timeline = Timeline(_rng(seed, "timeline"))
    tree = build_category_tree(_rng(seed, "tree"))
    cat = build_catalogue(scale, tree, _rng(seed, "catalogue"))
    bar.update()

    step(_STEPS[1])
    log = build_property_log(cat, _rng(seed, "properties"))
    bar.update()

    step(_STEPS[2])
    visitors = build_visitors(scale, timeline, _rng(seed, "visitors"))
    browsing, buying = build_sessions(visitors, timeline, _rng(seed, "sessions"))
    bar.update()

    step(_STEPS[3])
    buying, plan = plant_campaign(visitors, buying, timeline, _rng(seed, "campaign"))
    bar.update()

    step(_STEPS[4])
    sessions = Sessions.concat([browsing, buying])
    events = expand_events(sessions, visitors.visitor_ids, cat, scale, _rng(seed, "events"))
    bar.update()

    step(_STEPS[5])
    split = min(len(log), round(REAL_PART1_ROWS * catalogue_fraction(scale)))
    rows = write_all({
        out_dir / "events.csv": events,
        out_dir / "item_properties_part1.csv": log.table(0, split),
        out_dir / "item_properties_part2.csv": log.table(split, len(log)),
        out_dir / "category_tree.csv": _tree_table(tree),
        out_dir / "ground_truth_archetypes.csv": _archetype_table(
            visitors.visitor_ids, visitors.archetype),
        out_dir / "demo_campaign.csv": campaign_table(plan, visitors),
    })
    write_ground_truth(out_dir / CAMPAIGN_TRUTH, plan)
    bar.update()
    bar.close()
    return GenerationSummary(out_dir, scale, seed, rows, time.perf_counter() - started)
