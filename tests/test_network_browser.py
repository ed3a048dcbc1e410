"""In a real browser: clicking a country on the Network graph focuses it, clicking a pair's
midpoint opens the Pair page for that pair.

Drives Debian's Chromium (never a Playwright-downloaded browser) against `streamlit run` on
the sample lake. Each click is made on the most isolated marker of its kind, so Plotly's
"closest point" cannot pick a neighbour. Screenshots: /tmp/net_click_*.png.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    streamlit_server,
    sync_playwright,
)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
PAGE = "/network?from=2012-01-01&to=2012-12-31"
VIEWPORT = {"width": 1400, "height": 1400}  # the whole graph on screen

# The most isolated marker of a kind ("node" or "edge") on the first chart, with its customdata:
# plotly keeps the point index on each marker's <path class="point"> and the figure on the
# .js-plotly-plot element. Isolation is the distance to the nearest other marker, in pixels.
MARKER_JS = """kind => {
  const gd = document.querySelector('.js-plotly-plot');
  const markers = [...gd.querySelectorAll('.scatterlayer .trace .point')].map(p => {
    const trace = p.closest('.trace').__data__[0].trace.index;
    const box = p.getBoundingClientRect();
    return {custom: gd.data[trace].customdata[p.__data__.i], x: box.x + box.width / 2, y: box.y + box.height / 2};
  });
  const onScreen = m => m.x > 0 && m.y > 0 && m.x < innerWidth && m.y < innerHeight - 10;
  const isolation = m => Math.min(...markers.filter(o => o !== m).map(o => Math.hypot(o.x - m.x, o.y - m.y)));
  const mine = markers.filter(m => m.custom && m.custom[0] === kind && onScreen(m))
                      .map(m => ({...m, isolation: isolation(m)}));
  mine.sort((a, b) => b.isolation - a.isolation);
  return mine[0] || null;
}"""


@pytest.fixture(scope="module")
def server(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run app.py` on the sample lake; always terminated."""
    with streamlit_server(sample_lake, tmp_path_factory.mktemp("streamlit")) as base:
        yield base


@pytest.fixture(scope="module")
def browser(server: str):
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def _open_network(browser, server: str):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(server + PAGE)
    page.locator(".js-plotly-plot .scatterlayer .trace .point").first.wait_for(timeout=60_000)
    # Until the run is over the sidebar may still hold app.py's blank Plotly warm-up chart, the
    # document's first .js-plotly-plot (MARKER_JS reads the first).
    page.locator(IDLE).wait_for(timeout=60_000)
    page.wait_for_timeout(500)  # let plotly finish its first draw
    return page


def _click(page, kind: str) -> dict:
    marker = page.evaluate(MARKER_JS, kind)
    assert marker, f"no {kind} marker on screen"
    assert marker["isolation"] > 20, marker  # nothing else within plotly's hover distance
    page.mouse.move(marker["x"], marker["y"])
    page.mouse.click(marker["x"], marker["y"])
    return marker


def _wait_for(page, condition: str, seconds: float) -> bool:
    """Poll a JS condition on the live document (Streamlit changes the URL with pushState)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(condition):
            return True
        page.wait_for_timeout(200)
    return False


@dataclass(frozen=True)
class NodeClick:
    code: str
    url: str
    country_box: str  # the "One country" tab's picker
    ego_caption: str
    plots: int


@pytest.fixture(scope="module")
def node_click(browser, server: str) -> NodeClick:
    """Open the Network page, click its most isolated country, open the "One country" tab."""
    page = _open_network(browser, server)
    try:
        code = _click(page, "node")["custom"][1]
        assert _wait_for(page, f"location.search.includes('focus={code}')", 30), page.evaluate("location.href")
        page.get_by_role("tab", name="One country").click()
        caption = page.get_by_text("2-hop neighbourhood of")
        caption.wait_for(timeout=30_000)
        page.locator(".st-key-net_partners .js-plotly-plot").wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        page.screenshot(path="/tmp/net_click_node.png")
        return NodeClick(code=code, url=page.evaluate("location.href"),
                         country_box=page.locator(".st-key-net_focus input").input_value(),
                         ego_caption=caption.inner_text(), plots=page.locator(".js-plotly-plot").count())
    finally:
        page.close()


def test_clicking_a_node_puts_its_code_in_the_url(node_click: NodeClick) -> None:
    query = parse_qs(urlparse(node_click.url).query)
    assert urlparse(node_click.url).path.endswith("/network")
    assert query["focus"] == [node_click.code]
    assert (query["from"], query["to"]) == (["2012-01-01"], ["2012-12-31"])


def test_one_country_tab_shows_the_clicked_country(node_click: NodeClick) -> None:
    assert f"({node_click.code})" in node_click.country_box
    assert node_click.plots == 3  # the network, the partners bar and the 2-hop view


def test_ego_view_is_of_the_clicked_country(node_click: NodeClick) -> None:
    from dashboard.countries import names_of

    assert node_click.ego_caption.startswith(f"2-hop neighbourhood of {names_of(node_click.code)['en']}:")


@dataclass(frozen=True)
class EdgeClick:
    pair: tuple[str, str]
    url: str
    a_box: str  # the Pair page's pickers
    b_box: str


@pytest.fixture(scope="module")
def edge_click(browser, server: str) -> EdgeClick:
    """Open the Network page and click its most isolated pair midpoint."""
    page = _open_network(browser, server)
    try:
        _, a, b = _click(page, "edge")["custom"]
        assert _wait_for(page, "location.pathname.endsWith('/pair')", 30), page.evaluate("location.href")
        page.get_by_text("Events (raw rows)").wait_for(timeout=30_000)
        for key, code in (("pair_a", a), ("pair_b", b)):  # wait for the pickers; asserted in the tests
            _wait_for(page, f"document.querySelector('.st-key-{key} input')?.value.includes('({code})')", 30)
        page.wait_for_timeout(500)
        page.screenshot(path="/tmp/net_click_edge.png")
        return EdgeClick(pair=(a, b), url=page.evaluate("location.href"),
                         a_box=page.locator(".st-key-pair_a input").input_value(),
                         b_box=page.locator(".st-key-pair_b input").input_value())
    finally:
        page.close()


def test_clicking_an_edge_midpoint_opens_the_pair_url(edge_click: EdgeClick) -> None:
    query = parse_qs(urlparse(edge_click.url).query)
    assert urlparse(edge_click.url).path.endswith("/pair")
    assert (query["a"], query["b"]) == ([edge_click.pair[0]], [edge_click.pair[1]])
    assert (query["from"], query["to"]) == (["2012-01-01"], ["2012-12-31"])


def test_pair_page_shows_the_clicked_pair(edge_click: EdgeClick) -> None:
    a, b = edge_click.pair
    assert f"({a})" in edge_click.a_box and f"({b})" in edge_click.b_box


def test_a_pair_opens_with_one_click_after_a_country_was_clicked(browser, server: str) -> None:
    page = _open_network(browser, server)
    try:
        code = _click(page, "node")["custom"][1]
        assert _wait_for(page, f"location.search.includes('focus={code}')", 30)
        page.wait_for_timeout(1000)
        _, a, b = _click(page, "edge")["custom"]
        opened = _wait_for(page, "location.pathname.endsWith('/pair')", 10)
        page.screenshot(path="/tmp/net_click_after_node.png")
        assert opened, f"one click on the {a}-{b} midpoint did not open the pair: {page.evaluate('location.href')}"
    finally:
        page.close()
