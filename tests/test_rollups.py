"""The rollups agree with the raw event rows: whichever path answers, the UI's numbers are the same."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ingest.load import load
from lake import connection as lakes
from queries import macros, runner

WINDOWS = [
    ("1979-01-01", "2020-07-31"),
    ("2011-06-01", "2011-06-30"),
    ("2012-01-01", "2012-12-31"),
    ("2018-01-01", "2018-06-30"),
]
QUERIES = {
    "top_pairs": lambda s, e: [{"start": s, "end": e, "limit": 50}, {"start": s, "end": e, "limit": 50,
                                                                     "states_only": "false"}],
    "network_pairs": lambda s, e: [{"start": s, "end": e, "top": 500},
                                   {"start": s, "end": e, "min_events": 3, "quad_classes": "3,4", "root_codes": "10,11,12,13,14,15,16,17,18,19,20"}],
    "network_edges": lambda s, e: [{"start": s, "end": e}],
    "recent_pair_months": lambda s, e: [{"start": s, "end": e, "min_events": 2}],
}


def raw(con, name: str, params: dict) -> pd.DataFrame:
    """The query's own SQL over the events, bypassing the rollup twin."""
    query = runner.get(name)
    cursor = con.cursor()
    macros.define(cursor)
    cursor.execute("use lake")
    return cursor.execute(query.sql, query.bind(params)).df()


def assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert len(left) == len(right)
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                  check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w[0]}..{w[1]}")
@pytest.mark.parametrize("name", list(QUERIES))
def test_rollup_twin_equals_raw_rows(sample_con, name: str, window: tuple[str, str]) -> None:
    for params in QUERIES[name](*window):
        assert runner._month_aligned(runner.get(name).bind(params))
        assert_same(runner.run(sample_con, name, params), raw(sample_con, name, params))


@pytest.mark.parametrize("window", WINDOWS[1:], ids=lambda w: f"{w[0]}..{w[1]}")
def test_movers_from_rollups_equal_raw_rows(sample_con, window: tuple[str, str]) -> None:
    start, end = dt.date.fromisoformat(window[0]), dt.date.fromisoformat(window[1])
    prev_end = start - dt.timedelta(days=1)
    prev_start = (pd.Timestamp(start) - pd.DateOffset(months=12)).date()
    params = {"start": start, "end": end, "prev_start": prev_start, "prev_end": prev_end, "min_events": 1,
              "limit": 1000}
    assert_same(runner.run(sample_con, "pair_movers", params), raw(sample_con, "pair_movers", params))


EDGE_WINDOWS = [("1979-01-01", "2020-07-31"), ("2011-06-10", "2012-03-17"), ("2018-01-01", "2018-06-30"),
                ("2012-05-03", "2012-05-20"), ("2015-01-31", "2015-12-01")]
PAIRS = [("GEO", "RUS"), ("RUS", "GEO"), ("USA", "CHN"), ("CHN", "USA"), ("USA", "GEO"), ("ALB", "SRB")]  # the last: no events


@pytest.mark.parametrize("window", EDGE_WINDOWS, ids=lambda w: f"{w[0]}..{w[1]}")
@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
def test_pair_activity_and_timeline_from_rollups_equal_raw_rows_for_any_dates(sample_con, window, grain) -> None:
    """Whole months from pair_month, the partial months at the edges from the events."""
    for a, b in PAIRS:
        activity = {"a": a, "b": b, "start": window[0], "end": window[1], "grain": grain, "count": "raw"}
        filtered = {**activity, "quad_classes": "1,4", "root_codes": "4,5,19"}
        timeline = {"a": a, "b": b, "start": window[0], "end": window[1], "grain": grain, "direction": "both"}
        for name, params in (("pair_activity", activity), ("pair_activity", filtered), ("pair_timeline", timeline)):
            assert runner._twin(name).answers(runner.get(name).bind(params))
            assert_same(runner.run(sample_con, name, params), raw(sample_con, name, params))


def test_dedup_counts_and_week_grain_read_the_events() -> None:
    twin = runner._twin("pair_activity")
    base = {"a": "USA", "b": "CHN", "start": "2018-01-01", "end": "2018-06-30"}
    assert not twin.answers(runner.get("pair_activity").bind({**base, "grain": "month", "count": "dedup"}))
    assert not twin.answers(runner.get("pair_activity").bind({**base, "grain": "week", "count": "raw"}))


def test_unaligned_window_reads_the_events(sample_con) -> None:
    params = {"start": "2012-01-15", "end": "2012-12-31"}
    assert not runner._month_aligned(runner.get("network_edges").bind(params))
    assert_same(runner.run(sample_con, "network_edges", params), raw(sample_con, "network_edges", params))


def test_summary_and_volume_equal_raw_counts(sample_con) -> None:
    summary = runner.run(sample_con, "lake_summary").iloc[0]
    events, dyadic, pairs, first, last = sample_con.execute(
        "select count(*), count(*) filter (where pair_a <> pair_b), "
        "count(distinct (pair_a, pair_b)) filter (where pair_a <> pair_b), min(event_date), max(event_date) "
        "from lake.events").fetchone()
    assert (summary["events"], summary["dyadic_events"], summary["pairs"]) == (events, dyadic, pairs)
    assert (summary["first_date"].date(), summary["last_date"].date()) == (first, last)
    volume = runner.run(sample_con, "volume_by_period", {"start": "2011-06-10", "end": "2012-02-20", "grain": "week"})
    expected = sample_con.execute(
        "select date_trunc('week', event_date)::date as period, count(*) as events from lake.events "
        "where event_date between '2011-06-10' and '2012-02-20' group by 1 order by 1").df()
    assert_same(volume, expected)


def test_countries_equal_raw_counts(sample_con) -> None:
    expected = sample_con.execute(
        "select code, count(*) as events from (select unnest(list_distinct([actor1_country, actor2_country])) "
        "as code from lake.events) where code is not null group by code").df()
    got = runner.run(sample_con, "countries")[["code", "events"]]
    assert_same(got.sort_values("code"), expected.sort_values("code"))


def test_rollups_follow_each_commit_and_snapshot(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    """A second load adds its own rollup rows in its own commit: each snapshot stays exact."""
    source = Path(__file__).resolve().parent.parent / "data" / "sample" / "events" / "20171126081500.export.CSV.gz"
    import gzip

    shifted = tmp_path / "shifted.export.CSV"
    with gzip.open(source, "rt", encoding="utf-8") as f, shifted.open("w", encoding="utf-8") as out:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            fields[0] = str(int(fields[0]) + 10**10)
            out.write("\t".join(fields) + "\n")
    con = lakes.connect(copy_of_sample_lake)
    before = lakes.current_snapshot(con)
    con.close()
    load("gdelt", [str(shifted)], copy_of_sample_lake)
    con = lakes.connect(copy_of_sample_lake)
    params = {"start": "1979-01-01", "end": "2020-07-31", "limit": 1000, "states_only": "false"}
    assert_same(runner.run(con, "top_pairs", params), raw(con, "top_pairs", params))
    old = runner.run(con, "top_pairs", params, snapshot=before)
    cursor = con.cursor()
    macros.define(cursor)
    cursor.execute(f"use {lakes.snapshot_alias(con, before)}")
    query = runner.get("top_pairs")
    assert_same(old, cursor.execute(query.sql, query.bind(params)).df())
    con.close()


def test_older_lake_gets_rollups_built(copy_of_sample_lake: Path) -> None:
    from ingest.store import ensure_schema

    con = lakes.connect(copy_of_sample_lake, read_only=False)
    con.execute("begin")
    for table in ("pair_month", "day_volume", "country_month"):
        con.execute(f"drop table lake.{table}")
    con.execute("commit")
    ensure_schema(con)
    params = {"start": "2012-01-01", "end": "2012-12-31"}
    assert_same(runner.run(con, "network_edges", params), raw(con, "network_edges", params))
    con.close()


def test_an_older_lake_gets_pair_month_by_direction_rebuilt_from_its_events(copy_of_sample_lake: Path) -> None:
    from ingest import rollups, store

    con = lakes.connect(copy_of_sample_lake, read_only=False)
    try:
        con.execute("alter table lake.pair_month drop column initiator_is_a")  # as lakes made before it
        assert not rollups.has_direction(con)
        before = lakes.current_snapshot(con)
        store.ensure_schema(con)
        assert rollups.has_direction(con) and lakes.current_snapshot(con) == before + 1
        params = {"a": "GEO", "b": "RUS", "start": "2011-06-10", "end": "2013-05-31", "grain": "month", "count": "raw"}
        assert_same(runner.run(con, "pair_activity", params), raw(con, "pair_activity", params))
    finally:
        con.close()


def test_a_lake_not_yet_upgraded_answers_from_the_events(copy_of_sample_lake: Path) -> None:
    con = lakes.connect(copy_of_sample_lake, read_only=False)
    try:
        con.execute("alter table lake.pair_month drop column initiator_is_a")
        params = {"a": "GEO", "b": "RUS", "start": "2011-06-01", "end": "2013-05-31", "grain": "year", "count": "raw"}
        assert_same(runner.run(con, "pair_activity", params), raw(con, "pair_activity", params))
    finally:
        con.close()
