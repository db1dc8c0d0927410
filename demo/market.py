"""Write a synthetic customer-activity data set in the published "One Click" format.

``generate_market(out_dir, customers=1300, seed=7)`` writes the four files as they are published
(docs: MARKET.md in the project's shared notes; the columns are listed in ``MARKET_FILE_COLUMNS``):

* ``market_file.csv`` — one row per customer, ``,``-separated, ``.`` decimals, Russian headers
  and values, with the published typo ``стандартт`` for some standard-service customers;
* ``market_money.csv`` — revenue per customer and period (``текущий_месяц``,
  ``предыдущий_месяц``, ``препредыдущий_месяц``): three rows per customer, a few zero months and
  one outlier above 100,000;
* ``market_time.csv`` — minutes on site per customer for ``текущий_месяц`` and the published
  typo ``предыдцщий_месяц``;
* ``money.csv`` — average monthly profit, **``;``-separated with decimal commas**;

and, apart from them, ``ground_truth_market.csv`` (``id, decline_probability, logit, label``),
which ingest never reads.

The latent model (documented so that a model's explanations can be checked against it): each
customer has an engagement ``e ~ N(0, 1)`` and, with probability 0.13, is a promotion hunter.
Engagement raises marketing contacts over six months, categories and pages per visit and minutes
on site, and lowers unpaid cart items; hunters buy 75–99 % of their items on promotion, the others
about a quarter. The probability that purchasing *decreased* is

    logit p = b + 1.9 z(promotion share) − 1.0 z(categories per visit)
                − 0.9 z(marketing contacts, 6 months) − 1.0 z(pages per visit)
                − 0.75 z(minutes on site, both months) + 0.45 z(unpaid items)
                + 0.2 z(service errors)

with ``z`` the standardised column and ``b`` set so that about 38 % decrease, as in the published
data; the label is drawn from it. Service type, consent, tenure, category, profit and revenue carry
no signal (current-month revenue only a slight one: decreasing customers spend 4 % less), so a
model that ranks them high has learned noise. The best possible test ROC-AUC (ranking by the true
probability) is recorded by ``MarketSummary.bayes_auc``: about 0.94 for 1,300 customers (0.935–0.947
over seeds 1–7), a little above the 0.924 the published notebooks reach on the real files.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

FIRST_ID = 215348  # the published ids start here
DECREASED, PREVIOUS_LEVEL = "Снизилась", "Прежний уровень"
PREMIUM, STANDARD, STANDARD_TYPO = "премиум", "стандарт", "стандартт"
YES, NO = "да", "нет"
CATEGORIES = {  # published name → share of customers
    "Товары для детей": 0.254,
    "Домашний текстиль": 0.193,
    "Косметика и аксесуары": 0.172,
    "Техника для красоты и здоровья": 0.142,
    "Мелкая бытовая техника и электроника": 0.133,
    "Кухонная посуда": 0.106,
}
CURRENT, PREVIOUS, EARLIER = "текущий_месяц", "предыдущий_месяц", "препредыдущий_месяц"
PREVIOUS_TYPO = "предыдцщий_месяц"  # as published in market_time.csv
MARKET_FILE_COLUMNS = (
    "id", "Покупательская активность", "Тип сервиса", "Разрешить сообщать",
    "Маркет_актив_6_мес", "Маркет_актив_тек_мес", "Длительность", "Акционные_покупки",
    "Популярная_категория", "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал", "Ошибка_сервиса", "Страниц_за_визит",
)
FILES = ("market_file.csv", "market_money.csv", "market_time.csv", "money.csv")
GROUND_TRUTH = "ground_truth_market.csv"

DECREASED_SHARE = 0.38
HUNTER_SHARE = 0.13
TYPO_SHARE = 0.01  # of standard-service customers written "стандартт"
ZERO_REVENUE_CUSTOMERS = 3  # customers with a month without revenue (projects drop them)
OUTLIER_REVENUE = 106_862.2
WEIGHTS = {  # column of the contract → weight of its z-score in the logit
    "promotion_share": 1.9,
    "categories_per_visit": -1.0,
    "marketing_contacts_6m": -0.9,
    "pages_per_visit": -1.0,
    "minutes_mean": -0.75,
    "unpaid_items_3m": 0.45,
    "service_errors": 0.2,
}


@dataclass
class MarketSummary:
    """What ``generate_market`` wrote."""

    out_dir: Path
    customers: int
    seed: int
    decreased: int
    bayes_auc: float  # ROC-AUC of the true probability against the drawn label
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def __str__(self) -> str:
        width = max(len(name) for name in self.rows)
        lines = [f"Wrote the One Click files for {self.customers:,} customers to {self.out_dir} "
                 f"in {self.seconds:.1f} s (seed {self.seed}): {self.decreased:,} decreased; "
                 f"ranking by the true probability reaches ROC-AUC {self.bayes_auc:.3f}"]
        lines += [f"  {name:<{width}}  {count:>6,} rows" for name, count in self.rows.items()]
        return "\n".join(lines)


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / values.std()


def _auc(label: np.ndarray, score: np.ndarray) -> float:
    ranks = rankdata(score)
    positives = int(label.sum())
    negatives = len(label) - positives
    return float((ranks[label == 1].sum() - positives * (positives + 1) / 2)
                 / (positives * negatives))


def _intercept(linear: np.ndarray, share: float) -> float:
    """The b for which the mean of sigmoid(b + linear) is ``share`` (bisection)."""
    low, high = -10.0, 10.0
    for _ in range(60):
        middle = (low + high) / 2
        if (1 / (1 + np.exp(-(middle + linear)))).mean() < share:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def draw_customers(customers: int, seed: int, ids: Sequence[object] | None = None
                   ) -> pd.DataFrame:
    """One row per customer: the contract's columns (English names, published values), the
    revenue and minutes per period, profit, the true probability and the drawn label. ``ids``
    name the customers (default: consecutive from 215348, as published)."""
    rng = np.random.default_rng([seed, 1515])
    n = customers
    engagement = rng.normal(size=n)
    hunter = rng.random(n) < HUNTER_SHARE
    standard = rng.random(n) >= 0.29
    typo = standard & (rng.random(n) < TYPO_SHARE)
    frame = pd.DataFrame({
        "id": np.arange(FIRST_ID, FIRST_ID + n) if ids is None else list(ids),
        "service_type": np.where(standard, np.where(typo, STANDARD_TYPO, STANDARD), PREMIUM),
        "allows_notifications": np.where(rng.random(n) < 0.74, YES, NO),
        "marketing_contacts_6m": np.clip(4.25 + 0.55 * engagement + rng.normal(0, 0.8, n),
                                         0.9, 6.6).round(1),
        "marketing_contacts_current_month": rng.choice([3, 4, 5], n, p=[0.25, 0.5, 0.25]),
        "tenure_days": rng.integers(110, 1080, n),
        "promotion_share": np.where(hunter, rng.uniform(0.75, 0.99, n),
                                    np.clip(rng.beta(4, 12, n), 0, 0.7)).round(2),
        "popular_category": rng.choice(list(CATEGORIES), n, p=list(CATEGORIES.values())),
        "categories_per_visit": np.clip(np.rint(3.3 + 0.8 * engagement + rng.normal(0, 1, n)),
                                        1, 6).astype(int),
        "unpaid_items_3m": np.minimum(rng.poisson(np.exp(0.9 - 0.35 * engagement)), 10),
        "service_errors": np.clip(np.rint(rng.normal(4.2, 2.0, n)), 0, 9).astype(int),
        "pages_per_visit": np.clip(np.rint(8.2 + 2.6 * engagement + rng.normal(0, 2.4, n)),
                                   1, 20).astype(int),
        "minutes_previous": np.clip(np.rint(13 + 2.6 * engagement + rng.normal(0, 2.4, n)),
                                    4, 23).astype(int),
        "minutes_current": np.clip(np.rint(13 + 2.6 * engagement + rng.normal(0, 2.4, n)),
                                   4, 23).astype(int),
        "profit": np.clip(rng.normal(4.0, 1.0, n), 0.86, 7.43).round(2),
    })
    linear = sum(weight * _z(frame[column].to_numpy(float)) for column, weight in WEIGHTS.items()
                 if column != "minutes_mean")
    linear = linear + WEIGHTS["minutes_mean"] * _z(
        (frame["minutes_previous"] + frame["minutes_current"]).to_numpy(float))
    logit = _intercept(linear, DECREASED_SHARE) + linear
    probability = 1 / (1 + np.exp(-logit))
    decreased = rng.random(n) < probability
    frame["logit"] = logit.round(6)
    frame["decline_probability"] = probability.round(6)
    frame["label"] = np.where(decreased, DECREASED, PREVIOUS_LEVEL)
    frame["revenue_earlier"] = rng.normal(4840, 330, n).round(0)
    frame["revenue_previous"] = rng.normal(4950, 700, n).round(0)
    frame["revenue_current"] = (rng.normal(5250, 830, n) * np.where(decreased, 0.96, 1.0)).round(1)
    zero = rng.choice(n, ZERO_REVENUE_CUSTOMERS, replace=False)
    frame.loc[zero, ["revenue_earlier", "revenue_previous"]] = 0.0
    frame.loc[rng.integers(n), "revenue_current"] = OUTLIER_REVENUE
    return frame


def _write(path: Path, header: tuple[str, ...], rows: list[list[object]],
           delimiter: str = ",") -> int:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def _decimal_comma(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def generate_market(out_dir: Path, customers: int = 1300, seed: int = 7,
                    ids: Sequence[object] | None = None) -> MarketSummary:
    """Write the four published files and ``ground_truth_market.csv`` into ``out_dir``.

    ``ids``: the customer ids to use, as many as ``customers`` (e.g. a shop's own customers;
    default: consecutive from 215348). Same seed, size and ids → byte-identical files.
    """
    if int(customers) < 20:
        raise ValueError(f"customers must be at least 20, got {customers}")
    if ids is not None and len(ids) != int(customers):
        raise ValueError(f"{len(ids)} ids given for {customers} customers")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = draw_customers(int(customers), seed, ids)
    records = frame.to_dict("records")
    rows = {
        "market_file.csv": _write(out_dir / "market_file.csv", MARKET_FILE_COLUMNS, [
            [r["id"], r["label"], r["service_type"], r["allows_notifications"],
             r["marketing_contacts_6m"], r["marketing_contacts_current_month"], r["tenure_days"],
             r["promotion_share"], r["popular_category"], r["categories_per_visit"],
             r["unpaid_items_3m"], r["service_errors"], r["pages_per_visit"]]
            for r in records]),
        "market_money.csv": _write(out_dir / "market_money.csv", ("id", "Период", "Выручка"), [
            [r["id"], period, r[column]]
            for r in records
            for period, column in ((EARLIER, "revenue_earlier"), (CURRENT, "revenue_current"),
                                   (PREVIOUS, "revenue_previous"))]),
        "market_time.csv": _write(out_dir / "market_time.csv", ("id", "Период", "минут"), [
            [r["id"], period, r[column]]
            for r in records
            for period, column in ((CURRENT, "minutes_current"),
                                   (PREVIOUS_TYPO, "minutes_previous"))]),
        "money.csv": _write(out_dir / "money.csv", ("id", "Прибыль"),
                            [[r["id"], _decimal_comma(r["profit"])] for r in records],
                            delimiter=";"),
    }
    truth = frame[["id", "decline_probability", "logit", "label"]]
    truth.to_csv(out_dir / GROUND_TRUTH, index=False, lineterminator="\n")
    rows[GROUND_TRUTH] = len(truth)
    label = (frame["label"] == DECREASED).to_numpy(int)
    return MarketSummary(
        out_dir=out_dir, customers=len(frame), seed=seed, decreased=int(label.sum()),
        bayes_auc=_auc(label, frame["decline_probability"].to_numpy()), rows=rows,
        seconds=time.perf_counter() - started,
    )
