"""Formula-injection neutralising of exported cells (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from warehouse.csv_safety import neutralise_frame, neutralise_text, safe_csv_chunks, to_safe_csv

HOSTILE = ['=HYPERLINK("http://evil","click")', "+1", "-2", "@SUM(A1:A9)", "\tTAB", "\rCR"]


def test_cells_a_spreadsheet_would_evaluate_get_a_leading_quote() -> None:
    assert neutralise_text(pd.Series(HOSTILE)).tolist() == ["'" + cell for cell in HOSTILE]


def test_ordinary_text_and_missing_values_are_unchanged() -> None:
    values = pd.Series(["Champions", "a=b", "50% off", None])
    out = neutralise_text(values)
    assert out[:3].tolist() == ["Champions", "a=b", "50% off"] and pd.isna(out[3])


def test_numeric_columns_stay_numbers_even_when_negative() -> None:
    frame = pd.DataFrame({"customer_id": ["-2", "7"], "clv_amount": [-2.5, 3.0],
                          "orders": np.array([1, 2], dtype="int64")})
    safe = neutralise_frame(frame)
    assert safe["customer_id"].tolist() == ["'-2", "7"]
    assert safe["clv_amount"].tolist() == [-2.5, 3.0] and safe["clv_amount"].dtype == float
    assert safe["orders"].dtype == "int64"
    assert frame["customer_id"].tolist() == ["-2", "7"]  # the input is not modified


def test_safe_csv_has_no_formula_cell_and_reads_back_as_numbers() -> None:
    frame = pd.DataFrame({"=header": HOSTILE, "amount": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]})
    text = to_safe_csv(frame)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
    assert [cell for cell in cells if cell.startswith("-")] == ["-1.5"]  # a number, not text
    back = pd.read_csv(io.StringIO(text))
    assert back.columns.tolist() == ["'=header", "amount"]
    assert back["amount"].tolist() == [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_a_file_written_in_batches_is_the_file_written_whole() -> None:
    frame = pd.DataFrame({"customer_id": ["=1+1", "b", "-c", "d", "e"],
                          "clv_amount": [-2.5, 1.0, np.nan, 3.0, 4.0]})
    chunks = list(safe_csv_chunks((frame.iloc[i:i + 2] for i in range(0, 5, 2)),
                                  ["customer_id", "clv_amount"]))
    assert len(chunks) == 4  # the header, then one per batch
    assert "".join(chunks) == to_safe_csv(frame)
    assert list(safe_csv_chunks([], ["customer_id", "=x"])) == ["customer_id,'=x\r\n"]
    with pytest.raises(ValueError, match="columns"):
        list(safe_csv_chunks([frame], ["customer_id"]))
