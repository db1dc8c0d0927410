"""The audience of an item push: the customers most likely to buy it in a large basket, sized by
the share of its expected qualifying purchases, with the guardrails applied, and its launch.

Guardrails, each counted apart (in this order): only customers with push consent and no opt-out
(``customer_push_consent.is_pushable`` of the published snapshot; a customer absent from every
consent list is never pushed to), and a frequency cap across all campaigns: customers already in
``frequency_cap`` or more push campaigns' treatment groups launched in the ``cap_days`` days
before the launch are left out. Quiet hours (``warehouse.delivery.settings``) hold messages back
rather than removing customers: a launch inside them queues its messages not before the window
ends, and the plan says how many that holds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.propensity.audience import CAPTURE_SHARES, AudienceExpectation, capture_sizes, expect
from warehouse.clock import utc_now
from warehouse.commands import LaunchedCampaign, PushMessages, campaign_clock, launch_audience
from warehouse.commands.push_audience import recent_push_counts
from warehouse.delivery.quiet_hours import QuietHours
from warehouse.delivery.settings import load_settings
from warehouse.prediction_log import partition_path, predictions_dir, write_predictions
from warehouse.promote import settings as defaults
from warehouse.promote.message import (
    DEFAULT_BODY,
    DEFAULT_LINK,
    DEFAULT_TITLE,
    check_deep_link,
    render_messages,
)
from warehouse.promote.scoring import ItemScores, score_item
from warehouse.schema.promote import MODEL_NAME
from warehouse.snapshots import open_snapshot

PUSH_SOURCE = "push"
_OFFER = re.compile(r"item (\S+?):?(?: .*)?", re.DOTALL)


def offer_text(item_id: str, item_name: str | None) -> str:
    """A push campaign's offer: ``item <id>: <name>``; ``item_of_offer`` reads the id back."""
    return f"item {item_id}" + (f": {item_name}" if item_name else "")


def item_of_offer(offer: str | None) -> str | None:
    """The promoted item's id in a push campaign's offer (None if it names none)."""
    found = _OFFER.fullmatch(offer or "")
    return found.group(1) if found else None


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudiencePlan:
    """Who would be pushed for one item, and what they are expected to do."""

    item_id: str
    item_name: str | None
    category: str | None
    price_amount: float | None
    model_version: int
    min_basket: int
    horizon_days: int
    scored: int  # customers scored
    sizes: dict[float, int]  # capture share -> smallest audience expected to reach it
    size: int  # the top-ranked customers taken, before the guardrails
    expected: AudienceExpectation  # of those ``size`` customers
    removed_no_consent: int
    removed_frequency_cap: int
    audience: pd.DataFrame = field(repr=False)  # customer_id, probability, segment: launched
    held_quiet_hours: int = 0  # of the audience, held back if launched now (quiet hours)
    quiet_until: datetime | None = None  # naive UTC: when the quiet hours end, if inside them
    cutoff_at: datetime | None = None  # the model's features' cut-off: the scores' as-of

    @property
    def expected_buyers(self) -> float:
        """Expected qualifying buyers among the customers kept."""
        return float(self.audience["probability"].sum())

    def describe(self) -> str:
        name = self.item_name or self.item_id
        shares = ", ".join(f"{share:.0%}: {size:,}" for share, size in self.sizes.items())
        pushes = len(self.audience) / self.expected_buyers if self.expected_buyers else np.inf
        return "\n".join([
            f"Item {self.item_id} {name} ({self.category or 'no category'}), model "
            f"v{self.model_version}: buys it in an order of at least {self.min_basket} items "
            f"within {self.horizon_days} days.",
            f"{self.scored:,} customers scored; smallest audiences capturing the expected "
            f"qualifying purchases: {shares}.",
            f"Top {self.size:,}: {self.expected.expected_buyers:.1f} expected buyers "
            f"({self.expected.share_of_buyers:.0%} of all).",
            f"Removed: {self.removed_no_consent:,} without push consent, "
            f"{self.removed_frequency_cap:,} by the frequency cap; {self.quiet_text()}.",
            f"Audience: {len(self.audience):,} customers, {self.expected_buyers:.1f} expected "
            f"buyers, {pushes:.1f} pushes per expected sale.",
            f"Segments: {self.segment_text()}.",
        ])

    def quiet_text(self) -> str:
        """How many quiet hours would hold back if launched now."""
        if self.quiet_until is None:
            return "0 held by quiet hours"
        return (f"{self.held_quiet_hours:,} held by quiet hours until "
                f"{self.quiet_until:%Y-%m-%d %H:%M} UTC")

    def segment_text(self, top: int = 5) -> str:
        """The audience's largest segments with their customers."""
        counts = self.audience["segment"].fillna("no segment").value_counts()
        if counts.empty:
            return "none"
        shown = ", ".join(f"{name} {count:,}" for name, count in counts.head(top).items())
        return shown + (f" and {len(counts) - top} more" if len(counts) > top else "")


def item_card(db: Path, item_id: str) -> dict[str, object]:
    """The catalogue row of ``item_id`` in the published snapshot (empty without one)."""
    with open_snapshot(Path(db)) as con:
        found = con.execute("SELECT item_name, category, price_amount FROM item_catalogue "
                            "WHERE item_id = ?", [item_id]).fetchone()
    return dict(zip(("item_name", "category", "price_amount"), found, strict=True)) if found \
        else {}


def pushable_customers(db: Path) -> set[str]:
    """Customers with push consent and no opt-out in the published snapshot."""
    with open_snapshot(Path(db)) as con:
        return {row[0] for row in con.execute(
            "SELECT customer_id FROM customer_push_consent WHERE is_pushable").fetchall()}


def with_segments(db: Path, audience: pd.DataFrame) -> pd.DataFrame:
    """``audience`` with each customer's segment in the published snapshot (NULL if none)."""
    with open_snapshot(Path(db)) as con:
        con.register("audience_ids", audience[["customer_id"]])
        segments = con.execute("SELECT a.customer_id, c.segment FROM audience_ids AS a "
                               "LEFT JOIN customers AS c USING (customer_id)").df()
    return audience.merge(segments, on="customer_id", how="left", validate="one_to_one")


def plan_audience(
    db: Path,
    item_id: str,
    *,
    size: int | None = None,
    capture: float = 0.7,
    frequency_cap: int = defaults.FREQUENCY_CAP,
    cap_days: int = defaults.FREQUENCY_CAP_DAYS,
    ops_url: str | None = None,
    scores: ItemScores | None = None,
    quiet_hours: QuietHours | None = None,
    now: datetime | None = None,
) -> AudiencePlan:
    """The audience for ``item_id``: the ``size`` most likely customers (default: the smallest
    audience expected to capture ``capture`` of the item's qualifying purchases), minus the
    guardrails' removals, and how many ``quiet_hours`` (default: the delivery settings') would
    hold back at ``now`` (naive UTC, default the wall clock). ValueError for an unknown item or a
    size out of range."""
    db = Path(db)
    quiet = quiet_hours or load_settings(db).quiet_hours
    now = now or utc_now()
    scores = scores or score_item(db, item_id)
    ranked = scores.scores
    probability = ranked["probability"].to_numpy()
    sizes = capture_sizes(probability, tuple(sorted({*CAPTURE_SHARES, capture})))
    chosen = sizes[capture] if size is None else int(size)
    if not 1 <= chosen <= len(ranked):
        raise ValueError(f"the audience size must be between 1 and {len(ranked):,} (customers "
                         f"scored), got {chosen:,}")
    top = ranked.head(chosen)
    consenting = top["customer_id"].isin(pushable_customers(db))
    at = campaign_clock(db).launched_at
    pushes = recent_push_counts(db, at, cap_days, ops_url)
    capped = consenting & (top["customer_id"].map(pushes).fillna(0) >= frequency_cap)
    card = item_card(db, scores.item_id)
    audience = with_segments(db, top[consenting & ~capped].reset_index(drop=True))
    held = quiet.contains(now)
    return AudiencePlan(
        item_id=scores.item_id, item_name=card.get("item_name"),
        category=card.get("category", scores.category),
        price_amount=card.get("price_amount", scores.price_amount),
        model_version=scores.version, min_basket=scores.min_basket,
        horizon_days=scores.horizon_days, scored=len(ranked),
        sizes={share: sizes[share] for share in CAPTURE_SHARES},
        size=chosen, expected=expect(probability, chosen),
        removed_no_consent=int((~consenting).sum()), removed_frequency_cap=int(capped.sum()),
        audience=audience, held_quiet_hours=len(audience) if held else 0,
        quiet_until=quiet.next_open(now) if held else None,
        cutoff_at=scores.cutoff_at)


def render_push(plan: AudiencePlan, title: str, body: str, deep_link: str) -> pd.DataFrame:
    """Every audience customer's message: customer_id, title, body, deep_link (column-wise).
    ValueError for a template that cannot be rendered or a deep link without a scheme."""
    item = {"item_id": plan.item_id, "item_name": plan.item_name, "category": plan.category,
            "price_amount": plan.price_amount}
    return pd.DataFrame({
        "customer_id": plan.audience["customer_id"],
        "title": render_messages(title, item, plan.audience, "title"),
        "body": render_messages(body, item, plan.audience, "body"),
        "deep_link": render_messages(check_deep_link(deep_link), item, plan.audience,
                                     "deep link"),
    })


def launch_promotion(
    db: Path,
    plan: AudiencePlan,
    *,
    user: str,
    name: str,
    title: str = DEFAULT_TITLE,
    body: str = DEFAULT_BODY,
    deep_link: str = DEFAULT_LINK,
    control_share: float = defaults.HOLDOUT_SHARE,
    ops_url: str | None = None,
    quiet_hours: QuietHours | None = None,
) -> LaunchedCampaign:
    """Launch ``plan``'s audience as a push campaign (source 'push') with a random hold-out of
    ``control_share``, frozen and audited with ``user``; it runs for the model's horizon. The
    treatment group's messages (``title``, ``body``, ``deep_link`` rendered per customer) are
    queued in the outbox in the launch's transaction, not before the end of the ``quiet_hours``
    (default: the delivery settings') the launch falls in. The scores the launch used go to the
    prediction log (``log_launch_scores``)."""
    if plan.audience.empty:
        raise ValueError("nobody is left in the audience after the guardrails: nothing to launch")
    quiet = quiet_hours or load_settings(Path(db)).quiet_hours
    messages = render_push(plan, title, body, deep_link)
    now = utc_now()
    offer = offer_text(plan.item_id, plan.item_name)
    launched = launch_audience(
        Path(db), plan.audience[["customer_id", "segment"]], user=user, name=name,
        action=f"Push: promote {plan.item_name or plan.item_id}", channel="push", offer=offer,
        kpi="conversion rate", source=PUSH_SOURCE, control_share=control_share,
        duration_days=plan.horizon_days, ops_url=ops_url,
        messages=PushMessages(messages, not_before=quiet.next_open(now), queued_at=now))
    try:  # the campaign is committed: a failure to log its scores must not read as "not launched"
        log_launch_scores(Path(db), plan)
    except (OSError, ValueError) as error:
        log.warning("campaign %s launched, but its scores were not logged: %s",
                    launched.campaign_id, error)
    return launched


def log_launch_scores(db: Path, plan: AudiencePlan) -> Path:
    """Write the launched audience's scores (treatment and hold-out alike) to the prediction log
    as the model version's scores of ``plan.item_id`` as of its cut-off's date. The log keeps one
    file per model version and date, so the scores other launches logged there for other items
    are kept and an earlier launch's of the same item replaced."""
    if plan.cutoff_at is None:
        raise ValueError("the audience plan does not say its scores' cut-off")
    as_of = plan.cutoff_at.date()
    folder = predictions_dir(db)
    existing = partition_path(folder, MODEL_NAME, as_of, plan.model_version)
    scores = pd.DataFrame({"customer_id": plan.audience["customer_id"].astype(str),
                           "item_id": plan.item_id,
                           "score": plan.audience["probability"].astype(float)})
    if existing.is_file():
        kept = pd.read_parquet(existing, columns=["customer_id", "item_id", "score"])
        scores = pd.concat([kept[kept["item_id"] != plan.item_id], scores], ignore_index=True)
    return write_predictions(folder, scores, model=MODEL_NAME, version=plan.model_version,
                             as_of=as_of, horizon_days=plan.horizon_days)
