"""The demo shop's state between runs: what the continuation simulator needs beyond the seed.

``generate`` writes it next to the files as ``simulator_state.npz`` and every ``simulate`` run
writes the state after its days into its output folder. The catalogue, the category tree and the
calendar are not stored: they are rebuilt from ``seed`` and ``scale``. What is stored:

* per visitor id (ids are ``0 .. n-1``): the archetype and the latent response ``u``
  (``demo.response``), so any customer in a treatment list responds by their type;
* the visitors still active at ``clock_ms`` (their stay has not ended or a purchase is pending):
  when their stay began and ends, browsing sessions and purchases per average day, and the time
  of a pending one-off purchase (-1 if none);
* per item: its current price and availability (the last values written to the property files);
* ``clock_ms`` (everything up to it is written), ``chunk_start_ms`` (where the last run began),
  the next transaction id, ``seed`` and ``scale``.

A numpy ``.npz`` archive (uncompressed): a scale-1 state is about 20 MB and loads in well under
a second.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

STATE_FILE = "simulator_state.npz"
STATE_VERSION = 1


def check_continuity(clock_ms: int, chunk_start_ms: int, last_loaded_ms: int, what: str) -> None:
    """Refuse a state that does not belong to the loaded data: the newest loaded ``what``
    ("events", "orders") must lie in the state's last run, (chunk_start_ms, clock_ms]."""
    def day(ms: int) -> str:
        return str(np.datetime64(int(ms), "ms").astype("datetime64[s]"))

    if last_loaded_ms > clock_ms:
        raise ValueError(
            f"the loaded {what} end at {day(last_loaded_ms)} but the simulator state ends at "
            f"{day(clock_ms)}: use the state written with the files loaded last")
    if last_loaded_ms <= chunk_start_ms:
        raise ValueError(
            f"the simulator state continues a run from {day(chunk_start_ms)} whose files are "
            f"not loaded (the loaded {what} end at {day(last_loaded_ms)}): load that run's "
            "files first, or use the state written before it")


@dataclass(frozen=True)
class ActiveVisitors:
    """Visitors who may still do something after the clock; ``visitor_id`` indexes the arrays
    of :class:`ShopState`."""

    visitor_id: np.ndarray  # int64
    t_start: np.ndarray  # int64 ms
    t_leave: np.ndarray  # int64 ms (FOREVER for steady customers)
    browse_rate: np.ndarray  # float64 browsing sessions per average day
    buy_rate: np.ndarray  # float64 purchases per average day (steady buyers)
    t_buy: np.ndarray  # int64 ms of a pending one-off purchase, -1 if none

    def __len__(self) -> int:
        return int(self.visitor_id.size)

    def select(self, mask: np.ndarray) -> ActiveVisitors:
        return ActiveVisitors(*(getattr(self, f.name)[mask] for f in fields(self)))

    @staticmethod
    def concat(parts: list[ActiveVisitors]) -> ActiveVisitors:
        return ActiveVisitors(*(np.concatenate([getattr(p, f.name) for p in parts])
                                for f in fields(ActiveVisitors)))


@dataclass(frozen=True)
class ShopState:
    """Everything a continuation run reads and writes besides what seed and scale rebuild."""

    seed: int
    scale: float
    clock_ms: int
    chunk_start_ms: int
    next_transactionid: int
    archetype: np.ndarray  # int8 per visitor id
    response_u: np.ndarray  # float32 per visitor id
    active: ActiveVisitors
    item_price: np.ndarray  # int64 per catalogue position
    item_available: np.ndarray  # int8 per catalogue position

    @property
    def n_visitors(self) -> int:
        return int(self.archetype.size)

    def save(self, path: Path) -> None:
        """Write to ``path`` (via a temporary file, so a crash never leaves half a state)."""
        arrays = {f"active_{f.name}": getattr(self.active, f.name) for f in fields(ActiveVisitors)}
        meta = np.array([STATE_VERSION, self.seed, self.clock_ms, self.chunk_start_ms,
                         self.next_transactionid], dtype=np.int64)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez(handle, meta=meta, scale=np.float64(self.scale), archetype=self.archetype,
                     response_u=self.response_u, item_price=self.item_price,
                     item_available=self.item_available, **arrays)
        os.replace(tmp, path)

    @staticmethod
    def load(path: Path) -> ShopState:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"No simulator state {path}: the demo generator writes {STATE_FILE} next to "
                "the files it generates, and every simulation writes the next one")
        with np.load(path) as data:
            version, seed, clock, chunk_start, next_tid = (int(v) for v in data["meta"])
            if version != STATE_VERSION:
                raise ValueError(f"{path} is a simulator state of version {version}; this "
                                 f"version reads {STATE_VERSION}: generate the demo again")
            active = ActiveVisitors(*(data[f"active_{f.name}"] for f in fields(ActiveVisitors)))
            return ShopState(
                seed=seed, scale=float(data["scale"]), clock_ms=clock, chunk_start_ms=chunk_start,
                next_transactionid=next_tid, archetype=data["archetype"],
                response_u=data["response_u"], active=active, item_price=data["item_price"],
                item_available=data["item_available"],
            )
