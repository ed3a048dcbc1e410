"""The brief as one standalone HTML file: complete, with its charts, its source links, nothing
loaded from anywhere, and every text from the data escaped. Built the way the Brief page
builds it, from real query results on the sample lake."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from dashboard import charts, spikes
from dashboard.brief_html import Brief, to_html
from dashboard.pair_state import auto_grain
from lake import connection as lakes
from queries.runner import run
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium, sync_playwright

GENERATED = dt.datetime(2025, 12, 3, 9, 30, tzinfo=dt.UTC)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Attributes that make a browser fetch something when the element is parsed or shown.
LOADING = {("script", "src"), ("link", "href"), ("img", "src"), ("img", "srcset"), ("iframe", "src"),
           ("frame", "src"), ("embed", "src"), ("object", "data"), ("source", "src"), ("video", "src"),
           ("video", "poster"), ("audio", "src"), ("track", "src"), ("input", "src"), ("image", "href"),
           ("use", "href"), ("image", "xlink:href"), ("use", "xlink:href")}


def build_brief(con, a: str, b: str, start: dt.date, end: dt.date) -> Brief:
    """dashboard/pages/brief.py without Streamlit: the same queries, charts and sentences."""
    names = run(con, "countries").set_index("code")["name"].to_dict()
    grain = auto_grain(start, end)
    length = end - start
    now = run(con, "pair_summary", {"a": a, "b": b, "start": start, "end": end}).iloc[0]
    before = run(con, "pair_summary", {"a": a, "b": b, "start": start - length - dt.timedelta(days=1),
                                       "end": start - dt.timedelta(days=1)}).iloc[0]
    activity = run(con, "pair_activity", {"a": a, "b": b, "start": start, "end": end, "grain": grain})
    per_period = spikes.per_period(activity, start, end, grain)
    flagged = spikes.find_spikes(per_period)
    sentences = [
        (f"{s.period:%Y-%m-%d} ({grain}): {s.events:,} events against a usual {s.baseline:.0f}"
         if s.kind == "volume" else
         f"{s.period:%Y-%m-%d} ({grain}): conflict share {s.conflict_share:.0%} against a usual {s.baseline_share:.0%}")
        for s in flagged.head(5).itertuples()
    ]
    return Brief(
        name_a=names.get(a, a), name_b=names.get(b, b), start=start, end=end, now=now, before=before,
        trend=charts.sparkline(per_period), mix=charts.quad_mix(activity), spikes=sentences,
        top_events=run(con, "pair_top_events", {"a": a, "b": b, "start": start, "end": end, "limit": 5}),
        snapshot=lakes.current_snapshot(con),
    )


class Document(HTMLParser):
    """Everything the tests look at, from the stdlib parser."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[str] = []
        self.unclosed: list[str] = []  # stack of open non-void elements
        self.mismatched: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.decl: list[str] = []
        self.text_parts: list[str] = []
        self._in: list[str] = []
        self._anchor: str | None = None
        self._anchor_text: list[str] = []
        self.feed(text)
        self.close()

    def handle_decl(self, decl: str) -> None:
        self.decl.append(decl)

    def handle_starttag(self, tag: str, attrs) -> None:
        self.starts.append(tag)
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))
        if tag not in VOID:
            self.unclosed.append(tag)
            self._in.append(tag)
        if tag == "a":
            self._anchor, self._anchor_text = dict(attrs).get("href"), []

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.starts.append(tag)
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.unclosed and self.unclosed[-1] == tag:
            self.unclosed.pop()
            self._in.pop()
        else:
            self.mismatched.append(tag)
        if tag == "a" and self._anchor is not None:
            self.anchors.append((self._anchor, "".join(self._anchor_text)))
            self._anchor = None

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "script":
            self.scripts.append(data)
        elif where == "style":
            self.styles.append(data)
        else:
            self.text_parts.append(data)
            if self._anchor is not None:
                self._anchor_text.append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


@pytest.fixture(scope="module")
def georgia_usa(sample_lake: Path) -> tuple[Brief, str]:
    con = lakes.connect(sample_lake)
    try:
        brief = build_brief(con, "GEO", "USA", dt.date(2012, 1, 1), dt.date(2012, 12, 31))
    finally:
        con.close()
    return brief, to_html(brief, GENERATED)


@pytest.fixture(scope="module")
def china_usa(sample_lake: Path) -> tuple[Brief, str]:
    con = lakes.connect(sample_lake)
    try:
        brief = build_brief(con, "CHN", "USA", dt.date(2018, 3, 1), dt.date(2018, 3, 31))
    finally:
        con.close()
    return brief, to_html(brief, GENERATED)


def test_is_one_complete_html_document(georgia_usa) -> None:
    _, text = georgia_usa
    doc = Document(text)
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert text.rstrip().endswith("</html>")
    assert [d.lower() for d in doc.decl] == ["doctype html"]
    assert [doc.starts.count(t) for t in ("html", "head", "body", "title")] == [1, 1, 1, 1]
    assert doc.starts[:2] == ["html", "head"]
    assert not doc.unclosed and not doc.mismatched, (doc.unclosed, doc.mismatched)


def test_declares_utf8_and_names_the_pair(georgia_usa) -> None:
    brief, text = georgia_usa
    doc = Document(text)
    assert ("meta", "charset", "utf-8") in doc.attrs
    assert "Brief: Georgia – United States, 2012-01-01 to 2012-12-31" in doc.text
    assert f"data snapshot {brief.snapshot}" in doc.text


def test_headline_numbers_are_the_query_results(georgia_usa, sample_con) -> None:
    _, text = georgia_usa
    expected = run(sample_con, "pair_summary", {"a": "GEO", "b": "USA", "start": "2012-01-01", "end": "2012-12-31"})
    events = int(expected.iloc[0]["events"])
    assert events > 0
    assert re.search(rf'<div class="label">Events</div><div class="value">{events:,}</div>', text)


def test_plotly_bundle_is_inline_exactly_once(georgia_usa) -> None:
    _, text = georgia_usa
    doc = Document(text)
    bundles = [s for s in doc.scripts if len(s) > 1_000_000]
    assert len(bundles) == 1
    assert len(re.findall(r"plotly\.js v\d+\.\d+\.\d+", text)) == 1  # the bundle's licence banner


def test_both_figures_are_plot_divs(georgia_usa) -> None:
    _, text = georgia_usa
    doc = Document(text)
    plots = [value for tag, name, value in doc.attrs if tag == "div" and name == "class"
             and "plotly-graph-div" in value.split()]
    assert len(plots) == 2
    assert len([s for s in doc.scripts if "Plotly.newPlot" in s]) == 2


def test_top_events_source_links_are_anchors(china_usa) -> None:
    brief, text = china_usa
    urls = [u for u in brief.top_events["source_url"] if isinstance(u, str) and u.startswith("http")]
    assert len(urls) == len(brief.top_events) == 5
    hrefs = [href for href, _ in Document(text).anchors]
    assert hrefs == urls


def test_events_without_a_url_have_no_anchor(georgia_usa) -> None:
    brief, text = georgia_usa
    assert brief.top_events["source_url"].isna().all()  # the 2012 GDELT 1.0 rows carry no URL
    doc = Document(text)
    assert doc.anchors == []
    assert doc.text.count("no source URL") == len(brief.top_events) > 0


@pytest.mark.parametrize("which", ["georgia_usa", "china_usa"])
def test_nothing_external_is_referenced(which: str, request: pytest.FixtureRequest) -> None:
    _, text = request.getfixturevalue(which)
    doc = Document(text)
    loading = [(tag, name, value) for tag, name, value in doc.attrs if (tag, name) in LOADING]
    assert loading == []
    assert not [t for t in doc.starts if t in {"iframe", "frame", "embed", "object", "img", "link", "base"}]
    styles = " ".join(doc.styles) + " ".join(v for _, name, v in doc.attrs if name == "style")
    assert "@import" not in styles and "url(" not in styles.replace(" ", "")
    refreshes = [v for tag, name, v in doc.attrs if tag == "meta" and name == "http-equiv"]
    assert refreshes == []


def test_scripts_do_not_load_mathjax_or_a_cdn(georgia_usa) -> None:
    _, text = georgia_usa
    small = [s for s in Document(text).scripts if len(s) < 1_000_000]  # everything but the bundle
    for script in small:
        assert "cdn." not in script and "mathjax" not in script.lower().replace("mathjaxconfig", "")


def test_footer_cites_gdelt_without_linking(georgia_usa) -> None:
    _, text = georgia_usa
    doc = Document(text)
    assert "The GDELT Project, https://www.gdeltproject.org/" in doc.text
    assert not [href for href, _ in doc.anchors if "gdeltproject" in href]


# --- text from the data is escaped ---------------------------------------------------------------

def hostile_brief(georgia_usa, **event: object) -> Brief:
    brief, _ = georgia_usa
    row = {"event_id": 1, "event_date": pd.Timestamp("2012-06-01"), "actor1_name": "<script>x</script>",
           "actor1_country": "GEO", "actor2_name": "THE US", "actor2_country": "USA", "event_code": "042",
           "event_description": "Make a visit", "quad_class": 1, "goldstein": 1.9, "num_mentions": 3,
           "num_sources": 1, "source_url": None, "article_title": None, **event}
    return replace(brief, top_events=pd.DataFrame([row]))


def test_actor_name_is_escaped(georgia_usa) -> None:
    text = to_html(hostile_brief(georgia_usa), GENERATED)
    assert "<script>x</script>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text
    doc = Document(text)
    assert "<script>x</script>" in doc.text  # shown as text
    assert not [s for s in doc.scripts if s == "x"]


def test_country_names_and_spikes_are_escaped(georgia_usa) -> None:
    brief = hostile_brief(georgia_usa)
    brief = replace(brief, name_a="<b onmouseover=alert(1)>A</b>", spikes=["<img src=x>"])
    text = to_html(brief, GENERATED)
    doc = Document(text)
    assert "b" not in doc.starts and "img" not in doc.starts
    assert "<b onmouseover=alert(1)>A</b>" in doc.text and "<img src=x>" in doc.text


def test_article_title_and_url_are_escaped(georgia_usa) -> None:
    url = 'https://example.org/a?x=1&y="><script>alert(1)</script>'
    text = to_html(hostile_brief(georgia_usa, source_url=url, article_title="</a><script>t</script>"), GENERATED)
    doc = Document(text)
    assert doc.anchors == [(url, "</a><script>t</script>")]  # one anchor, attribute and text intact
    assert not [s for s in doc.scripts if "alert" in s or s == "t"]


def test_a_javascript_url_is_not_a_link(georgia_usa) -> None:
    text = to_html(hostile_brief(georgia_usa, source_url="javascript:alert(1)"), GENERATED)
    assert Document(text).anchors == []


# --- in a browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def opened(china_usa, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The saved brief opened from disk in headless Chromium, every request recorded."""
    require_chromium()
    _, text = china_usa
    path = tmp_path_factory.mktemp("brief") / "brief_CHN_USA_2018-03-01_2018-03-31.html"
    path.write_text(text, encoding="utf-8")
    routed: list[str] = []
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.on("request", lambda r: requested.append(r.url))

            def record(route) -> None:
                routed.append(route.request.url)
                if route.request.url.startswith("file:"):
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", record)
            page.goto(path.as_uri())
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)  # give a late fetch (fonts, topojson) the chance to show up
            page.screenshot(path="/tmp/brief_offline.png", full_page=True)
            return {"uri": path.as_uri(), "routed": routed, "requested": requested,
                    "plots": page.locator(".js-plotly-plot").count(),
                    "svgs": page.locator(".js-plotly-plot .main-svg").count(),
                    "links": page.locator("ol a[href^='http']").count(),
                    "heading": page.locator("h1").inner_text()}
        finally:
            browser.close()


@pytest.mark.browser
def test_only_the_file_itself_is_requested(opened: dict) -> None:
    assert opened["requested"] == [opened["uri"]]
    assert set(opened["routed"]) <= {opened["uri"]}


@pytest.mark.browser
def test_both_plotly_graphs_render_offline(opened: dict) -> None:
    assert opened["plots"] == 2
    assert opened["svgs"] >= 2


@pytest.mark.browser
def test_source_links_are_clickable_in_the_browser(opened: dict) -> None:
    assert opened["links"] == 5
    assert opened["heading"] == "China – United States"
