"""Segment migration labels shared by the refresh step and the migration figures.

Sizes over time and the transition counts are computed in SQL (``warehouse/queries/migration.py``)
and shaped for display in ``dashboard/figures/migration.py``.
"""

from __future__ import annotations

NEW = "(new)"  # row label: customers absent at the earlier period end
GONE = "(gone)"  # column label: customers absent at the later period end
