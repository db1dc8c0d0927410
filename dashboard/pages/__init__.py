"""The dashboard's pages, one subpackage each (layout, callbacks, figures, ids), in menu order."""

from dashboard.pages import (
    board,
    clv,
    daily_list,
    decline,
    migration,
    overview,
    promote,
    segments,
    uplift,
    users,
)

PAGES = (overview.PAGE, segments.PAGE, migration.PAGE, clv.PAGE, board.PAGE, uplift.PAGE,
         daily_list.PAGE, decline.PAGE, promote.PAGE, users.PAGE)
