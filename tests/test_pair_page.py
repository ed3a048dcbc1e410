"""AppTest: the Pair page takes its state from the URL, and hostile URLs only get notices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from queries.runner import run

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def pair_page(sample_lake: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))

    def open_with(**params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.switch_page("dashboard/pages/pair.py")
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    return open_with


def test_url_seeds_the_widgets(pair_page) -> None:
    at = pair_page(a="GEO", b="RUS", **{"from": "2012-01-01", "to": "2012-12-31"}, grain="quarter", count="dedup")
    assert not at.exception
    assert at.selectbox(key="pair_a").value == "GEO"
    assert at.selectbox(key="pair_b").value == "RUS"
    assert at.selectbox(key="pair_grain").value == "quarter"
    assert at.date_input(key="pair_range").value == (dt.date(2012, 1, 1), dt.date(2012, 12, 31))
    assert not at.warning


def test_kpi_equals_the_query(pair_page, sample_con) -> None:
    at = pair_page(a="GEO", b="RUS", **{"from": "2012-01-01", "to": "2012-12-31"})
    expected = run(sample_con, "pair_summary", {"a": "GEO", "b": "RUS", "start": "2012-01-01", "end": "2012-12-31"})
    metric = next(m for m in at.metric if m.label.startswith("Events"))
    assert metric.value == f"{expected.iloc[0]['events']:,}"


def test_country_found_by_arabic_name(pair_page) -> None:
    at = pair_page(a="جورجيا", b="Russia")
    assert not at.exception
    assert (at.selectbox(key="pair_a").value, at.selectbox(key="pair_b").value) == ("GEO", "RUS")


@pytest.mark.parametrize(
    "params",
    [
        {"a": "XXX"},
        {"a": "USA'; drop table events; --"},
        {"a": "USA", "b": "USA"},
        {"from": "2020-01-01", "to": "2010-01-01"},
        {"from": "not-a-date"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"grain": "<script>alert(1)</script>"},
        {"count": "everything"},
        {"quad_classes": "1;2"},
        {"roots": "99"},
        {"compare": "USA-USA,AAA-BBB," * 50},
        {"a": "ل" * 5000},
    ],
)
def test_hostile_parameters_give_notices_not_errors(pair_page, params: dict[str, str], sample_con) -> None:
    at = pair_page(**params)
    assert not at.exception
    assert at.warning, "a bad parameter must be named in a notice"
    assert run(sample_con, "lake_summary").iloc[0]["events"] > 0  # nothing was executed from the URL


def test_swap_button_swaps_the_countries(pair_page) -> None:
    at = pair_page(a="GEO", b="RUS")
    at.button(key="pair_swap").click().run()
    assert (at.selectbox(key="pair_a").value, at.selectbox(key="pair_b").value) == ("RUS", "GEO")
    assert at.query_params["a"] == "RUS" and at.query_params["b"] == "GEO"


def test_period_in_url_opens_the_drilldown(pair_page, sample_con) -> None:
    at = pair_page(a="GEO", b="USA", **{"from": "2011-06-01", "to": "2013-05-31"}, grain="month",
                   period="2012-06-01")
    expected = run(sample_con, "pair_events", {"a": "GEO", "b": "USA", "start": "2012-06-01", "end": "2012-06-30"})
    table = next(d for d in at.dataframe if "event_id" in d.value.columns)
    assert sorted(table.value["event_id"]) == sorted(expected["event_id"])
    rows = sample_con.execute("select count(*) from lake.events where pair_a = 'GEO' and pair_b = 'USA' "
                              "and event_date between '2012-06-01' and '2012-06-30'").fetchone()[0]
    assert rows == len(expected) > 0
    assert any(c.value.startswith(f"{rows:,} raw event rows") for c in at.caption), [c.value for c in at.caption]
