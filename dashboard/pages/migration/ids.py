"""Component ids of the Migration page, prefixed ``migration-`` so they
never collide with another page's (a test checks every id of the dashboard is unique)."""

MIGRATION_MESSAGE = "migration-message"
MIGRATION_SCOPE = "migration-scope"
MIGRATION_SIZES_CHART = "migration-sizes-chart"
MIGRATION_FROM = "migration-from"
MIGRATION_TO = "migration-to"
MIGRATION_MOVERS_ONLY = "migration-movers-only"
MIGRATION_ARRIVALS = "migration-arrivals"
MIGRATION_PAIR_MESSAGE = "migration-pair-message"
MIGRATION_SANKEY = "migration-sankey"
MIGRATION_MATRIX = "migration-matrix"
