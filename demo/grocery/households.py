"""Grocery households: how often they order, what they re-buy, how big their baskets are.

Each household has a type (``HOUSEHOLD_TYPES``) fixing its mean days between orders, how regular
those gaps are (gamma shape), how many staple items it re-buys, how many other items it adds to
an order, how long it stays and whether it allows push messages:

================== ===== ======== ========== ======= ======= ======== =======
type               share cycle d. regularity staples explore lifespan consent
================== ===== ======== ========== ======= ======= ======== =======
weekly_family       .35     7        6         14      3       540      .60
biweekly_stockup    .15    14        5         15      4       540      .55
monthly_bulk        .10    30        4         19      5.5     540      .50
top_up              .12     4        3         14      1.8     540      .65
big_basket          .08    10        5         32      6       540      .55
occasional          .20    25        1.5        9      3.5     270      .40
================== ===== ======== ========== ======= ======= ======== =======

A staple has its own re-purchase cycle: 7, 14, 28 or 56 days (shares ``STAPLE_CYCLES``) times a
little noise; it is bought in the household's first order at or after it falls due, and falls
due again a gamma-distributed cycle later. Weekly items of a monthly household are therefore in
every order, monthly items of a weekly household in about one order in four. Other items are
drawn from the catalogue by popularity, each order a Poisson number of them. Staples are drawn
by popularity too, half of them from two favourite departments, so households differ in taste.
``basket_mean`` (staples expected per order plus the other items) is the household's typical
basket size; big-basket households always buy large baskets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.grocery.calendar import MS_PER_DAY, time_of_day
from demo.grocery.catalogue import GroceryCatalogue


@dataclass(frozen=True)
class HouseholdType:
    name: str
    share: float
    cycle_days: float  # mean days between orders
    regularity: float  # gamma shape of the gaps between orders: higher is more regular
    staples: float  # mean number of staple items (Poisson, at least 1)
    explore: float  # mean number of other items per order (Poisson)
    lifespan_days: float  # mean stay (exponential)
    consent: float  # share allowing push messages


HOUSEHOLD_TYPES: tuple[HouseholdType, ...] = (
    HouseholdType("weekly_family", 0.35, 7, 6, 14, 3, 540, 0.60),
    HouseholdType("biweekly_stockup", 0.15, 14, 5, 15, 4, 540, 0.55),
    HouseholdType("monthly_bulk", 0.10, 30, 4, 19, 5.5, 540, 0.50),
    HouseholdType("top_up", 0.12, 4, 3, 14, 1.8, 540, 0.65),
    HouseholdType("big_basket", 0.08, 10, 5, 32, 6, 540, 0.55),
    HouseholdType("occasional", 0.20, 25, 1.5, 9, 3.5, 270, 0.40),
)
TYPE_NAMES = tuple(t.name for t in HOUSEHOLD_TYPES)
STAPLE_CYCLES = ((7, 0.40), (14, 0.25), (28, 0.25), (56, 0.10))  # (days, share of staples)
STAPLE_CYCLE_NOISE = 0.15  # lognormal sigma of a staple's cycle around its nominal value
FAVOURITE_SHARE = 0.5  # share of staples drawn from the household's two favourite departments
OPTED_OUT_SHARE = 0.4  # of households without consent: those who opted out (with a date)
OPT_OUT_WITHIN_DAYS = 60
DRAWS_PER_STAPLE = 3  # candidates drawn per staple wanted; a household keeps distinct ones


def _column(field: str) -> np.ndarray:
    return np.array([getattr(t, field) for t in HOUSEHOLD_TYPES], dtype=np.float64)


@dataclass(frozen=True)
class NewHouseholds:
    """Households drawn together: their type, stay, ordering, consent and staples."""

    kind: np.ndarray  # int8 index into HOUSEHOLD_TYPES
    joined: np.ndarray  # int64 ms
    leaves: np.ndarray  # int64 ms
    next_order: np.ndarray  # int64 ms of the first order
    consent: np.ndarray  # int8 1 = allows push
    opted_out_at: np.ndarray  # int64 ms, -1 if never
    basket_mean: np.ndarray  # float64 typical items per order
    staple_owner: np.ndarray  # int64 position among these households
    staple_item: np.ndarray  # int64 catalogue position
    staple_cycle: np.ndarray  # float64 days
    staple_due: np.ndarray  # int64 ms

    def __len__(self) -> int:
        return int(self.kind.size)


def draw_households(
    n: int, joined: np.ndarray, established: bool, period_start: int, cat: GroceryCatalogue,
    departments: np.ndarray, opt_out_by: int, rng: np.random.Generator,
) -> NewHouseholds:
    """``n`` households that joined at ``joined``.

    A new household orders first a second after joining and buys all its staples then. An
    ``established`` one (already a customer when the data starts at ``period_start``) is
    somewhere in its cycles: its first order is within one order cycle of ``period_start`` and
    each staple falls due within one staple cycle of it. Households without consent opted out
    (if they did) within OPT_OUT_WITHIN_DAYS of joining, and not after ``opt_out_by``."""
    kind = rng.choice(len(HOUSEHOLD_TYPES), n, p=_column("share")).astype(np.int8)
    stay = rng.exponential(_column("lifespan_days")[kind] * MS_PER_DAY).astype(np.int64)
    leaves = (np.maximum(joined, period_start) if established else joined) + stay + 1
    consent = (rng.random(n) < _column("consent")[kind]).astype(np.int8)
    opted = (consent == 0) & (rng.random(n) < OPTED_OUT_SHARE)
    opted_out_at = np.full(n, -1, dtype=np.int64)
    opted_out_at[opted] = np.minimum(
        joined[opted] + rng.integers(0, OPT_OUT_WITHIN_DAYS * MS_PER_DAY, int(opted.sum())),
        opt_out_by)
    if established:
        offset = np.floor(rng.random(n) * _column("cycle_days")[kind]).astype(np.int64)
        first_order = period_start + offset * MS_PER_DAY + time_of_day(n, rng)
    else:
        first_order = (joined // 1000 + 1) * 1000

    count = np.maximum(rng.poisson(_column("staples")[kind]), 1)
    owner = np.repeat(np.arange(n), DRAWS_PER_STAPLE * count)  # distinct ones are kept
    favourite = rng.integers(0, departments.max() + 1, (n, 2))
    item = cat.draw(owner.size, rng)
    liked = rng.random(owner.size) < FAVOURITE_SHARE
    item[liked] = _draw_in_departments(cat, departments, favourite[owner[liked]], rng)
    item, owner = _distinct_per_owner(item, owner, count)
    days, share = zip(*STAPLE_CYCLES, strict=True)
    cycle = np.asarray(days, dtype=np.float64)[rng.choice(len(days), owner.size, p=share)]
    cycle *= rng.lognormal(0.0, STAPLE_CYCLE_NOISE, owner.size)
    due = first_order[owner].copy()
    if established:
        due = period_start + (rng.random(owner.size) * cycle * MS_PER_DAY).astype(np.int64)

    order_cycle = _column("cycle_days")[kind]
    per_order = np.minimum(1.0, order_cycle[owner] / cycle)
    basket_mean = np.bincount(owner, weights=per_order, minlength=n) + _column("explore")[kind]
    return NewHouseholds(kind, joined, leaves, first_order, consent, opted_out_at, basket_mean,
                         owner.astype(np.int64), item, cycle, due)


def _draw_in_departments(
    cat: GroceryCatalogue, departments: np.ndarray, favourite: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One item per row, by popularity among the items of one of the row's two departments."""
    wanted = favourite[np.arange(favourite.shape[0]), rng.integers(0, 2, favourite.shape[0])]
    item_department = departments[cat.aisle]
    order = np.argsort(item_department, kind="stable")
    bounds = np.searchsorted(item_department[order], np.arange(departments.max() + 2))
    cumulative = np.concatenate([[0.0], np.cumsum(cat.weight[order])])
    lo, hi = cumulative[bounds[wanted]], cumulative[bounds[wanted + 1]]
    pos = np.searchsorted(cumulative, lo + rng.random(wanted.size) * (hi - lo), side="right") - 1
    return order[np.clip(pos, bounds[wanted], bounds[wanted + 1] - 1)]


def _distinct_per_owner(
    item: np.ndarray, owner: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count[h]`` distinct items drawn for each household ``h`` (owners sorted)."""
    key = owner * (int(item.max()) + 1 if item.size else 1) + item
    _, first = np.unique(key, return_index=True)
    first.sort()
    item, owner = item[first], owner[first]
    sizes = np.bincount(owner, minlength=count.size)
    rank = np.arange(owner.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    keep = rank < count[owner]
    return item[keep], owner[keep]


def department_of_aisles(aisle_names: tuple[str, ...]) -> np.ndarray:
    """Department index per aisle ("department / aisle" names)."""
    departments = [name.split(" / ")[0] for name in aisle_names]
    unique = sorted(set(departments))
    return np.array([unique.index(d) for d in departments], dtype=np.int64)
