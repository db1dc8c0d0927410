"""Helpers shared by the browser tests."""

from __future__ import annotations


def browser_errors(dash_duo) -> list[dict]:
    """Every error the page logged in Chromium's console: failed requests and script errors.

    The dashboard loads nothing from the internet (the theme is served from assets/), so even a
    failed network request is a real error.
    """
    return dash_duo.get_logs()
