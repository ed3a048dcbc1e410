"""The Articles page: safe text (dashboard/highlight.py), the events behind a selection and
their articles and mentions (queries/selection_events, event_articles, event_mentions), and the
page itself driven by its URL (AppTest)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.charts import QUAD_CLASSES
from dashboard.highlight import marked, md, plain
from ingest.layouts import EVENTS_V1, EVENTS_V2, MENTIONS
from ingest.load import load
from lake import connection as lakes
from queries import search
from queries.runner import run

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
SAMPLE = REPO / "data" / "sample"
USA_CHN = SAMPLE / "events" / "usa_chn_events_2018-01_to_2018-06.csv.gz"
# Metadata only (url, date, language; no title, no body): the US-China articles the 2018 events cite.
EN_ARTICLES = SAMPLE / "articles" / "en_us_china_trade_2018_metadata.jsonl.gz"
MARCH = {"a": "USA", "b": "CHN", "start": "2018-03-01", "end": "2018-03-31"}

_KEEP_OPEN: list = []

HOSTILE = ('<script>alert(1)</script><img src=x onerror="alert(2)"> **bold** _em_ [link](javascript:alert(3)) '
           '<mark>fake</mark> &amp; &lt;b&gt;')
MARKED_TEXT = f"Tariffs: {HOSTILE}"  # the match first, so the snippet is the whole text


class _Html(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.marks: list[str] = []
        self._in_mark = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_mark = tag == "mark"

    def handle_endtag(self, tag):
        self._in_mark = False if tag == "mark" else self._in_mark

    def handle_data(self, data):
        self.text.append(data)
        if self._in_mark:
            self.marks.append(data)


# --- (1) highlight: escaped, marked, right-to-left ------------------------------------------------

def test_plain_escapes_markup_and_keeps_the_text() -> None:
    out = _Html(plain(HOSTILE))
    assert out.tags == ["div"]
    assert "".join(out.text) == HOSTILE


def test_plain_lets_the_text_pick_its_direction() -> None:
    assert plain("ليبيا وروسيا").startswith('<div dir="auto"')


def test_marked_escapes_markup_and_marks_only_the_matches() -> None:
    out = _Html(marked(MARKED_TEXT, "tariffs"))
    assert set(out.tags) == {"div", "mark"}
    assert out.marks == ["Tariffs"]
    assert "".join(out.text) == MARKED_TEXT  # the fake <mark> and the entities are text, not markup


def test_marked_escapes_a_snippet_cut_from_a_long_text() -> None:
    text = HOSTILE * 5 + " tariffs " + HOSTILE * 5
    out = _Html(marked(text, "tariffs"))
    assert set(out.tags) == {"div", "mark"} and out.marks == ["tariffs"]
    shown = "".join(out.text)
    assert shown.startswith("… ") and shown.endswith(" …")
    assert shown[2:-2] in text


@pytest.mark.parametrize("q", ["script", "img onerror", "mark", "<script>", "bold"])
def test_marked_with_a_query_naming_markup_still_makes_only_marks(q: str) -> None:
    out = _Html(marked(MARKED_TEXT, q))
    assert set(out.tags) <= {"div", "mark"}
    assert out.tags.count("mark") == len(out.marks) >= 1
    assert "".join(out.text).removeprefix("… ") in MARKED_TEXT


def test_marked_matches_any_case_and_the_stem() -> None:
    out = _Html(marked("Tariffs, tariff and TARIFFS; not tarot.", "tariffs"))
    assert out.marks == ["Tariffs", "tariff", "TARIFFS"]


@pytest.mark.parametrize(
    ("word", "q"),
    [("أكد", "اكد"), ("اكد", "أكد"), ("إعلان", "اعلان"), ("آخر", "اخر"), ("ٱلله", "الله"),
     ("الخارجية", "الخارجيه"), ("مستشفى", "مستشفي")],
)
def test_marked_marks_arabic_across_letter_variants(word: str, q: str) -> None:
    out = _Html(marked(f"قال الباعور {word} اليوم في طرابلس", q))
    assert out.marks == [word]


def test_marked_marks_a_word_when_the_query_has_harakat_and_tatweel() -> None:
    assert _Html(marked("بحث سفير روسيا لدى ليبيا سبل التعاون", "لِيـبـيَا")).marks == ["ليبيا"]


def test_marked_marks_a_whole_word_that_carries_harakat() -> None:
    assert _Html(marked("الطاهر الباعور المكلّف بتسيير شؤون الوزارة", "المكلف")).marks == ["المكلّف"]


def sample_article_rows() -> list[dict]:
    """Every article row of the embedded sample, read from its files."""
    return [json.loads(line) for path in sorted((SAMPLE / "articles").glob("*.jsonl.gz"))
            for line in gzip.open(path, "rt", encoding="utf-8")]


def sample_articles_with(word: str) -> set[str]:
    """The urls of sample articles whose title or body has `word` (as a whole word, this case)."""
    pattern = re.compile(rf"\b{re.escape(word)}\b")
    return {a["url"] for a in sample_article_rows() if pattern.search(f"{a['title'] or ''} {a['body'] or ''}")}


# --- (2) the events of a selection, against the raw GDELT file -----------------------------------

def usa_chn_rows() -> list[list[str]]:
    with gzip.open(USA_CHN, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_usa_chn_file_layout_is_gdelt_1_with_58_columns() -> None:
    rows = usa_chn_rows()
    assert {len(r) for r in rows} == {len(EVENTS_V1)} == {58}
    assert (EVENTS_V1[0], EVENTS_V1[1], EVENTS_V1[7], EVENTS_V1[17], EVENTS_V1[57]) == (
        "GLOBALEVENTID", "SQLDATE", "Actor1CountryCode", "Actor2CountryCode", "SOURCEURL")


@pytest.fixture(scope="module")
def march_2018() -> dict[int, str]:
    """event id -> SOURCEURL of the USA-CHN events of March 2018, from the raw file."""
    rows = [r for r in usa_chn_rows() if r[1].startswith("201803")]
    assert {tuple(sorted((r[7], r[17]))) for r in rows} == {("CHN", "USA")}
    events = {int(r[0]): r[57] for r in rows}
    assert len(events) == len(rows) == 432
    return events


def test_selection_events_are_the_events_of_the_month(sample_con, march_2018) -> None:
    got = run(sample_con, "selection_events", {**MARCH, "limit": 1000})
    assert dict(zip(got["event_id"], got["source_url"], strict=True)) == march_2018
    assert len(got) == len(march_2018)
    assert set(got["total_rows"]) == {len(march_2018)}
    assert got["event_date"].between(pd.Timestamp("2018-03-01"), pd.Timestamp("2018-03-31")).all()


def test_selection_events_pages_cover_every_event_once(sample_con, march_2018) -> None:
    ids: list[int] = []
    for offset in range(0, 500, 100):
        page = run(sample_con, "selection_events", {**MARCH, "limit": 100, "offset": offset})
        assert len(page) == min(100, max(0, 432 - offset))
        assert set(page["total_rows"]) == {432}
        ids.extend(page["event_id"])
    assert len(ids) == len(set(ids)) == 432
    assert set(ids) == set(march_2018)
    assert run(sample_con, "selection_events", {**MARCH, "limit": 100, "offset": 500}).empty


def test_selection_events_are_newest_first(sample_con) -> None:
    got = run(sample_con, "selection_events", {**MARCH, "limit": 1000})
    assert list(got["event_date"]) == sorted(got["event_date"], reverse=True)


def test_selection_events_of_one_quad_class_are_those_rows(sample_con, march_2018) -> None:
    rows = {int(r[0]) for r in usa_chn_rows() if r[1].startswith("201803") and r[EVENTS_V1.index("QuadClass")] == "1"}
    got = run(sample_con, "selection_events", {**MARCH, "quad_classes": "1", "limit": 1000})
    assert set(got["event_id"]) == rows and set(got["total_rows"]) == {len(rows)}


def test_event_articles_are_the_english_articles_joined_by_url(sample_con, march_2018) -> None:
    with gzip.open(EN_ARTICLES, "rt", encoding="utf-8") as f:
        stored = {a["url"]: a for a in map(json.loads, f)}
    expected = {event: url for event, url in march_2018.items() if url in stored}
    assert len(expected) == 23
    # published_at is the first day a sample event cites the url, recounted from the raw file.
    first_cited: dict[str, str] = {}
    for r in usa_chn_rows():
        first_cited[r[57]] = min(first_cited.get(r[57], r[1]), r[1])
    for event, url in expected.items():
        got = run(sample_con, "event_articles", {"event_id": event})
        assert list(got["url"]) == [url], event
        row = got.iloc[0]
        assert row["body"] is None and row["title"] is None  # no publisher text is shipped
        assert f"{row['published_at']:%Y%m%d}" == first_cited[url]
    unjoined = sorted(set(march_2018) - set(expected))[:25]
    assert all(run(sample_con, "event_articles", {"event_id": e}).empty for e in unjoined)


# --- (3) mentions: first report or echo -----------------------------------------------------------

def tab_rows(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def gdelt_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%d%H%M%S")


@pytest.mark.parametrize(("events_file", "mentions_file", "joined"), [
    ("aamend_events.csv.gz", "aamend_mentions.csv.gz", 52),
    ("aamend_eventsT.csv.gz", "aamend_mentionsT.csv.gz", 37),
])
def test_event_mentions_first_report_is_mention_time_not_after_date_added(
    sample_con, events_file: str, mentions_file: str, joined: int
) -> None:
    events = tab_rows(SAMPLE / "events" / events_file)
    mentions = tab_rows(SAMPLE / "mentions" / mentions_file)
    assert {len(r) for r in events} == {len(EVENTS_V2)} and {len(r) for r in mentions} == {len(MENTIONS)}
    added = {int(r[0]): gdelt_time(r[EVENTS_V2.index("DATEADDED")]) for r in events}
    by_event: dict[int, list[list[str]]] = {}
    for m in mentions:
        if int(m[0]) in added:
            by_event.setdefault(int(m[0]), []).append(m)
    assert len(by_event) == joined
    for event, rows in by_event.items():
        got = run(sample_con, "event_mentions", {"event_id": event})
        expected = sorted((gdelt_time(m[2]), m[5], gdelt_time(m[2]) <= added[event]) for m in rows)
        assert sorted(zip(got["mention_time"], got["url"], got["first_report"], strict=True)) == expected, event


@pytest.fixture
def echo_lake(copy_of_sample_lake: Path, tmp_path: Path) -> tuple[Path, int, list[str]]:
    """The sample plus one derived mention: a real aamend mention of a loaded two-country event, copied
    with MentionTimeDate one 15-minute slot after the event's DATEADDED (a later echo)."""
    a1, a2 = EVENTS_V2.index("Actor1CountryCode"), EVENTS_V2.index("Actor2CountryCode")
    events = {r[0]: r for r in tab_rows(SAMPLE / "events" / "aamend_events.csv.gz") if "" != r[a1] != r[a2] != ""}
    original = next(m for m in tab_rows(SAMPLE / "mentions" / "aamend_mentions.csv.gz") if m[0] in events)
    added = gdelt_time(events[original[0]][EVENTS_V2.index("DATEADDED")])
    assert gdelt_time(original[2]) == added
    echo = [*original]
    echo[2] = f"{added + dt.timedelta(minutes=15):%Y%m%d%H%M%S}"
    path = tmp_path / "echo.mentions.csv"
    path.write_text("\t".join(echo) + "\n", encoding="utf-8")
    assert load("mentions", [str(path)], copy_of_sample_lake).added == {"mentions": 1}
    return copy_of_sample_lake, int(original[0]), original


def test_event_mentions_marks_a_later_mention_as_an_echo(echo_lake) -> None:
    lake, event, original = echo_lake
    con = lakes.connect(lake)
    try:
        got = run(con, "event_mentions", {"event_id": event})
    finally:
        con.close()
    assert list(got["mention_time"]) == sorted(got["mention_time"])
    assert list(got["first_report"]) == [True, False]
    assert set(got["url"]) == {original[5]}


def test_pair_coverage_counts_first_reports_and_echoes(echo_lake) -> None:
    lake, event, _ = echo_lake
    con = lakes.connect(lake)
    try:
        e = con.execute("select pair_a, pair_b, event_date from events where event_id = $id", {"id": event}).fetchone()
        got = run(con, "pair_coverage", {"a": e[0], "b": e[1], "start": e[2], "end": e[2]})
        mentions = run(con, "event_mentions", {"event_id": event})
    finally:
        con.close()
    row = got[got["outlet"] == mentions.iloc[0]["outlet"]].iloc[0]
    assert (row["first_reports"], row["echoes"]) == (row["mentions"] - 1, 1)


# --- (4) the page, driven by its URL --------------------------------------------------------------

@pytest.fixture
def articles_page(sample_lake: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))

    def open_with(**params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.switch_page("dashboard/pages/articles.py")
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    return open_with


def _events_table(at: AppTest):
    return next(d.value for d in at.dataframe if "event_id" in d.value.columns)


def test_url_selection_shows_its_heading_and_the_query_rows(articles_page, sample_con) -> None:
    at = articles_page(a="USA", b="CHN", **{"from": "2018-03-01", "to": "2018-03-31"}, quad="1")
    assert not at.exception
    assert not at.warning
    assert [s.value for s in at.subheader] == [
        f"United States – China · 2018-03-01 to 2018-03-31 · {QUAD_CLASSES[1][0]}"]
    expected = run(sample_con, "selection_events", {**MARCH, "quad_classes": "1", "limit": 100})
    assert list(_events_table(at)["event_id"]) == list(expected["event_id"])
    total = int(expected["total_rows"].iloc[0])
    assert any(c.value.startswith(f"{total:,} raw event rows") for c in at.caption)


def test_a_directional_selection_lists_only_the_events_its_country_initiated(articles_page, sample_con) -> None:
    """by=CHN (a bar of China -> US clicked on the Pair page): actor 1 is China, or actor 2 for a
    043 "host a visit" (the guest initiates), counted here from the event columns."""
    at = articles_page(a="USA", b="CHN", **{"from": "2018-03-01", "to": "2018-03-31"}, quad="1", by="CHN")
    assert not at.exception and not at.warning
    assert [s.value for s in at.subheader] == [f"China → United States · 2018-03-01 to 2018-03-31 · {QUAD_CLASSES[1][0]}"]
    expected = sample_con.execute(
        "select count(*) from lake.events where event_date between '2018-03-01' and '2018-03-31' and quad_class = 1 "
        "and ((actor1_country = 'CHN' and actor2_country = 'USA' and event_code <> '043') "
        "or (actor1_country = 'USA' and actor2_country = 'CHN' and event_code = '043'))").fetchone()[0]
    both = run(sample_con, "selection_events", {**MARCH, "quad_classes": "1", "limit": 1})
    assert 0 < expected < int(both["total_rows"].iloc[0])
    caption = next(c.value for c in at.caption if "raw event rows" in c.value)
    assert caption.startswith(f"{expected:,} raw event rows (initiated by China")
    assert set(_events_table(at)["actor1_country"]) <= {"CHN", "USA"}
    assert at.query_params["by"] == "CHN"


def test_url_selection_stays_in_the_url(articles_page) -> None:
    params = {"a": "USA", "b": "CHN", "from": "2018-03-01", "to": "2018-03-31", "quad": "1"}
    at = articles_page(**params)
    assert dict(at.query_params) == params


def test_url_event_opens_that_event_with_its_stored_article(articles_page, sample_con, march_2018) -> None:
    with gzip.open(EN_ARTICLES, "rt", encoding="utf-8") as f:
        stored = {a["url"]: a for a in map(json.loads, f)}
    event, url = min((e, u) for e, u in march_2018.items() if u in stored)
    at = articles_page(event=str(event))
    assert not at.exception and not at.warning
    assert [s.value for s in at.subheader] == [f"Event {event}"]
    assert "**Stored articles** (1)" in [m.value for m in at.markdown]
    # A metadata-only row: its outlet is the url's domain, its date the stored one, no text.
    domain = urlparse(url).netloc.removeprefix("www.")
    assert any(c.value.startswith(f"{md(domain)} · {stored[url]['published_at']}") for c in at.caption)
    assert "<strong>" + plain("(no title)") + "</strong>" in [h.value for h in at.get("html")]


def test_url_q_shows_the_search_results_in_the_search_tab(articles_page, sample_lake) -> None:
    at = articles_page(q="pompeo")
    assert not at.exception
    con = lakes.connect(sample_lake)
    _KEEP_OPEN.append(con)  # never closed: queries/search.py keys its indexes by id() (see test_articles_search)
    search.ensure_index(con)
    expected = run(con, "article_search", {"q": "pompeo", "limit": 100})
    tab = next(t for t in at.tabs if t.label == "Search articles")
    assert tab.text_input(key="art_q").value == "pompeo"
    assert tab.caption[0].value.startswith(f"{len(expected)} articles match")
    shown = [h.value for h in tab.get("html")]
    assert shown == [html for a in expected.itertuples()
                     for html in (f"<strong>{marked(a.title or a.url, 'pompeo', width=200)}</strong>",
                                  marked(a.body, "pompeo"))]
    assert len(expected) == len(sample_articles_with("Pompeo")) == 7  # Wikinews and kremlin.ru
    assert all("<mark>Pompeo</mark>" in body for body in shown[1::2])


@pytest.mark.parametrize("params", [
    {"event": "abc"},
    {"event": "99999999999"},
    {"event": "999999999"},
    {"event": "-5"},
    {"a": "XXX", "b": "CHN"},
    {"a": "USA'; drop table events; --", "b": "CHN"},
    {"a": "USA", "b": "CHN", "from": "2018-06-30", "to": "2018-01-01"},
    {"a": "USA", "b": "CHN", "code": "<script>"},
    {"a": "USA", "b": "CHN", "page": "999999"},
])
def test_hostile_url_parameters_give_notices_not_errors(articles_page, sample_con, params: dict[str, str]) -> None:
    at = articles_page(**params)
    assert not at.exception
    assert at.warning, "a bad parameter must be named in a notice"
    assert run(sample_con, "lake_summary").iloc[0]["events"] == 117_126


def test_from_after_to_shows_all_dates(articles_page, sample_con) -> None:
    at = articles_page(a="USA", b="CHN", **{"from": "2018-06-30", "to": "2018-01-01"})
    summary = run(sample_con, "lake_summary").iloc[0]
    assert [s.value for s in at.subheader] == [
        f"United States – China · {summary['first_date']:%Y-%m-%d} to {summary['last_date']:%Y-%m-%d}"]


def test_ten_digit_event_ids_are_looked_up(articles_page) -> None:
    at = articles_page(event="1219000000")
    assert [w.value for w in at.warning] == ["No event with id 1219000000 is loaded."]


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">tariffs', "ل" * 5000,
                               "x" * 5000, "'; drop table articles; --", "!!!"])
def test_hostile_search_text_in_the_url_is_shown_safely(articles_page, sample_con, q: str) -> None:
    at = articles_page(q=q)
    assert not at.exception
    for h in at.get("html"):
        parsed = _Html(h.value)
        assert set(parsed.tags) <= {"div", "mark", "strong"}, h.value[:300]
    assert sample_con.execute("select count(*) from articles").fetchone()[0] == len(sample_article_rows())


@pytest.mark.parametrize(("params", "opened"), [({"q": "merkel"}, 1), ({"a": "USA", "b": "CHN"}, 0), ({}, 0)])
def test_a_link_with_a_search_opens_on_the_search_tab(articles_page, params: dict, opened: int) -> None:
    at = articles_page(**params)
    tabs = next(b for b in at.main.children.values() if type(b).__name__ == "Block" and b.proto.HasField("tab_container"))
    assert tabs.proto.tab_container.default_tab_index == opened and not at.exception
