"""AppTest: what every page shares: it opens, the URL seeds it, a link can pin a data
snapshot, the sidebar links carry the shared filters, and the Data page tells the truth."""

from __future__ import annotations

import gzip
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ingest.errors import Rejected
from ingest.load import load, load_or_record
from lake import connection as lakes
from queries.runner import run

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
SAMPLE_EXPORT = REPO / "data" / "sample" / "events" / "20171126081500.export.CSV.gz"
PAGES = {  # page file -> its url_path (the default page has none)
    "overview": "", "pair": "pair", "brief": "brief", "network": "network", "articles": "articles", "data": "data",
    "alerts": "alerts",
}
GEO_USA_2012 = {"a": "GEO", "b": "USA", "from": "2012-01-01", "to": "2012-12-31"}
HTML_DROP = "<!doctype html><html><head><title>404 Not Found</title></head><body>Not found</body></html>\n"


def shifted_export(folder: Path) -> Path:
    """A real GDELT 2.0 export (raw, tab-separated) whose event ids are all new: id + 10**10."""
    out = folder / "20171126081500.shifted.export.CSV"
    with gzip.open(SAMPLE_EXPORT, "rt", encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            event_id, rest = line.split("\t", 1)
            dst.write(f"{int(event_id) + 10**10}\t{rest}")
    return out


@pytest.fixture(autouse=True)
def fresh_streamlit_caches():
    """The lake connection (st.cache_resource) and query results (st.cache_data, keyed by
    snapshot id, not by lake) live for the whole process: without this, a test would read
    the lake of whichever test ran first, and later test files would read ours."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def opener(lake: Path, monkeypatch: pytest.MonkeyPatch):
    """Open a page with URL params on `lake`."""
    monkeypatch.setenv("BILATERAL_LAKE", str(lake))

    def open_page(page: str = "overview", **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.switch_page(f"dashboard/pages/{page}.py")
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    return open_page


def events_metric(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Events")


def links(at: AppTest, where=None) -> list:
    return list((where or at).get("page_link"))


def walk(node):
    """Every element of a rendered tree, in page order."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from walk(child)


# --- (1) every page opens, the URL seeds it ----------------------------------------------------------

@pytest.fixture
def sample_app(sample_lake: Path, monkeypatch: pytest.MonkeyPatch):
    return opener(sample_lake, monkeypatch)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_opens_on_the_sample_lake(sample_app, page: str) -> None:
    at = sample_app(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{page} rendered no title"


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_opens_with_the_shared_filters_in_the_url(sample_app, page: str) -> None:
    at = sample_app(page, **GEO_USA_2012)
    assert not at.exception, [e.value for e in at.exception]


def test_brief_title_is_the_pair_from_the_url(sample_app, sample_con) -> None:
    at = sample_app("brief", **GEO_USA_2012)
    names = run(sample_con, "countries").set_index("code")["name"]
    assert [t.value for t in at.title] == [f"{names['GEO']} – {names['USA']}"]


def test_brief_events_metric_equals_the_query(sample_app, sample_con) -> None:
    at = sample_app("brief", **GEO_USA_2012)
    expected = run(sample_con, "pair_summary", {"a": "GEO", "b": "USA", "start": "2012-01-01", "end": "2012-12-31"})
    assert events_metric(at) == f"{expected.iloc[0]['events']:,}"
    assert expected.iloc[0]["events"] > 0


def test_brief_window_from_the_url_is_the_one_shown(sample_app) -> None:
    at = sample_app("brief", **GEO_USA_2012)
    assert any(c.value.startswith("Brief for 2012-01-01 to 2012-12-31") for c in at.caption)
    assert {k: at.query_params[k] for k in GEO_USA_2012} == GEO_USA_2012


# --- (2) snapshot pinning --------------------------------------------------------------------------

@dataclass(frozen=True)
class Grown:
    """A copy of the sample lake that got one more real file after snapshot `before`,
    plus one rejected drop."""
    lake: Path
    before: int  # the snapshot a link pinned
    latest: int
    events_before: int
    events_latest: int
    reason: str  # the rejection's one line


@pytest.fixture(scope="module")
def grown(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Grown:
    root = tmp_path_factory.mktemp("grown")
    lake = root / "lake"
    shutil.copytree(sample_lake, lake)
    con = lakes.connect(lake)
    before, events_before = lakes.current_snapshot(con), run(con, "lake_summary").iloc[0]["events"]
    con.close()
    summary = load("gdelt", [str(shifted_export(root))], lake)
    assert summary.added.get("events", 0) > 0, summary.line()
    page = root / "20250101000000.export.CSV"
    page.write_text(HTML_DROP, encoding="utf-8")
    with pytest.raises(Rejected) as rejected:
        load_or_record("gdelt", [str(page)], lake)
    con = lakes.connect(lake)
    latest, events_latest = lakes.current_snapshot(con), run(con, "lake_summary").iloc[0]["events"]
    con.close()
    assert latest == summary.snapshot == before + 1
    return Grown(lake, before, latest, int(events_before), int(events_latest), str(rejected.value))


@pytest.fixture
def grown_app(grown: Grown, monkeypatch: pytest.MonkeyPatch):
    return opener(grown.lake, monkeypatch)


def test_pinned_overview_shows_the_old_count(grown_app, grown: Grown) -> None:
    at = grown_app("overview", snapshot=str(grown.before))
    assert not at.exception
    assert events_metric(at) == f"{grown.events_before:,}"
    assert grown.events_before < grown.events_latest


def test_pinned_overview_says_data_as_of_the_snapshot(grown_app, grown: Grown) -> None:
    at = grown_app("overview", snapshot=str(grown.before))
    banner = [m.value for m in at.markdown if "Pinned: " in m.value]
    assert len(banner) == 1 and f"snapshot {grown.before}," in banner[0]
    # both dates: where the data ends and when it was loaded
    assert re.search(r"data to \d{4}-\d\d-\d\d\*\*, loaded \d{4}-\d\d-\d\d \d\d:\d\d UTC", banner[0]), banner[0]
    assert not at.warning


def test_pinned_overview_links_to_the_latest(grown_app, grown: Grown) -> None:
    at = grown_app("overview", snapshot=str(grown.before))
    newer = [link.proto for link in links(at, at.main) if "Newer data available" in link.proto.label]
    assert len(newer) == 1
    assert f"snapshot {grown.latest}" in newer[0].label
    assert newer[0].page == "" and "snapshot" not in parse_qs(newer[0].query_string)


def test_pin_stays_in_the_url(grown_app, grown: Grown) -> None:
    at = grown_app("overview", snapshot=str(grown.before))
    assert at.query_params["snapshot"] == str(grown.before)


def test_latest_link_keeps_the_other_parameters(grown_app, grown: Grown) -> None:
    at = grown_app("brief", **GEO_USA_2012, snapshot=str(grown.before))
    newer = next(link.proto for link in links(at, at.main) if "Newer data available" in link.proto.label)
    assert newer.page == "brief"
    assert parse_qs(newer.query_string) == {k: [v] for k, v in GEO_USA_2012.items()}


def test_unpinned_overview_shows_the_new_count(grown_app, grown: Grown) -> None:
    at = grown_app("overview")
    assert not at.exception
    assert events_metric(at) == f"{grown.events_latest:,}"
    assert not [m for m in at.markdown if "Pinned: " in m.value]
    assert not [link for link in links(at) if "Newer data available" in link.proto.label]


def test_pinning_the_latest_snapshot_offers_no_newer_link(grown_app, grown: Grown) -> None:
    at = grown_app("overview", snapshot=str(grown.latest))
    assert events_metric(at) == f"{grown.events_latest:,}"
    assert [m for m in at.markdown if "Pinned: " in m.value]
    assert not [link for link in links(at) if "Newer data available" in link.proto.label]


@pytest.mark.parametrize("bad", ["999999", "abc", "0", "-1", "4.0", "1,2", "", "9" * 300])
def test_unusable_snapshot_gives_a_warning_and_the_latest_data(grown_app, grown: Grown, bad: str) -> None:
    at = grown_app("overview", snapshot=bad)
    assert not at.exception, [e.value for e in at.exception]
    if bad:  # an empty ?snapshot= is simply not pinned
        assert len(at.warning) == 1 and "not a snapshot of this data" in at.warning[0].value
    assert events_metric(at) == f"{grown.events_latest:,}"
    assert not [m for m in at.markdown if "Pinned: " in m.value]


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_opens_pinned_to_an_older_snapshot(grown_app, grown: Grown, page: str) -> None:
    at = grown_app(page, snapshot=str(grown.before))
    assert not at.exception, [e.value for e in at.exception]
    assert [m for m in at.markdown if "Pinned: " in m.value]


@pytest.mark.parametrize("page", ["overview", "pair", "brief", "network"])
def test_pinning_the_empty_first_snapshot_does_not_crash(grown_app, page: str) -> None:
    at = grown_app(page, snapshot="1")
    assert not at.exception, [e.value for e in at.exception]


def test_a_running_app_sees_a_new_commit_without_restart(copy_of_sample_lake: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    open_page = opener(copy_of_sample_lake, monkeypatch)
    con = lakes.connect(copy_of_sample_lake)
    pin, before = lakes.current_snapshot(con), run(con, "lake_summary").iloc[0]["events"]
    con.close()
    at = open_page("overview", snapshot=str(pin))
    assert events_metric(at) == f"{before:,}"
    added = load("gdelt", [str(shifted_export(tmp_path))], copy_of_sample_lake).added["events"]
    at.run()  # same session, same cached connection
    assert events_metric(at) == f"{before:,}"
    assert [link for link in links(at, at.main) if f"Newer data available (snapshot {pin + 1})" in link.proto.label]
    latest = open_page("overview")
    assert events_metric(latest) == f"{before + added:,}"


# --- (3) the sidebar links carry the shared filters ------------------------------------------------

def test_sidebar_links_every_page(grown_app) -> None:
    at = grown_app("overview")
    assert sorted(link.proto.page for link in links(at, at.sidebar)) == sorted(PAGES.values())


@pytest.mark.parametrize("page", list(PAGES))
def test_sidebar_links_carry_pair_window_and_snapshot(grown_app, grown: Grown, page: str) -> None:
    carried = {**GEO_USA_2012, "snapshot": str(grown.before)}
    at = grown_app(page, **carried, grain="month", q="tariff")  # page-specific params stay behind
    sidebar = links(at, at.sidebar)
    assert len(sidebar) == len(PAGES)
    for link in sidebar:
        assert parse_qs(link.proto.query_string) == {k: [v] for k, v in carried.items()}, link.proto.label


def test_sidebar_links_drop_an_unusable_snapshot(grown_app) -> None:
    at = grown_app("pair", **GEO_USA_2012, snapshot="abc")
    for link in links(at, at.sidebar):
        assert "snapshot" not in parse_qs(link.proto.query_string), link.proto.label


def test_sidebar_links_follow_a_change_made_on_the_page(grown_app) -> None:
    at = grown_app("pair", **GEO_USA_2012)
    at.selectbox(key="pair_a").set_value("RUS").run()
    assert at.query_params["a"] == "RUS"
    brief = next(link.proto for link in links(at, at.sidebar) if link.proto.page == "brief")
    assert parse_qs(brief.query_string)["a"] == ["RUS"]


# --- (4) the Data page -----------------------------------------------------------------------------

def snapshot_table(at: AppTest):
    return next(d.value for d in at.dataframe if {"snapshot", "commit"} <= set(d.value.columns))


def test_data_page_lists_every_snapshot(grown_app, grown: Grown) -> None:
    at = grown_app("data")
    con = lakes.connect(grown.lake)
    expected = con.execute("select snapshot_id from lake.snapshots() order by 1 desc").fetchall()
    con.close()
    assert snapshot_table(at)["snapshot"].tolist() == [row[0] for row in expected]
    assert snapshot_table(at)["snapshot"].iloc[0] == grown.latest


def test_data_page_lists_every_snapshot_even_when_pinned(grown_app, grown: Grown) -> None:
    at = grown_app("data", snapshot=str(grown.before))
    assert snapshot_table(at)["snapshot"].max() == grown.latest


def test_data_page_names_what_the_latest_commit_added(grown_app, grown: Grown) -> None:
    row = snapshot_table(grown_app("data")).iloc[0]
    assert row["events_added"] == grown.events_latest - grown.events_before
    assert "20171126081500.shifted.export.CSV" in row["commit"]


def test_data_page_row_counts_equal_table_counts(grown_app, grown: Grown) -> None:
    at = grown_app("data")
    con = lakes.connect(grown.lake)
    counts = run(con, "table_counts")
    con.close()
    shown = {m.label: m.value for m in at.metric}
    assert shown == {row.table_name.capitalize(): f"{row.rows:,}" for row in counts.itertuples()}
    assert shown["Events"] == f"{grown.events_latest:,}"


def test_data_page_shows_a_rejected_drop_with_its_reason(grown_app, grown: Grown) -> None:
    at = grown_app("data")
    order = [(type(el).__name__, getattr(el, "value", None)) for el in walk(at.main)]
    start = order.index(("Subheader", "Rejected drops"))
    end = order.index(("Subheader", "How to refresh"))
    section = order[start + 1:end]
    assert ("Text", grown.reason) in section
    assert any(kind == "Markdown" and "`ingest gdelt`" in value and "1 file(s)" in value for kind, value in section)
    assert "HTML" in grown.reason and "\n" not in grown.reason


def test_data_page_without_rejections_says_so(sample_app) -> None:
    at = sample_app("data")
    assert "No drop has been rejected." in [c.value for c in at.caption]
    assert not at.text


def test_data_page_says_whether_the_kernel_guards_the_connection(sample_app) -> None:
    from dashboard import lake_access as data

    at = sample_app("data")
    lake = data.connection()
    said = [c.value for c in at.caption if "read-only" in c.value]
    assert len(said) == 1
    assert lake.guard in said[0]
    assert ("the kernel stops the threads that read it from writing any file" in said[0]) == lake.guarded


def test_the_plotly_warmup_chart_is_gone_once_the_page_has_run(sample_app) -> None:
    """app.py sends a blank chart to the sidebar first (the browser starts loading Plotly early)
    and removes it when the page has run: the sidebar ends with no chart, the page with its own."""
    at = sample_app("pair", **GEO_USA_2012)
    assert at.session_state["plotly_warm"] is True
    assert not list(at.sidebar.get("plotly_chart"))
    assert len(list(at.main.get("plotly_chart"))) >= 1
    again = at.run()  # a rerun of the same session sends no warm-up
    assert not list(again.sidebar.get("plotly_chart"))
