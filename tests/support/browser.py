"""Helpers shared by the browser tests (``dash_duo`` in headless Chromium)."""

from __future__ import annotations

from dash.testing.wait import until
from selenium.common.exceptions import ElementClickInterceptedException


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


# Header titles and cell values of an AG Grid whose text does not fit its column (cut off with
# an ellipsis or hidden), and the narrowest displayed column's width in px.
_GRID_FIT_JS = """
const grid = document.getElementById(arguments[0]);
const cut = [];
const cells = grid.querySelectorAll('.ag-header-cell-text, .ag-row:not(.ag-hidden) .ag-cell');
for (const el of cells) {
  const text = el.textContent.trim();
  if (text && el.scrollWidth > el.clientWidth + 1) cut.push(text);
}
const headers = [...grid.querySelectorAll('.ag-header-cell')];
const widths = headers.map(h => h.getBoundingClientRect().width);
return [cut, Math.min(...widths)];
"""


def grid_fit(dash_duo, grid_id: str) -> tuple[list[str], float]:
    """(texts cut off, narrowest column in px) of the AG Grid ``grid_id`` as drawn: a readable grid
    cuts nothing off."""
    cut, narrowest = dash_duo.driver.execute_script(_GRID_FIT_JS, grid_id)
    return cut, narrowest
