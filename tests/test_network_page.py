"""AppTest: the Network page takes its state from the URL, shows what the queries return,
and answers hostile URLs with notices, never an exception."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import network_layout as network
from queries.runner import run

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
YEAR_2012 = {"from": "2012-01-01", "to": "2012-12-31"}


@pytest.fixture
def network_page(sample_lake: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))

    def open_with(**params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.switch_page("dashboard/pages/network.py")
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    return open_with


def _edges(con, min_events: int = 3, top: int = 80):
    return run(con, "network_pairs", {"start": "2012-01-01", "end": "2012-12-31", "min_events": min_events,
                                      "top": top})


def test_url_seeds_the_widgets(network_page) -> None:
    at = network_page(**YEAR_2012, min_events="5", top="60", layout="map", focus="GEO")
    assert not at.exception
    assert at.date_input(key="net_range").value == (dt.date(2012, 1, 1), dt.date(2012, 12, 31))
    assert at.number_input(key="net_min").value == 5
    assert at.number_input(key="net_top").value == 60
    assert at.segmented_control(key="net_layout").value == "Map"
    assert at.selectbox(key="net_focus").value == "GEO"
    assert not at.warning


def test_focus_by_name_resolves_to_the_code(network_page) -> None:
    at = network_page(**YEAR_2012, focus="Georgia")
    assert at.selectbox(key="net_focus").value == "GEO"


def test_the_view_is_written_back_to_the_url(network_page) -> None:
    at = network_page(**YEAR_2012, min_events="5", top="60", layout="map", focus="GEO")
    assert {k: at.query_params[k] for k in ("from", "to", "min_events", "top", "layout", "focus")} == {
        "from": "2012-01-01", "to": "2012-12-31", "min_events": "5", "top": "60", "layout": "map", "focus": "GEO"}


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2020-01-01", "to": "2010-01-01"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"from": "not-a-date"},
        {"to": "2012-02-30"},
        {"from": "2" * 5000},
        {"from": "1978-12-01", "to": "2012-12-31"},
        {"from": "1900-01-01", "to": "1900-12-31"},
        {"from": "2201-01-01", "to": "2201-12-31"},
        {"min_events": "-1"},
        {"min_events": "abc"},
        {"min_events": "9" * 5000},
        {"top": "99999999"},
        {"top": "5"},
        {"layout": "<script>alert(1)</script>"},
        {"focus": "XXX"},
        {"focus": "USA'; drop table events; --"},
        {"focus": "ل" * 5000},
        {"quad_classes": "1;2"},
        {"roots": "99"},
    ],
    ids=lambda p: "&".join(f"{k}={v[:20]}" for k, v in p.items()),
)
def test_hostile_parameters_give_notices_not_errors(network_page, sample_con, params: dict[str, str]) -> None:
    at = network_page(**params)
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert at.warning, "a bad parameter must be named in a notice"
    assert run(sample_con, "lake_summary").iloc[0]["events"] > 0  # nothing was executed from the URL


def test_caption_pair_count_equals_the_query(network_page, sample_con) -> None:
    at = network_page(**YEAR_2012, min_events="10", top="2000")
    caption = next(c.value for c in at.caption if re.match(r"[\d,]+ pairs with at least", c.value))
    shown = int(re.match(r"([\d,]+) pairs", caption).group(1).replace(",", ""))
    expected = _edges(sample_con, min_events=10, top=2000)
    assert 10 < len(expected) < 2000  # neither empty nor cut by `top`
    assert shown == len(expected)


def test_blocs_table_lists_every_node_exactly_once(network_page, sample_con) -> None:
    at = network_page(**YEAR_2012)
    edges = _edges(sample_con)
    names = dict(run(sample_con, "countries", {})[["code", "name"]].itertuples(index=False))
    table = next(d.value for d in at.dataframe if "members" in d.value.columns)
    nodes = network.node_events(edges)
    members = [m for row in table["members"] for m in row.split(", ")]
    assert sorted(members) == sorted(names[c] for c in nodes.index)
    assert table["countries"].sum() == len(nodes)
    # every pair once: inside one bloc, or across two (then in both blocs' "with other blocs")
    assert table["events_within"].sum() + table["events_across"].sum() // 2 == edges["events"].sum()


def _raw_pair_rows(path: Path, pair: set[str], first: str, last: str) -> int:
    """Rows of a raw GDELT 1.0 events file (comma-separated, quoted) between the pair's two
    countries (Actor1CountryCode, Actor2CountryCode) with SQLDATE in [first, last]."""
    with gzip.open(path, "rt", encoding="utf-8") as rows:
        return sum(1 for r in csv.reader(rows) if {r[7], r[17]} == pair and first <= r[1] <= last)


def test_blocs_table_counts_a_pair_once_as_the_raw_file_does(network_page) -> None:
    """USA-China in the first half of 2018 is one bloc of two; its events were shown doubled."""
    raw = _raw_pair_rows(REPO / "data/sample/events/usa_chn_events_2018-01_to_2018-06.csv.gz",
                         {"USA", "CHN"}, "20180101", "20180630")
    at = network_page(**{"from": "2018-01-01", "to": "2018-06-30"})
    table = next(d.value for d in at.dataframe if "members" in d.value.columns)
    row = table[table["members"].str.contains("United States")].iloc[0]
    assert set(row["members"].split(", ")) == {"United States", "China"}
    assert raw == 1589
    assert row["events_within"] == raw
    assert row["events_across"] == 0


def test_blocs_are_numbered_from_one_by_size(network_page) -> None:
    table = next(d.value for d in network_page(**YEAR_2012).dataframe if "members" in d.value.columns)
    assert list(table["bloc"]) == list(range(1, len(table) + 1))
    assert list(table["countries"]) == sorted(table["countries"], reverse=True)


def test_ego_caption_counts_the_pairs_drawn(network_page, sample_con) -> None:
    at = network_page(**YEAR_2012, focus="GEO")
    caption = next(c.value for c in at.caption if c.value.startswith("2-hop neighbourhood"))
    assert int(re.search(r": (\d+) pairs", caption).group(1)) == len(network.ego_edges(_edges(sample_con), "GEO"))


def test_no_pairs_gives_an_info_not_an_error(network_page) -> None:
    at = network_page(**YEAR_2012, min_events="1000000")
    assert not at.exception
    assert any("No pairs" in i.value for i in at.info)


def test_map_layout_names_countries_without_a_centroid(network_page) -> None:
    at = network_page(**YEAR_2012, layout="map")
    assert not at.exception
    missing = next(c.value for c in at.caption if c.value.startswith("Not on the map"))
    for code in re.findall(r"[A-Z]{3}", missing):
        assert network.centroid(code) is None
