"""The list and predicted-vs-actual files from hand-made scores: names, columns, order, and
cells a spreadsheet cannot run."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from warehouse.daily import reports


def _scores() -> pd.DataFrame:
    candidates = pd.DataFrame({
        "customer_id": ["=HYPERLINK(1)", "b", "c", "-d"],
        **{column: [0, 1, 2, 3] for column in reports.BEHAVIOUR_COLUMNS},
    })
    return reports.scores_frame(candidates, np.array([0.2, 0.9, 0.2, 0.05]),
                                np.array([1.0, 1.0, 3.0, 1.0]),
                                pd.Series(["Browsers"] * 4), 3, 7)


def test_file_names_write_the_date_as_day_month_year() -> None:
    assert reports.list_file_name(date(2015, 9, 3), 250) == "top_250_report_03092015.csv"
    assert reports.pva_file_name(date(2015, 9, 3)) == "pva_report_03092015.csv"


def test_the_list_file_holds_the_listed_visitors_by_probability_safely() -> None:
    scores = _scores()
    assert scores["list_rank"].tolist()[:3] == [1, 2, 3] and pd.isna(scores["list_rank"][3])
    # 0.9 first; the two at 0.2 by id ("=..." sorts before "c"); "-d" is off the list
    assert reports.list_csv(scores).decode() == (
        "customer_id,conversion_probability\r\n"
        "b,0.9\r\n'=HYPERLINK(1),0.2\r\nc,0.2\r\n")
    # the baseline's list of 3: the score 3 and two of the three tied at 1
    np.testing.assert_allclose(scores.set_index("customer_id").loc[
        ["c", "b", "=HYPERLINK(1)", "-d"], "baseline_share"], [1, 2 / 3, 2 / 3, 2 / 3])


def test_the_check_joins_outcomes_and_keeps_numbers_as_numbers() -> None:
    scores = _scores()
    outcomes = pd.DataFrame({"customer_id": ["b", "c", "-d", "=HYPERLINK(1)"],
                             "is_converted": [False, False, True, False],
                             "count_window_orders": [0, 0, 1, 0],
                             "window_amount": [0.0, 0.0, 12.5, 0.0]})
    rows, summary = reports.pva_tables(scores, outcomes)
    assert rows["customer_id"].tolist() == ["b", "=HYPERLINK(1)", "c"]
    measures = summary.set_index("measure")
    assert measures.loc["conversions in the list", "actual"] == 0
    assert measures.loc["conversions in the list", "predicted"] == 1.3
    assert measures.loc["baseline list conversions", "actual"] == 2 / 3  # -d's share
    assert measures.loc["relative increase vs baseline", "actual"] == -1.0
    text = reports.pva_csv(rows, summary).decode()
    assert text.startswith("row_type,name,predicted,actual,orders,amount\r\n"
                           "visitor,b,0.9,0.0,0,0.0\r\nvisitor,'=HYPERLINK(1),0.2,0.0,0,0.0\r\n")
    assert "summary,relative increase vs baseline,,-1.0,,\r\n" in text
