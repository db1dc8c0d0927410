"""Customer archetypes: the latent types the demo's visitors are drawn from.

Each archetype fixes how many visitors of that type a full-size shop has, when they arrive and
how long they stay, how much they browse, and whether, how often and what (cheap / any /
expensive items) they buy. The rates are set so that the mixture reproduces the published shape
of the RetailRocket data (checked by ``bench/generator_shape.py``): 71 % of visitors leave after
one event, 0.83 % buy, a few thousand buy repeatedly.
"""

from __future__ import annotations

from dataclasses import dataclass

REAL_VISITORS = 1_407_580

CHEAP, ANY_PRICE, EXPENSIVE = 0, 1, 2


@dataclass(frozen=True)
class Archetype:
    """Behaviour of one visitor type; counts are for scale 1.0 (the real shop's size)."""

    name: str
    visitors: int  # at scale 1.0; 0 for the archetype that takes the remainder
    lifespan_days: float | None = 30.0  # mean exponential stay; None = the whole period
    stops_between: tuple[str, str] | None = None  # all activity stops on a date in this range
    extra_sessions: float = 0.0  # mean number of browsing sessions after the first (Poisson)
    views_per_session: float = 1.0  # mean views per browsing session (geometric, >= 1)
    cart_rate: float = 0.0  # chance a browsing session ends with an abandoned cart add
    buy_share: float = 0.0  # share of the archetype's visitors who buy at all
    extra_baskets: float = 0.0  # mean further baskets of a buyer (gamma-Poisson, heavy tailed)
    multi_item_share: float = 0.05  # share of baskets with two or more items
    extra_items: float = 0.3  # mean items beyond two in a multi-item basket (Poisson)
    band: int = ANY_PRICE  # price band the baskets are picked from
    single_event: bool = False  # exactly one view, ever


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("one_visit_browser", visitors=999_382, lifespan_days=0.0, single_event=True),
    Archetype(
        "returning_browser", visitors=0, lifespan_days=20.0, extra_sessions=0.45,
        views_per_session=2.0, cart_rate=0.035,
    ),
    Archetype(
        "window_shopper", visitors=20_000, lifespan_days=45.0, extra_sessions=4.0,
        views_per_session=2.6, cart_rate=0.3, buy_share=0.02,
    ),
    Archetype(
        "one_time_buyer", visitors=10_100, lifespan_days=25.0, extra_sessions=1.0,
        views_per_session=2.5, cart_rate=0.05, buy_share=1.0, multi_item_share=0.05,
    ),
    Archetype(
        "deal_seeker", visitors=500, lifespan_days=None,
        extra_sessions=4.0, views_per_session=3.0, cart_rate=0.1, buy_share=1.0,
        extra_baskets=5.5, multi_item_share=0.4, extra_items=0.5, band=CHEAP,
    ),
    Archetype(
        "loyal_high_spender", visitors=300, lifespan_days=None,
        extra_sessions=5.0, views_per_session=3.0, cart_rate=0.1, buy_share=1.0,
        extra_baskets=4.0, multi_item_share=0.45, extra_items=0.6, band=EXPENSIVE,
    ),
    Archetype(
        "lapsing_high_spender", visitors=350, lifespan_days=None,
        stops_between=("2015-06-01", "2015-07-05"), extra_sessions=3.0, views_per_session=3.0,
        cart_rate=0.1, buy_share=1.0, extra_baskets=3.0, multi_item_share=0.4,
        extra_items=0.4, band=EXPENSIVE,
    ),
)

NAMES: tuple[str, ...] = tuple(a.name for a in ARCHETYPES)


def visitor_counts(scale: float) -> list[int]:
    """Visitors per archetype at ``scale``; the remainder archetype fills up to the total."""
    total = round(REAL_VISITORS * scale)
    counts = [max(round(a.visitors * scale), 1) if a.visitors else 0 for a in ARCHETYPES]
    rest = next(i for i, a in enumerate(ARCHETYPES) if a.visitors == 0)
    counts[rest] = total - sum(counts)
    if counts[rest] < 1:
        raise ValueError(f"scale {scale} is too small to hold every archetype")
    return counts
