"""Helpers shared by the browser tests (``dash_duo`` in headless Chromium)."""

from __future__ import annotations

import csv
from pathlib import Path

from dash.testing.wait import until
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
)

from tests.support.signed_in import add_team, sign_in_browser


def browser_errors(dash_duo) -> list[dict]:
    """Every error the page logged in Chromium's console: failed requests and script errors.

    The dashboard loads nothing from the internet (the theme is served from assets/), so even a
    failed network request is a real error.
    """
    return dash_duo.get_logs()


def downloaded_csv(folder: Path, name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of the CSV file ``name`` once the browser has saved it in ``folder``; its header
    must be ``columns``."""
    path = folder / name
    until(lambda: path.exists() and path.stat().st_size > 0, timeout=20)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert reader.fieldnames == list(columns)
    return rows


def centre(dash_duo, selector: str):
    """Scroll an element to the middle of the window at once and return it. Instantly:
    Bootstrap makes scrolling smooth, and a click while the page still glides lands on whatever
    is under the pointer then."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    return element


def wait_for_text_in_view(dash_duo, selector: str, text: str, timeout: float = 20) -> None:
    """Wait until ``text`` shows in an element the user has scrolled to. A grid below the fold
    renders its rows only once in view, and after a reload the page may open anywhere."""

    def shown() -> bool:
        try:
            return text in centre(dash_duo, selector).text
        except StaleElementReferenceException:  # redrawn between finding and reading it
            return False

    until(shown, timeout=timeout, msg=f"{text!r} not shown in {selector} within {timeout} s")


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


# WCAG 2.1 contrast of every visible HTML text against the background it is drawn on (alpha
# blended through the ancestors), skipping disabled controls (exempt) and chart SVG text.
_CONTRAST_JS = r"""
const minimum = arguments[0];
function parse(css) {
  const m = css.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(',').map(parseFloat);
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
}
function blend(top, bottom) {  // top drawn over bottom
  const a = top.a + bottom.a * (1 - top.a);
  const mix = k => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
  return {r: mix('r'), g: mix('g'), b: mix('b'), a: a};
}
function background(el) {
  const layers = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
  }
  let bg = {r: 255, g: 255, b: 255, a: 1};
  for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
  return bg;
}
function luminance(c) {
  const f = v => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}
const failures = [], seen = new Set();
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const el = walker.currentNode.parentElement;
  if (!walker.currentNode.textContent.trim() || !el || seen.has(el) || el.closest('svg')) continue;
  seen.add(el);
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  if (style.visibility === 'hidden' || !box.width || !box.height) continue;
  if (el.closest('button:disabled, .disabled, [aria-disabled=true], input:disabled')) continue;
  let opacity = 1;
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    opacity *= parseFloat(getComputedStyle(n).opacity);
  }
  const fg = parse(style.color), bg = background(el);
  const text = blend({r: fg.r, g: fg.g, b: fg.b, a: fg.a * opacity}, bg);
  const [hi, lo] = [luminance(text), luminance(bg)].sort((x, y) => y - x);
  const ratio = (hi + 0.05) / (lo + 0.05);
  if (ratio < minimum) {
    failures.push({text: el.textContent.trim().slice(0, 60), ratio: Math.round(ratio * 100) / 100,
                   color: style.color});
  }
}
return failures;
"""

# Chart titles and notes that run past their chart's edge or under its toolbar.
_TITLE_JS = """
const out = [];
for (const plot of document.querySelectorAll('.js-plotly-plot')) {
  const svg = plot.querySelector('.main-svg');
  if (!svg) continue;
  const box = svg.getBoundingClientRect();
  const bar = plot.querySelector('.modebar-container');
  const tool = bar ? bar.getBoundingClientRect() : null;
  for (const title of plot.querySelectorAll('.gtitle, .gtitle-subtitle')) {
    const r = title.getBoundingClientRect();
    if (!r.width || !title.textContent.trim()) continue;
    if (r.right > box.right + 1 || r.left < box.left - 1 || r.top < box.top - 1) {
      out.push('clipped: ' + plot.id + ': ' + title.textContent);
    }
    if (tool && tool.width && r.left < tool.right && r.right > tool.left && r.top < tool.bottom
        && r.bottom > tool.top) {
      out.push('under the toolbar: ' + plot.id + ': ' + title.textContent);
    }
  }
}
return out;
"""


def low_contrast_texts(dash_duo, minimum: float = 4.5) -> list[dict]:
    """Visible texts whose contrast with their background is below ``minimum`` (WCAG AA: 4.5)."""
    return dash_duo.driver.execute_script(_CONTRAST_JS, minimum)


def misplaced_chart_titles(dash_duo) -> list[str]:
    """Chart titles or notes clipped at their chart's edge or drawn under its toolbar."""
    return dash_duo.driver.execute_script(_TITLE_JS)


_NAVBAR_JS = """
const items = [...document.querySelectorAll('#app-navbar .navbar-brand, #app-navbar .nav-item')]
  .filter(e => e.offsetParent);
const lines = e => { const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT), tops = [];
  while (walker.nextNode()) { const range = document.createRange();
    range.selectNodeContents(walker.currentNode);
    for (const r of range.getClientRects()) if (r.width > 0) tops.push(Math.round(r.top)); }
  return new Set(tops).size; };
const first = Math.min(...items.map(e => e.getBoundingClientRect().top));
return items.filter(e => lines(e) > 1 || e.getBoundingClientRect().top > first + 20)
  .map(e => e.textContent);
"""


def navbar_misfits(dash_duo) -> list[str]:
    """The navigation bar's items that do not fit on its one row: a label broken over two
    lines, or an item pushed to a second row."""
    return dash_duo.driver.execute_script(_NAVBAR_JS)


def settled(dash_duo) -> bool:
    """No callback is running and every chart has drawn."""
    return dash_duo.driver.execute_script(
        "return !document.querySelector('[data-dash-is-loading=\"true\"]') && "
        "[...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))"
    )
