"""The Pair page's pure logic: URL state, periods, click selection, spikes, the timeline figure,
and finding a country from what a person types."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import charts, pair_state, spikes
from dashboard.countries import resolve
from dashboard.pair_state import PairView, auto_grain, parse, period_end
from dashboard.selection import clicked_bar
from queries.runner import run

APP = str(Path(__file__).resolve().parent.parent / "app.py")

# --- (1) pair_state.parse --------------------------------------------------------------------

CODES = ["CHN", "FRA", "GEO", "LBY", "RUS", "UKR", "USA"]
DEFAULT_PAIR = ("USA", "CHN")
DEFAULT_RANGE = (dt.date(2011, 6, 1), dt.date(2018, 6, 30))


def _parse(params: dict) -> PairView:
    return parse(params, CODES, DEFAULT_PAIR, DEFAULT_RANGE)


DEFAULT_VIEW = PairView(a="USA", b="CHN", start=DEFAULT_RANGE[0], end=DEFAULT_RANGE[1])


def test_no_parameters_give_the_default_view() -> None:
    view = _parse({})
    assert view == DEFAULT_VIEW
    assert view.notices == ()


def test_default_b_is_the_other_default_country_when_a_takes_it() -> None:
    view = _parse({"a": "CHN"})
    assert (view.a, view.b) == ("CHN", "USA")
    assert view.notices == ()


def test_a_view_with_every_setting_round_trips_through_its_url() -> None:
    view = PairView(a="GEO", b="RUS", start=dt.date(2012, 1, 1), end=dt.date(2012, 12, 31), grain="quarter",
                    count="dedup", split=False, share=True, quads=(3, 4), roots=(1, 4, 19),
                    compare=(("USA", "CHN"), ("RUS", "UKR")), period=dt.date(2012, 4, 1), quad=3)
    parsed = _parse(view.params())
    assert parsed == view
    assert parsed.notices == ()


def test_the_default_view_round_trips_through_a_short_url() -> None:
    params = DEFAULT_VIEW.params()
    assert set(params) == {"a", "b", "from", "to"}
    assert _parse(params) == DEFAULT_VIEW


def test_a_repeated_parameter_uses_its_last_value() -> None:
    assert _parse({"a": ["FRA", "GEO"]}).a == "GEO"


BAD_PARAMETERS = [
    ({"a": "XXX"}, ["a"]),
    ({"b": "Atlantis"}, ["b"]),
    ({"a": "USA'; drop table events; --"}, ["a"]),
    ({"a": "GEO", "b": "GEO"}, ["a", "b"]),
    ({"from": "2012-13-01"}, ["start"]),
    ({"to": "yesterday"}, ["end"]),
    ({"from": "2013-01-01", "to": "2012-01-01"}, ["start", "end"]),
    ({"from": "1900-01-01", "to": "2010-12-31"}, ["start", "end"]),
    ({"grain": "hour"}, ["grain"]),
    ({"count": "all"}, ["count"]),
    ({"quad_classes": "5"}, ["quads"]),
    ({"quad_classes": "1;2"}, ["quads"]),
    ({"roots": "0,4"}, ["roots"]),
    ({"roots": "x"}, ["roots"]),
    ({"compare": "USA-USA"}, ["compare"]),
    ({"compare": "AAA-BBB"}, ["compare"]),
]


@pytest.mark.parametrize(("params", "fields"), BAD_PARAMETERS, ids=lambda p: repr(p)[:40])
def test_a_bad_parameter_gives_a_notice_and_the_default(params: dict, fields: list[str]) -> None:
    view = _parse(params)
    assert view.notices, "a bad parameter must be named in a notice"
    assert {f: getattr(view, f) for f in fields} == {f: getattr(DEFAULT_VIEW, f) for f in fields}


def test_one_bad_comparison_pair_keeps_the_good_ones() -> None:
    view = _parse({"compare": "USA-RUS,AAA-BBB"})
    assert view.compare == (("USA", "RUS"),)
    assert len(view.notices) == 1


SILENTLY_IGNORED = [
    ({"direction": "sideways"}, ["split"]),
    ({"share": "maybe"}, ["share"]),
    ({"period": "2012-13-45"}, ["period"]),
    ({"period": "1999-01-01"}, ["period"]),  # outside from..to
    ({"period": "2012-04-01", "quad": "7"}, ["quad"]),
    ({"compare": "USA-RUS,USA-GEO,USA-UKR,USA-LBY,USA-FRA"}, []),  # the fifth pair is dropped
]


@pytest.mark.parametrize(("params", "fields"), SILENTLY_IGNORED, ids=lambda p: repr(p)[:40])
def test_every_ignored_parameter_gets_a_notice(params: dict, fields: list[str]) -> None:
    view = _parse(params)
    assert {f: getattr(view, f) for f in fields} == {f: getattr(DEFAULT_VIEW, f) for f in fields}
    assert view.notices


def test_dates_before_gdelt_give_a_notice() -> None:
    view = _parse({"from": "1970-01-01", "to": "1970-12-31"})
    assert view.notices
    assert view.start >= dt.date(1979, 1, 1)


def test_a_period_inside_a_bar_is_snapped_to_the_bar_or_dropped() -> None:
    view = _parse({"from": "2011-06-01", "to": "2013-05-31", "grain": "month", "period": "2012-06-15"})
    assert view.period in (None, dt.date(2012, 6, 1))


# --- the page wires the state: hostile dates and a grain change (AppTest) -----------------------


def _open_pair_page(lake: Path, monkeypatch: pytest.MonkeyPatch, **params: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BILATERAL_LAKE", str(lake))
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("dashboard/pages/pair.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("dates", [("1970-01-01", "1970-12-31"), ("2201-01-01", "2201-12-31")])
def test_dates_outside_the_picker_give_a_notice_not_an_exception(sample_lake, monkeypatch, dates) -> None:
    at = _open_pair_page(sample_lake, monkeypatch, a="GEO", b="USA", **{"from": dates[0], "to": dates[1]})
    assert not at.exception
    assert at.warning


# A directional bar: GEO-USA, June 2012, verbal cooperation, initiated by the USA. Its events,
# written out from the event columns (the 042/043 rule: a 043 "host a visit" is the guest's act).
USA_TO_GEO_JUNE_2012 = """
    select event_id from lake.events
    where ((actor1_country = 'GEO' and actor2_country = 'USA') or (actor1_country = 'USA' and actor2_country = 'GEO'))
      and event_date between '2012-06-01' and '2012-06-30' and quad_class = 1
      and case when event_code = '043' then actor2_country else actor1_country end = 'USA'
"""


def test_a_clicked_directional_bar_turns_into_its_own_drilldown(sample_lake, sample_con, monkeypatch) -> None:
    """The selection handling as a function (AppTest cannot click Plotly): the click's result,
    written as the page writes it, lists the bar's own direction and quad class, as many rows as
    its tooltip says (pair_activity) and as the raw rows say."""
    click = clicked_bar(_event({"x": "2012-06-01", "customdata": [1, "b_to_a", 27]}))
    assert click == (dt.date(2012, 6, 1), 1, "b_to_a")
    expected = {r[0] for r in sample_con.execute(USA_TO_GEO_JUNE_2012).fetchall()}
    bars = run(sample_con, "pair_activity", {"a": "GEO", "b": "USA", "start": "2012-06-01", "end": "2012-06-30",
                                             "grain": "month"})
    tooltip = bars[(bars["direction"] == click.direction) & (bars["quad_class"] == click.quad)]["events"].sum()
    both = bars[bars["quad_class"] == click.quad]["events"].sum()
    assert tooltip == len(expected) < both  # the mirrored bar has events of its own
    at = _open_pair_page(sample_lake, monkeypatch, a="GEO", b="USA", grain="month", period=str(click.period),
                         quad=str(click.quad), by="USA", **{"from": "2011-06-01", "to": "2013-05-31"})
    assert not at.exception
    assert _drilldown_count(at) == len(expected)
    table = next(d.value for d in at.dataframe if "event_id" in d.value.columns)
    assert set(table["event_id"]) == expected
    heading = next(h.value for h in at.subheader if h.value.startswith("Events"))
    assert heading == "Events 2012-06-01 – 2012-06-30 · United States → Georgia · Verbal cooperation"
    caption = next(c.value for c in at.caption if "raw event rows" in c.value)
    assert caption.startswith(f"{len(expected)} raw event rows: United States → Georgia · Verbal cooperation")
    assert at.query_params["by"] == "USA"


def test_a_by_that_is_not_in_the_pair_is_a_notice(sample_lake, monkeypatch) -> None:
    at = _open_pair_page(sample_lake, monkeypatch, a="GEO", b="USA", grain="month", period="2012-06-01",
                         quad="1", by="RUS", **{"from": "2011-06-01", "to": "2013-05-31"})
    assert not at.exception
    assert any("must be GEO or USA" in w.value for w in at.warning)
    assert "raw event rows: Georgia – United States, both directions" in next(
        c.value for c in at.caption if "raw event rows" in c.value)


def test_changing_the_grain_keeps_the_drilldown_on_one_bar(sample_lake, monkeypatch) -> None:
    at = _open_pair_page(sample_lake, monkeypatch, a="GEO", b="USA", grain="month", period="2012-06-01",
                         **{"from": "2011-06-01", "to": "2013-05-31"})
    at.selectbox(key="pair_grain").set_value("quarter").run()
    assert not at.exception
    headings = [h.value for h in at.subheader if h.value.startswith("Events")]
    assert headings in ([], ["Events 2012-04-01 – 2012-06-30"])


def test_compare_options_load_when_the_filters_open_and_keep_the_linked_pairs(sample_lake, sample_con,
                                                                             monkeypatch) -> None:
    at = _open_pair_page(sample_lake, monkeypatch, a="USA", b="CHN", compare="RUS-USA",
                         **{"from": "2018-01-01", "to": "2018-12-31"})
    closed = at.multiselect(key="pair_compare")
    assert closed.value == ["RUS-USA"] and closed.options == ["RUS-USA"]  # no options query while closed
    at.session_state["pair_filters_open"] = True  # what a click on the expander does (on_change="rerun")
    at.run()
    opened = at.multiselect(key="pair_compare")
    top = run(sample_con, "top_pairs", {"start": "2018-01-01", "end": "2018-12-31", "limit": 40, "states_only": "true"})
    assert opened.value == ["RUS-USA"] and not at.exception
    assert set(opened.options) == {f"{x}-{y}" for x, y in zip(top["country_a"], top["country_b"], strict=True)} | {"RUS-USA"}


def test_no_delta_against_a_previous_window_before_the_loaded_data(sample_lake, sample_con, monkeypatch) -> None:
    first = run(sample_con, "lake_summary").iloc[0]["first_date"].date()
    at = _open_pair_page(sample_lake, monkeypatch, a="USA", b="CHN", **{"from": str(first), "to": "2018-12-31"})
    events = next(m for m in at.metric if m.label == "Events (raw rows)")
    assert not events.delta and f"No data is loaded before {first}" in events.help
    later = _open_pair_page(sample_lake, monkeypatch, a="USA", b="CHN", **{"from": "2018-07-01", "to": "2018-12-31"})
    metric = next(m for m in later.metric if m.label == "Events (raw rows)")
    before = run(sample_con, "pair_summary", {"a": "USA", "b": "CHN", "start": "2017-12-31", "end": "2018-06-30"})
    now = run(sample_con, "pair_summary", {"a": "USA", "b": "CHN", "start": "2018-07-01", "end": "2018-12-31"})
    assert metric.delta == f"{now.iloc[0]['events'] - before.iloc[0]['events']:+,} vs previous 184 days"
    assert metric.proto.color == metric.proto.GRAY  # a change in volume is neither good nor bad news


def test_no_change_in_volume_shows_no_arrow(sample_lake, monkeypatch) -> None:
    at = _open_pair_page(sample_lake, monkeypatch, a="LBY", b="RUS", **{"from": "2025-06-01", "to": "2025-12-31"})
    metric = next(m for m in at.metric if m.label == "Events (raw rows)")
    assert metric.value == "0" and metric.delta.startswith("+0 vs previous")
    assert metric.proto.direction == metric.proto.NONE


def _drilldown_count(at) -> int:
    caption = next(c.value for c in at.caption if "raw event rows" in c.value)
    return int(caption.split(" ", 1)[0].replace(",", ""))


def test_the_drilldown_keeps_the_root_code_filter(sample_lake, sample_con, monkeypatch) -> None:
    at = _open_pair_page(sample_lake, monkeypatch, a="GEO", b="USA", grain="month", period="2012-06-01", quad="1",
                         roots="04", **{"from": "2011-06-01", "to": "2013-05-31"})
    bar = run(sample_con, "pair_activity", {**GEO_USA, "start": "2012-06-01", "end": "2012-06-30",
                                            "quad_classes": "1", "root_codes": "4"})
    assert _drilldown_count(at) == bar["events"].sum()


def test_the_drilldown_caption_counts_rows_beyond_the_display_limit(sample_lake, sample_con, monkeypatch) -> None:
    at = _open_pair_page(sample_lake, monkeypatch, a="USA", b="CHN", grain="month", period="2018-04-01",
                         **{"from": "2018-01-01", "to": "2018-06-30"})
    month = run(sample_con, "pair_activity", {"a": "USA", "b": "CHN", "start": "2018-04-01", "end": "2018-04-30"})
    assert month["events"].sum() > 500
    assert _drilldown_count(at) == month["events"].sum()


# --- (2) auto_grain and period_end -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "grain"),
    [
        ("2012-01-01", "2012-01-01", "day"),
        ("2012-01-01", "2012-03-03", "day"),  # 62 days
        ("2012-01-01", "2012-03-04", "week"),  # 63 days
        ("2012-01-01", "2012-12-31", "week"),  # a leap year
        ("2011-06-01", "2013-05-31", "month"),  # the Georgia sample
        ("2010-01-01", "2017-12-31", "month"),  # eight years
        ("1990-01-01", "2013-12-31", "quarter"),
        ("1979-01-01", "2019-12-31", "year"),  # GDELT's whole archive
    ],
)
def test_auto_grain(start: str, end: str, grain: str) -> None:
    assert auto_grain(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == grain


def test_auto_grain_never_gets_finer_for_a_longer_range() -> None:
    order = {g: i for i, g in enumerate(pair_state.GRAINS)}
    start = dt.date(2000, 1, 1)
    grains = [order[auto_grain(start, start + dt.timedelta(days=d))] for d in range(0, 366 * 40, 7)]
    assert grains == sorted(grains)


def _bars(start: dt.date, end: dt.date, grain: str) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return {
        "day": (end - start).days + 1,
        "week": (end - (start - dt.timedelta(days=start.weekday()))).days // 7 + 1,
        "month": months + 1,
        "quarter": (end.year - start.year) * 4 + (end.month - 1) // 3 - (start.month - 1) // 3 + 1,
        "year": end.year - start.year + 1,
    }[grain]


def test_auto_grain_keeps_the_timeline_to_about_a_hundred_bars() -> None:
    """Not a documented number: the grain thresholds keep every timeline at 105 bars or fewer."""
    start = dt.date(1979, 1, 1)
    ends = [start + dt.timedelta(days=d) for d in range(0, pair_state.MAX_SPAN.days, 3)]
    worst = max((_bars(start, end, auto_grain(start, end)), end) for end in ends)
    assert worst[0] <= 105, worst


@pytest.mark.parametrize(
    ("period", "grain", "end"),
    [
        ("2012-02-29", "day", "2012-02-29"),
        ("2012-02-27", "week", "2012-03-04"),  # across a leap day
        ("2012-12-31", "week", "2013-01-06"),  # across a year end
        ("2012-02-01", "month", "2012-02-29"),
        ("2013-02-01", "month", "2013-02-28"),
        ("2000-02-01", "month", "2000-02-29"),  # divisible by 400: leap
        ("1900-02-01", "month", "1900-02-28"),  # divisible by 100: not leap
        ("2012-12-01", "month", "2012-12-31"),
        ("2012-01-01", "quarter", "2012-03-31"),
        ("2012-10-01", "quarter", "2012-12-31"),
        ("2012-01-01", "year", "2012-12-31"),
    ],
)
def test_period_end(period: str, grain: str, end: str) -> None:
    assert period_end(dt.date.fromisoformat(period), grain) == dt.date.fromisoformat(end)


def _duckdb_period_starts(start: dt.date, end: dt.date, grain: str) -> list[dt.date]:
    with duckdb.connect() as con:
        rows = con.execute(
            "select distinct date_trunc($grain, d::date)::date as p "
            "from (select unnest(range($start::timestamp, $end::timestamp + interval 1 day, interval 1 day)) as d) "
            "order by p",
            {"grain": grain, "start": start, "end": end},
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("grain", pair_state.GRAINS)
def test_each_period_ends_the_day_before_the_next_one_starts(grain: str) -> None:
    starts = _duckdb_period_starts(dt.date(1999, 11, 1), dt.date(2001, 3, 31), grain)
    starts += _duckdb_period_starts(dt.date(2011, 12, 1), dt.date(2013, 3, 31), grain)
    pairs = [(p, q) for p, q in zip(starts, starts[1:], strict=False) if q > p and (q - p).days < 400]
    assert pairs
    assert all(period_end(p, grain) + dt.timedelta(days=1) == q for p, q in pairs)


# --- (3) selection.clicked_bar -----------------------------------------------------------------


def _event(*points: dict) -> dict:
    return {"selection": {"points": list(points), "point_indices": [0], "box": [], "lasso": []}}


def test_a_clicked_bar_gives_its_period_and_quad_class() -> None:
    point = {"x": "2018-03-01", "y": 12, "customdata": [4, "a_to_b", 12], "curve_number": 6, "point_number": 2}
    assert clicked_bar(_event(point)) == (dt.date(2018, 3, 1), 4, "a_to_b")


def test_a_mirrored_bar_gives_its_quad_class_too() -> None:
    point = {"x": "2018-03-01", "y": -5, "customdata": [2, "b_to_a", 5]}
    assert clicked_bar(_event(point)) == (dt.date(2018, 3, 1), 2, "b_to_a")


def test_a_datetime_x_gives_the_date() -> None:
    assert clicked_bar(_event({"x": "2018-03-01 00:00:00", "customdata": [1, "a_to_b", 3]})) == (
        dt.date(2018, 3, 1), 1, "a_to_b")


@pytest.mark.parametrize("event", [None, {}, {"selection": {}}, {"selection": {"points": []}},
                                   {"selection": None}, _event()])
def test_no_selection_gives_none(event) -> None:
    assert clicked_bar(event) is None


def test_a_line_point_gives_the_period_without_a_quad_class() -> None:
    assert clicked_bar(_event({"x": "2012-06-01", "y": 1.2, "curve_number": 8})) == (dt.date(2012, 6, 1), None, None)


@pytest.mark.parametrize("custom", [[9, "a_to_b", 3], ["4", "a_to_b", 3], [], "4", None])
def test_customdata_without_a_quad_class_gives_no_quad(custom) -> None:
    assert clicked_bar(_event({"x": "2012-06-01", "customdata": custom})) == (dt.date(2012, 6, 1), None, None)


@pytest.mark.parametrize("direction", ["both", "A_TO_B", None, 3])
def test_a_bar_without_a_known_direction_gives_both_directions(direction) -> None:
    assert clicked_bar(_event({"x": "2012-06-01", "customdata": [2, direction, 5]})) == (dt.date(2012, 6, 1), 2, None)


@pytest.mark.parametrize("x", ["garbage", "", "2012-13-01", 42, None])
def test_a_point_with_a_garbage_x_is_skipped(x) -> None:
    assert clicked_bar(_event({"x": x, "customdata": [1, "a_to_b", 3]})) is None


def test_the_first_point_with_a_date_wins() -> None:
    event = _event({"x": "nope", "customdata": [3, "a_to_b", 1]}, {"x": "2012-07-01", "customdata": [3, "b_to_a", 2]},
                   {"x": "2012-08-01", "customdata": [1, "a_to_b", 9]})
    assert clicked_bar(event) == (dt.date(2012, 7, 1), 3, "b_to_a")


# --- (4) spikes on real rows -------------------------------------------------------------------

GEO_USA = {"a": "GEO", "b": "USA", "start": dt.date(2011, 6, 1), "end": dt.date(2013, 5, 31)}


@pytest.fixture
def geo_usa_monthly(sample_con) -> pd.DataFrame:
    return run(sample_con, "pair_activity", {**GEO_USA, "grain": "month"})


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, month = [], start.replace(day=1)
    while month <= end:
        out.append(month)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _monthly_series(activity: pd.DataFrame) -> tuple[list[dt.date], list[int], list[int]]:
    """events and conflict events (quad 3-4) per month, empty months as 0, from the query rows."""
    events, conflict = {}, {}
    for period, quad, n in activity[["period", "quad_class", "events"]].itertuples(index=False):
        day = pd.Timestamp(period).date()
        events[day] = events.get(day, 0) + int(n)
        conflict[day] = conflict.get(day, 0) + (int(n) if quad >= 3 else 0)
    months = _months(GEO_USA["start"], GEO_USA["end"])
    return months, [events.get(m, 0) for m in months], [conflict.get(m, 0) for m in months]


def _documented_rule(events: list[int], conflict: list[int]) -> dict[tuple[int, str], float]:
    """spikes.py's docstring, recomputed: {(index, kind): z} of every period that is a spike."""
    w, need, thr, least = spikes.WINDOW, spikes.MIN_HISTORY, spikes.THRESHOLD, spikes.MIN_EVENTS
    found = {}
    for t in range(len(events)):
        history = events[max(0, t - w):t]
        if len(history) < need or events[t] < least:
            continue
        med = statistics.median(history)
        mad = statistics.median(abs(h - med) for h in history)
        z = (events[t] - med) / max(1.4826 * mad, math.sqrt(med + 1))
        if z >= thr:
            found[(t, "volume")] = z
        # a share exists only for periods with events
        shares = [c / e for e, c in zip(history, conflict[max(0, t - w):t], strict=True) if e > 0]
        if len(shares) >= need:
            smed = statistics.median(shares)
            smad = statistics.median(abs(s - smed) for s in shares)
            share_z = (conflict[t] / events[t] - smed) / max(1.4826 * smad, 0.1)
            if share_z >= thr:
                found[(t, "conflict")] = share_z
    return found


def _flagged(activity: pd.DataFrame, start=GEO_USA["start"], end=GEO_USA["end"]) -> dict[tuple, float]:
    frame = spikes.find_spikes(spikes.per_period(activity, start, end, "month"))
    return {(pd.Timestamp(p).date(), k): z for p, k, z in frame[["period", "kind", "z"]].itertuples(index=False)}


def test_every_flagged_period_satisfies_the_documented_rule(geo_usa_monthly) -> None:
    months, events, conflict = _monthly_series(geo_usa_monthly)
    rule = {(months[t], kind): z for (t, kind), z in _documented_rule(events, conflict).items()}
    flagged = _flagged(geo_usa_monthly)
    assert flagged, "the Georgia-USA sample has spikes; an empty result means the test lost its subject"
    for key, z in flagged.items():
        assert key in rule, key
        assert z == pytest.approx(rule[key]), key


def test_no_unflagged_period_satisfies_the_documented_rule(geo_usa_monthly) -> None:
    months, events, conflict = _monthly_series(geo_usa_monthly)
    rule = {(months[t], kind) for t, kind in _documented_rule(events, conflict)}
    assert rule - set(_flagged(geo_usa_monthly)) == set()


def test_ten_times_the_events_of_a_period_is_a_volume_spike(geo_usa_monthly) -> None:
    series = spikes.per_period(geo_usa_monthly, GEO_USA["start"], GEO_USA["end"], "month")
    before = spikes.find_spikes(series)
    calm = [t for t in range(spikes.MIN_HISTORY, len(series))
            if series["events"].iloc[t] >= spikes.MIN_EVENTS and series["period"].iloc[t] not in set(before["period"])]
    t = calm[-1]  # the latest unflagged period with enough events
    boosted = series.copy()
    boosted.loc[t, ["events", "conflict"]] *= 10
    after = spikes.find_spikes(boosted)
    assert ((after["period"] == series["period"].iloc[t]) & (after["kind"] == "volume")).any()


def test_the_default_pair_is_looked_up_only_when_the_url_names_no_usable_pair() -> None:
    """The busiest-pair query costs a scan: a link that names its pair must not pay for it."""
    calls = []

    def busiest() -> tuple[str, str]:
        calls.append(1)
        return ("CHN", "USA")

    codes, rng = ["CHN", "LBY", "RUS", "USA"], (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    view = pair_state.parse({"a": "LBY", "b": "RUS"}, codes, busiest, rng)
    assert (view.a, view.b, calls) == ("LBY", "RUS", [])
    view = pair_state.parse({}, codes, busiest, rng)
    assert (view.a, view.b, len(calls)) == ("CHN", "USA", 1)
    view = pair_state.parse({"a": "XXX", "b": "RUS"}, codes, busiest, rng)
    assert (view.a, view.b) == ("CHN", "RUS") and view.notices


def test_latest_spikes_agree_with_find_spikes_on_each_pairs_own_series(sample_con) -> None:
    """The Overview judges every pair's latest month at once; it must flag exactly what the Pair
    page's find_spikes flags in that month on the pair's own series (real rows, 1979-2020)."""
    found_any = False
    for year in (1986, 2012, 2015, 2018):
        last = dt.date(year, 12, 31)
        months = run(sample_con, "recent_pair_months", {"start": dt.date(year - 1, 12, 1), "end": last,
                                                        "min_events": 1})
        expected = []
        for (a, b), rows in months.groupby(["country_a", "country_b"]):
            flagged = spikes.find_spikes(spikes.per_period(rows, rows["period"].min(), last, "month"))
            latest = flagged[pd.to_datetime(flagged["period"]) == pd.Timestamp(dt.date(year, 12, 1))]
            expected += [(a, b, k, pytest.approx(z)) for k, z in latest[["kind", "z"]].itertuples(index=False)]
        got = [(s["a"], s["b"], s["kind"], s["z"]) for s in spikes.latest_spikes(months, last, pairs=10_000)]
        assert sorted(got, key=str) == sorted(expected, key=str)
        found_any |= bool(got)
    assert found_any, "the sample has latest-month spikes (e.g. December 2012); none found means a lost subject"


def test_latest_spikes_reports_a_boosted_latest_month_of_the_busiest_pairs_only(geo_usa_monthly) -> None:
    """Overview: a pair whose latest month has ten times its usual events is reported, unless it is
    not among the busiest `pairs` of the year."""
    last = GEO_USA["end"]
    latest = pd.Timestamp(last.replace(day=1))
    busy = geo_usa_monthly.assign(country_a="GEO", country_b="USA")
    quiet = busy.assign(country_a="ARM", events=(busy["events"] // 4).clip(lower=1))
    assert spikes.latest_spikes(pd.concat([busy, quiet]), last, pairs=2) == [], "no spike before the boost"

    boosted_quiet = quiet.assign(events=quiet["events"].where(pd.to_datetime(quiet["period"]) != latest,
                                                              quiet["events"] * 10))
    months = pd.concat([busy, boosted_quiet])
    found = spikes.latest_spikes(months, last, pairs=2)
    assert [(s["a"], s["b"], s["kind"]) for s in found] == [("ARM", "USA", "volume")]
    assert pd.Timestamp(found[0]["period"]) == latest
    assert spikes.latest_spikes(months, last, pairs=1) == []  # ARM-USA is not the busiest pair


def test_per_period_fills_empty_periods_with_zero(geo_usa_monthly) -> None:
    months, events, conflict = _monthly_series(geo_usa_monthly)
    empty = [m for m, n in zip(months, events, strict=True) if n == 0]
    assert empty, "the sample has no March 2013: that month must be present with 0"
    series = spikes.per_period(geo_usa_monthly, GEO_USA["start"], GEO_USA["end"], "month")
    got = {pd.Timestamp(p).date(): (int(e), int(c)) for p, e, c in series.itertuples(index=False)}
    assert got == {m: (e, c) for m, e, c in zip(months, events, conflict, strict=True)}


@pytest.mark.parametrize("grain", ["week", "month", "quarter", "year"])
def test_per_period_starts_match_duckdb_date_trunc(sample_con, grain: str) -> None:
    start, end = dt.date(2011, 6, 15), dt.date(2013, 5, 20)  # mid-week, mid-month, mid-quarter
    activity = run(sample_con, "pair_activity", {**GEO_USA, "start": start, "end": end, "grain": grain})
    series = spikes.per_period(activity, start, end, grain)
    assert [pd.Timestamp(p).date() for p in series["period"]] == _duckdb_period_starts(start, end, grain)


# --- (5) charts.pair_timeline ------------------------------------------------------------------


def _bars_of(fig) -> list:
    return [t for t in fig.data if t.type == "bar"]


def test_bars_are_named_after_the_quad_classes_in_words(geo_usa_monthly) -> None:
    fig = charts.pair_timeline(geo_usa_monthly, "Georgia", "United States")
    names = {q: name for q, (name, _) in charts.QUAD_CLASSES.items()}
    assert {t.name for t in _bars_of(fig)} == {names[q] for q in set(geo_usa_monthly["quad_class"])}
    for trace in _bars_of(fig):
        assert {names[c[0]] for c in trace.customdata} == {trace.name}


def test_bars_have_the_fixed_quad_colours(geo_usa_monthly) -> None:
    fig = charts.pair_timeline(geo_usa_monthly, "Georgia", "United States")
    for trace in _bars_of(fig):
        assert {charts.QUAD_CLASSES[c[0]][1] for c in trace.customdata} == {trace.marker.color}


@pytest.mark.parametrize(("split", "sign"), [(True, -1), (False, 1)])
def test_b_to_a_bars_are_below_the_axis_only_when_split(geo_usa_monthly, split: bool, sign: int) -> None:
    fig = charts.pair_timeline(geo_usa_monthly, "Georgia", "United States", split=split)
    for trace in _bars_of(fig):
        direction = {c[1] for c in trace.customdata}
        assert len(direction) == 1
        expected = sign if direction == {"b_to_a"} else 1
        assert all(y * expected > 0 for y in trace.y)
        assert sorted(abs(int(y)) for y in trace.y) == sorted(int(c[2]) for c in trace.customdata)


def test_bars_are_as_wide_as_their_own_month_and_the_axis_spans_the_window(geo_usa_monthly) -> None:
    window = (GEO_USA["start"], GEO_USA["end"])
    fig = charts.pair_timeline(geo_usa_monthly, "Georgia", "United States", grain="month", window=window)
    day_ms = 86_400_000
    for trace in _bars_of(fig):
        for x, width in zip(trace.x, trace.width, strict=True):
            start = pd.Timestamp(x)
            days = ((start + pd.offsets.MonthBegin(1)) - start).days  # 28 to 31
            assert width == pytest.approx(days * day_ms * 0.85)
    low, high = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert low < pd.Timestamp(window[0]) <= low + pd.Timedelta(days=16)
    assert high - pd.Timedelta(days=16) <= pd.Timestamp(window[1]) < high


def test_a_single_active_year_is_one_narrow_bar_in_a_long_window(sample_con) -> None:
    """GEO-USA over 42 years (active 2011-2013 here): each year keeps its width on a 42-year axis."""
    activity = run(sample_con, "pair_activity", {"a": "GEO", "b": "USA", "start": dt.date(1979, 1, 1),
                                                 "end": dt.date(2020, 12, 31), "grain": "year"})
    fig = charts.pair_timeline(activity, "Georgia", "United States", grain="year",
                               window=(dt.date(1979, 1, 1), dt.date(2020, 12, 31)))
    low, high = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    axis_ms = (high - low).total_seconds() * 1000
    widest = max(max(t.width) for t in _bars_of(fig))
    assert widest <= 366 * 86_400_000 * 0.85
    assert widest / axis_ms < 0.03


def test_few_events_get_whole_number_ticks(geo_usa_monthly) -> None:
    few = geo_usa_monthly[geo_usa_monthly["events"] <= 2].head(2)
    assert charts.pair_timeline(few, "Georgia", "United States").layout.yaxis.dtick == 1
    assert charts.pair_timeline(geo_usa_monthly, "Georgia", "United States").layout.yaxis.dtick is None


def test_goldstein_and_tone_lines_are_in_the_second_row(geo_usa_monthly) -> None:
    fig = charts.pair_timeline(geo_usa_monthly, "Georgia", "United States")
    lines = {t.name: (t.xaxis, t.yaxis) for t in fig.data if t.type == "scatter"}
    assert lines == {"Mean Goldstein": ("x2", "y2"), "Mean tone": ("x2", "y2")}
    assert {(t.xaxis, t.yaxis) for t in _bars_of(fig)} == {("x", "y")}


def test_goldstein_line_is_the_mean_over_the_periods_event_rows(sample_con, geo_usa_monthly) -> None:
    fig = charts.pair_timeline(geo_usa_monthly, "Georgia", "United States")
    line = next(t for t in fig.data if t.name == "Mean Goldstein")
    rows = run(sample_con, "pair_events", {**GEO_USA, "limit": 100000})
    means = rows.groupby(rows["event_date"].dt.to_period("M").dt.start_time)["goldstein"].mean()
    got = dict(zip(pd.to_datetime(line.x), line.y, strict=True))
    assert got.keys() == set(means.index)
    for period, mean in means.items():
        assert got[period] == pytest.approx(mean), period


def test_with_volume_bars_are_percentages_of_all_events(sample_con, geo_usa_monthly) -> None:
    volume = run(sample_con, "volume_by_period", {"start": GEO_USA["start"], "end": GEO_USA["end"], "grain": "month"})
    totals = dict(zip(pd.to_datetime(volume["period"]), volume["events"], strict=True))
    fig = charts.pair_timeline(geo_usa_monthly, "Georgia", "United States", split=False, volume=volume)
    checked = 0
    for trace in _bars_of(fig):
        for x, y, custom in zip(pd.to_datetime(trace.x), trace.y, trace.customdata, strict=True):
            assert y == pytest.approx(custom[2] / totals[x] * 100)
            assert 0 < y < 100
            checked += 1
    assert checked == len(geo_usa_monthly)


# --- (6) countries.resolve ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def lake_codes(sample_lake) -> list[str]:
    from lake import connection as lakes

    con = lakes.connect(sample_lake)
    try:
        return run(con, "countries")["code"].tolist()
    finally:
        con.close()


@pytest.mark.parametrize("text", ["Libya", "libya ", "LBY", "lby", "ليبيا", "Libye", "Ливия", "ليـبيا"])
def test_libya_is_found(lake_codes, text: str) -> None:
    assert resolve(text, lake_codes) == "LBY"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("إيران", "IRN"), ("ايران", "IRN"), ("أيران", "IRN"),  # alef with hamza below / bare / hamza above
        ("الأردن", "JOR"), ("الاردن", "JOR"), ("الآردن", "JOR"),  # ... and alef madda
        ("أفغانستان", "AFG"), ("افغانستان", "AFG"),
        ("الامارات العربيه المتحده", "ARE"),  # bare alef, taa marbuta as haa
        ("روسيا", "RUS"), ("روسيأ", "RUS"),
    ],
)
def test_arabic_spelling_variants_are_found(lake_codes, text: str, code: str) -> None:
    assert resolve(text, lake_codes) == code


@pytest.mark.parametrize("text", ["Nig", "Guin", "Cong", "Atlantis", "", "   ", "ل" * 100, "XXX", "Li"])
def test_ambiguous_or_unknown_text_finds_nothing(lake_codes, text: str) -> None:
    assert resolve(text, lake_codes) is None
