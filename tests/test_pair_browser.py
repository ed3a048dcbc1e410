"""In a real browser: clicking a bar of the Pair timeline opens that bar's events.

Drives Debian's Chromium (never a Playwright-downloaded browser) against `streamlit run`
on the sample lake. The page is opened once and one bar clicked; the tests then check what
that click did.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from dashboard.charts import QUAD_CLASSES
from dashboard.pair_state import period_end

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE = "/pair?a=GEO&b=USA&from=2011-06-01&to=2013-05-31&grain=month"
SCREENSHOT = Path("/tmp/pair_click.png")

# Every bar of the timeline with its data: plotly keeps the calc point (index i) on each
# bar's <g class="point"> and the figure on the .js-plotly-plot element.
BARS_JS = """els => els.map(path => {
  const gd = path.closest('.js-plotly-plot');
  const point = path.closest('.point');
  const trace = point.closest('.trace').__data__[0].trace.index;
  const i = point.__data__.i;
  const box = path.getBoundingClientRect();
  return {trace, x: gd.data[trace].x[i], custom: gd.data[trace].customdata[i], area: box.width * box.height};
})"""
ALL_BARS_JS = """() => document.querySelector('.js-plotly-plot').data
  .filter(t => t.type === 'bar')
  .flatMap(t => t.x.map((x, i) => ({x, custom: t.customdata[i]})))"""


def _need(what: str) -> None:
    if os.environ.get("BILATERAL_CI"):
        pytest.fail(f"{what}; CI must run the browser tests")
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run app.py` on the sample lake; always terminated."""
    if not Path(CHROMIUM).is_file():
        _need(f"{CHROMIUM} is missing (apt-get install chromium)")
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=REPO, env={**os.environ, "BILATERAL_LAKE": str(sample_lake)}, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer /_stcore/health in 90 s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@dataclass(frozen=True)
class Click:
    bar: dict  # the clicked bar: x, customdata [quad, direction, events]
    stack: int  # events of the clicked quad class in that period, both directions, per the chart
    heading: str
    url: str
    caption: str


@pytest.fixture(scope="module")
def clicked(server: str) -> Click:
    """Open the Pair page, click its largest bar, wait for the drill-down, screenshot it."""
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the playwright package is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(server + PAGE)
            paths = page.locator(".js-plotly-plot .barlayer .point path")
            try:
                paths.first.wait_for(timeout=60_000)
            except PlaywrightTimeout:
                errors = page.locator("[data-testid='stException']").all_inner_texts()
                pytest.fail(f"no timeline bars on {PAGE}; page exceptions: {errors or 'none'}")
            bars = paths.evaluate_all(BARS_JS)
            k = max(range(len(bars)), key=lambda n: bars[n]["area"])  # the easiest bar to hit
            target = paths.nth(k)
            target.scroll_into_view_if_needed()
            box = target.bounding_box()
            assert box and box["width"] > 2 and box["height"] > 2, box
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

            heading = page.get_by_role("heading", name=re.compile(r"^Events \d{4}-\d\d-\d\d"))
            heading.wait_for(timeout=60_000)
            page.wait_for_url(re.compile(r"[?&]period="), timeout=30_000)
            caption = page.get_by_text(re.compile(r"raw event rows \(both directions\)"))
            caption.wait_for(timeout=30_000)
            heading.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOT))

            bar = bars[k]
            quad, x = bar["custom"][0], bar["x"][:10]
            stack = sum(b["custom"][2] for b in page.evaluate(ALL_BARS_JS)
                        if b["x"][:10] == x and b["custom"][0] == quad)
            return Click(bar=bar, stack=stack, heading=heading.inner_text(), url=page.url,
                         caption=caption.inner_text())
        finally:
            browser.close()


def test_clicking_a_bar_opens_the_drilldown_of_its_period_and_quad_class(clicked: Click) -> None:
    period = dt.date.fromisoformat(clicked.bar["x"][:10])
    quad_name = QUAD_CLASSES[clicked.bar["custom"][0]][0]
    assert clicked.heading.strip() == f"Events {period:%Y-%m-%d} – {period_end(period, 'month'):%Y-%m-%d} · {quad_name}"


def test_the_url_carries_the_clicked_period(clicked: Click) -> None:
    query = parse_qs(urlparse(clicked.url).query)
    assert query["period"] == [clicked.bar["x"][:10]]
    assert query["quad"] == [str(clicked.bar["custom"][0])]
    assert (query["a"], query["b"], query["grain"]) == (["GEO"], ["USA"], ["month"])


def test_the_drilldown_row_count_matches_the_bars(clicked: Click) -> None:
    """The table lists the clicked quad class in both directions: the bar above the axis plus
    its mirror below it, as counted in the chart's own data."""
    found = re.match(r"([\d,]+) raw event rows", clicked.caption.strip())
    assert found, clicked.caption
    shown = int(found.group(1).replace(",", ""))
    assert shown == clicked.stack
    assert shown >= clicked.bar["custom"][2] > 0
