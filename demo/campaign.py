"""A completed win-back campaign planted in the demo data, with heterogeneous effects.

At launch (2015-08-01) the audience is every lapsed customer of the win-back archetypes
(one-time buyers, deal seekers, lapsing high spenders): bought before launch, but not in the 14
days before it. A seeded 20 % of them are held out as control. The treatment group is contacted
by email at launch and responds by its latent type (``demo.response``): persuadables buy once
more in the window (2015-08-01 to 2015-08-28, both inclusive) with probability
``PERSUADE["email"]``, do-not-disturb customers drop each purchase they would have made in it
with probability ``DETER["email"]``, sure things and lost causes do as they would have done.
Without contact everyone keeps their archetype's behaviour, so the control group converts at the
archetypes' own rate: one-time buyers and lapsing high spenders do not come back on their own,
deal seekers do. Caused purchases are normal purchase sessions (views, cart adds, a basket) in
``events.csv``.

The ground truth records the expected conversion of the whole audience with and without
contact, given what each member would have bought without it (``p_treatment``, ``p_control``):
their difference is the average effect the measured lift estimates. ``ground_truth_effects.csv``
holds each treated member's type and realised effect, as the continuation simulator writes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from demo.archetypes import ARCHETYPES, NAMES
from demo.behaviour import Sessions, Visitors, purchase_sessions
from demo.response import (
    DETER,
    DO_NOT_DISTURB,
    PERSUADABLE,
    PERSUADE,
    TYPES,
    contact,
    effects_table,
    response_types,
    window_members,
)
from demo.timeline import END_MS, MS_PER_DAY, START_MS, epoch_ms

CAMPAIGN = {
    "campaign_id": "demo-winback-2015-08",
    "campaign_name": "Win back lapsed buyers - August 2015",
    "action": "Win-back voucher",
    "channel": "email",
    "offer": "25% voucher",
    "kpi": "reactivation",
    "launched_at": "2015-08-01",
    "ends_at": "2015-08-28",
}
CHANNEL = CAMPAIGN["channel"]
WINBACK_ARCHETYPES = ("one_time_buyer", "deal_seeker", "lapsing_high_spender")
LAPSED_DAYS = 14
CONTROL_SHARE = 0.2
LAUNCH_MS = epoch_ms(CAMPAIGN["launched_at"])
WINDOW_END_MS = epoch_ms(CAMPAIGN["ends_at"]) + MS_PER_DAY  # exclusive: ends_at is inclusive


@dataclass(frozen=True)
class PlantedCampaign:
    """Audience (visitor positions), groups, types and what contact did to each member."""

    audience: np.ndarray  # int64 visitor positions
    is_control: np.ndarray  # bool
    types: np.ndarray  # int8 email response type per member
    natural: np.ndarray  # int64 window purchases each member makes without contact
    caused: np.ndarray  # int64 caused purchases per member (treatment only)
    prevented: np.ndarray  # int64 natural purchases dropped per member (treatment only)
    prevented_sessions: np.ndarray  # bool over the purchase sessions: basket dropped by contact
    caused_sessions: Sessions  # the caused purchases, to be expanded into events

    @property
    def converted(self) -> np.ndarray:
        """Bought in the window, after contact."""
        return self.natural - self.prevented + self.caused > 0


def plant_campaign(
    visitors: Visitors, purchases: Sessions, response_u: np.ndarray, seed: int,
    rng: np.random.Generator,
) -> PlantedCampaign:
    """Pick the audience, split it, and let the treatment group respond by type."""
    n = len(visitors)
    eligible = np.isin(visitors.archetype, [NAMES.index(a) for a in WINBACK_ARCHETYPES])
    before = purchases.start < LAUNCH_MS
    recent = before & (purchases.start >= LAUNCH_MS - LAPSED_DAYS * MS_PER_DAY)
    bought = np.bincount(purchases.visitor[before], minlength=n) > 0
    active = np.bincount(purchases.visitor[recent], minlength=n) > 0
    audience = np.flatnonzero(eligible & bought & ~active)

    order = rng.permutation(audience.size)
    is_control = np.zeros(audience.size, dtype=bool)
    is_control[order[: round(CONTROL_SHARE * audience.size)]] = True
    types = response_types(visitors.archetype[audience], response_u[audience], CHANNEL)

    window = (LAUNCH_MS, WINDOW_END_MS)
    member = window_members(audience, purchases.visitor, purchases.start, window)
    natural = np.bincount(member[member >= 0], minlength=audience.size)
    treated = ~is_control
    outcome = contact(
        seed, CAMPAIGN["campaign_id"], CHANNEL, window, audience[treated],
        visitors.visitor_ids[audience[treated]], types[treated],
        purchases.visitor, purchases.start, (START_MS - 1, END_MS),
    )
    caused = np.zeros(audience.size, dtype=np.int64)
    caused[treated] = outcome.caused
    prevented = np.zeros(audience.size, dtype=np.int64)
    prevented[treated] = outcome.prevented_count

    parts = [Sessions.empty()]
    for code, archetype in enumerate(ARCHETYPES):
        who = visitors.archetype[outcome.caused_visitor] == code
        if who.any():
            parts.append(purchase_sessions(outcome.caused_visitor[who], outcome.caused_at[who],
                                           archetype, rng))
    return PlantedCampaign(
        audience=audience, is_control=is_control, types=types, natural=natural, caused=caused,
        prevented=prevented, prevented_sessions=outcome.prevented,
        caused_sessions=Sessions.concat(parts),
    )


def campaign_table(plan: PlantedCampaign, visitors: Visitors) -> pa.Table:
    """``demo_campaign.csv``: one row per audience member with the campaign's attributes."""
    n = plan.audience.size
    order = np.argsort(visitors.visitor_ids[plan.audience])
    same = np.zeros(n, dtype=np.int8)  # every row holds the campaign's one value
    columns = {
        name: pa.DictionaryArray.from_arrays(same, pa.array([value]))
        for name, value in CAMPAIGN.items()
    }
    columns["control_share"] = pa.array(np.full(n, CONTROL_SHARE))
    columns["visitorid"] = pa.array(visitors.visitor_ids[plan.audience][order])
    columns["group"] = pa.DictionaryArray.from_arrays(
        pa.array(plan.is_control[order].astype(np.int8)), pa.array(["treatment", "control"])
    )
    return pa.table(columns)


def effects_of(plan: PlantedCampaign, visitors: Visitors) -> pa.Table:
    """``ground_truth_effects.csv`` rows of the treated members (as the simulator writes them)."""
    treated = ~plan.is_control
    who = plan.audience[treated]
    return effects_table(
        CAMPAIGN["campaign_id"], CHANNEL, visitors.visitor_ids[who], visitors.archetype[who],
        plan.types[treated], plan.natural[treated], plan.caused[treated],
        plan.prevented[treated],
    )


def expected_conversion(plan: PlantedCampaign) -> tuple[np.ndarray, np.ndarray]:
    """Per member: P(buys in the window) without and with contact, given their natural window
    purchases (each dropped with probability DETER for do-not-disturb customers)."""
    without = (plan.natural > 0).astype(np.float64)
    with_contact = without.copy()
    persuadable = plan.types == PERSUADABLE
    with_contact[persuadable] = without[persuadable] + (1 - without[persuadable]) * PERSUADE[
        CHANNEL]
    deterred = plan.types == DO_NOT_DISTURB
    with_contact[deterred] = 1.0 - DETER[CHANNEL] ** plan.natural[deterred]
    return without, with_contact


def write_ground_truth(path: Path, plan: PlantedCampaign) -> None:
    """``ground_truth_campaign.json``: what was planted, to check the measured effect against."""
    control = plan.is_control
    without, with_contact = expected_conversion(plan)
    converted = plan.converted
    truth = {
        **{k: CAMPAIGN[k] for k in ("campaign_id", "channel", "launched_at", "ends_at")},
        "window_start": CAMPAIGN["launched_at"],
        "window_end": CAMPAIGN["ends_at"],
        "window_note": "both dates inclusive, UTC; caused purchases start at least 3 hours "
                       "before window_end's midnight",
        "audience_rule": f"archetype in {list(WINBACK_ARCHETYPES)}, bought before launch, "
                         f"no purchase in the {LAPSED_DAYS} days before launch",
        "audience_size": int(plan.audience.size),
        "control_size": int(control.sum()),
        "treatment_size": int((~control).sum()),
        "control_share": CONTROL_SHARE,
        "p_control": round(float(without.mean()), 6),
        "p_treatment": round(float(with_contact.mean()), 6),
        "p_note": "expected conversion in the window of the whole audience without / with "
                  "contact, given each member's natural window purchases; the difference is "
                  "the average effect of contact on conversion",
        "persuade": PERSUADE[CHANNEL],
        "deter": DETER[CHANNEL],
        "types": {
            name: {"treatment": int((plan.types[~control] == code).sum()),
                   "control": int((plan.types[control] == code).sum())}
            for code, name in enumerate(TYPES)
        },
        "converted_control": int(converted[control].sum()),
        "converted_treatment": int(converted[~control].sum()),
        "caused_purchases": int(plan.caused.sum()),
        "prevented_purchases": int(plan.prevented.sum()),
    }
    path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
