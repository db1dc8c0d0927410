"""The grocery shop's state between runs (``grocery_state.npz``), as ``demo.state`` is for the
RetailRocket shop: the catalogue is rebuilt from the seed, everything else is stored.

Per household (customer id = position + 1): type, when it joined and leaves, when it orders
next, push consent and opt-out time, typical basket size and latent push response ``u``. Per
staple (sorted by household): item, cycle in days and when it falls due next. Plus ``seed``,
``scale``, ``clock_ms`` (everything up to it is written), ``chunk_start_ms`` (where the last run
began) and the next order id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

GROCERY_STATE_FILE = "grocery_state.npz"
GROCERY_STATE_VERSION = 1
_META = ("seed", "clock_ms", "chunk_start_ms", "next_order_id")


@dataclass(frozen=True)
class GroceryState:
    """Households and staples, with the clock; arrays are never changed in place."""

    seed: int
    scale: float
    clock_ms: int
    chunk_start_ms: int
    next_order_id: int
    kind: np.ndarray  # int8 household type
    joined: np.ndarray  # int64 ms
    leaves: np.ndarray  # int64 ms
    next_order: np.ndarray  # int64 ms
    consent: np.ndarray  # int8
    opted_out_at: np.ndarray  # int64 ms, -1 if never
    basket_mean: np.ndarray  # float64
    push_u: np.ndarray  # float32
    staple_owner: np.ndarray  # int64 household position, sorted
    staple_item: np.ndarray  # int64 catalogue position
    staple_cycle: np.ndarray  # float64 days
    staple_due: np.ndarray  # int64 ms

    @property
    def n_households(self) -> int:
        return int(self.kind.size)

    def with_(self, **changes: object) -> GroceryState:
        return replace(self, **changes)

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in (*_META, "scale")}

    def save(self, path: Path) -> None:
        """Write to ``path`` via a temporary file, so a crash never leaves half a state."""
        meta = np.array([GROCERY_STATE_VERSION, *(getattr(self, m) for m in _META)],
                        dtype=np.int64)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez(handle, meta=meta, scale=np.float64(self.scale), **self.arrays())
        os.replace(tmp, path)

    @staticmethod
    def load(path: Path) -> GroceryState:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"No grocery state {path}: the grocery generator writes {GROCERY_STATE_FILE} "
                "next to the files it generates, and every simulation writes the next one")
        with np.load(path) as data:
            version, *meta = (int(v) for v in data["meta"])
            if version != GROCERY_STATE_VERSION:
                raise ValueError(f"{path} is a grocery state of version {version}; this version "
                                 f"reads {GROCERY_STATE_VERSION}: generate the grocery demo again")
            names = [f.name for f in fields(GroceryState) if f.name not in (*_META, "scale")]
            return GroceryState(**dict(zip(_META, meta, strict=True)),
                                scale=float(data["scale"]), **{n: data[n] for n in names})
