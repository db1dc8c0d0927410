"""Named random streams and keyed uniforms: how every random draw of the demo is made repeatable.

Each generation step draws from its own stream, ``stream(seed, name)``, so changing one step does
not move the draws of another. Draws that must not depend on how a run is cut into pieces (when a
contacted customer responds, whether a push stops a given order) are *keyed* uniforms instead: a
fixed hash of the seed, a label and the row's ids, the same whichever call computes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np

# Append only: a stream's position is part of its seed.
STREAMS = ("timeline", "tree", "catalogue", "properties", "visitors", "sessions", "campaign",
           "events", "response", "future", "simulate", "grocery")

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def stream(seed: int, name: str, *more: int) -> np.random.Generator:
    """An independent generator for step ``name``; ``more`` ints split it further."""
    return np.random.default_rng([seed, STREAMS.index(name), *more])


def label_key(label: str) -> np.uint64:
    """A stable 64-bit key for a text label (a campaign id): the first 8 bytes of its BLAKE2b."""
    return np.uint64(int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "big"))


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of uint64 that spreads every input bit."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def keyed_uniform(seed: int, label: str, *keys: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1), one per row of ``keys`` (int arrays of one shape), a pure function of
    (seed, label, keys): the same row gets the same number in every call."""
    with np.errstate(over="ignore"):
        h = _mix(np.full(np.shape(keys[0]), np.uint64(seed), dtype=np.uint64) ^ label_key(label))
        for key in keys:
            h = _mix(h + _GOLDEN + np.asarray(key).astype(np.int64).view(np.uint64))
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def to_epoch_ms(moment: datetime) -> int:
    """A datetime as Unix milliseconds; a naive one is taken as UTC (as the warehouse stores)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def numeric_ids(ids: Iterable[object]) -> np.ndarray:
    """Customer ids (text or numbers, as an operational store keeps them) as int64; an id that
    is not a whole number becomes -1, which no demo customer has."""
    text = np.asarray([str(i).strip() for i in ids], dtype=object)
    whole = np.array([t.isdigit() and len(t) <= 18 for t in text], dtype=bool)
    out = np.full(text.size, -1, dtype=np.int64)
    out[whole] = text[whole].astype(np.int64)
    return out
