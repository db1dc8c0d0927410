"""The ``customers`` view and the tables the Segments page reads from it.

``customers`` (one row per customer, key ``customer_id``) is the wide attribute table that rules
and pages read; ``segment_top_customers`` stores each segment's first customers in the order its
page lists them.
"""

from __future__ import annotations

CUSTOMERS_VIEW = "customers"
SEGMENT_SUMMARY_TABLE = "segment_summary"
SEGMENT_TOP_CUSTOMERS_TABLE = "segment_top_customers"

# A segment's customers as its page lists them: highest CLV first (non-buyers have none), ties by
# id; the first TOP_CUSTOMERS of each are stored, since ordering a behavioural segment of
# millions of visitors took a quarter of a second per click at scale 10.
TOP_CUSTOMERS = 1000
TOP_CUSTOMERS_ORDER = "clv_amount DESC NULLS LAST, customer_id"

# The refresh stores each part of ``customers`` ordered by segment, then TOP_CUSTOMERS_ORDER, and
# marks the view with this comment when every segment lies in one part: a segment's rows then
# come out of a plain filtered scan in the export's order (DuckDB preserves the stored order
# through WHERE and UNION ALL), so a download of millions streams without a sort.
EXPORT_ORDER_COMMENT = f"parts stored by segment, {TOP_CUSTOMERS_ORDER}"
