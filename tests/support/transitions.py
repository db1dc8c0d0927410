"""The straightforward definition of segment transitions the precomputed table must reproduce."""

from __future__ import annotations

REFERENCE_TRANSITIONS_SQL = """
WITH ends AS (SELECT DISTINCT period_end FROM segment_snapshots),
pairs AS (
    SELECT f.period_end AS from_period, t.period_end AS to_period
    FROM ends AS f JOIN ends AS t ON f.period_end < t.period_end
)
SELECT pairs.from_period, pairs.to_period,
    coalesce(moves.from_segment, '(new)') AS from_segment,
    coalesce(moves.to_segment, '(gone)') AS to_segment,
    count(*) AS customers
FROM pairs, LATERAL (
    SELECT before.segment AS from_segment, after.segment AS to_segment
    FROM (
        SELECT customer_id, segment FROM segment_snapshots WHERE period_end = pairs.from_period
    ) AS before
    FULL OUTER JOIN (
        SELECT customer_id, segment FROM segment_snapshots WHERE period_end = pairs.to_period
    ) AS after USING (customer_id)
) AS moves
GROUP BY ALL
ORDER BY ALL
"""


def snapshots_table(con, rows) -> None:
    """(Re)create ``segment_snapshots`` as a table holding ``rows`` (period_end, customer_id,
    segment)."""
    con.execute(
        "CREATE OR REPLACE TABLE segment_snapshots "
        "(period_end DATE, customer_id VARCHAR, segment VARCHAR)"
    )
    if rows:
        con.executemany("INSERT INTO segment_snapshots VALUES (?, ?, ?)", rows)
