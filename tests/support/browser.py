"""Helpers shared by the browser tests (``dash_duo`` in headless Chromium)."""

from __future__ import annotations

from pathlib import Path

from dash.testing.wait import until
from selenium.common.exceptions import ElementClickInterceptedException

from tests.support.signed_in import add_team, sign_in_browser


def browser_errors(dash_duo) -> list[dict]:
    """Every error the page logged in Chromium's console: failed requests and script errors.

    The dashboard loads nothing from the internet (the theme is served from assets/), so even a
    failed network request is a real error.
    """
    return dash_duo.get_logs()


def centre(dash_duo, selector: str):
    """Scroll an element to the middle of the window at once and return it. Instantly:
    Bootstrap makes scrolling smooth, and a click while the page still glides lands on whatever
    is under the pointer then."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    return element


def click(dash_duo, selector: str, timeout: float = 20) -> None:
    """Click an element once it is in view and nothing covers it (charts and tables above it
    may still be growing)."""

    def clicked() -> bool:
        try:
            centre(dash_duo, selector).click()
        except ElementClickInterceptedException:
            return False
        return True

    until(clicked, timeout=timeout)


def pattern_id(kind: str, index: int = 0) -> str:
    """CSS selector of a pattern-matching component ``{"type": kind, "index": index}`` (Dash
    writes such ids as JSON with sorted keys)."""
    return f"""[id='{{"index":{index},"type":"{kind}"}}']"""


def start_signed_in(dash_duo, app, db: Path, role: str = "viewer", path: str = "/") -> None:
    """Serve ``app`` (reading warehouse ``db``), give its store one user per role, and sign in
    as ``role`` through the real sign-in page, which then opens ``path``."""
    add_team(db)
    dash_duo.start_server(app, navigate=False)  # its first page is the sign-in page
    sign_in_browser(dash_duo, role, path=path)
