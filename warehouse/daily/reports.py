"""The files and tables of a report date: the scored candidates, the list file, the
predicted-vs-actual report, and the history the page draws.

The list file ``top_250_report_ddmmyyyy.csv`` (D written day, month, year) holds exactly the
columns ``customer_id, conversion_probability``: the list's visitors, highest probability
first, probabilities rounded to 6 decimals. The predicted-vs-actual file
``pva_report_ddmmyyyy.csv`` is named after the date of the list it checks; its columns are
``row_type, name, predicted, actual, orders, amount``: one ``visitor`` row per listed visitor
(name = customer id, predicted = the probability the list gave, actual = 1 if they bought in the
outcome window, else 0, orders and amount bought in it), then ``summary`` rows (name = the
measure; predicted and actual where both exist). Both are spreadsheet-safe
(``warehouse.csv_safety``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.contact_list.lists import list_result, ranked, tie_shared_membership
from warehouse.csv_safety import to_safe_csv
from warehouse.daily.store import DailyStore

PROBABILITY_DECIMALS = 6
LIST_COLUMNS = ["customer_id", "conversion_probability"]
PVA_COLUMNS = ["row_type", "name", "predicted", "actual", "orders", "amount"]
# What the page shows of a listed visitor: recent behaviour and who they are.
BEHAVIOUR_COLUMNS = [
    "count_views_24h", "count_cart_adds_24h", "count_sessions_24h", "session_minutes_24h",
    "hours_since_last_activity", "is_repeat_visitor", "count_orders", "gmv_amount",
    "days_since_last_purchase",
]
HISTORY_COLUMNS = ["report_date", "candidates", "buyers", "conversion_rate", "list_size",
                   "list_conversions", "expected_list_conversions",
                   "baseline_list_conversions"]


def list_file_name(day: date, size: int) -> str:
    return f"top_{int(size)}_report_{day:%d%m%Y}.csv"


def pva_file_name(day: date) -> str:
    return f"pva_report_{day:%d%m%Y}.csv"


def scores_frame(
    candidates: pd.DataFrame,
    probability: np.ndarray,
    baseline: np.ndarray,
    segment: pd.Series,
    size: int,
    version: int,
) -> pd.DataFrame:
    """Every candidate of a report date, scored: ``customer_id, conversion_probability,
    list_rank`` (1 = first; NA off the list), ``is_listed``, ``baseline_score``,
    ``baseline_share`` (chance of a place on the baseline's list), ``segment``, the behaviour
    columns and ``model_version``; listed visitors first, by rank."""
    ids = candidates["customer_id"].astype(str).to_numpy()
    order = ranked(ids, probability)
    rank = np.empty(len(ids), dtype="int64")
    rank[order] = np.arange(1, len(ids) + 1)
    listed = rank <= size
    list_rank = pd.array(rank, dtype="Int64")
    list_rank[~listed] = pd.NA
    frame = pd.DataFrame({
        "customer_id": ids,
        "conversion_probability": np.asarray(probability, dtype=float),
        "list_rank": list_rank,
        "is_listed": listed,
        "baseline_score": np.asarray(baseline, dtype=float),
        "baseline_share": tie_shared_membership(baseline, size),
        "segment": segment.astype("string").to_numpy(),
        **{column: candidates[column].to_numpy() for column in BEHAVIOUR_COLUMNS},
        "model_version": int(version),
    })
    return frame.iloc[order].reset_index(drop=True)


def list_csv(scores: pd.DataFrame) -> bytes:
    """The list file's bytes: the listed visitors, by rank."""
    listed = scores[scores["is_listed"]].sort_values("list_rank")
    frame = pd.DataFrame({
        "customer_id": listed["customer_id"].astype(str),
        "conversion_probability": listed["conversion_probability"].round(PROBABILITY_DECIMALS),
    })
    return to_safe_csv(frame[LIST_COLUMNS]).encode("utf-8")


def pva_tables(
    scores: pd.DataFrame, outcomes: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stored list against what its candidates bought in the outcome window.

    Rows: one per listed visitor: ``list_rank, customer_id, conversion_probability, segment,
    is_converted, count_window_orders, window_amount``. Summary: ``measure, predicted,
    actual`` (``predicted`` NaN where the model makes no claim)."""
    joined = scores.merge(outcomes[["customer_id", "is_converted", "count_window_orders",
                                    "window_amount"]], on="customer_id", how="left",
                          validate="1:1")
    joined["is_converted"] = joined["is_converted"].fillna(False).astype(bool)
    result = list_result(joined["is_converted"], joined["conversion_probability"],
                         joined["is_listed"], joined["baseline_share"])
    listed = joined[joined["is_listed"]].sort_values("list_rank")
    rows = listed[["list_rank", "customer_id", "conversion_probability", "segment",
                   "is_converted", "count_window_orders", "window_amount"]].reset_index(
        drop=True)
    size = result["list_size"]
    base = result["baseline_list_conversions"]
    summary = pd.DataFrame([
        ("candidates", np.nan, result["candidates"]),
        ("buyers among the candidates", float(joined["conversion_probability"].sum()),
         result["converted_candidates"]),
        ("list size", np.nan, size),
        ("conversions in the list", result["expected_list_conversions"],
         result["list_conversions"]),
        (f"precision@{size}", result["expected_list_conversions"] / size if size else np.nan,
         result["precision_at_list"]),
        ("amount bought by the list", np.nan, float(listed["window_amount"].sum())),
        ("baseline list conversions", np.nan, base),
        (f"baseline precision@{size}", np.nan, result["baseline_precision_at_list"]),
        ("relative increase vs baseline", np.nan,
         result["list_conversions"] / base - 1 if base else np.nan),
    ], columns=["measure", "predicted", "actual"])
    return rows, summary


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame``'s rows as JSON-ready records: missing values as None, dates as ISO text."""
    return json.loads(frame.to_json(orient="records", date_format="iso", double_precision=15))


def report_view(
    rows: pd.DataFrame, version: int, effects: pd.DataFrame | None,
    summary: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """What the page shows of a report, stored with it so that drawing it reads one small file:
    the listed visitors (``rows``: a list, or a predicted-vs-actual report's rows), the model
    ``version`` that scored them and what it learned (``effects``; None when not stored), and a
    predicted-vs-actual report's ``summary``."""
    view: dict[str, Any] = {
        "model_version": int(version), "rows": records(rows),
        "effects": [] if effects is None else [str(text) for text in effects["sentence"]],
    }
    if summary is not None:
        view["summary"] = records(summary)
    return view


def pva_csv(rows: pd.DataFrame, summary: pd.DataFrame) -> bytes:
    """The predicted-vs-actual file's bytes (columns ``PVA_COLUMNS``)."""
    visitors = pd.DataFrame({
        "row_type": "visitor",
        "name": rows["customer_id"].astype(str),
        "predicted": rows["conversion_probability"].round(PROBABILITY_DECIMALS),
        "actual": rows["is_converted"].astype(int).astype(float),
        "orders": rows["count_window_orders"].astype("Int64"),
        "amount": rows["window_amount"].astype(float),
    })
    measures = pd.DataFrame({
        "row_type": "summary", "name": summary["measure"],
        "predicted": summary["predicted"].astype(float).round(PROBABILITY_DECIMALS),
        "actual": summary["actual"].astype(float).round(PROBABILITY_DECIMALS),
        "orders": pd.array([pd.NA] * len(summary), dtype="Int64"), "amount": np.nan,
    })
    return to_safe_csv(pd.concat([visitors, measures], ignore_index=True)[PVA_COLUMNS]).encode(
        "utf-8")


def history(cache: DailyStore, reports: DailyStore) -> pd.DataFrame:
    """Per report date with cached candidates: ``HISTORY_COLUMNS`` (buyers and rate once the
    outcome window closed; the lists' figures where a predicted-vs-actual report exists)."""
    features = sorted(cache.folder.glob("cache/features/*.parquet"))
    if not features:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    with duckdb.connect() as con:
        counts = con.execute(
            "SELECT CAST(cutoff_at AS DATE) AS report_date, count(*) AS candidates "
            "FROM read_parquet($files) GROUP BY ALL", {"files": [str(f) for f in features]}
        ).df()
        outcomes = sorted(cache.folder.glob("cache/outcomes/*.parquet"))
        buyers = con.execute(
            "SELECT report_date, count(*) FILTER (WHERE is_converted) AS buyers "
            "FROM read_parquet($files) GROUP BY ALL", {"files": [str(f) for f in outcomes]}
        ).df() if outcomes else pd.DataFrame({"report_date": pd.Series(dtype="datetime64[us]"),
                                              "buyers": pd.Series(dtype="int64")})
    frame = counts.merge(buyers, on="report_date", how="left")
    frame["report_date"] = pd.to_datetime(frame["report_date"]).dt.date
    frame["conversion_rate"] = frame["buyers"] / frame["candidates"]
    lists = []
    for day in reports.pva_dates():
        summary = pd.read_parquet(reports.pva_summary(day)).set_index("measure")
        lists.append({
            "report_date": day, "list_size": summary.loc["list size", "actual"],
            "list_conversions": summary.loc["conversions in the list", "actual"],
            "expected_list_conversions": summary.loc["conversions in the list", "predicted"],
            "baseline_list_conversions": summary.loc["baseline list conversions", "actual"],
        })
    lists_frame = pd.DataFrame(lists, columns=["report_date", "list_size", "list_conversions",
                                               "expected_list_conversions",
                                               "baseline_list_conversions"])
    frame = frame.merge(lists_frame, on="report_date", how="left")
    return frame.sort_values("report_date").reset_index(drop=True)[HISTORY_COLUMNS]
