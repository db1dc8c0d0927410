"""The demo shop's catalogue: the category tree, the items, their prices and popularity.

Categories form a 1,669-node tree with 25 roots and up to 5 levels (root = level 1). Items sit
mostly in leaf categories; each category has its own lognormal price distribution, and items are
ranked by a Zipf-like popularity that drives which items visitors view and buy. Prices are whole
currency units (the files write them as ``n<price>.000``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.archetypes import ANY_PRICE, CHEAP, EXPENSIVE
from demo.timeline import N_SNAPSHOTS

REAL_ITEMS = 417_053
REAL_USED_CATEGORIES = 1_242
ITEM_ID_SPACE = 1.12  # item ids are drawn from 0 .. 1.12 × items, as in the real files
LEVEL_SIZES = (25, 230, 560, 600, 254)  # categories per tree level, 1,669 in all
CATEGORY_ID_SPACE = 1_700
LEAF_PREFERENCE = 4.0  # leaves are this much likelier than inner nodes to hold items
POPULARITY_EXPONENT = 1.4  # item weight ∝ (rank + offset) ** -exponent, Zipf-like
POPULARITY_OFFSET = 0.001  # the offset as a share of the items drawn from
NEW_ITEM_SHARE = 0.18  # items first listed after the first weekly snapshot


@dataclass(frozen=True)
class CategoryTree:
    """``category_ids[i]``'s parent is ``category_ids[parent[i]]``; ``parent[i] = -1`` for roots."""

    category_ids: np.ndarray  # int64
    parent: np.ndarray  # int64 positions, -1 for a root
    level: np.ndarray  # 1 for roots

    @property
    def parent_ids(self) -> np.ndarray:
        """Parent category id per node as float (NaN for roots), the file's ``parentid``."""
        ids = self.category_ids[np.maximum(self.parent, 0)].astype(np.float64)
        ids[self.parent < 0] = np.nan
        return ids


def build_category_tree(rng: np.random.Generator) -> CategoryTree:
    """A random tree with ``LEVEL_SIZES`` nodes per level; some parents get many children."""
    ids = rng.choice(CATEGORY_ID_SPACE, sum(LEVEL_SIZES), replace=False).astype(np.int64)
    parents = [np.full(LEVEL_SIZES[0], -1, dtype=np.int64)]
    levels = [np.ones(LEVEL_SIZES[0], dtype=np.int64)]
    first = 0
    for depth, size in enumerate(LEVEL_SIZES[1:], start=2):
        previous = LEVEL_SIZES[depth - 2]
        weight = rng.lognormal(0.0, 0.8, previous)
        parents.append(first + rng.choice(previous, size, p=weight / weight.sum()))
        levels.append(np.full(size, depth, dtype=np.int64))
        first += previous
    return CategoryTree(ids, np.concatenate(parents), np.concatenate(levels))


@dataclass(frozen=True)
class Catalogue:
    """Items (positions 0..n-1) with their ids, category, base price, band and popularity."""

    item_ids: np.ndarray  # int64, the files' itemid
    category: np.ndarray  # int32 position into used_categories
    used_categories: np.ndarray  # int64 category ids that hold items
    price: np.ndarray  # int64 base price, whole currency units
    band: np.ndarray  # int8 CHEAP / ANY_PRICE / EXPENSIVE (price tercile)
    first_snapshot: np.ndarray  # int8 index of the item's first weekly snapshot
    by_popularity: np.ndarray  # item positions, most popular first
    band_items: tuple[np.ndarray, ...]  # per band: item positions, most popular first
    in_category: np.ndarray  # item positions sorted by (category, popularity rank)
    category_start: np.ndarray  # first position in in_category, per used category
    category_size: np.ndarray

    @property
    def n_items(self) -> int:
        return int(self.item_ids.size)

    def popular_items(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` items drawn by popularity (Zipf-like)."""
        return self._draw(self.by_popularity, n, rng)

    def items_in_band(self, band: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One item per row of ``band``, drawn by popularity among that band's items."""
        items = np.empty(band.size, dtype=np.int64)
        for b in (CHEAP, ANY_PRICE, EXPENSIVE):
            rows = np.flatnonzero(band == b)
            items[rows] = self._draw(self.band_items[b], rows.size, rng)
        return items

    def near(self, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each item, another item of its category, skewed to the category's popular ones."""
        cat = self.category[items]
        offset = (self.category_size[cat] * rng.random(items.size) ** 5).astype(np.int64)
        return self.in_category[self.category_start[cat] + offset]

    @staticmethod
    def _draw(order: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """Inverse-CDF draw of ranks from the continuous Zipf-like density over ``order``."""
        m = order.size
        offset = max(POPULARITY_OFFSET * m, 1.0)
        power = 1.0 - POPULARITY_EXPONENT
        low = offset**power
        span = (m + offset) ** power - low
        rank = (low + rng.random(n) * span) ** (1.0 / power) - offset
        return order[np.clip(rank.astype(np.int64), 0, m - 1)]


def catalogue_fraction(scale: float) -> float:
    """The catalogue grows with the shop up to the real one's size, never beyond."""
    return min(scale, 1.0)


def build_catalogue(scale: float, tree: CategoryTree, rng: np.random.Generator) -> Catalogue:
    """Items of a shop at ``scale``: categories, prices by category, popularity, listing week."""
    fraction = catalogue_fraction(scale)
    n_items = max(round(REAL_ITEMS * fraction), 50)
    item_ids = rng.choice(round(n_items * ITEM_ID_SPACE), n_items, replace=False).astype(np.int64)

    n_used = max(min(round(REAL_USED_CATEGORIES * fraction), tree.category_ids.size), 5)
    is_leaf = ~np.isin(np.arange(tree.category_ids.size), tree.parent)
    weight = np.where(is_leaf, LEAF_PREFERENCE, 1.0)
    n_nodes = tree.category_ids.size
    used = np.sort(rng.choice(n_nodes, n_used, replace=False, p=weight / weight.sum()))
    used_ids = tree.category_ids[used]
    category_weight = rng.lognormal(0.0, 1.0, n_used)
    category = rng.choice(n_used, n_items, p=category_weight / category_weight.sum())

    mu = rng.normal(np.log(2500.0), 0.9, n_used)
    sigma = rng.uniform(0.25, 0.7, n_used)
    raw = np.exp(mu[category] + sigma[category] * rng.standard_normal(n_items))
    price = np.maximum(np.round(raw / 10.0), 1).astype(np.int64) * 10
    cuts = np.quantile(price, [1 / 3, 2 / 3])
    band = np.digitize(price, cuts, right=True).astype(np.int8)

    first_snapshot = np.where(
        rng.random(n_items) < NEW_ITEM_SHARE, rng.integers(1, N_SNAPSHOTS, n_items), 0
    ).astype(np.int8)

    rank = rng.permutation(n_items)
    by_popularity = np.argsort(rank)
    band_of_ranked = band[by_popularity]
    band_items = (  # "any price" draws from all items
        by_popularity[band_of_ranked == CHEAP],
        by_popularity,
        by_popularity[band_of_ranked == EXPENSIVE],
    )
    in_category = np.lexsort((rank, category))
    size = np.bincount(category, minlength=n_used)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    return Catalogue(
        item_ids=item_ids,
        category=category.astype(np.int32),
        used_categories=used_ids,
        price=price,
        band=band,
        first_snapshot=first_snapshot,
        by_popularity=by_popularity,
        band_items=band_items,
        in_category=in_category,
        category_start=start,
        category_size=size,
    )
