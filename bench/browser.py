"""Click latency of every page's main interactions in headless Chromium, on a served warehouse.

    python bench/browser.py --scale 1 [--repeats 20] [--db PATH] [--workdir DIR] [--keep]
    python bench/browser.py --db data/actionboard.duckdb --screenshots docs   # the README's images
    python bench/browser.py --db GROCERY.duckdb --screenshots docs --only promote-grocery

Builds a warehouse of the given scale through the real CLI (``app.py demo|ingest|refresh``) unless
``--db`` names one, serves it with ``app.py serve`` (waitress, as users run it) and drives
Chromium (``--headless=new``, 1440 x 1000) through the pages. A latency is the time from the click
(or the key that confirms a pick) to the moment its result shows: the elements the interaction
changes hold their new text (a chart's title, a grid's first row, a card) and no callback is still
running. Each interaction alternates between two states, so every click changes what is shown; it
runs once to warm up and then ``--repeats`` times. The report gives the median, the 95th
percentile and the slowest click per interaction, against the 1 s p95 target of issue 12. Results
for the record go to docs/PERFORMANCE.md. An interaction the warehouse cannot offer (a second
uplift campaign, a stored daily list, an item model on a shop without item lines) is reported as
skipped with the reason, not timed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_S = 1.0
TIMEOUT_S = 60.0
POLL_S = 0.005
WINDOW = (1440, 1000)

# The texts of the watched elements, joined; and whether any callback is still running.
SIGNATURE_JS = """
return arguments[0].map(s => {
  const el = document.querySelector(s);
  return el ? el.textContent : '';
}).join(' | ');
"""
BUSY_JS = "return !!document.querySelector('[data-dash-is-loading=\"true\"]');"
# A page is ready when its layout is in and every chart has drawn.
READY_JS = """
return !!document.querySelector('h2') &&
  [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'));
"""


class Skip(Exception):
    """The page on this warehouse does not offer the interaction; the message says why."""


Trigger = Callable[[], None]  # the click (or pick) itself, timed from its start
Prepare = Callable[[webdriver.Chrome, int], Trigger]


@dataclass(frozen=True)
class Interaction:
    """``prepare(driver, step)`` readies the change on page ``path`` (opens a dropdown, types a
    search, scrolls) and returns the click that makes it (``step`` alternates 0, 1, 0, …);
    ``watched`` are the CSS selectors whose text changes when its result shows. ``setup`` is
    clicked once the page is open (a section the interaction needs); ``reload`` opens the page
    afresh before each click (for a first-time action such as opening a section)."""

    name: str
    path: str
    prepare: Prepare
    watched: tuple[str, ...]
    setup: str | None = None
    reload: bool = False


def _click(selector: str) -> Prepare:
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        return _visible(driver, selector).click
    return prepare


def _alternate(*selectors: str) -> Prepare:
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        return _visible(driver, selectors[step % len(selectors)]).click
    return prepare


def _select(select_id: str, values: tuple[str, str]) -> Prepare:
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        select = Select(_visible(driver, f"#{select_id}"))
        return lambda: select.select_by_value(values[step % 2])
    return prepare


def _select_index(select_id: str) -> Prepare:
    """Pick the second and the first choice of a select in turn (the first is the default; a
    disabled placeholder option does not count)."""
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        select = Select(_visible(driver, f"#{select_id}"))
        values = [o.get_attribute("value") for o in select.options if o.is_enabled()]
        return lambda: select.select_by_value(values[(step + 1) % 2])
    return prepare


def _select_index_or_skip(select_id: str, why: str) -> Prepare:
    """``_select_index`` where the select may offer a single choice (then Skip with ``why``)."""
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        if not driver.find_elements(By.CSS_SELECTOR, f"#{select_id}"):
            raise Skip(why)
        select = Select(_visible(driver, f"#{select_id}"))
        values = [o.get_attribute("value") for o in select.options if o.is_enabled()]
        if len(values) < 2:
            raise Skip(why)
        return lambda: select.select_by_value(values[(step + 1) % 2])
    return prepare


def _type(input_id: str, texts: tuple[str, str], confirm: bool, why: str = "") -> Prepare:
    """Replace an input's text by each of ``texts`` in turn; the change is the typing (and the
    Enter key that confirms a debounced input when ``confirm``). Skip with ``why`` when the page
    has no such input."""
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        if not driver.find_elements(By.CSS_SELECTOR, f"#{input_id}"):
            raise Skip(why or f"no #{input_id} on the page")
        field = _visible(driver, f"#{input_id}")
        field.send_keys(Keys.CONTROL, "a")
        keys = texts[step % 2] + (Keys.ENTER if confirm else "")
        return lambda: field.send_keys(keys)
    return prepare


DAY = ".dash-datepicker-calendar-date-inside"


def _calendar_day(picker_id: str, why: str) -> Prepare:
    """Open a date picker's calendar; the change is the click on the latest or the previous
    selectable day of the month it shows, in turn."""
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        if not driver.find_elements(By.CSS_SELECTOR, f"#{picker_id}"):
            raise Skip(why)
        _visible(driver, f"#{picker_id}").click()
        _wait_until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, DAY))
        days = [cell for cell in driver.find_elements(By.CSS_SELECTOR, DAY)
                if "disabled" not in (cell.get_attribute("class") or "")]
        if len(days) < 2:
            raise Skip(why)
        return days[-1 - (step + 1) % 2].click
    return prepare


def _promote_search() -> Prepare:
    """Search an item of the grocery demo by name, in turn; its audience is the result. Skipped
    where the page says there is no item model (a shop without item lines)."""
    typing = _type("promote-search", PROMOTE_SEARCHES, confirm=False)

    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        if "no item propensity model" in driver.find_element(By.ID, "promote-audience").text:
            raise Skip("no item propensity model (the RetailRocket demo has no item lines)")
        return typing(driver, step)
    return prepare


def _set_role(user: str) -> Prepare:
    """Give ``user`` the analyst and the viewer role in turn (Users page: pick, role, Set)."""
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        Select(_visible(driver, "#users-pick")).select_by_value(user)
        Select(_visible(driver, "#users-pick-role")).select_by_value(
            ("analyst", "viewer")[step % 2])
        return _visible(driver, "#users-set-role").click
    return prepare


def _dropdown(dropdown_id: str, labels: tuple[str, str]) -> Prepare:
    """Open a dcc.Dropdown, search a segment's name; the pick is the option's click."""
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        _visible(driver, f"#{dropdown_id}").click()
        driver.find_element(By.CSS_SELECTOR, ".dash-dropdown-search").send_keys(labels[step % 2])
        wanted = labels[step % 2] + " ("
        for option in driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"):
            if option.text.startswith(wanted):
                driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'});", option)
                return option.click
        raise RuntimeError(f"no option {wanted!r} in #{dropdown_id}")
    return prepare


# The surface of the treemap sector whose first label line is arguments[0].
SECTOR_JS = """
for (const sector of document.querySelectorAll('#segments-treemap g.slice')) {
  const line = sector.querySelector('text.slicetext tspan.line');
  if (line && line.textContent === arguments[0]) return sector.querySelector('path.surface');
}
return null;
"""


def _treemap(labels: tuple[str, str]) -> Prepare:
    """Click a treemap sector by its label."""
    def prepare(driver: webdriver.Chrome, step: int) -> Trigger:
        def click() -> None:
            for _ in range(20):  # Plotly redraws the treemap when the page below it grows
                surface = driver.execute_script(SECTOR_JS, labels[step % 2])
                if surface is None:
                    raise RuntimeError(f"no treemap sector labelled {labels[step % 2]!r}")
                try:
                    webdriver.ActionChains(driver).move_to_element(surface).click().perform()
                    return
                except StaleElementReferenceException:
                    time.sleep(0.05)
            raise RuntimeError("the treemap kept being redrawn")
        _visible(driver, "#segments-treemap")
        return click
    return prepare


def _visible(driver: webdriver.Chrome, selector: str):
    element = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    return element


CLUSTERS_BUTTON = "#segments-cluster-accordion .accordion-button"


PROMOTE_SEARCHES = ("grapes", "bananas")  # two items of the grocery demo's catalogue


def interactions(segments: tuple[str, str], visitor_segment: str) -> list[Interaction]:
    """Every page's main interactions; ``segments`` are two buyer segments to click in the
    treemap, ``visitor_segment`` the largest segment of visitors who never bought."""
    grid_first_row = "#segments-grid .ag-center-cols-container .ag-row[row-index='0']"
    return [
        Interaction("overview: granularity", "/",
                    _alternate("#overview-granularity input[value='week']",
                               "#overview-granularity input[value='day']"),
                    ("#overview-gmv-chart .gtitle", "#overview-trends-chart .gtitle")),
        Interaction("overview: quick range", "/",
                    _alternate("#overview-quick-90", "#overview-quick-7"),
                    ("#overview-period-label", "#overview-kpi-gmv-value",
                     "#overview-trends-chart .xtick")),
        Interaction("overview: trends items", "/",
                    _alternate("#overview-trends-dimension input[value='item']",
                               "#overview-trends-dimension input[value='category']"),
                    ("#overview-trends-chart .gtitle",)),
        Interaction("segments: treemap view", "/segments",
                    _alternate("#segments-view input[value='visitors']",
                               "#segments-view input[value='buyers']"),
                    ("#segments-treemap .gtitle",)),
        Interaction("segments: treemap click", "/segments", _treemap(segments),
                    ("#segments-profile-name", "#segments-profile-scores .gtitle",
                     grid_first_row)),
        Interaction("segments: picker", "/segments",
                    _dropdown("segments-picker", (visitor_segment, segments[0])),
                    ("#segments-profile-name", "#segments-grid-caption", grid_first_row)),
        Interaction("segments: open clusters", "/segments", _click(CLUSTERS_BUTTON),
                    ("#segments-cluster-scatter .gtitle", "#segments-cluster-silhouette .gtitle"),
                    reload=True),
        Interaction("segments: cluster axis", "/segments",
                    _select("segments-cluster-x", ("recency_days", "monetary_amount")),
                    ("#segments-cluster-scatter .gtitle",), setup=CLUSTERS_BUTTON),
        Interaction("migration: scope", "/migration",
                    _alternate("#migration-scope input[value='all']",
                               "#migration-scope input[value='rfm']"),
                    ("#migration-sizes-chart .gtitle-subtitle",
                     "#migration-sankey .gtitle-subtitle", "#migration-matrix .gtitle-subtitle")),
        Interaction("migration: from snapshot", "/migration", _select_index("migration-from"),
                    ("#migration-sankey .gtitle", "#migration-matrix .gtitle")),
        Interaction("migration: movers only", "/migration",
                    _click("#migration-movers-only"),
                    ("#migration-sankey .gtitle-subtitle", "#migration-matrix .gtitle-subtitle")),
        Interaction("clv: top customers", "/clv", _select("clv-top-limit", ("500", "20")),
                    ("#clv-top-message",)),
        Interaction("board: selected rule", "/board", _select_index("board-rule-select"),
                    ("#board-design-baseline",)),
        Interaction("uplift: campaign", "/uplift",
                    _select_index_or_skip("uplift-campaign", "fewer than two campaigns with a "
                                                             "learnt uplift model"),
                    ("#uplift-summary", "#uplift-qini .gtitle", "#uplift-economics")),
        Interaction("uplift: contact share", "/uplift",
                    _type("uplift-top", ("20", "30"), confirm=False,
                          why="no campaign with a learnt uplift model"),
                    ("#uplift-economics",)),
        Interaction("daily list: report type", "/daily-list",
                    _alternate("#daily_list-type input[value='pva']",
                               "#daily_list-type input[value='prediction']"),
                    ("#daily_list-summary",)),
        Interaction("daily list: date", "/daily-list",
                    _calendar_day("daily_list-date", "fewer than two stored daily lists in the "
                                                     "month shown"),
                    ("#daily_list-summary",)),
        Interaction("decline: search", "/decline",
                    _type("decline-search", ("1", "2"), confirm=True,
                          why="no decline run published"),
                    ("#decline-customer", "#decline-search-message", "#decline-reasons")),
        Interaction("decline: explanation", "/decline",
                    _select_index_or_skip("decline-customer", "no decline run published"),
                    ("#decline-customer-facts", "#decline-reasons",
                     "#decline-waterfall .gtitle")),
        Interaction("promote: search to audience", "/promote", _promote_search(),
                    ("#promote-item", "#promote-audience")),
        Interaction("users: set a role", "/users", _set_role(BENCH_OTHER_USER),
                    ("#users-table", "#users-message")),
        Interaction("navigation: to segments", "/",
                    _alternate("#app-navbar a[href='/segments']", "#app-navbar a[href='/']"),
                    ("h2", "#segments-treemap .gtitle", "#overview-gmv-chart .gtitle")),
    ]


SCREENSHOTS = {  # file in docs/ → page (the README shows them)
    "overview.png": "/",
    "segments.png": "/segments?segment=Champions",
    "migration.png": "/migration",
    "clv.png": "/clv",
    "board.png": "/board",
    "uplift.png": "/uplift",
    "daily-list.png": "/daily-list",
    "decline.png": "/decline",
    "promote.png": "/promote",
    "users.png": "/users",
    "promote-grocery.png": "/promote",
}
# Written only when --only names them (they need another shop): what to type first, in which
# input, and the element whose text then changes.
SCREENSHOT_TYPING = {"promote-grocery.png": ("promote-search", "grapes", "promote-audience")}
SCREENSHOT_WINDOW = WINDOW


def screenshots(driver: webdriver.Chrome, base: str, folder: Path, only: str = "") -> None:
    """The top of every page (whose file name has ``only``) as the README shows it, once every
    chart has drawn, in a viewport of ``SCREENSHOT_WINDOW``."""
    width, height = SCREENSHOT_WINDOW  # the page's viewport, whatever the window adds
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def settled() -> bool:
        return driver.execute_script(READY_JS) and not driver.execute_script(BUSY_JS)

    for name, path in SCREENSHOTS.items():
        if only not in name or (name in SCREENSHOT_TYPING and not only):
            continue
        driver.get(base + path)
        _wait_until(driver, settled)
        if name in SCREENSHOT_TYPING:
            field, text, changed = SCREENSHOT_TYPING[name]
            before = driver.execute_script(SIGNATURE_JS, [f"#{changed}"])
            driver.find_element(By.ID, field).send_keys(text)
            _wait_until(driver, lambda changed=changed, before=before: settled() and
                        driver.execute_script(SIGNATURE_JS, [f"#{changed}"]) != before)
        time.sleep(1.0)  # Plotly's transitions
        driver.save_screenshot(str(folder / name))
        print(f"wrote {folder / name}")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def measure(driver: webdriver.Chrome, base: str, action: Interaction, repeats: int) -> list[float]:
    """Seconds from each change to its result on screen (after one warm-up run)."""
    watched = list(action.watched)
    times = []
    for step in range(repeats + 1):
        if step == 0 or action.reload:
            _open(driver, base + action.path, action.setup)
        before = driver.execute_script(SIGNATURE_JS, watched)

        def shown(before: str = before) -> bool:
            return (driver.execute_script(SIGNATURE_JS, watched) != before
                    and not driver.execute_script(BUSY_JS))

        trigger = action.prepare(driver, step)
        started = time.perf_counter()
        trigger()
        _wait_until(driver, shown)
        if step:  # the first run warms caches up
            times.append(time.perf_counter() - started)
    return times


def _open(driver: webdriver.Chrome, url: str, setup: str | None) -> None:
    """Open ``url``, click ``setup`` if given, and wait until the page has settled."""
    driver.get(url)

    def settled() -> bool:
        return driver.execute_script(READY_JS) and not driver.execute_script(BUSY_JS)

    _wait_until(driver, settled)
    if setup:
        _visible(driver, setup).click()
        time.sleep(0.2)
        _wait_until(driver, settled)


def _wait_until(driver: webdriver.Chrome, done: Callable[[], object]) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no result within {TIMEOUT_S:.0f} s on {driver.current_url}")
        time.sleep(POLL_S)


def chromium() -> webdriver.Chrome:
    """Headless Chromium as the browser tests drive it (Debian's chromium and chromedriver)."""
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    binary = shutil.which("chromium")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver")
    service = Service(driver_path) if driver_path else None
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_window_size(*WINDOW)
    return driver


BENCH_USER = "browser-bench"
BENCH_OTHER_USER = "browser-bench-viewer"  # whose role the Users interaction changes


def bench_password(db: Path) -> str:
    """A fresh password for the bench's administrator (added if missing; the Users page is for
    administrators, the board's launch controls for campaign owners and above), set through the
    command side; and the user whose role the bench changes."""
    sys.path.insert(0, str(ROOT))
    from warehouse import commands

    password = commands.generate_password()
    existing = {user.name for user in commands.list_users(db)}
    if BENCH_USER in existing:
        commands.set_password(db, BENCH_USER, password, user="cli")
        commands.set_role(db, BENCH_USER, commands.ADMIN, user="cli")
    else:
        commands.add_user(db, BENCH_USER, commands.ADMIN, password, user="cli")
    if BENCH_OTHER_USER not in existing:
        commands.add_user(db, BENCH_OTHER_USER, commands.VIEWER, commands.generate_password(),
                          user="cli")
    return password


def sign_in(driver: webdriver.Chrome, base: str, password: str) -> None:
    """Sign in through the dashboard's sign-in page; the session cookie serves every page."""
    driver.get(base + "/login")
    _wait_until(driver, lambda: driver.find_elements(By.ID, "login-name"))
    driver.find_element(By.ID, "login-name").send_keys(BENCH_USER)
    driver.find_element(By.ID, "login-password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    _wait_until(driver, lambda: driver.find_elements(By.ID, "app-user"))


def build_warehouse(scale: float, seed: int, workdir: Path) -> Path:
    """Generate, ingest and refresh a demo shop of ``scale`` through the CLI."""
    raw, db = workdir / "raw", workdir / "browser.duckdb"
    for args in (["demo", "--out", str(raw), "--scale", str(scale), "--seed", str(seed)],
                 ["ingest", str(raw), "--db", str(db)], ["refresh", "--db", str(db)]):
        done = subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"app.py {args[0]} failed:\n{done.stderr[-2000:]}")
    return db


def serve(db: Path) -> tuple[subprocess.Popen, str]:
    """``app.py serve`` on a free port; returns the process and its base URL once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--log-level", "WARNING", "serve", "--db", str(db),
         "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.perf_counter() + TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2):
                return server, base
        except OSError:
            if time.perf_counter() > deadline or server.poll() is not None:
                server.terminate()
                raise SystemExit("the dashboard did not start") from None
            time.sleep(0.2)


def segment_choices(db: Path) -> tuple[tuple[str, str], str]:
    """The two largest buyer segments and the largest visitors' segment of the warehouse."""
    sys.path.insert(0, str(ROOT))
    from warehouse.queries.segments import segment_overview
    from warehouse.snapshots import SnapshotReader

    overview = segment_overview(SnapshotReader(db).cursor())
    buyers = overview[overview["segment_kind"] == "rfm"].nlargest(2, "customers")["segment"]
    visitors = overview[overview["segment_kind"] == "behavioural"].nlargest(1, "customers")
    return (buyers.iloc[0], buyers.iloc[1]), visitors["segment"].iloc[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=20, help="timed clicks per interaction")
    parser.add_argument("--db", type=Path, default=None, help="an existing refreshed warehouse")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--only", default="", help="run the interactions whose name has this")
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="write a screenshot of every page to this folder instead")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="actionboard-browser-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = args.db or build_warehouse(args.scale, args.seed, workdir)
    segments, visitors = segment_choices(db)
    password = bench_password(db)
    server, base = serve(db)
    driver = chromium()
    try:
        sign_in(driver, base, password)
        if args.screenshots:
            screenshots(driver, base, args.screenshots, args.only)
            return
        built = f"a scale-{args.scale} demo" if args.db is None else str(db)
        print(f"\n{built} on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}), "
              f"{args.repeats} clicks each, Chromium {WINDOW[0]} x {WINDOW[1]}")
        print(f"{'interaction':<28} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  within 1 s p95")
        for action in interactions(segments, visitors):
            if args.only not in action.name:
                continue
            try:
                times = np.array(measure(driver, base, action, args.repeats)) * 1000
            except Skip as skipped:
                print(f"{action.name:<28} skipped: {skipped}")
                continue
            except (RuntimeError, TimeoutError, WebDriverException) as error:  # the rest runs
                print(f"{action.name:<28} FAILED: {str(error).splitlines()[0]}")
                continue
            p95 = float(np.percentile(times, 95))
            verdict = "yes" if p95 <= TARGET_P95_S * 1000 else "NO"
            print(f"{action.name:<28} {np.median(times):>7.0f} {p95:>7.0f} {times.max():>7.0f}"
                  f"  {verdict}")
    finally:
        driver.quit()
        server.terminate()
        server.wait()
        if not args.keep and args.db is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
