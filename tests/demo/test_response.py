"""The latent response model: type shares as stated, effects of contact as stated, keyed draws.

Expected values come from the stated parameters (RESPONSE_SHARES, PERSUADE, DETER,
ENGAGEMENT_LINK); tolerances are four binomial standard deviations of the sample at hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from demo.archetypes import ARCHETYPES, NAMES
from demo.response import (
    CHANNELS,
    DETER,
    DO_NOT_DISTURB,
    ENGAGEMENT_LINK,
    LOST_CAUSE,
    PERSUADABLE,
    PERSUADE,
    RESPONSE_SHARES,
    SESSION_ROOM_MS,
    SURE_THING,
    TYPES,
    contact,
    latent_response,
    response_types,
)
from demo.streams import keyed_uniform
from demo.timeline import MS_PER_DAY

N_PER_ARCHETYPE = 40_000


def within(observed: float, expected: float, n: int) -> bool:
    """``observed`` share of ``n`` draws is within four binomial sd of ``expected``."""
    return abs(observed - expected) <= 4 * np.sqrt(max(expected * (1 - expected), 1e-12) / n)


@pytest.fixture(scope="module")
def population() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(archetype, engagement, u) of N_PER_ARCHETYPE customers per archetype."""
    rng = np.random.default_rng(11)
    archetype = np.repeat(np.arange(len(NAMES)), N_PER_ARCHETYPE).astype(np.int8)
    engagement = rng.random(archetype.size)  # continuous: no ties
    return archetype, engagement, latent_response(archetype, engagement, rng)


def test_every_row_of_the_share_table_sums_to_one() -> None:
    assert set(RESPONSE_SHARES) == set(NAMES)
    for name, by_channel in RESPONSE_SHARES.items():
        assert set(by_channel) == set(CHANNELS), name
        for channel, shares in by_channel.items():
            assert len(shares) == len(TYPES)
            assert sum(shares) == pytest.approx(1.0), (name, channel)


def test_sure_things_and_do_not_disturb_only_where_customers_keep_buying() -> None:
    for archetype in ARCHETYPES:
        keeps_buying = archetype.lifespan_days is None and archetype.stops_between is None
        for shares in RESPONSE_SHARES[archetype.name].values():
            assert (shares[SURE_THING] + shares[DO_NOT_DISTURB] > 0) == keeps_buying
            assert (shares[LOST_CAUSE] > 0) != keeps_buying


@pytest.mark.parametrize("channel", CHANNELS)
def test_type_shares_per_archetype_match_the_table(population, channel: str) -> None:
    archetype, _, u = population
    types = response_types(archetype, u, channel)
    for code, name in enumerate(NAMES):
        mine = types[archetype == code]
        for kind, expected in enumerate(RESPONSE_SHARES[name][channel]):
            share = float((mine == kind).mean())
            assert within(share, expected, mine.size), (name, channel, TYPES[kind], share)


def test_types_agree_across_channels_as_far_as_the_shares_allow(population) -> None:
    archetype, _, u = population
    persuadable = {c: response_types(archetype, u, c) == PERSUADABLE for c in CHANNELS}
    for code, name in enumerate(NAMES):
        mine = archetype == code
        shares = {c: RESPONSE_SHARES[name][c][PERSUADABLE] for c in CHANNELS}
        narrow = min(shares, key=shares.get)
        for channel in CHANNELS:
            assert not (persuadable[narrow] & mine & ~persuadable[channel]).any(), name


def test_engaged_customers_are_more_often_persuadable_as_the_copula_says(population) -> None:
    archetype, engagement, u = population
    code = NAMES.index("one_time_buyer")
    mine = archetype == code
    p = RESPONSE_SHARES["one_time_buyer"]["email"][PERSUADABLE]
    top = mine & (engagement >= np.quantile(engagement[mine], 0.75))
    observed = float((response_types(archetype[top], u[top], "email") == PERSUADABLE).mean())
    # u < p  ⇔  X < Φ⁻¹(p) with X = −ρZ + √(1−ρ²)ε, corr(X, Z) = −ρ; top quartile: Z > Φ⁻¹(0.75)
    rho = ENGAGEMENT_LINK
    a, b = norm.ppf(p), norm.ppf(0.75)
    both_low = multivariate_normal(mean=[0, 0], cov=[[1, -rho], [-rho, 1]]).cdf([a, b])
    expected = (p - both_low) / 0.25
    assert expected > 2 * p * 0.9  # the link is strong: the engaged quarter is far above average
    assert within(observed, expected, int(top.sum()))


def test_keyed_uniforms_are_a_function_of_seed_label_and_keys() -> None:
    ids = np.arange(100_000)
    first = keyed_uniform(5, "respond c1", ids)
    assert np.array_equal(first, keyed_uniform(5, "respond c1", ids))
    assert np.array_equal(first[::-1], keyed_uniform(5, "respond c1", ids[::-1]))
    assert not np.array_equal(first, keyed_uniform(5, "respond c2", ids))
    assert not np.array_equal(first, keyed_uniform(6, "respond c1", ids))
    assert first.min() >= 0 and first.max() < 1
    assert first.mean() == pytest.approx(0.5, abs=4 * np.sqrt(1 / 12 / ids.size))
    assert within(float((first < 0.3).mean()), 0.3, ids.size)


WINDOW = (1_000 * MS_PER_DAY, 1_014 * MS_PER_DAY)


@pytest.fixture(scope="module")
def treated() -> tuple[np.ndarray, np.ndarray]:
    """(ids, types): 20,000 customers of each type."""
    ids = np.arange(80_000, dtype=np.int64) * 7 + 3
    return ids, np.repeat(np.arange(4), 20_000).astype(np.int8)


def _purchases(ids: np.ndarray, per_customer: int) -> tuple[np.ndarray, np.ndarray]:
    """``per_customer`` purchases of each customer at distinct times inside WINDOW."""
    visitor = np.repeat(ids, per_customer)
    offset = np.tile(np.arange(per_customer), ids.size) * MS_PER_DAY + 12 * 3_600_000
    return visitor, WINDOW[0] + offset


@pytest.mark.parametrize("channel", CHANNELS)
def test_contact_causes_a_purchase_for_the_stated_share_of_persuadables(treated, channel) -> None:
    ids, types = treated
    visitor, start = _purchases(ids, 2)
    out = contact(3, "c", channel, WINDOW, ids, ids, types, visitor, start, (0, 2_000 * MS_PER_DAY))
    persuadable = types == PERSUADABLE
    assert within(float(out.caused[persuadable].mean()), PERSUADE[channel],
                  int(persuadable.sum()))
    assert out.caused[~persuadable].sum() == 0
    assert np.isin(out.caused_visitor, ids[persuadable]).all()
    assert (out.caused_at >= WINDOW[0]).all()
    assert (out.caused_at < WINDOW[1] - SESSION_ROOM_MS).all()
    assert (out.natural == 2).all()


@pytest.mark.parametrize("channel", CHANNELS)
def test_contact_drops_the_stated_share_of_do_not_disturb_purchases(treated, channel) -> None:
    ids, types = treated
    visitor, start = _purchases(ids, 3)
    out = contact(3, "c", channel, WINDOW, ids, ids, types, visitor, start, (0, 2_000 * MS_PER_DAY))
    deterred = np.repeat(types == DO_NOT_DISTURB, 3)
    assert within(float(out.prevented[deterred].mean()), DETER[channel], int(deterred.sum()))
    assert not out.prevented[~deterred].any()
    assert out.prevented_count.sum() == out.prevented.sum()


def test_contact_leaves_purchases_outside_the_window_and_untreated_customers_alone(treated):
    ids, types = treated
    outside = np.repeat(ids, 2)
    at = np.tile([WINDOW[0] - 1, WINDOW[1]], ids.size)
    stranger = np.full(1_000, 5, dtype=np.int64)  # not a treated id (ids are 3 mod 7)
    visitor = np.concatenate([outside, stranger])
    start = np.concatenate([at, np.full(1_000, WINDOW[0] + 1)])
    out = contact(3, "c", "push", WINDOW, ids, ids, types, visitor, start, (0, 2_000 * MS_PER_DAY))
    assert not out.prevented.any()
    assert out.natural.sum() == 0


def test_responses_do_not_depend_on_how_the_days_are_split(treated) -> None:
    ids, types = treated
    visitor, start = _purchases(ids, 2)
    middle = WINDOW[0] + 5 * MS_PER_DAY
    spans = [(WINDOW[0] - 1, middle), (middle, WINDOW[1])]
    parts = [contact(3, "c", "sms", WINDOW, ids, ids, types, visitor, start, s) for s in spans]
    whole = contact(3, "c", "sms", WINDOW, ids, ids, types, visitor, start,
                    (spans[0][0], WINDOW[1]))
    caused = np.concatenate([p.caused_visitor for p in parts])
    at = np.concatenate([p.caused_at for p in parts])
    assert np.array_equal(np.sort(caused), np.sort(whole.caused_visitor))
    assert np.array_equal(np.sort(at), np.sort(whole.caused_at))
    assert all(((p.caused_at > s[0]) & (p.caused_at <= s[1])).all()
               for p, s in zip(parts, spans, strict=True))
