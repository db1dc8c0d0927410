"""The dashboard's pages, one subpackage each (layout, callbacks, figures, ids), in menu order."""

from dashboard.pages import board, clv, migration, overview, segments, users

PAGES = (overview.PAGE, segments.PAGE, migration.PAGE, clv.PAGE, board.PAGE, users.PAGE)
