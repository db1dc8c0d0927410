"""The item property change log: what ``item_properties_part*.csv`` hold.

Once a week (18 snapshots) the shop records every property of an item that is new or has
changed: an item's first snapshot lists all its properties, later ones only the changes. Per item:

* ``categoryid`` — its category, re-recorded now and then with the same value;
* ``available`` — ``1``/``0``, flipping as stock runs out and comes back;
* ``790`` — the price, ``n<price>.000``, moved by discounts and rises;
* a dozen common hashed keys (``888`` changes in about two weeks of five) and the keys of the
  item's category schema, whose values are hashed-looking tokens such as ``679677 n24.000 1338``.

Rows per property are set so that a full-size catalogue has the real data's counts (20.3 M rows,
1.5 M ``available``, 0.79 M ``categoryid``, 1,104 keys). Values are kept as integer codes into
one vocabulary of strings, so no Python loop ever touches a string.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.catalogue import REAL_ITEMS, Catalogue
from demo.timeline import N_SNAPSHOTS, SNAPSHOT_MS

PRICE_KEY = "790"
REAL_PROPERTY_ROWS = 20_275_902
REAL_PART1_ROWS = 10_999_999
N_KEYS = 1_104
ROWS_PER_ITEM = {"categoryid": 788_214 / REAL_ITEMS, "available": 1_503_639 / REAL_ITEMS,
                 PRICE_KEY: 4.3}
# Common hashed keys: (key, share of items that have it, rows per item that has it).
COMMON_KEYS = (
    ("888", 1.0, 7.2), ("6", 0.55, 2.0), ("283", 0.9, 1.3), ("776", 0.6, 1.3),
    ("678", 0.8, 1.2), ("364", 0.9, 1.0), ("202", 0.8, 1.0), ("839", 0.8, 1.0),
    ("917", 0.85, 1.0), ("112", 1.0, 1.0), ("159", 1.0, 1.0), ("764", 1.0, 1.0),
)
ROUND_ROBIN_KEYS = 9  # per category schema, cycling through the rare keys so all of them occur
HEAD_KEYS = 150  # the category-specific keys most schemas draw from
PRICE_STEPS = np.array([0.8, 0.85, 0.9, 0.95, 1.05, 1.1, 1.15])
VOCABULARY_PER_ITEM = 1.0  # distinct hashed values per catalogue item
INITIAL_AVAILABLE = 0.8


@dataclass(frozen=True)
class PropertyLog:
    """Property rows as codes; ``table()`` turns them into the file's four columns."""

    snapshot: np.ndarray  # int8 index into SNAPSHOT_MS, non-decreasing
    item: np.ndarray  # int32 catalogue position
    key: np.ndarray  # int16 index into keys
    value: np.ndarray  # int32 index into values
    keys: pa.Array  # string
    values: pa.Array  # string
    item_ids: np.ndarray

    def __len__(self) -> int:
        return int(self.snapshot.size)

    def latest(self, key: str) -> tuple[np.ndarray, pa.Array]:
        """(item positions, value) of each item's last recorded value of property ``key``."""
        code = int(np.flatnonzero(np.asarray(self.keys.to_pylist()) == key)[0])
        rows = np.flatnonzero(self.key == code)
        items = self.item[rows][::-1]  # rows are in snapshot order: the last one comes first
        unique, first = np.unique(items, return_index=True)
        last = rows[::-1][first]
        return unique.astype(np.int64), self.values.take(pa.array(self.value[last]))

    def table(self, start: int, stop: int) -> pa.Table:
        """Rows ``start:stop`` as ``timestamp,itemid,property,value``."""
        part = slice(start, stop)
        return pa.table({
            "timestamp": SNAPSHOT_MS[self.snapshot[part]],
            "itemid": self.item_ids[self.item[part]],
            "property": pa.DictionaryArray.from_arrays(self.key[part], self.keys),
            "value": pa.DictionaryArray.from_arrays(self.value[part], self.values),
        })


def number_text(values: np.ndarray) -> pa.Array:
    """Integers as the files write numbers: ``n<int>.000``."""
    text = pc.cast(pa.array(values, type=pa.int64()), pa.string())
    return pc.binary_join_element_wise("n", text, ".000", "")


def _token_vocabulary(size: int, rng: np.random.Generator) -> pa.Array:
    """``size`` hashed-looking values of 1–4 tokens, e.g. ``679677 n24.000 1338``."""
    n_tokens = max(size // 8, 1_000)
    hashed = pc.cast(pa.array(rng.integers(100, 1_200_000, n_tokens)), pa.string())
    number = number_text(np.round(rng.lognormal(3.0, 1.5, n_tokens)).astype(np.int64))
    tokens = pc.if_else(pa.array(rng.random(n_tokens) < 0.3), number, hashed)
    length = rng.choice(4, size, p=[0.55, 0.25, 0.12, 0.08]) + 1
    slots = [
        pc.take(tokens, pa.array(rng.integers(0, n_tokens, size), mask=length <= slot))
        for slot in range(4)
    ]
    return pc.binary_join_element_wise(*slots, " ", null_handling="skip")


def _rows(
    first: np.ndarray, rows_per_item: float, rng: np.random.Generator, ranked: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Rows of a property recorded at each item's first snapshot, then at random later ones.

    Returns (item, snapshot, changes so far — only if ``ranked``), ``rows_per_item`` rows per
    item on average.

    Later snapshots change independently with one rate; the changed cells are found by geometric
    skips over the items × snapshots grid, so the cost follows the rows, not the grid.
    """
    n = first.size
    later = float((N_SNAPSHOTS - 1 - first).sum())
    rate = min(max((rows_per_item - 1.0) * n / max(later, 1.0), 0.0), 1.0)
    cells = n * N_SNAPSHOTS
    change = np.empty(0, dtype=np.int64)
    if rate > 0:
        draws = int(cells * rate * 1.05) + 1_000
        position = np.cumsum(rng.geometric(rate, draws)) - 1
        while position[-1] < cells:  # rarely: not enough draws to cover the grid
            more = np.cumsum(rng.geometric(rate, draws)) + position[-1]
            position = np.concatenate([position, more])
        change = position[position < cells]
    item, snap = np.divmod(change, N_SNAPSHOTS)
    kept = snap > first[item]
    item, snap = item[kept], snap[kept]
    items, snaps = np.concatenate([np.arange(n), item]), np.concatenate([first, snap])
    if not ranked:
        return items, snaps, None
    # rank of each change within its item: changes are in item-major order
    rank = np.arange(item.size) - np.searchsorted(item, item, side="left") + 1
    return items, snaps, np.concatenate([np.zeros(n, dtype=np.int64), rank])


def _key_names(rng: np.random.Generator) -> np.ndarray:
    """1,104 property names: the three named ones, the common keys, then hashed numbers."""
    fixed = ["categoryid", "available", PRICE_KEY, *(k for k, _, _ in COMMON_KEYS)]
    taken = {int(k) for k in fixed[2:]}
    candidates = np.array([k for k in range(1, 1_200) if k not in taken])
    hashed = rng.choice(candidates, N_KEYS - len(fixed), replace=False)
    return np.array(fixed + [str(k) for k in hashed], dtype=object)


def _price_paths(
    cat: Catalogue, item: np.ndarray, changes: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Price at each recorded row: the base price times the steps taken so far (per item)."""
    log_step = np.where(changes > 0, np.log(rng.choice(PRICE_STEPS, item.size)), 0.0)
    order = np.lexsort((changes, item))
    walked = np.cumsum(log_step[order])
    group_start = np.searchsorted(item[order], item[order], side="left")
    level = np.empty(item.size)
    level[order] = walked - walked[group_start] + log_step[order][group_start]
    price = np.round(cat.price[item] * np.exp(level) / 10.0)
    return np.maximum(price, 1).astype(np.int64) * 10


def build_property_log(cat: Catalogue, rng: np.random.Generator) -> PropertyLog:
    """All property rows of the catalogue over the 18 weekly snapshots."""
    n = cat.n_items
    first = cat.first_snapshot.astype(np.int64)
    names = _key_names(rng)
    n_vocab = max(round(n * VOCABULARY_PER_ITEM), 5_000)
    vocab = _token_vocabulary(n_vocab, rng)
    n_fixed = n_vocab + 2 + cat.used_categories.size  # value codes before the prices
    chunks: list[tuple[np.ndarray, ...]] = []  # (snapshot, item, key, value code)

    # categoryid: the same value each time it is recorded
    item, snap, _ = _rows(first, ROWS_PER_ITEM["categoryid"], rng)
    chunks.append((snap, item, np.full(item.size, 0), n_vocab + 2 + cat.category[item]))

    # available: every recorded change flips stock on/off
    item, snap, changes = _rows(first, ROWS_PER_ITEM["available"], rng, ranked=True)
    initial = (rng.random(n) < INITIAL_AVAILABLE).astype(np.int64)
    chunks.append((snap, item, np.full(item.size, 1), n_vocab + (initial[item] + changes) % 2))

    # price: a multiplicative walk of discounts and rises
    item, snap, changes = _rows(first, ROWS_PER_ITEM[PRICE_KEY], rng, ranked=True)
    prices, price_code = np.unique(_price_paths(cat, item, changes, rng), return_inverse=True)
    chunks.append((snap, item, np.full(item.size, 2), n_fixed + price_code))

    # common hashed keys, some of which change often
    for offset, (_, share, rows) in enumerate(COMMON_KEYS):
        item, snap, _ = _rows(first, rows, rng)
        has = rng.random(n) < share
        item, snap = item[has[item]], snap[has[item]]
        chunks.append((snap, item, np.full(item.size, 3 + offset),
                       rng.integers(0, n_vocab, item.size)))

    # category-specific keys: every item of a category carries its category's schema once
    common_rows = sum(len(c[0]) for c in chunks)
    target = round(REAL_PROPERTY_ROWS * n / REAL_ITEMS) - common_rows
    chunks.append(_schema_rows(cat, first, target, len(names), n_vocab, rng))

    snapshot = np.concatenate([c[0] for c in chunks]).astype(np.int8)
    order = np.argsort(snapshot, kind="stable")
    values = pa.concat_arrays([
        vocab,
        pa.array(["0", "1"]),
        pc.cast(pa.array(cat.used_categories), pa.string()),
        number_text(prices),
    ])
    return PropertyLog(
        snapshot=snapshot[order],
        item=np.concatenate([c[1] for c in chunks]).astype(np.int32)[order],
        key=np.concatenate([c[2] for c in chunks]).astype(np.int16)[order],
        value=np.concatenate([c[3] for c in chunks]).astype(np.int32)[order],
        keys=pa.array(names.tolist(), type=pa.string()),
        values=values,
        item_ids=cat.item_ids,
    )


def _schema_rows(
    cat: Catalogue, first: np.ndarray, target: int, n_keys: int, n_vocab: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """One row per item and key of its category's schema, at the item's first snapshot."""
    n_cat = cat.used_categories.size
    first_key = 3 + len(COMMON_KEYS)
    pool = np.arange(first_key, n_keys)
    head, tail = pool[:HEAD_KEYS], pool[HEAD_KEYS:]
    items_per_cat = np.bincount(cat.category, minlength=n_cat)
    raw = rng.uniform(10, 35, n_cat)
    size = raw * max(target, 0) / max(float((raw * items_per_cat).sum()), 1.0)
    size = np.clip(np.round(size), ROUND_ROBIN_KEYS + 1, ROUND_ROBIN_KEYS + HEAD_KEYS).astype(int)

    # round-robin part: category c takes tail keys c*R .. c*R+R-1 (mod the tail)
    robin = tail[(np.arange(n_cat)[:, None] * ROUND_ROBIN_KEYS
                  + np.arange(ROUND_ROBIN_KEYS)[None, :]) % tail.size]
    # head part: distinct keys per category, popular keys likelier (Gumbel top-k)
    zipf = np.log(1.0 / np.arange(1, HEAD_KEYS + 1))
    scores = zipf[None, :] + rng.gumbel(size=(n_cat, HEAD_KEYS))
    ranked = head[np.argsort(-scores, axis=1)]
    schema = np.concatenate([robin, ranked], axis=1)  # n_cat × (R + HEAD_KEYS)

    per_item = size[cat.category]
    item = np.repeat(np.arange(cat.n_items), per_item)
    within = np.arange(item.size) - np.repeat(np.cumsum(per_item) - per_item, per_item)
    key = schema[cat.category[item], within]
    cardinality = np.exp(rng.uniform(np.log(2), np.log(n_vocab), n_keys)).astype(np.int64)
    salt = rng.integers(0, n_vocab, n_keys)
    pick = (cardinality[key] * rng.random(item.size) ** 2).astype(np.int64)
    return first[item], item, key, (salt[key] + pick) % n_vocab
