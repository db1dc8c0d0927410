"""Latent response of grocery households to a push that promotes one item.

Each household has one of the four types of ``demo.response`` for pushes, in shares by household
type (``PUSH_SHARES``: persuadable, sure thing, lost cause, do-not-disturb):

================== ==== ==== ==== ====
household type      P    S    L    D
================== ==== ==== ==== ====
weekly_family      .25  .25  .40  .10
biweekly_stockup   .30  .20  .40  .10
monthly_bulk       .20  .15  .55  .10
top_up             .15  .30  .35  .20
big_basket         .35  .25  .30  .10
occasional         .10  .05  .65  .20
================== ==== ==== ==== ====

A push reaches a treated household only if it allows pushes at the push time (consent 1 and not
opted out); the hold-out is never touched. A reached household responds by type:

* **persuadable**: places one extra order holding the promoted item with probability
  ``PUSH_PERSUADE_BASE`` + ``PUSH_PERSUADE_AISLE`` if one of its staples is in the promoted
  item's aisle (0.06 + 0.30: pushes work on households who buy that kind of product), at a delay
  after the push drawn from an exponential with mean ``PUSH_DELAY_DAYS`` cut to the window. The
  rest of that order is a Poisson number of items with mean the household's typical basket
  less one, from its staples first, then by popularity; with probability ``PUSH_TOP_UP`` it is
  topped up to at least ``BASKET_FLOOR - 1`` other items (shipping is costly: most push orders
  are large baskets);
* **sure thing**, **lost cause**: nothing changes (sure things are the share of households that
  buy on regardless, lost causes those a push will not move);
* **do-not-disturb**: each of its orders in the window is cancelled with probability
  ``PUSH_DETER`` (they shop elsewhere), and it opts out of pushes with probability
  ``PUSH_OPT_OUT`` within hours of the push.

Responses are keyed draws (``demo.streams.keyed_uniform``) of the seed, campaign and household
(and order time), so they do not depend on how days are split into runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa

from demo.grocery.catalogue import GroceryCatalogue
from demo.grocery.households import TYPE_NAMES
from demo.grocery.orders import Orders, quantities
from demo.grocery.state import GroceryState
from demo.response import DO_NOT_DISTURB, PERSUADABLE, TYPES, response_time
from demo.streams import keyed_uniform, numeric_ids, to_epoch_ms

PUSH_SHARES: dict[str, tuple[float, float, float, float]] = {
    "weekly_family": (0.25, 0.25, 0.40, 0.10),
    "biweekly_stockup": (0.30, 0.20, 0.40, 0.10),
    "monthly_bulk": (0.20, 0.15, 0.55, 0.10),
    "top_up": (0.15, 0.30, 0.35, 0.20),
    "big_basket": (0.35, 0.25, 0.30, 0.10),
    "occasional": (0.10, 0.05, 0.65, 0.20),
}
PUSH_PERSUADE_BASE = 0.06
PUSH_PERSUADE_AISLE = 0.30
PUSH_DELAY_DAYS = 2.0
PUSH_TOP_UP = 0.85
BASKET_FLOOR = 5
PUSH_DETER = 0.25
PUSH_OPT_OUT = 0.30
OPT_OUT_WITHIN_MS = 6 * 3_600_000
ORDER_ROOM_MS = 3_600_000  # a caused order is placed at least this long before the window ends


def push_types(kind: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Push response type (``demo.response.TYPES`` index, int8) per household."""
    bounds = np.cumsum([PUSH_SHARES[name] for name in TYPE_NAMES], axis=1)[kind]
    return (u[:, None] >= bounds[:, :3]).sum(axis=1).astype(np.int8)


def aisle_affinity(state: GroceryState, households: np.ndarray, aisle: int,
                   cat: GroceryCatalogue) -> np.ndarray:
    """Per household: has a staple in ``aisle`` (bool)."""
    owners = np.unique(state.staple_owner[cat.aisle[state.staple_item] == aisle])
    return np.isin(households, owners)


@dataclass(frozen=True)
class PushCampaign:
    """A running push campaign as the operational store holds it: the promoted item, the push
    time (window start) and window end (exclusive), and the customer ids pushed to."""

    campaign_id: str
    item_id: int
    starts_at_ms: int
    ends_at_ms: int
    treatment: np.ndarray

    def __post_init__(self) -> None:
        if self.ends_at_ms <= self.starts_at_ms:
            raise ValueError(f"campaign {self.campaign_id}: the window ends before it starts")
        object.__setattr__(self, "treatment",
                           np.unique(np.asarray(self.treatment, dtype=np.int64)))

    @classmethod
    def from_store(
        cls, campaign_id: str, item_id: int | str, launched_at: datetime, ends_at: datetime,
        treatment_ids: Iterable[object],
    ) -> PushCampaign:
        """From an operational store's campaign: datetimes (naive = UTC, ``ends_at``
        exclusive) and the treatment group's customer ids as text (non-numeric ids are
        nobody)."""
        return cls(campaign_id, int(item_id), to_epoch_ms(launched_at), to_epoch_ms(ends_at),
                   numeric_ids(treatment_ids))


@dataclass(frozen=True)
class PushOutcome:
    caused: Orders
    cancelled: np.ndarray  # bool per natural order
    opted_out: np.ndarray  # household positions opting out in the span
    opted_out_at: np.ndarray  # int64 ms
    effects: pa.Table


PUSH_EFFECT_COLUMNS = ("campaign_id", "customer_id", "item_id", "household_type",
                       "response_type", "delivered", "orders_without_contact",
                       "promoted_without_contact", "orders_caused", "orders_prevented",
                       "opted_out")


def apply_push(
    state: GroceryState, campaign: PushCampaign, natural: Orders, span: tuple[int, int],
    cat: GroceryCatalogue, rng: np.random.Generator,
) -> PushOutcome:
    """What one push campaign does in the span (after, up to] to the natural orders."""
    seed, cid = state.seed, campaign.campaign_id
    start, end = campaign.starts_at_ms, campaign.ends_at_ms
    after, up_to = span
    item = int(campaign.item_id) - 1
    if not 0 <= item < cat.n_items:
        raise ValueError(f"campaign {cid}: item {campaign.item_id} is not in the catalogue")
    ids = campaign.treatment
    h = ids[(ids >= 1) & (ids <= state.n_households)] - 1
    delivered = (state.consent[h] == 1) & ((state.opted_out_at[h] < 0)
                                           | (state.opted_out_at[h] > start))
    types = push_types(state.kind[h], state.push_u[h])

    # persuadables: one extra order with the promoted item
    p = PUSH_PERSUADE_BASE + PUSH_PERSUADE_AISLE * aisle_affinity(state, h, cat.aisle[item], cat)
    respond = keyed_uniform(seed, f"push respond {cid}", h) < p
    at = response_time(keyed_uniform(seed, f"push delay {cid}", h), start, end - ORDER_ROOM_MS,
                       PUSH_DELAY_DAYS)
    caused = delivered & (types == PERSUADABLE) & respond & (at > after) & (at <= up_to)
    caused_orders = _caused_orders(state, h[caused], at[caused], item, cat, rng)

    # do-not-disturb: cancelled orders and opt-outs
    deterred = delivered & (types == DO_NOT_DISTURB)
    position = np.full(state.n_households, -1, dtype=np.int64)
    position[h] = np.arange(h.size)
    member = position[natural.household]
    in_window = (member >= 0) & (natural.at >= start) & (natural.at < end)
    draw = keyed_uniform(seed, f"push deter {cid}", natural.household, natural.at)
    cancelled = in_window & deterred[np.maximum(member, 0)] & (draw < PUSH_DETER)
    leave = deterred & (keyed_uniform(seed, f"push opt-out {cid}", h) < PUSH_OPT_OUT)
    leave_at = start + 1 + (keyed_uniform(seed, f"push opt-out time {cid}", h)
                            * OPT_OUT_WITHIN_MS).astype(np.int64)
    leave &= (leave_at > after) & (leave_at <= up_to)

    promoted = natural.line_item == item
    n = h.size
    window_orders = np.bincount(member[in_window], minlength=n)
    promoted_order = natural.line_order[promoted]
    promoted_order = promoted_order[in_window[promoted_order]]
    window_promoted = np.bincount(member[promoted_order], minlength=n)
    effects = pa.table({
        "campaign_id": pa.array([cid] * n, pa.string()),
        "customer_id": pa.array(h + 1),
        "item_id": pa.array(np.full(n, campaign.item_id, dtype=np.int64)),
        "household_type": pa.DictionaryArray.from_arrays(state.kind[h],
                                                         pa.array(list(TYPE_NAMES))),
        "response_type": pa.DictionaryArray.from_arrays(types, pa.array(list(TYPES))),
        "delivered": pa.array(delivered.astype(np.int8)),
        "orders_without_contact": pa.array(window_orders.astype(np.int64)),
        "promoted_without_contact": pa.array(window_promoted.astype(np.int64)),
        "orders_caused": pa.array(caused.astype(np.int64)),
        "orders_prevented": pa.array(np.bincount(member[cancelled], minlength=n)),
        "opted_out": pa.array(leave.astype(np.int8)),
    })
    return PushOutcome(caused_orders, cancelled, h[leave], leave_at[leave], effects)


def _caused_orders(
    state: GroceryState, households: np.ndarray, at: np.ndarray, item: int,
    cat: GroceryCatalogue, rng: np.random.Generator,
) -> Orders:
    """One order per household: the promoted item, then staples, then popular items."""
    n = households.size
    others = rng.poisson(np.maximum(state.basket_mean[households] - 1, 0))
    top_up = rng.random(n) < PUSH_TOP_UP
    others[top_up] = np.maximum(others[top_up], BASKET_FLOOR - 1)

    # staples of each household in a random order, as many as wanted
    first = np.searchsorted(state.staple_owner, households)
    count = np.searchsorted(state.staple_owner, households, side="right") - first
    owner = np.repeat(np.arange(n), count)
    rows = np.repeat(first, count) + np.arange(owner.size) - np.repeat(
        np.cumsum(count) - count, count)
    shuffled = np.lexsort((rng.random(owner.size), owner))
    rank = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    take = shuffled[rank < others[owner[shuffled]]]
    popular_n = np.maximum(others - count, 0)
    popular_owner = np.repeat(np.arange(n), popular_n)

    line_order = np.concatenate([np.arange(n), owner[take], popular_owner])
    line_item = np.concatenate([np.full(n, item), state.staple_item[rows[take]],
                                cat.draw(popular_owner.size, rng)])
    key = np.unique(line_order * cat.n_items + line_item)
    line_order, line_item = key // cat.n_items, key % cat.n_items
    return Orders(households.astype(np.int64), at.astype(np.int64), line_order, line_item,
                  quantities(key.size, rng))
