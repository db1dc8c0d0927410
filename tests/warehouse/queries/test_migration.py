"""The Migration page's queries on two stored segment snapshots."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.segments import segment_definitions
from tests.support.segment_snapshot import JUNE, MAY, segment_snapshot
from warehouse.queries.migration import (
    segment_kinds,
    segment_order,
    segment_sizes_over_time,
    snapshot_dates,
    transition_counts,
)


@pytest.fixture
def con(tmp_path):
    con = segment_snapshot(tmp_path / "snapshot.duckdb")
    yield con
    con.close()


def test_snapshot_dates_and_sizes_over_time(con):
    assert snapshot_dates(con) == [MAY, JUNE]
    assert segment_order(con) == segment_definitions()["segment"].tolist()
    kinds = segment_kinds(con)
    assert kinds["Champions"] == "rfm" and kinds["Window Shoppers"] == "behavioural"
    assert len(kinds) == len(segment_definitions())
    sizes = segment_sizes_over_time(con)
    june = sizes[sizes["period_end"].dt.date == JUNE].set_index("segment")["customers"].to_dict()
    assert june == {"Champions": 1, "Lost": 1, "Cart Abandoners": 1}
    assert sizes[sizes["period_end"].dt.date == JUNE]["segment"].tolist() == [
        "Champions", "Lost", "Cart Abandoners"
    ]
    assert sizes.loc[sizes["segment"] == "Cart Abandoners", "segment_kind"].iloc[0] == "behavioural"


def test_transition_counts_count_moves_new_and_gone_customers(con):
    counts = transition_counts(con, MAY, JUNE)
    got = {(f, t): n for f, t, n in counts.itertuples(index=False)}
    assert got == {
        ("New Customers", "Champions"): 1,
        ("Lost", "Lost"): 1,
        ("Browsers", "(gone)"): 1,
        ("(new)", "Cart Abandoners"): 1,
    }


def test_transition_counts_reject_a_date_without_snapshot(con):
    with pytest.raises(ValueError, match="2015-05-31"):
        transition_counts(con, date(2015, 4, 30), JUNE)


def test_transition_counts_reject_a_from_date_not_before_the_to_date(con):
    with pytest.raises(ValueError, match="must be before"):
        transition_counts(con, JUNE, MAY)
    with pytest.raises(ValueError, match="must be before"):
        transition_counts(con, JUNE, JUNE)
