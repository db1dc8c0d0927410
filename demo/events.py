"""Sessions expanded into the rows of ``events.csv``.

Within a session the steps come in a fixed order, seconds to minutes apart:

    browsing views → abandoned cart adds (of the last items viewed)
    → basket items viewed → basket items added to the cart (usually) → bought together

The items of one basket share a ``transactionid`` and their timestamps lie within two seconds;
transaction ids count baskets in time order. A few rows are then written twice, as the real log
has exact duplicate rows.
"""

from __future__ import annotations

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


def expand_events(
    sessions: Sessions, visitor_ids: np.ndarray, cat: Catalogue, scale: float,
    rng: np.random.Generator,
) -> pa.Table:
    """Every session's events (plus duplicate rows), sorted by time, as ``events.csv`` columns."""
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

    buying = np.flatnonzero(k > 0)
    checkout_step = first[buying] + nv[buying] + nc[buying] + 2 * k[buying]
    transaction = np.full(len(sessions), -1, dtype=np.int64)
    transaction[buying] = np.argsort(np.argsort(timestamp[checkout_step], kind="stable"))
    tid = np.where(stage == 4, transaction[session], -1)

    rows = np.flatnonzero(keep)
    n_dup = max(round(REAL_DUPLICATES * scale), 3)
    rows = np.concatenate([rows, rng.choice(rows, n_dup, replace=False)])
    rows = rows[np.argsort(timestamp[rows], kind="stable")]
    return pa.table({
        "timestamp": timestamp[rows],
        "visitorid": visitor_ids[sessions.visitor[session[rows]]],
        "event": pa.DictionaryArray.from_arrays(event[rows], pa.array(EVENT_NAMES)),
        "itemid": cat.item_ids[item[rows]],
        "transactionid": pa.array(tid[rows], mask=tid[rows] < 0),
    })
