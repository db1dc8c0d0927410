"""Which moves between two snapshots the Migration page shows: one set of filters, applied alike
to the Sankey and the transition matrix (and the scope to the sizes over time). Pure functions on
the frames of ``warehouse.queries.migration``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from analytics.migration import GONE, NEW

SCOPES = {"rfm": "Buyers only (RFM segments)", "all": "All customers"}
BUYER_KIND = "rfm"


@dataclass(frozen=True)
class FlowFilter:
    """``scope``: "rfm" keeps customers in a buyer segment at either date (a one-visit browser
    who became a New Customer stays; browsers who stayed browsers go), "all" keeps everyone;
    ``movers_only`` keeps customers present at both dates whose segment changed;
    ``arrivals`` keeps customers new at the later date and those gone from it."""

    scope: str = "rfm"
    movers_only: bool = False
    arrivals: bool = True

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {self.scope!r}")

    def describe(self) -> str:
        """The filter in words, for chart titles: "buyers only, customers who changed segment"."""
        parts = ["buyers only" if self.scope == BUYER_KIND else "all customers"]
        if self.movers_only:
            parts.append("customers who changed segment")
        elif not self.arrivals:
            parts.append("without new and departed customers")
        return ", ".join(parts)


def filter_flows(
    counts: pd.DataFrame, kinds: Mapping[str, str], flow_filter: FlowFilter
) -> pd.DataFrame:
    """The ``from_segment, to_segment, customers`` rows (non-zero) the filter keeps."""
    flows = counts[counts["customers"] > 0]
    if flow_filter.scope == BUYER_KIND:
        is_buyer = flows["from_segment"].map(kinds).eq(BUYER_KIND) | flows["to_segment"].map(
            kinds
        ).eq(BUYER_KIND)
        flows = flows[is_buyer]
    arrival = (flows["from_segment"] == NEW) | (flows["to_segment"] == GONE)
    if flow_filter.movers_only:
        flows = flows[~arrival & (flows["from_segment"] != flows["to_segment"])]
    elif not flow_filter.arrivals:
        flows = flows[~arrival]
    return flows.reset_index(drop=True)


def filter_sizes(sizes: pd.DataFrame, scope: str) -> pd.DataFrame:
    """Segment sizes over time (``segment_kind`` column) of the scope's segments."""
    FlowFilter(scope)  # checks the scope
    return sizes[sizes["segment_kind"] == BUYER_KIND] if scope == BUYER_KIND else sizes
