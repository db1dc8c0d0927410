"""Loading a campaign run elsewhere from its results file: validation as in every ingest (file,
line and column named; bad rows quarantined; nothing half-loaded; a reload replaces), and what
the refresh makes of it: lift with interval and SRM, and an uplift model on the warehouse's
features plus the file's own columns."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from tests.support.campaigns import stored_assignments
from tests.support.uplift import copy_demo_warehouse
from warehouse.commands import import_campaign_results, imported_outcomes, list_campaigns
from warehouse.ingest.load_summary import IngestError
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import campaign_import_rejects
from warehouse.pipeline.refresh import refresh
from warehouse.snapshots import open_snapshot

HEADER = "customer_id,group,converted,revenue,age,tier"
START, END = date(2015, 9, 1), date(2015, 9, 14)


def _rows(n: int) -> list[str]:
    """``n`` good rows: every fifth customer in control, every third converted (revenue 20)."""
    return [f"{1000 + i},{'control' if i % 5 == 0 else 'treatment'},{int(i % 3 == 0)},"
            f"{20 if i % 3 == 0 else 0},{30 + i % 40},{'gold' if i % 2 else 'silver'}"
            for i in range(n)]


def _write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _load(db: Path, path: Path, name: str = "Partner mailing") -> object:
    return import_campaign_results(db, path, name=name, user="tester", launched_at=START,
                                   ends_at=END)


def _rejects(db: Path, campaign_id: str) -> list[tuple[int, str]]:
    r = campaign_import_rejects.c
    with ops_transaction(ops_store(db), readonly=True) as connection:
        return [tuple(row) for row in connection.execute(
            select(r.line_number, r.reason).where(r.campaign_id == campaign_id)
            .order_by(r.line_number)).all()]


def test_a_good_file_becomes_a_completed_campaign_with_its_own_columns(tmp_path: Path):
    db = tmp_path / "shop.duckdb"
    loaded = _load(db, _write(tmp_path / "results.csv", _rows(50)))
    assert (loaded.rows_read, loaded.rows_loaded, loaded.rows_rejected) == (50, 50, 0)
    assert (loaded.count_treatment, loaded.count_control, loaded.count_converted) == (40, 10, 17)
    assert loaded.feature_columns == {"age": "number", "tier": "text"}
    assert (loaded.launched_at, loaded.ends_at) == (datetime(2015, 9, 1), datetime(2015, 9, 15))
    [campaign] = list_campaigns(db).to_dict("records")
    assert campaign["source"] == "import" and campaign["audience_size"] == 50
    outcomes = imported_outcomes(db, loaded.campaign_id).frame.set_index("customer_id")
    assert outcomes.loc["1003", "is_converted"] and outcomes.loc["1003", "revenue_amount"] == 20
    assert outcomes.loc["1003", "age"] == 33.0 and outcomes.loc["1003", "tier"] == "gold"


def test_bad_rows_are_quarantined_with_line_and_column(tmp_path: Path):
    db = tmp_path / "shop.duckdb"
    rows = _rows(60)
    rows[4] = "1004,treated,1,20,30,gold"       # line 6
    rows[9] = "1009,control,yes,0,30,gold"      # line 11
    rows[20] = "1020,treatment,0,15,30,gold"    # line 22: revenue without conversion
    loaded = _load(db, _write(tmp_path / "results.csv", rows))
    assert (loaded.rows_loaded, loaded.rows_rejected) == (57, 3)
    assert _rejects(db, loaded.campaign_id) == [
        (6, "column group: 'treated' is not treatment or control"),
        (11, "column converted: 'yes' is not 0 or 1"),
        (22, "column revenue: 15 on a customer who did not convert")]
    assert "line 6: column group" in str(loaded)


def test_a_file_with_too_many_bad_rows_loads_nothing_and_says_where(tmp_path: Path):
    db = tmp_path / "shop.duckdb"
    rows = _rows(20)
    rows[2] = "1002,control,2,0,30,gold"
    rows[7] = ",treatment,0,0,30,gold"
    with pytest.raises(IngestError) as error:
        _load(db, _write(tmp_path / "results.csv", rows))
    message = str(error.value)
    assert message.startswith("results.csv: 2 of 20 rows (10.0%) are bad")
    assert "line 4: column converted: '2' is not 0 or 1" in message
    assert "line 9: column customer_id: empty" in message
    assert list_campaigns(db).empty


@pytest.mark.parametrize(("header", "message"), [
    ("customer_id,converted", "missing column 'group'"),
    ("customer_id,group,converted,age,age", "column 'age' appears more than once"),
    ("customer_id,group,converted,2nd score", "is not a plain name"),
])
def test_a_bad_header_is_refused_by_name(tmp_path: Path, header: str, message: str):
    with pytest.raises(IngestError, match=message):
        _load(tmp_path / "shop.duckdb", _write(tmp_path / "results.csv", ["1,control,0"],
                                                header))


def test_copies_drop_out_and_a_customer_twice_keeps_the_first_line(tmp_path: Path):
    db = tmp_path / "shop.duckdb"
    rows = _rows(40)
    rows += [rows[1], "1002,treatment,1,20,99,gold"]  # line 42 a copy, line 43 conflicts
    loaded = _load(db, _write(tmp_path / "results.csv", rows))
    assert (loaded.rows_read, loaded.rows_duplicate, loaded.rows_rejected) == (42, 1, 1)
    assert _rejects(db, loaded.campaign_id) == [
        (43, "column customer_id: 1002 is already on line 4 with other values")]


def test_loading_the_same_name_again_replaces_the_campaign(tmp_path: Path):
    db = tmp_path / "shop.duckdb"
    first = _load(db, _write(tmp_path / "a.csv", _rows(50)))
    second = _load(db, _write(tmp_path / "b.csv", _rows(30)))
    assert second.replaced and second.campaign_id == first.campaign_id
    assert len(list_campaigns(db)) == 1
    assert len(stored_assignments(db, first.campaign_id)) == 30


def test_an_imported_campaign_is_measured_and_learnt_with_its_columns(
        uplift_demo_db: Path, tmp_path: Path):
    """2,000 of the demo's customers in a campaign that helped those with a high file score."""
    db = copy_demo_warehouse(uplift_demo_db, tmp_path)
    with open_snapshot(db) as con:
        ids = [c for (c,) in con.execute("SELECT customer_id FROM customers ORDER BY "
                                         "customer_id LIMIT 2000").fetchall()]
    rng = np.random.default_rng(4)
    score = rng.uniform(size=len(ids))
    treated = rng.uniform(size=len(ids)) < 0.8
    converted = rng.uniform(size=len(ids)) < 0.05 + 0.3 * (score > 0.5) * treated
    frame = pd.DataFrame({"customer_id": ids, "group": np.where(treated, "treatment", "control"),
                          "converted": converted.astype(int), "score": score.round(3),
                          "tier": rng.choice(["a", "b"], size=len(ids))})
    frame.to_csv(tmp_path / "partner.csv", index=False)
    loaded = import_campaign_results(db, tmp_path / "partner.csv", name="Partner", user="tester",
                                     launched_at=date(2015, 9, 1), ends_at=date(2015, 9, 7),
                                     control_share=0.2)
    refresh(db, progress=False)
    with open_snapshot(db) as con:
        lift = con.execute(
            "SELECT n_treatment, n_control, treatment_mean, control_mean, srm_p_value "
            "FROM campaign_results WHERE campaign_id = ? AND metric = 'conversion'",
            [loaded.campaign_id]).fetchall()[0]
        model = con.execute(
            "SELECT is_trained, is_published, features FROM uplift_models WHERE campaign_id = ?",
            [loaded.campaign_id]).fetchall()[0]
        scores = con.sql("SELECT customer_id, uplift_score FROM customers WHERE customer_id IN "
                         "(SELECT UNNEST($ids))", params={"ids": ids}).df()
    assert lift[:2] == (int(treated.sum()), int((~treated).sum()))
    assert lift[2] == pytest.approx(converted[treated].mean())
    assert lift[3] == pytest.approx(converted[~treated].mean())
    assert lift[4] is not None
    assert model[:2] == (True, True)
    assert "file_score" in model[2] and "file_tier_a" not in model[2]  # raw columns listed
    by_id = scores.set_index("customer_id")["uplift_score"]
    high = by_id[frame.loc[frame["score"] > 0.5, "customer_id"]].mean()
    low = by_id[frame.loc[frame["score"] <= 0.5, "customer_id"]].mean()
    assert high > low + 0.15  # the customers' own file scores drive their predicted uplift
