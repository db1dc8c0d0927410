"""Errors a page shows instead of content are logged too, with their traceback, so whoever runs
the server sees what users see; a choice the page itself refuses (``InputError``) is logged as one
line, since its traceback says nothing the message does not."""

from __future__ import annotations

import logging

log = logging.getLogger("dashboard")


class InputError(ValueError):
    """What the user chose cannot be used, and the message says why (a page's own check)."""


def shown(error: BaseException) -> str:
    """The text of ``error`` for the page, logged first: a mistake in what the user typed
    (ValueError) at INFO — one line for an ``InputError`` — anything else (data unavailable,
    store busy) as a WARNING."""
    if isinstance(error, InputError):
        log.info("shown on a page: %s", error)
    else:
        level = logging.INFO if isinstance(error, ValueError) else logging.WARNING
        log.log(level, "shown on a page: %s", error, exc_info=error)
    return str(error)


def hidden(error: BaseException, where: str) -> None:
    """Log an error a page answers by leaving ``where`` empty (an empty grid, an unchanged
    picker), so it is not lost."""
    log.warning("%s left empty: %s", where, error, exc_info=error)
