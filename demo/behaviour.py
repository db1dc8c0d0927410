"""Visitors and their sessions, drawn per archetype.

A visitor has an archetype and an active window ``[t_start, t_end)``: a random stretch as long as
their archetype's mean stay, placed around an anchor time drawn from the activity curve (so that,
summed over visitors, activity follows the curve right up to both ends of the period), or the
whole period for steady customers. The end a visitor's stay would have had without the period's
end is kept (``t_leave``), so the continuation simulator can carry on where the data stops.
Sessions are drawn in that window: browsing sessions (views,
sometimes an abandoned cart add) and, for buyers, purchase sessions (a few views, then the
basket's items are viewed, added to the cart and bought together). Sessions are rows of flat
arrays; ``demo.events`` expands them into events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.archetypes import ARCHETYPES, Archetype, visitor_counts
from demo.timeline import LAST_SESSION_START_MS, MS_PER_DAY, START_MS, Timeline, epoch_ms

PURCHASE_SESSION_VIEWS = 1.6  # mean views (geometric) in a purchase session before the basket
FOREVER = np.iinfo(np.int64).max  # t_leave of steady customers: they never leave


@dataclass(frozen=True)
class Visitors:
    """One row per visitor; ``archetype`` indexes ``ARCHETYPES``."""

    visitor_ids: np.ndarray  # int64, the files' visitorid
    archetype: np.ndarray  # int8
    t_start: np.ndarray  # int64 ms, activity starts
    t_end: np.ndarray  # int64 ms, activity ends before this (within the observed period)
    t_leave: np.ndarray  # int64 ms, when activity would end without the period's end (FOREVER)

    def __len__(self) -> int:
        return int(self.visitor_ids.size)


@dataclass(frozen=True)
class Sessions:
    """One row per session; ``visitor`` is a position in ``Visitors``."""

    visitor: np.ndarray  # int64
    start: np.ndarray  # int64 ms
    n_views: np.ndarray  # int64 browsing views (>= 0)
    n_carts: np.ndarray  # int64 abandoned cart adds, <= n_views
    basket: np.ndarray  # int64 items bought at the end; 0 = no purchase
    band: np.ndarray  # int8 price band of the basket's items

    def __len__(self) -> int:
        return int(self.visitor.size)

    def select(self, mask: np.ndarray) -> Sessions:
        return Sessions(*(getattr(self, f)[mask] for f in _FIELDS))

    @staticmethod
    def empty() -> Sessions:
        return Sessions(*(np.empty(0, dtype=t) for t in (np.int64,) * 5 + (np.int8,)))

    @staticmethod
    def concat(parts: list[Sessions]) -> Sessions:
        return Sessions(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


_FIELDS = ("visitor", "start", "n_views", "n_carts", "basket", "band")


def build_visitors(scale: float, timeline: Timeline, rng: np.random.Generator) -> Visitors:
    """Visitors of every archetype with their active window; ids are shuffled."""
    counts = visitor_counts(scale)
    starts, ends, leaves = [], [], []
    for archetype, n in zip(ARCHETYPES, counts, strict=True):
        if archetype.lifespan_days is None:
            lo = np.full(n, START_MS, dtype=np.int64)
            leave = np.full(n, FOREVER, dtype=np.int64)
        else:
            anchor = timeline.sample_fraction(0.0, 1.0, n, rng)
            stay = rng.exponential(archetype.lifespan_days * MS_PER_DAY, n)
            before = (stay * rng.random(n)).astype(np.int64)
            lo = np.maximum(anchor - before, START_MS)
            leave = anchor - before + stay.astype(np.int64)
        if archetype.stops_between is not None:
            first, last = (epoch_ms(day) for day in archetype.stops_between)
            leave = np.minimum(leave, rng.integers(first, last, n))
        hi = np.minimum(leave, LAST_SESSION_START_MS)
        starts.append(lo)
        ends.append(np.maximum(hi, lo + 1))
        leaves.append(np.maximum(leave, lo + 1))
    total = sum(counts)
    return Visitors(
        visitor_ids=rng.permutation(total).astype(np.int64),
        archetype=np.repeat(np.arange(len(ARCHETYPES)), counts).astype(np.int8),
        t_start=np.concatenate(starts),
        t_end=np.concatenate(ends),
        t_leave=np.concatenate(leaves),
    )


def basket_sizes(archetype: Archetype, n: int, rng: np.random.Generator) -> np.ndarray:
    """Items per basket: mostly one; a share of baskets holds two or more."""
    multi = rng.random(n) < archetype.multi_item_share
    return 1 + multi * (1 + rng.poisson(archetype.extra_items, n))


def purchase_sessions(
    visitor: np.ndarray, start: np.ndarray, archetype: Archetype, rng: np.random.Generator
) -> Sessions:
    """Purchase sessions of one archetype at the given visitors and start times."""
    n = visitor.size
    return Sessions(
        visitor=visitor.astype(np.int64),
        start=start.astype(np.int64),
        n_views=rng.geometric(1.0 / PURCHASE_SESSION_VIEWS, n) - 1,
        n_carts=np.zeros(n, dtype=np.int64),
        basket=basket_sizes(archetype, n, rng),
        band=np.full(n, archetype.band, dtype=np.int8),
    )


def build_sessions(
    visitors: Visitors, timeline: Timeline, rng: np.random.Generator
) -> tuple[Sessions, Sessions]:
    """(browsing sessions, purchase sessions) of all visitors, archetype by archetype."""
    browsing, buying = [], []
    for code, archetype in enumerate(ARCHETYPES):
        members = np.flatnonzero(visitors.archetype == code)
        browsing.append(_browsing(members, visitors, archetype, timeline, rng))
        buying.append(_buying(members, visitors, archetype, timeline, rng))
    return Sessions.concat(browsing), Sessions.concat(buying)


def _browsing(
    members: np.ndarray, visitors: Visitors, archetype: Archetype, timeline: Timeline,
    rng: np.random.Generator,
) -> Sessions:
    n = members.size
    if archetype.single_event:
        count = np.ones(n, dtype=np.int64)
    else:
        count = 1 + rng.poisson(archetype.extra_sessions, n)
    visitor = np.repeat(members, count)
    is_first = np.zeros(visitor.size, dtype=bool)
    is_first[np.cumsum(count) - count] = True
    start = timeline.sample(visitors.t_start[visitor], visitors.t_end[visitor], rng)
    return browsing_sessions(visitor, start, is_first, archetype, rng)


def browsing_sessions(
    visitor: np.ndarray, start: np.ndarray, is_first: np.ndarray, archetype: Archetype,
    rng: np.random.Generator,
) -> Sessions:
    """Browsing sessions of one archetype at the given visitors and start times; a visitor's
    first session (``is_first``) has at least two views unless the archetype has one event."""
    if archetype.single_event:
        views = np.ones(visitor.size, dtype=np.int64)
    else:
        views = rng.geometric(1.0 / archetype.views_per_session, visitor.size)
        views[is_first] = np.maximum(views[is_first], 2)  # returning types have 2+ events
    carts = (rng.random(visitor.size) < archetype.cart_rate).astype(np.int64)
    return Sessions(
        visitor=visitor.astype(np.int64),
        start=start.astype(np.int64),
        n_views=views.astype(np.int64),
        n_carts=np.minimum(carts, views),
        basket=np.zeros(visitor.size, dtype=np.int64),
        band=np.full(visitor.size, archetype.band, dtype=np.int8),
    )


def _buying(
    members: np.ndarray, visitors: Visitors, archetype: Archetype, timeline: Timeline,
    rng: np.random.Generator,
) -> Sessions:
    buyers = members[rng.random(members.size) < archetype.buy_share]
    if archetype.extra_baskets > 0:
        appetite = rng.gamma(1.0, archetype.extra_baskets, buyers.size)
        count = 1 + rng.poisson(appetite)
    else:
        count = np.ones(buyers.size, dtype=np.int64)
    visitor = np.repeat(buyers, count)
    start = timeline.sample(visitors.t_start[visitor], visitors.t_end[visitor], rng)
    return purchase_sessions(visitor, start, archetype, rng)
