"""The order engine: households order on their cycle and re-buy the staples that fell due.

``run_orders`` plays every household's orders in a span, all households at once: round k
handles each household's k-th order of the span, so the loop runs as many times as the busiest
household orders (about 50 for half a year), never once per household or order. In an order a
household buys each staple that has fallen due (and sets when it falls due again: a gamma-
distributed cycle with shape ``STAPLE_REGULARITY``), plus a Poisson number of other items by
popularity. The next order is a gamma-distributed number of whole days later (the household
type's cycle and regularity), at an hour of day drawn from ``calendar.ORDER_HOURS``. Quantities
are 1, 2 or 3 (``QUANTITY_SHARES``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.grocery.calendar import MS_PER_DAY, time_of_day
from demo.grocery.catalogue import GroceryCatalogue
from demo.grocery.households import HOUSEHOLD_TYPES

QUANTITY_SHARES = (0.80, 0.15, 0.05)  # quantity 1, 2, 3
STAPLE_REGULARITY = 6.0  # gamma shape of a staple's cycle

_CYCLE = np.array([t.cycle_days for t in HOUSEHOLD_TYPES])
_REGULARITY = np.array([t.regularity for t in HOUSEHOLD_TYPES])
_EXPLORE = np.array([t.explore for t in HOUSEHOLD_TYPES])


@dataclass(frozen=True)
class Orders:
    """Orders (one row each) and their lines; ``line_order`` indexes the orders."""

    household: np.ndarray  # int64 household position
    at: np.ndarray  # int64 ms
    line_order: np.ndarray  # int64
    line_item: np.ndarray  # int64 catalogue position
    line_quantity: np.ndarray  # int64

    def __len__(self) -> int:
        return int(self.household.size)

    @staticmethod
    def concat(parts: list[Orders]) -> Orders:
        offsets = np.cumsum([0] + [len(p) for p in parts])
        return Orders(
            household=np.concatenate([p.household for p in parts]),
            at=np.concatenate([p.at for p in parts]),
            line_order=np.concatenate([p.line_order + o for p, o in zip(parts, offsets,
                                                                           strict=False)]),
            line_item=np.concatenate([p.line_item for p in parts]),
            line_quantity=np.concatenate([p.line_quantity for p in parts]),
        )

    def without(self, dropped: np.ndarray) -> Orders:
        """These orders minus those where ``dropped`` (per order) is set."""
        keep = ~dropped
        new_index = np.cumsum(keep) - 1
        lines = keep[self.line_order]
        return Orders(self.household[keep], self.at[keep], new_index[self.line_order[lines]],
                      self.line_item[lines], self.line_quantity[lines])


def quantities(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(len(QUANTITY_SHARES), n, p=QUANTITY_SHARES) + 1


def next_order_after(at: np.ndarray, kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The order after one at ``at``: whole days later by the type's cycle, at a new hour."""
    shape = _REGULARITY[kind]
    days = np.maximum(np.rint(rng.gamma(shape, _CYCLE[kind] / shape)), 1).astype(np.int64)
    return (at // MS_PER_DAY + days) * MS_PER_DAY + time_of_day(at.size, rng)


def run_orders(
    kind: np.ndarray, leaves: np.ndarray, next_order: np.ndarray, staple_first: np.ndarray,
    staple_count: np.ndarray, staple_item: np.ndarray, staple_cycle: np.ndarray,
    staple_due: np.ndarray, end: int, cat: GroceryCatalogue, rng: np.random.Generator,
) -> Orders:
    """All orders up to ``end`` (inclusive). ``next_order`` and ``staple_due`` are advanced in
    place; staples are rows ``staple_first[h] .. + staple_count[h]`` of household ``h``."""
    parts = [Orders(*(np.empty(0, np.int64) for _ in range(5)))]
    while True:
        who = np.flatnonzero((next_order <= end) & (next_order < leaves))
        if who.size == 0:
            break
        at = next_order[who]
        counts = staple_count[who]
        owner = np.repeat(np.arange(who.size), counts)
        within = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = np.repeat(staple_first[who], counts) + within
        due = staple_due[rows] <= at[owner]
        bought, bought_owner = rows[due], owner[due]
        cycle = staple_cycle[bought]
        gap = rng.gamma(STAPLE_REGULARITY, cycle / STAPLE_REGULARITY) * MS_PER_DAY
        staple_due[bought] = at[bought_owner] + gap.astype(np.int64)

        extra = rng.poisson(_EXPLORE[kind[who]])
        extra[np.bincount(bought_owner, minlength=who.size) + extra == 0] = 1  # no empty order
        extra_owner = np.repeat(np.arange(who.size), extra)
        line_order = np.concatenate([bought_owner, extra_owner])
        line_item = np.concatenate([staple_item[bought], cat.draw(extra_owner.size, rng)])
        key = np.unique(line_order * cat.n_items + line_item)  # an item once per order
        line_order, line_item = key // cat.n_items, key % cat.n_items
        parts.append(Orders(who.astype(np.int64), at, line_order, line_item,
                            quantities(key.size, rng)))
        next_order[who] = next_order_after(at, kind[who], rng)
    return Orders.concat(parts)
