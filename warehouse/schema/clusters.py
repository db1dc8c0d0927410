"""The cluster tables: ``cluster_scatter_sample`` holds the points of the clusters scatter."""

from __future__ import annotations

# The buyers with the smallest hash of their id (the same points on every load, spread over all
# clusters), so the page reads a few thousand rows.
SCATTER_MAX_POINTS = 5000
