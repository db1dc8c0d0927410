"""Latent response to contact: who buys because of a campaign, who buys anyway, who is put off.

Every customer has, per channel, one of four latent types (the uplift literature's quadrants):

* **persuadable** — one contact causes one extra purchase in the campaign window with probability
  ``PERSUADE[channel]``, at a delay after the contact drawn from an exponential with mean
  ``RESPONSE_DELAY_DAYS`` cut to the window;
* **sure thing** — contact changes nothing; they keep buying at their archetype's rate;
* **lost cause** — contact changes nothing, and they do not buy (their archetype has no purchase
  left, or never had one);
* **do-not-disturb** — contact puts them off: each purchase they would have made in the window is
  dropped with probability ``DETER[channel]`` (the visit happens, the basket is not bought).

Contact never changes what a customer would have done outside the window, nor anyone who was not
contacted (a control group is never touched). Sure things and do-not-disturb are drawn only in
archetypes that keep buying (deal seekers, loyal high spenders): elsewhere nothing would be
bought anyway, so contact could neither leave a purchase alone nor stop one.

Shares of the types differ by archetype and channel (``RESPONSE_SHARES``, one row per archetype,
shares in the order persuadable, sure thing, lost cause, do-not-disturb):

==================== ====================== ====================== ======================
archetype            email                  push                   sms
==================== ====================== ====================== ======================
one_visit_browser    .02 / 0 / .98 / 0      .03 / 0 / .97 / 0      .01 / 0 / .99 / 0
returning_browser    .08 / 0 / .92 / 0      .10 / 0 / .90 / 0      .05 / 0 / .95 / 0
window_shopper       .35 / 0 / .65 / 0      .40 / 0 / .60 / 0      .25 / 0 / .75 / 0
one_time_buyer       .40 / 0 / .60 / 0      .30 / 0 / .70 / 0      .30 / 0 / .70 / 0
deal_seeker          .40 / .35 / 0 / .25    .45 / .25 / 0 / .30    .35 / .30 / 0 / .35
loyal_high_spender   .15 / .65 / 0 / .20    .10 / .55 / 0 / .35    .10 / .60 / 0 / .30
lapsing_high_spender .50 / 0 / .50 / 0      .30 / 0 / .70 / 0      .40 / 0 / .60 / 0
==================== ====================== ====================== ======================

Effects: ``PERSUADE`` = email .40, push .30, sms .35; ``DETER`` = email .50, push .70, sms .60.

One latent number per customer, ``u`` in [0, 1), picks the type in every channel: the type is the
interval of the channel's cumulative shares (in the order above) that holds ``u``. So types agree
across channels as far as the shares allow: within an archetype, whoever is persuadable in the
channel with the smaller persuadable share is persuadable in the others too. ``u`` is uniform
within each archetype (the shares hold exactly in expectation) but tied to engagement by a
Gaussian copula, ``u = Φ(−ρ·z + √(1−ρ²)·ε)``: ``z`` is the normal score of the customer's rank
by browsing sessions and cart adds within their archetype, ``ε`` standard normal and
``ρ = ENGAGEMENT_LINK``. Engaged customers are more often persuadable, the least engaged more
often lost causes or do-not-disturb, so uplift can be learnt from behaviour within an archetype
too, not only across archetypes.

The individual treatment effect written to the ground truth is the expected change in purchases
from one contact over a ``EFFECT_WINDOW_DAYS``-day window: ``+PERSUADE`` for a persuadable,
``−DETER × (purchases per day) × 28`` for a do-not-disturb customer, 0 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy.special import ndtr, ndtri

from demo.archetypes import NAMES
from demo.streams import keyed_uniform
from demo.timeline import MS_PER_DAY, MS_PER_HOUR

CHANNELS = ("email", "push", "sms")
TYPES = ("persuadable", "sure_thing", "lost_cause", "do_not_disturb")
PERSUADABLE, SURE_THING, LOST_CAUSE, DO_NOT_DISTURB = range(4)

RESPONSE_SHARES: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "one_visit_browser": {"email": (0.02, 0, 0.98, 0), "push": (0.03, 0, 0.97, 0),
                          "sms": (0.01, 0, 0.99, 0)},
    "returning_browser": {"email": (0.08, 0, 0.92, 0), "push": (0.10, 0, 0.90, 0),
                          "sms": (0.05, 0, 0.95, 0)},
    "window_shopper": {"email": (0.35, 0, 0.65, 0), "push": (0.40, 0, 0.60, 0),
                       "sms": (0.25, 0, 0.75, 0)},
    "one_time_buyer": {"email": (0.40, 0, 0.60, 0), "push": (0.30, 0, 0.70, 0),
                       "sms": (0.30, 0, 0.70, 0)},
    "deal_seeker": {"email": (0.40, 0.35, 0, 0.25), "push": (0.45, 0.25, 0, 0.30),
                    "sms": (0.35, 0.30, 0, 0.35)},
    "loyal_high_spender": {"email": (0.15, 0.65, 0, 0.20), "push": (0.10, 0.55, 0, 0.35),
                           "sms": (0.10, 0.60, 0, 0.30)},
    "lapsing_high_spender": {"email": (0.50, 0, 0.50, 0), "push": (0.30, 0, 0.70, 0),
                             "sms": (0.40, 0, 0.60, 0)},
}
PERSUADE = {"email": 0.40, "push": 0.30, "sms": 0.35}  # P(one caused purchase per contact)
DETER = {"email": 0.50, "push": 0.70, "sms": 0.60}  # P(a window purchase is dropped)
RESPONSE_DELAY_DAYS = 3.0  # mean delay from contact to a caused purchase, before the window cut
SESSION_ROOM_MS = 3 * MS_PER_HOUR  # a caused purchase session starts this long before window end
ENGAGEMENT_LINK = 0.7  # ρ of the copula between engagement and the latent response
EFFECT_WINDOW_DAYS = 28


def _cumulative(channel: str) -> np.ndarray:
    """archetype × 4 cumulative shares for ``channel`` (last column 1)."""
    shares = np.array([RESPONSE_SHARES[name][channel] for name in NAMES], dtype=np.float64)
    return np.cumsum(shares, axis=1)


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}: expected one of {', '.join(CHANNELS)}")
    return channel


def latent_response(
    archetype: np.ndarray, engagement: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Each customer's ``u`` (float32): uniform within archetype, lower for the more engaged."""
    n = archetype.size
    tie_break = rng.random(n)
    noise = rng.standard_normal(n)
    order = np.lexsort((tie_break, engagement, archetype))
    counts = np.bincount(archetype, minlength=len(NAMES))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(n, dtype=np.float64)
    rank[order] = np.arange(n) - first[archetype[order]]
    z = ndtri((rank + 0.5) / counts[archetype])
    rho = ENGAGEMENT_LINK
    return ndtr(-rho * z + np.sqrt(1.0 - rho**2) * noise).astype(np.float32)


def response_types(archetype: np.ndarray, u: np.ndarray, channel: str) -> np.ndarray:
    """Type code (``TYPES`` index, int8) per customer for ``channel``."""
    bounds = _cumulative(check_channel(channel))[archetype]
    return (u[:, None] >= bounds[:, :3]).sum(axis=1).astype(np.int8)


def expected_effect(types: np.ndarray, channel: str, buy_rate: np.ndarray) -> np.ndarray:
    """Expected change in purchases from one contact over ``EFFECT_WINDOW_DAYS`` days."""
    effect = np.zeros(types.size)
    effect[types == PERSUADABLE] = PERSUADE[channel]
    deterred = types == DO_NOT_DISTURB
    effect[deterred] = -DETER[channel] * buy_rate[deterred] * EFFECT_WINDOW_DAYS
    return effect


def response_table(
    visitor_ids: np.ndarray, archetype: np.ndarray, u: np.ndarray, buy_rate: np.ndarray
) -> pa.Table:
    """``ground_truth_response.csv``: visitorid, archetype, type and effect per channel."""
    order = np.argsort(visitor_ids)
    arch = archetype[order]
    columns: dict[str, pa.Array] = {
        "visitorid": pa.array(visitor_ids[order]),
        "archetype": pa.DictionaryArray.from_arrays(arch, pa.array(list(NAMES))),
    }
    effects = {}
    for channel in CHANNELS:
        types = response_types(arch, u[order], channel)
        columns[f"type_{channel}"] = pa.DictionaryArray.from_arrays(types, pa.array(list(TYPES)))
        effects[f"effect_{channel}"] = pa.array(
            np.round(expected_effect(types, channel, buy_rate[order]), 4))
    return pa.table({**columns, **effects})


def response_time(v: np.ndarray, start: int, latest: int, mean_days: float) -> np.ndarray:
    """Times in [start, latest): ``start`` plus an exponential delay with mean ``mean_days``
    cut to the span, by inverse CDF of the uniforms ``v``."""
    span_days = max(latest - start, 1) / MS_PER_DAY
    delay_days = -mean_days * np.log1p(-v * -np.expm1(-span_days / mean_days))
    return start + (delay_days * MS_PER_DAY).astype(np.int64)


def window_members(
    keys: np.ndarray, visitor: np.ndarray, start: np.ndarray, window: tuple[int, int]
) -> np.ndarray:
    """Per session: the position in ``keys`` of its visitor if it starts in the window, else -1."""
    member = np.full(visitor.size, -1, dtype=np.int64)
    if keys.size == 0:
        return member
    order = np.argsort(keys)
    sorted_keys = keys[order]
    pos = np.minimum(np.searchsorted(sorted_keys, visitor), sorted_keys.size - 1)
    hit = (sorted_keys[pos] == visitor) & (start >= window[0]) & (start < window[1])
    member[hit] = order[pos[hit]]
    return member


@dataclass(frozen=True)
class ContactOutcome:
    """What one campaign's contact did to its treated customers within the emitted span."""

    caused_visitor: np.ndarray  # keys (as in the sessions) of the caused purchases
    caused_at: np.ndarray  # int64 ms, start of each caused purchase session
    prevented: np.ndarray  # bool over the purchase sessions given: dropped by contact
    natural: np.ndarray  # per treated customer: purchase sessions in the window without contact
    caused: np.ndarray  # per treated customer: caused purchases (0 or 1)
    prevented_count: np.ndarray  # per treated customer: natural purchases dropped


def contact(
    seed: int, campaign_id: str, channel: str, window: tuple[int, int],
    treated_keys: np.ndarray, treated_ids: np.ndarray, types: np.ndarray,
    purchase_visitor: np.ndarray, purchase_start: np.ndarray, emitted: tuple[int, int],
) -> ContactOutcome:
    """Apply one campaign's contact to the treated customers.

    ``window`` = [start, end) ms of the campaign; ``treated_keys`` (unique, as in
    ``purchase_visitor``) and ``treated_ids`` (visitor ids: what the keyed draws hash) with their
    ``types`` for the channel; ``purchase_visitor`` / ``purchase_start``: the natural purchase
    sessions being written; ``emitted`` = (after, up to] ms: the span being written now. Every
    draw is keyed by (seed, campaign, visitor[, session start]), so a customer's response is the
    same however the simulated days are split into runs.
    """
    start, end = window
    after, up_to = emitted
    # persuadables: one caused purchase at a delay cut to the window
    respond = keyed_uniform(seed, f"respond {campaign_id}", treated_ids) < PERSUADE[channel]
    at = response_time(keyed_uniform(seed, f"delay {campaign_id}", treated_ids), start,
                       end - SESSION_ROOM_MS, RESPONSE_DELAY_DAYS)
    caused = (types == PERSUADABLE) & respond & (at > after) & (at <= up_to)

    # natural purchases in the window, and which of them contact stops
    member = window_members(treated_keys, purchase_visitor, purchase_start, window)
    rows = np.flatnonzero(member >= 0)
    deterred = types[member[rows]] == DO_NOT_DISTURB
    draw = keyed_uniform(seed, f"deter {campaign_id}", treated_ids[member[rows]],
                         purchase_start[rows])
    prevented = np.zeros(purchase_visitor.size, dtype=bool)
    prevented[rows[deterred & (draw < DETER[channel])]] = True
    n = treated_keys.size
    return ContactOutcome(
        caused_visitor=treated_keys[caused],
        caused_at=at[caused],
        prevented=prevented,
        natural=np.bincount(member[rows], minlength=n),
        caused=caused.astype(np.int64),
        prevented_count=np.bincount(member[prevented], minlength=n),
    )


EFFECT_COLUMNS = ("campaign_id", "visitorid", "channel", "archetype", "response_type",
                  "purchases_without_contact", "purchases_caused", "purchases_prevented")


def effects_table(
    campaign_id: str, channel: str, visitor_ids: np.ndarray, archetype: np.ndarray,
    types: np.ndarray, natural: np.ndarray, caused: np.ndarray, prevented: np.ndarray,
) -> pa.Table:
    """``ground_truth_effects.csv`` rows: one per treated customer of one campaign, sorted by id.

    Purchases are counted in the campaign window within the span written: without contact (what
    the customer's archetype did), caused by contact, and of the former those contact prevented;
    the customer bought ``without − prevented + caused`` times.
    """
    order = np.argsort(visitor_ids)
    n = order.size
    same = np.zeros(n, dtype=np.int8)
    return pa.table({
        "campaign_id": pa.DictionaryArray.from_arrays(same, pa.array([campaign_id])),
        "visitorid": pa.array(visitor_ids[order].astype(np.int64)),
        "channel": pa.DictionaryArray.from_arrays(same, pa.array([channel])),
        "archetype": pa.DictionaryArray.from_arrays(archetype[order].astype(np.int8),
                                                    pa.array(list(NAMES))),
        "response_type": pa.DictionaryArray.from_arrays(types[order].astype(np.int8),
                                                        pa.array(list(TYPES))),
        "purchases_without_contact": pa.array(natural[order].astype(np.int64)),
        "purchases_caused": pa.array(caused[order].astype(np.int64)),
        "purchases_prevented": pa.array(prevented[order].astype(np.int64)),
    })
