"""The demo shop beside a warehouse: the files its build keeps, and more days of it on demand.

A warehouse built from the demo (``python app.py serve`` on a new ``--db``, or
``actionboard_cli.build_demo_warehouse``) keeps, in ``<db stem>.demo/`` beside it, what ingest
never reads: the simulator's state (``simulator_state.npz``) and the ground truth — every
visitor's archetype and latent response to contact, the planted campaign's truth and effects.

``simulate_days(db, days)`` carries the shop on (``demo.simulator``): it reads the last loaded
event from the warehouse and the treatment groups of the campaigns running then from the
operational store (never a control group), writes ``days`` more days into a temporary folder,
loads them with the ordinary ingest (one transaction), and only once that load has committed
moves the new state over the kept one and the run's ground truth into ``days/<first>-<last>/``.
A failed load leaves the warehouse, the state and the ground truth as they were. The same state,
days and campaigns give the same files, so a run is deterministic for the demo's seed.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from demo.response import CHANNELS as SIMULATED_CHANNELS
from demo.simulator import RunningCampaign, SimulationSummary, simulate
from demo.state import STATE_FILE
from warehouse.commands.campaigns.contacts import treatment_groups
from warehouse.connections import open_warehouse
from warehouse.ingest.load_summary import IngestSummary
from warehouse.ingest.retailrocket import ingest_retailrocket

DEMO_SUFFIX = ".demo"
DAYS_FOLDER = "days"
# What the generator and the simulator write besides the RetailRocket files; ingest reads none.
GROUND_TRUTH_FILES = ("ground_truth_archetypes.csv", "ground_truth_response.csv",
                      "ground_truth_effects.csv", "ground_truth_campaign.json")
KEPT_FILES = (STATE_FILE, *GROUND_TRUTH_FILES)

log = logging.getLogger(__name__)


def demo_dir(db: Path) -> Path:
    """Where warehouse ``db`` keeps its demo files: ``<db stem>.demo``."""
    return db.with_name(db.stem + DEMO_SUFFIX)


def state_file(db: Path) -> Path:
    return demo_dir(db) / STATE_FILE


def keep_demo_files(generated: Path, db: Path) -> Path:
    """Copy the state and ground truth the generator wrote into ``generated`` beside warehouse
    ``db`` (after its files were loaded); return the folder. Earlier demo files are replaced."""
    target = demo_dir(db)
    building = Path(tempfile.mkdtemp(prefix=".keeping-", dir=db.parent))
    try:
        for name in KEPT_FILES:
            if (generated / name).is_file():
                shutil.copy2(generated / name, building / name)
        if target.exists():
            shutil.rmtree(target)
        os.replace(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def last_event_ms(db: Path) -> int | None:
    """The newest loaded event's timestamp (Unix ms), None without events."""
    with open_warehouse(db, read_only=True) as con:
        [(last,)] = con.execute('SELECT max("timestamp") FROM events').fetchall()
    return None if last is None else int(last)


@dataclass
class SimulatedDays:
    """What ``simulate_days`` did: the simulation, the load, the campaigns contacted."""

    simulation: SimulationSummary
    load: IngestSummary
    contacted: list[str] = field(default_factory=list)  # campaign ids
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [str(self.simulation), str(self.load)]
        if self.contacted:
            lines.append(f"Treatment groups contacted: {', '.join(self.contacted)}.")
        lines += self.notes
        return "\n".join(lines)


def _ms_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).replace(tzinfo=None)


def running_campaigns(
    db: Path, after_ms: int, ops_url: str | None
) -> tuple[list[RunningCampaign], list[str]]:
    """The campaigns whose window ends after ``after_ms`` as the simulator takes them (treatment
    groups only), and a note per campaign it cannot simulate (a channel the demo lacks)."""
    running, notes = [], []
    for group in treatment_groups(db, _ms_datetime(after_ms), ops_url=ops_url):
        channel = (group.channel or "").strip().lower()
        if channel not in SIMULATED_CHANNELS:
            notes.append(f"Campaign {group.campaign_id} ({group.channel or 'no channel'}) was "
                         f"not simulated: the demo's customers respond to "
                         f"{', '.join(SIMULATED_CHANNELS)} only.")
            continue
        running.append(RunningCampaign.from_store(group.campaign_id, channel, group.launched_at,
                                                  group.ends_at, group.customer_ids))
    return running, notes


def simulate_days(
    db: Path, days: int, *, ops_url: str | None = None, progress: bool = False
) -> SimulatedDays:
    """Write ``days`` more days of the demo shop after the last loaded event and load them.

    Raises FileNotFoundError without a warehouse, ValueError on a warehouse that is not the demo
    (no kept state) or whose state does not continue its data, IngestError if the load fails;
    in every case nothing has changed.
    """
    db = Path(db)
    if not db.exists():
        raise FileNotFoundError(f"No warehouse at {db}. Build the demo first: python app.py "
                                f"serve --db {db}")
    state = state_file(db)
    if not state.is_file():
        raise ValueError(
            f"simulate works on the demo shop only: {db} has no demo state ({state}). A "
            "warehouse built from real files cannot be carried on; build the demo into a new "
            "warehouse with `python app.py serve --db NEW.duckdb`.")
    last = last_event_ms(db)
    if last is None:
        raise ValueError(f"{db} holds no events: nothing to carry on")
    campaigns, notes = running_campaigns(db, last, ops_url)
    folder = Path(tempfile.mkdtemp(prefix=".simulating-", dir=demo_dir(db)))
    try:
        simulation = simulate(state, folder, last, days, campaigns)
        load = ingest_retailrocket(db, folder, progress=progress, ops_url=ops_url)
        # committed: from here on the kept state must follow the loaded data
        truth = demo_dir(db) / DAYS_FOLDER / (
            f"{_ms_datetime(simulation.start_ms):%Y%m%d%H%M%S}-"
            f"{_ms_datetime(simulation.end_ms):%Y%m%d%H%M%S}")
        truth.mkdir(parents=True, exist_ok=True)
        os.replace(folder / STATE_FILE, state)
        for name in GROUND_TRUTH_FILES:
            if (folder / name).is_file():
                os.replace(folder / name, truth / name)
        simulation.out_dir = truth
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    contacted = [c.campaign_id for c in campaigns if c.starts_at_ms < simulation.end_ms]
    log.info("simulated %d days of %s: %d events loaded", days, db, load.rows_loaded)
    return SimulatedDays(simulation, load, contacted, notes)

