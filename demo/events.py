"""Sessions expanded into the rows of ``events.csv``.

Within a session the steps come in a fixed order, seconds to minutes apart:

    browsing views → abandoned cart adds (of the last items viewed)
    → basket items viewed → basket items added to the cart (usually) → bought together

The items of one basket share a ``transactionid`` and their timestamps lie within two seconds;
transaction ids count baskets in time order. A few rows are then written twice, as the real log
has exact duplicate rows.

Expanding (``expand_sessions``) and writing (``events_table``) are apart, so that contact can drop
a basket after the fact and caused purchases can be expanded with their own random stream: the
events of everyone else stay the same whether or not a campaign runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from demo.behaviour import Sessions
from demo.catalogue import Catalogue

EVENT_NAMES = ("view", "addtocart", "transaction")
VIEW, CART, BUY = 0, 1, 2
NEAR_SHARE = 0.5  # chance a later view in a session stays in the first item's category
BASKET_CART_SHARE = 0.9  # basket items that are added to the cart before the purchase
REAL_DUPLICATES = 460
MEAN_GAP_MS = {"view": 75_000, "abandon": 20_000, "basket_view": 60_000, "cart": 15_000,
               "checkout": 120_000}
BASKET_JITTER_MS = 2_000


@dataclass(frozen=True)
class SessionRows:
    """Expanded events of some sessions, in session order (before ids, duplicates and sorting)."""

    session: np.ndarray  # int64 position of the session in the expanded ``Sessions``
    visitor: np.ndarray  # int64 visitor key of the session
    timestamp: np.ndarray  # int64 ms
    event: np.ndarray  # int8 index into EVENT_NAMES
    item: np.ndarray  # int64 catalogue position
    in_basket: np.ndarray  # bool: a basket step (basket item viewed, added to cart, bought)

    def __len__(self) -> int:
        return int(self.session.size)

    def without_baskets(self, dropped: np.ndarray) -> SessionRows:
        """These rows minus the basket steps of sessions where ``dropped`` (per session) is set:
        the visitor came and browsed but did not buy."""
        keep = ~(self.in_basket & dropped[self.session])
        return SessionRows(*(getattr(self, f)[keep] for f in _ROW_FIELDS))


_ROW_FIELDS = ("session", "visitor", "timestamp", "event", "item", "in_basket")


def expand_sessions(sessions: Sessions, cat: Catalogue, rng: np.random.Generator) -> SessionRows:
    """Every session's events with their times and items, in session order."""
    nv, nc, k = sessions.n_views, sessions.n_carts, sessions.basket
    length = nv + nc + 3 * k
    first = np.cumsum(length) - length
    session = np.repeat(np.arange(len(sessions)), length)
    pos = np.arange(session.size) - first[session]
    nv_s, nc_s, k_s = nv[session], nc[session], k[session]
    stage = np.select(
        [pos < nv_s, pos < nv_s + nc_s, pos < nv_s + nc_s + k_s, pos < nv_s + nc_s + 2 * k_s],
        [0, 1, 2, 3], 4,
    )

    gap_mean = np.array([MEAN_GAP_MS[s] for s in
                         ("view", "abandon", "basket_view", "cart", "checkout")])[stage]
    gap = rng.exponential(1.0, session.size) * gap_mean
    later_buy = (stage == 4) & (pos > nv_s + nc_s + 2 * k_s)
    gap[later_buy] = rng.integers(0, BASKET_JITTER_MS // 2, int(later_buy.sum()))
    gap[first[length > 0]] = 0
    steps = np.cumsum(gap.astype(np.int64))
    timestamp = sessions.start[session] + steps - steps[first][session]

    item = np.empty(session.size, dtype=np.int64)
    opening = (stage == 0) & (pos == 0)
    item[opening] = cat.popular_items(int(opening.sum()), rng)
    browse = np.flatnonzero((stage == 0) & (pos > 0))
    near = rng.random(browse.size) < NEAR_SHARE
    anchor = item[first[session[browse]]]
    item[browse] = np.where(near, cat.near(anchor, rng), cat.popular_items(browse.size, rng))
    abandon = np.flatnonzero(stage == 1)
    item[abandon] = item[abandon - nc_s[abandon]]
    basket = np.flatnonzero(stage == 2)
    item[basket] = cat.items_in_band(sessions.band[session[basket]], rng)
    carted = np.flatnonzero(stage == 3)
    item[carted] = item[carted - k_s[carted]]
    bought = np.flatnonzero(stage == 4)
    item[bought] = item[bought - 2 * k_s[bought]]

    event = np.array([VIEW, CART, VIEW, CART, BUY], dtype=np.int8)[stage]
    keep = (stage != 3) | (rng.random(session.size) < BASKET_CART_SHARE)
    return SessionRows(
        session=session[keep],
        visitor=sessions.visitor[session[keep]],
        timestamp=timestamp[keep],
        event=event[keep],
        item=item[keep],
        in_basket=stage[keep] >= 2,
    )


def events_table(
    parts: list[SessionRows], cat: Catalogue, n_duplicates: int, first_transactionid: int,
    rng: np.random.Generator, visitor_ids: np.ndarray | None = None,
) -> pa.Table:
    """``events.csv`` rows of all parts, sorted by time, with ``n_duplicates`` rows written twice.

    Baskets get transaction ids ``first_transactionid``, +1, … in the order they are bought.
    ``visitor_ids`` maps the rows' visitor keys to the files' ids (None: the keys are the ids).
    """
    offsets = np.cumsum([0] + [int(p.session.max()) + 1 if len(p) else 0 for p in parts])
    session = np.concatenate([p.session + off for p, off in zip(parts, offsets, strict=False)])
    visitor = np.concatenate([p.visitor for p in parts])
    timestamp = np.concatenate([p.timestamp for p in parts])
    event = np.concatenate([p.event for p in parts])
    item = np.concatenate([p.item for p in parts])

    buys = np.flatnonzero(event == BUY)
    baskets, inverse = np.unique(session[buys], return_inverse=True)
    checkout = np.full(baskets.size, np.iinfo(np.int64).max)
    np.minimum.at(checkout, inverse, timestamp[buys])
    rank = np.argsort(np.argsort(checkout, kind="stable"))
    tid = np.full(session.size, -1, dtype=np.int64)
    tid[buys] = first_transactionid + rank[inverse]

    rows = np.arange(session.size)
    n_dup = min(n_duplicates, rows.size)
    rows = np.concatenate([rows, rng.choice(rows, n_dup, replace=False)])
    rows = rows[np.argsort(timestamp[rows], kind="stable")]
    ids = visitor[rows] if visitor_ids is None else visitor_ids[visitor[rows]]
    return pa.table({
        "timestamp": timestamp[rows],
        "visitorid": ids,
        "event": pa.DictionaryArray.from_arrays(event[rows], pa.array(EVENT_NAMES)),
        "itemid": cat.item_ids[item[rows]],
        "transactionid": pa.array(tid[rows], mask=tid[rows] < 0),
    })
