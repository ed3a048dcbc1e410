"""Named queries (queries/*.sql run by queries.runner) give the numbers the raw GDELT files give.

Every expected value is recomputed here from the raw files with Python's `csv` module, never with
DuckDB, so a mistake in the loader or in a query's SQL shows up as a difference.

Country codes: the store maps a few CAMEO actor country codes to ISO 3166 alpha-3
(lake.reference.CAMEO_TO_ISO3: ROM->ROU, TMP->TLS, ...). The recomputations apply that same
mapping (`iso()` below). In the files used here (the embedded sample, the USA-China 2018 slice
and the 2015 GDELT 2.0 export) none of the mapped CAMEO codes occurs, so the mapping changes
nothing for them; it is applied so that a file where it matters would still be compared fairly.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingest.load import load
from ingest.sample import SAMPLE
from lake import connection as lakes
from lake.reference import CAMEO_TO_ISO3, NON_STATE
from queries import runner
from queries.runner import QueryError

TOLERANCE = 1e-9

SAMPLE_EVENTS = SAMPLE / "events"
SAMPLE_USA_CHN = SAMPLE_EVENTS / "usa_chn_events_2018-01_to_2018-06.csv.gz"
SHARED_USA_CHN = Path("gdelt_v1_usa_chn_2018") / "usa_chn_events_2018-01_to_2018-06.csv"
SHARED_V2_EXPORT = Path("gdelt_v2_events") / "20151027220000.export.CSV"
USA_CHN_WINDOW = (dt.date(2018, 1, 1), dt.date(2018, 6, 30))


# ---------------------------------------------------------------------------------------------
# An independent reader of raw GDELT event files (csv module only).
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RawEvent:
    event_id: int
    date: dt.date
    actor1: str | None  # CAMEO country code as written in the file, spaces stripped
    actor2: str | None
    quad_class: int
    goldstein: float
    tone: float | None
    date_added: dt.datetime | None
    source_url: str | None


# 0-based field positions of the columns used here, by number of fields in a headerless row:
# GDELT 2.0 (61), GDELT 1.0 daily (58), GDELT 1.0 backfile (57, no SOURCEURL).
_BASE = {"id": 0, "date": 1, "a1": 7, "a2": 17, "quad": 29, "gold": 30, "tone": 34}
FIXED_POSITIONS = {
    61: {**_BASE, "added": 59, "url": 60},
    58: {**_BASE, "added": 56, "url": 57},
    57: {**_BASE, "added": 56, "url": None},
}
HEADER_NAMES = {
    "id": "GLOBALEVENTID", "date": "SQLDATE", "a1": "ACTOR1COUNTRYCODE", "a2": "ACTOR2COUNTRYCODE",
    "quad": "QUADCLASS", "gold": "GOLDSTEINSCALE", "tone": "AVGTONE", "added": "DATEADDED",
    "url": "SOURCEURL",
}
MISSING = {"", "NULL", "NA"}


def raw_text(path: Path) -> str:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return archive.read(archive.namelist()[0]).decode("utf-8")
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8")


def _value(record: list[str], position: int | None) -> str | None:
    if position is None:
        return None
    text = record[position].strip()
    return None if text in MISSING else text


def _date_added(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    return dt.datetime.strptime(text, "%Y%m%d%H%M%S" if len(text) == 14 else "%Y%m%d")


def _event(record: list[str], pos: dict[str, int | None]) -> RawEvent:
    tone = _value(record, pos["tone"])
    return RawEvent(
        event_id=int(_value(record, pos["id"])),
        date=dt.datetime.strptime(_value(record, pos["date"]), "%Y%m%d").date(),
        actor1=_value(record, pos["a1"]),
        actor2=_value(record, pos["a2"]),
        quad_class=int(_value(record, pos["quad"])),
        goldstein=float(_value(record, pos["gold"])),
        tone=None if tone is None else float(tone),
        date_added=_date_added(_value(record, pos["added"])),
        source_url=_value(record, pos["url"]),
    )


def raw_events(path: Path) -> list[RawEvent]:
    """Every data row of a GDELT events file: raw tab-separated 2.0/1.0, or a BigQuery/R CSV."""
    text = raw_text(path)
    if "\t" in text.split("\n", 1)[0]:  # raw export: no header, no quoting
        records = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
        return [_event(r, FIXED_POSITIONS[len(r)]) for r in records if r]
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    first = [f.strip().upper() for f in records[0]]
    if "SQLDATE" not in first:  # headerless export (BigQuery)
        return [_event(r, FIXED_POSITIONS[len(r)]) for r in records]
    # R's write.csv: a header of names; some files add an unnamed row-name column to each row.
    offset = 1 if len(records[1]) == len(first) + 1 else 0
    pos = {key: (first.index(name) + offset if name in first else None) for key, name in HEADER_NAMES.items()}
    return [_event(r, pos) for r in records[1:]]


def iso(code: str | None) -> str | None:
    """The store's country code for a CAMEO actor country code (see the module docstring)."""
    return None if code is None else CAMEO_TO_ISO3.get(code, code)


def in_window(events: Iterable[RawEvent], start: dt.date, end: dt.date) -> list[RawEvent]:
    return [e for e in events if start <= e.date <= end]


def dyadic_pair(event: RawEvent) -> tuple[str, str] | None:
    """The unordered pair of two different, non-empty actor countries, or None."""
    a, b = iso(event.actor1), iso(event.actor2)
    if a is None or b is None or a == b:
        return None
    return (a, b) if a < b else (b, a)


def period_start(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":  # ISO weeks start on Monday
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(grain)


def mean(values: list[float]) -> float:
    return math.fsum(values) / len(values) if values else math.nan


def expected_timeline(
    events: Iterable[RawEvent], a: str, b: str, start: dt.date, end: dt.date, grain: str, direction: str
) -> dict[tuple[dt.date, int], tuple[int, float, float]]:
    """(period, quad class) -> (events, goldstein mean, tone mean), from raw rows."""
    wanted = set()
    if direction in ("a_to_b", "both"):
        wanted.add((a, b))
    if direction in ("b_to_a", "both"):
        wanted.add((b, a))
    groups: dict[tuple[dt.date, int], list[RawEvent]] = defaultdict(list)
    for e in in_window(events, start, end):
        if (iso(e.actor1), iso(e.actor2)) in wanted:
            groups[(period_start(e.date, grain), e.quad_class)].append(e)
    return {
        key: (len(rows), mean([r.goldstein for r in rows]),
              mean([r.tone for r in rows if r.tone is not None]))
        for key, rows in groups.items()
    }


def timeline_of(frame: pd.DataFrame) -> dict[tuple[dt.date, int], tuple[int, float, float]]:
    return {
        (pd.Timestamp(r.period).date(), int(r.quad_class)): (int(r.events), float(r.goldstein_mean),
                                                           float(r.tone_mean))
        for r in frame.itertuples()
    }


def close(got: float, want: float) -> bool:
    """Equal within TOLERANCE; two NaNs (a mean over no values) are equal."""
    return (math.isnan(got) and math.isnan(want)) or abs(got - want) <= TOLERANCE


def assert_same_timeline(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for key, (events, goldstein, tone) in want.items():
        assert got[key][0] == events, key
        assert close(got[key][1], goldstein), key
        assert close(got[key][2], tone), key


def expected_edges(events: Iterable[RawEvent], start: dt.date, end: dt.date) -> dict[tuple[str, str], tuple[int, float]]:
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for e in in_window(events, start, end):
        pair = dyadic_pair(e)
        if pair:
            groups[pair].append(e.goldstein)
    return {pair: (len(g), mean(g)) for pair, g in groups.items()}


def edges_of(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[int, float]]:
    return {(r.country_a, r.country_b): (int(r.events), float(r.goldstein_mean)) for r in frame.itertuples()}


def assert_same_edges(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for pair, (events, goldstein) in want.items():
        assert got[pair][0] == events, pair
        assert close(got[pair][1], goldstein), pair


def write_events_with_new_ids(source: Path, target: Path, offset: int) -> int:
    """Copy a raw tab-separated GDELT export with every GLOBALEVENTID moved by `offset`: real rows
    the lake has not seen. Returns the number of rows written."""
    lines = [line for line in raw_text(source).split("\n") if line.strip()]
    out = []
    for line in lines:
        event_id, rest = line.split("\t", 1)
        out.append(f"{int(event_id) + offset}\t{rest}")
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(out)


@contextmanager
def connection(lake: Path, **kwargs) -> Iterator[duckdb.DuckDBPyConnection]:
    con = lakes.connect(lake, **kwargs)
    try:
        yield con
    finally:
        con.close()


def one_line(err: BaseException) -> bool:
    text = str(err)
    return bool(text.strip()) and "\n" not in text and "\r" not in text


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sample_raw() -> list[RawEvent]:
    """Every event row of every file in data/sample/events, read with csv."""
    return [e for path in sorted(SAMPLE_EVENTS.iterdir()) for e in raw_events(path)]


@pytest.fixture(scope="session")
def sample_usa_chn_raw() -> list[RawEvent]:
    return raw_events(SAMPLE_USA_CHN)


def _lake_of(tmp_path_factory: pytest.TempPathFactory, path: Path) -> Path:
    lake = tmp_path_factory.mktemp("one_file") / "lake"
    load("gdelt", [str(path)], lake)
    return lake


@pytest.fixture(scope="module")
def usa_chn_con(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """A lake holding only the shared BigQuery USA-China slice."""
    with connection(_lake_of(tmp_path_factory, shared_data / SHARED_USA_CHN)) as con:
        yield con


@pytest.fixture(scope="module")
def v2_export_con(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """A lake holding only one raw GDELT 2.0 15-minute export."""
    with connection(_lake_of(tmp_path_factory, shared_data / SHARED_V2_EXPORT)) as con:
        yield con


@pytest.fixture(scope="module")
def v2_export_raw(shared_data: Path) -> list[RawEvent]:
    return raw_events(shared_data / SHARED_V2_EXPORT)


@pytest.fixture(scope="module")
def v2_top_pair(v2_export_raw: list[RawEvent]) -> tuple[str, str]:
    """The most frequent pair of two different countries in the 2.0 export (ties: alphabetical)."""
    counts = Counter(p for e in v2_export_raw if (p := dyadic_pair(e)))
    (pair, _), *_ = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return pair


def _timeline(con, a: str, b: str, start: dt.date, end: dt.date, grain: str, direction: str) -> dict:
    frame = runner.run(con, "pair_timeline", {"a": a, "b": b, "start": start.isoformat(),
                                              "end": end.isoformat(), "grain": grain, "direction": direction})
    return timeline_of(frame)


DIRECTIONS = ("both", "a_to_b", "b_to_a")


# ---------------------------------------------------------------------------------------------
# pair_timeline
# ---------------------------------------------------------------------------------------------

@pytest.mark.shared
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_pair_timeline_matches_bigquery_usa_chn_file(usa_chn_con, shared_data: Path, direction: str) -> None:
    raw = raw_events(shared_data / SHARED_USA_CHN)
    got = _timeline(usa_chn_con, "USA", "CHN", *USA_CHN_WINDOW, "month", direction)
    want = expected_timeline(raw, "USA", "CHN", *USA_CHN_WINDOW, "month", direction)
    assert want, "the raw file has USA-CHN rows in the window"
    assert_same_timeline(got, want)


@pytest.mark.shared
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_pair_timeline_matches_raw_v2_export_for_its_top_pair(
    v2_export_con, v2_export_raw: list[RawEvent], v2_top_pair: tuple[str, str], direction: str
) -> None:
    a, b = v2_top_pair
    start, end = dt.date(2014, 1, 1), dt.date(2015, 12, 31)  # the file's SQLDATEs: 2014-10-27..2015-10-27
    got = _timeline(v2_export_con, a, b, start, end, "year", direction)
    want = expected_timeline(v2_export_raw, a, b, start, end, "year", direction)
    assert sum(n for n, _, _ in expected_timeline(v2_export_raw, a, b, start, end, "year", "both").values()) > 10
    assert_same_timeline(got, want)


@pytest.mark.parametrize("a, b", [("USA", "CHN"), ("CHN", "USA")])
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_pair_timeline_matches_embedded_usa_chn_sample(
    sample_con, sample_usa_chn_raw: list[RawEvent], a: str, b: str, direction: str
) -> None:
    # No other sample file has USA-CHN events dated January-June 2018, so this one file is
    # the whole expected answer on the sample lake.
    got = _timeline(sample_con, a, b, *USA_CHN_WINDOW, "month", direction)
    want = expected_timeline(sample_usa_chn_raw, a, b, *USA_CHN_WINDOW, "month", direction)
    assert want
    assert_same_timeline(got, want)


@pytest.mark.parametrize("grain", ["day", "week", "quarter", "year"])
def test_pair_timeline_grains_match_embedded_usa_chn_sample(
    sample_con, sample_usa_chn_raw: list[RawEvent], grain: str
) -> None:
    got = _timeline(sample_con, "USA", "CHN", *USA_CHN_WINDOW, grain, "both")
    want = expected_timeline(sample_usa_chn_raw, "USA", "CHN", *USA_CHN_WINDOW, grain, "both")
    assert_same_timeline(got, want)


def test_pair_timeline_window_is_inclusive_of_both_dates(sample_con, sample_usa_chn_raw: list[RawEvent]) -> None:
    day = dt.date(2018, 3, 23)  # a busy day in the slice
    got = _timeline(sample_con, "USA", "CHN", day, day, "day", "both")
    assert sum(n for n, _, _ in got.values()) == sum(1 for e in sample_usa_chn_raw if e.date == day) > 0


def test_pair_timeline_accepts_lower_case_codes(sample_con) -> None:
    upper = _timeline(sample_con, "USA", "CHN", *USA_CHN_WINDOW, "month", "a_to_b")
    lower = _timeline(sample_con, "usa", "chn", *USA_CHN_WINDOW, "month", "a_to_b")
    assert lower == upper


def test_pair_timeline_is_ordered_by_period_then_quad_class(sample_con) -> None:
    frame = runner.run(sample_con, "pair_timeline",
                       {"a": "USA", "b": "CHN", "start": "2018-01-01", "end": "2018-06-30", "grain": "week"})
    keys = list(zip(frame["period"], frame["quad_class"], strict=True))
    assert keys == sorted(keys)


# ---------------------------------------------------------------------------------------------
# network_edges
# ---------------------------------------------------------------------------------------------

def _edges(con, start: dt.date, end: dt.date, min_events: int = 1) -> pd.DataFrame:
    return runner.run(con, "network_edges",
                      {"start": start.isoformat(), "end": end.isoformat(), "min_events": min_events})


@pytest.mark.parametrize(
    "start, end",
    [
        (dt.date(2018, 1, 1), dt.date(2018, 6, 30)),  # the USA-CHN slice plus rows of three other files
        (dt.date(2011, 6, 1), dt.date(2013, 5, 31)),  # the Georgia R exports
        (dt.date(1979, 1, 1), dt.date(2020, 12, 31)),  # everything
    ],
    ids=["2018H1", "georgia", "all"],
)
def test_network_edges_match_raw_sample_rows(sample_con, sample_raw: list[RawEvent], start, end) -> None:
    want = expected_edges(sample_raw, start, end)
    assert want
    assert_same_edges(edges_of(_edges(sample_con, start, end)), want)


def test_network_edges_min_events_keeps_only_busy_pairs(sample_con, sample_raw: list[RawEvent]) -> None:
    start, end = dt.date(2011, 6, 1), dt.date(2013, 5, 31)
    want = {p: v for p, v in expected_edges(sample_raw, start, end).items() if v[0] >= 20}
    assert_same_edges(edges_of(_edges(sample_con, start, end, min_events=20)), want)


def test_network_edges_are_ordered_and_unordered_pairs(sample_con) -> None:
    frame = _edges(sample_con, dt.date(1979, 1, 1), dt.date(2020, 12, 31))
    assert (frame["country_a"] < frame["country_b"]).all()
    keys = [(-n, a, b) for a, b, n in zip(frame["country_a"], frame["country_b"], frame["events"], strict=True)]
    assert keys == sorted(keys)


@pytest.mark.shared
def test_network_edges_match_raw_v2_export(v2_export_con, v2_export_raw: list[RawEvent]) -> None:
    start, end = dt.date(2014, 10, 27), dt.date(2015, 10, 27)
    want = expected_edges(v2_export_raw, start, end)
    assert sum(n for n, _ in want.values()) == 366  # PROVENANCE.md: 366 dyadic rows in this file
    assert_same_edges(edges_of(_edges(v2_export_con, start, end)), want)


# ---------------------------------------------------------------------------------------------
# pair_events
# ---------------------------------------------------------------------------------------------

def _pair_events(con, a: str, b: str, start: dt.date, end: dt.date, limit: int = 100_000) -> pd.DataFrame:
    return runner.run(con, "pair_events", {"a": a, "b": b, "start": start.isoformat(),
                                           "end": end.isoformat(), "limit": limit})


def _raw_pair_events(events: Iterable[RawEvent], a: str, b: str, start: dt.date, end: dt.date) -> list[RawEvent]:
    pair = (a, b) if a < b else (b, a)
    return sorted((e for e in in_window(events, start, end) if dyadic_pair(e) == pair),
                  key=lambda e: (e.date, e.event_id))


MARCH_2018 = (dt.date(2018, 3, 1), dt.date(2018, 3, 31))


def test_pair_events_are_exactly_the_raw_events_of_the_window(sample_con, sample_usa_chn_raw) -> None:
    frame = _pair_events(sample_con, "USA", "CHN", *MARCH_2018)
    want = _raw_pair_events(sample_usa_chn_raw, "USA", "CHN", *MARCH_2018)
    assert len(want) > 100
    assert len(frame) == len(want), "one row per event, none repeated"
    assert set(frame["event_id"]) == {e.event_id for e in want}


def test_pair_events_include_both_directions(sample_con) -> None:
    frame = _pair_events(sample_con, "USA", "CHN", *MARCH_2018)
    directions = set(zip(frame["actor1_country"], frame["actor2_country"], strict=True))
    assert directions == {("USA", "CHN"), ("CHN", "USA")}


def test_pair_events_are_ordered_by_date(sample_con) -> None:
    frame = _pair_events(sample_con, "CHN", "USA", *MARCH_2018)
    keys = [(pd.Timestamp(d).date(), i) for d, i in zip(frame["event_date"], frame["event_id"], strict=True)]
    assert keys == sorted(keys)


def test_pair_events_carry_their_source_urls_and_dates(sample_con, sample_usa_chn_raw) -> None:
    frame = _pair_events(sample_con, "USA", "CHN", *MARCH_2018)
    raw = {e.event_id: e for e in _raw_pair_events(sample_usa_chn_raw, "USA", "CHN", *MARCH_2018)}
    for row in frame.itertuples():
        assert row.source_url == raw[row.event_id].source_url
        assert pd.Timestamp(row.event_date).date() == raw[row.event_id].date
    assert frame["source_url"].str.startswith("http").all()


def test_pair_events_limit_keeps_the_earliest(sample_con, sample_usa_chn_raw) -> None:
    frame = _pair_events(sample_con, "USA", "CHN", *USA_CHN_WINDOW, limit=7)
    want = _raw_pair_events(sample_usa_chn_raw, "USA", "CHN", *USA_CHN_WINDOW)[:7]
    assert list(frame["event_id"]) == [e.event_id for e in want]


def test_pair_events_count_every_matching_row_whatever_the_limit(sample_con, sample_usa_chn_raw) -> None:
    frame = _pair_events(sample_con, "USA", "CHN", *USA_CHN_WINDOW, limit=7)
    want = len(_raw_pair_events(sample_usa_chn_raw, "USA", "CHN", *USA_CHN_WINDOW))
    assert want > 7 and set(frame["matching_rows"]) == {want}


@pytest.mark.shared
def test_pair_events_match_raw_v2_export_for_its_top_pair(v2_export_con, v2_export_raw, v2_top_pair) -> None:
    a, b = v2_top_pair
    start, end = dt.date(2014, 10, 27), dt.date(2015, 10, 27)
    frame = _pair_events(v2_export_con, a, b, start, end)
    want = _raw_pair_events(v2_export_raw, a, b, start, end)
    assert len(frame) == len(want) > 0
    assert set(frame["event_id"]) == {e.event_id for e in want}
    assert dict(zip(frame["event_id"], frame["source_url"], strict=True)) == {e.event_id: e.source_url for e in want}


# ---------------------------------------------------------------------------------------------
# countries, top_pairs, lake_summary (sample lake vs every raw sample row)
# ---------------------------------------------------------------------------------------------

def test_countries_counts_every_event_involving_each_country(sample_con, sample_raw) -> None:
    want: Counter[str] = Counter()
    for e in sample_raw:
        want.update({c for c in (iso(e.actor1), iso(e.actor2)) if c is not None})
    frame = runner.run(sample_con, "countries")
    assert dict(zip(frame["code"], frame["events"], strict=True)) == dict(want)
    assert len(frame) == len(want), "one row per country"


def test_countries_are_ordered_by_events_then_code(sample_con) -> None:
    frame = runner.run(sample_con, "countries")
    keys = [(-n, c) for c, n in zip(frame["code"], frame["events"], strict=True)]
    assert keys == sorted(keys)


def test_countries_name_states_and_regions(sample_con) -> None:
    frame = runner.run(sample_con, "countries").set_index("code")
    assert (frame["is_state"] == ~frame.index.isin(sorted(NON_STATE))).all()
    assert frame.loc["USA", "name"] == "United States"
    assert frame.loc["CHN", "name"] == "China"
    assert frame.loc["GEO", "name"] == "Georgia"
    assert frame.loc["EUR", "name"] == "Europe"
    assert not frame.loc["EUR", "is_state"]


def _expected_top_pairs(events, start, end, states_only: bool) -> list[tuple[str, str, int, float, float]]:
    groups: dict[tuple[str, str], list[RawEvent]] = defaultdict(list)
    for e in in_window(events, start, end):
        pair = dyadic_pair(e)
        if pair and (not states_only or not set(pair) & NON_STATE):
            groups[pair].append(e)
    rows = [(a, b, len(g), mean([e.goldstein for e in g]), mean([1.0 if e.quad_class >= 3 else 0.0 for e in g]))
            for (a, b), g in groups.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))


@pytest.mark.parametrize("states_only", ["true", "false"])
def test_top_pairs_match_raw_sample_rows(sample_con, sample_raw, states_only: str) -> None:
    start, end = dt.date(2011, 1, 1), dt.date(2013, 12, 31)
    want = _expected_top_pairs(sample_raw, start, end, states_only == "true")[:1000]
    frame = runner.run(sample_con, "top_pairs", {"start": start.isoformat(), "end": end.isoformat(),
                                                 "limit": 1000, "states_only": states_only})
    got = list(zip(frame["country_a"], frame["country_b"], frame["events"], strict=True))
    assert got == [(a, b, n) for a, b, n, _, _ in want]
    for row, (_, _, _, goldstein, conflict) in zip(frame.itertuples(), want, strict=True):
        assert abs(row.goldstein_mean - goldstein) <= TOLERANCE
        assert abs(row.conflict_share - conflict) <= TOLERANCE


def test_top_pairs_default_limit_is_the_ten_busiest(sample_con, sample_raw) -> None:
    start, end = dt.date(2011, 1, 1), dt.date(2013, 12, 31)
    want = _expected_top_pairs(sample_raw, start, end, states_only=True)[:10]
    frame = runner.run(sample_con, "top_pairs", {"start": start.isoformat(), "end": end.isoformat()})
    assert list(zip(frame["country_a"], frame["country_b"], strict=True)) == [(a, b) for a, b, *_ in want]
    assert (frame.loc[0, "name_a"], frame.loc[0, "name_b"]) == ("Russia", "United States")


def test_top_pairs_states_only_leaves_out_regions(sample_con) -> None:
    frame = runner.run(sample_con, "top_pairs", {"start": "1979-01-01", "end": "2020-12-31", "limit": 1000})
    assert not (set(frame["country_a"]) | set(frame["country_b"])) & NON_STATE


@pytest.fixture(scope="module")
def summary(sample_lake: Path) -> pd.Series:
    with connection(sample_lake) as con:
        return runner.run(con, "lake_summary").iloc[0]


def test_lake_summary_events_equals_total_raw_rows(summary, sample_raw) -> None:
    assert summary["events"] == len(sample_raw)


def test_lake_summary_dyadic_events_and_pairs(summary, sample_raw) -> None:
    pairs = [p for e in sample_raw if (p := dyadic_pair(e))]
    assert summary["dyadic_events"] == len(pairs)
    assert summary["pairs"] == len(set(pairs))


def test_lake_summary_first_and_last_dates(summary, sample_raw) -> None:
    assert pd.Timestamp(summary["first_date"]).date() == min(e.date for e in sample_raw)
    assert pd.Timestamp(summary["last_date"]).date() == max(e.date for e in sample_raw)


def test_lake_summary_last_added(summary, sample_raw) -> None:
    assert pd.Timestamp(summary["last_added"]) == pd.Timestamp(
        max(e.date_added for e in sample_raw if e.date_added is not None))


# ---------------------------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------------------------

SAMPLE_V2_EXPORT = SAMPLE_EVENTS / "20171126081500.export.CSV.gz"
NEW_ID_OFFSET = 9_000_000_000


@pytest.fixture
def grown_lake(copy_of_sample_lake: Path, tmp_path: Path) -> tuple[Path, int, int, int]:
    """A copy of the sample lake with a second file loaded: (lake, old snapshot, new snapshot, rows added)."""
    with connection(copy_of_sample_lake) as con:
        old = lakes.current_snapshot(con)
    extra = tmp_path / "20171126081500.renumbered.export.CSV"
    rows = write_events_with_new_ids(SAMPLE_V2_EXPORT, extra, NEW_ID_OFFSET)
    summary = load("gdelt", [str(extra)], copy_of_sample_lake)
    assert summary.added == {"events": rows}
    return copy_of_sample_lake, old, summary.snapshot, rows


def test_snapshot_pins_the_old_counts(grown_lake, sample_raw) -> None:
    lake, old, _, _ = grown_lake
    with connection(lake) as con:
        assert runner.run(con, "lake_summary", snapshot=old).iloc[0]["events"] == len(sample_raw)


def test_without_snapshot_the_new_counts_show(grown_lake, sample_raw) -> None:
    lake, _, _, rows = grown_lake
    with connection(lake) as con:
        assert runner.run(con, "lake_summary").iloc[0]["events"] == len(sample_raw) + rows


def test_snapshot_pinned_to_the_newest_commit_of_a_copied_lake(grown_lake, sample_raw) -> None:
    lake, _, new, rows = grown_lake
    with connection(lake) as con:
        assert runner.run(con, "lake_summary", snapshot=new).iloc[0]["events"] == len(sample_raw) + rows


def test_unknown_snapshot_is_a_one_line_lake_error(sample_con) -> None:
    with pytest.raises(lakes.LakeError) as err:
        runner.run(sample_con, "lake_summary", snapshot=10_000)
    assert one_line(err.value)


# ---------------------------------------------------------------------------------------------
# Validation: every bad input is a one-line QueryError before any SQL runs
# ---------------------------------------------------------------------------------------------

TIMELINE = {"a": "USA", "b": "CHN", "start": "2018-01-01", "end": "2018-06-30"}
HOSTILE = "USA'; drop table events; --"


def _raises(con, name: str, params: dict, *needles: str) -> str:
    with pytest.raises(QueryError) as err:
        runner.run(con, name, params)
    message = str(err.value)
    assert one_line(err.value), message
    for needle in needles:
        assert needle in message
    return message


def test_unknown_query_name(sample_con) -> None:
    _raises(sample_con, "no_such_query", {}, "no_such_query", "--list")
    with pytest.raises(QueryError):
        runner.get("pair_timeline; drop table events")


def test_unknown_parameter(sample_con) -> None:
    _raises(sample_con, "pair_timeline", {**TIMELINE, "colour": "red"}, "--colour")


@pytest.mark.parametrize("missing", ["a", "b", "start", "end"])
def test_missing_required_parameter(sample_con, missing: str) -> None:
    params = {k: v for k, v in TIMELINE.items() if k != missing}
    _raises(sample_con, "pair_timeline", params, f"--{missing}")


@pytest.mark.parametrize("code", ["US", "USAA", "U5A", "USA'; drop table events --", "  ", "ÜSA"])
def test_bad_country_code(sample_con, code: str) -> None:
    _raises(sample_con, "pair_timeline", {**TIMELINE, "a": code}, "--a")


@pytest.mark.parametrize("day", ["2018-02-30", "2018/01/01", "yesterday", "1899-12-31", "2018-01-01'; --"])
def test_bad_date(sample_con, day: str) -> None:
    _raises(sample_con, "pair_timeline", {**TIMELINE, "start": day}, "--start")


def test_start_after_end(sample_con) -> None:
    _raises(sample_con, "pair_timeline", {**TIMELINE, "start": "2018-07-01", "end": "2018-06-30"},
            "--start", "after")


@pytest.mark.parametrize("grain", ["decade", "Month", "month'; --"])
def test_grain_not_in_enum(sample_con, grain: str) -> None:
    _raises(sample_con, "pair_timeline", {**TIMELINE, "grain": grain}, "--grain", "month")


def test_direction_not_in_enum(sample_con) -> None:
    _raises(sample_con, "pair_timeline", {**TIMELINE, "direction": "sideways"}, "--direction")


@pytest.mark.parametrize("a, b", [("USA", "USA"), ("usa", "USA")])
def test_same_country_twice(sample_con, a: str, b: str) -> None:
    _raises(sample_con, "pair_timeline", {**TIMELINE, "a": a, "b": b}, "--a", "--b")


@pytest.mark.parametrize(
    "name, params, flag",
    [
        ("pair_events", {**TIMELINE, "limit": 0}, "--limit"),
        ("pair_events", {**TIMELINE, "limit": 100_001}, "--limit"),
        ("top_pairs", {"start": "2011-01-01", "end": "2013-12-31", "limit": 1001}, "--limit"),
        ("top_pairs", {"start": "2011-01-01", "end": "2013-12-31", "limit": -5}, "--limit"),
        ("network_edges", {"start": "2011-01-01", "end": "2013-12-31", "min_events": 0}, "--min_events"),
    ],
)
def test_int_out_of_range(sample_con, name: str, params: dict, flag: str) -> None:
    _raises(sample_con, name, params, flag, "outside")


@pytest.mark.parametrize("value", ["ten", "1.5", "10; drop table events"])
def test_int_not_a_whole_number(sample_con, value: str) -> None:
    _raises(sample_con, "pair_events", {**TIMELINE, "limit": value}, "--limit")


def _valid_value(param: runner.Param) -> object | None:
    kind = param.type.split("(")[0]
    return {
        "country": "CHN" if param.name == "b" else "USA",
        "date": "2018-06-30" if param.name == "end" else "2018-01-01",
        "int": param.type[4:-1].split(",")[0] if "(" in param.type else "1",
        "enum": param.choices[0] if param.choices else None,
        "ints": "all",
    }.get(kind)


def _hostile_cases() -> list[tuple[str, str]]:
    cases = []
    for query in runner.catalog().values():
        for param in query.params:
            if param.type.split("(")[0] in ("country", "date", "int", "enum", "ints"):
                cases.append((query.name, param.name))
    return cases


def test_hostile_values_are_rejected_and_never_executed(copy_of_sample_lake: Path, sample_raw) -> None:
    cases = _hostile_cases()
    assert ("pair_timeline", "a") in cases and ("top_pairs", "states_only") in cases
    with connection(copy_of_sample_lake, read_only=False) as con:  # a connection that *could* drop
        for name, hostile_param in cases:
            query = runner.get(name)
            params = {p.name: _valid_value(p) for p in query.params}
            params[hostile_param] = HOSTILE
            with pytest.raises(QueryError) as err:
                runner.run(con, name, params)
            assert one_line(err.value), (name, hostile_param)
    with connection(copy_of_sample_lake) as con:
        assert con.execute("select count(*) from events").fetchone()[0] == len(sample_raw)


def test_bind_returns_typed_values() -> None:
    bound = runner.get("pair_timeline").bind({"a": " usa ", "b": "CHN", "start": "2018-01-01", "end": "2018-06-30"})
    assert bound == {"a": "USA", "b": "CHN", "start": dt.date(2018, 1, 1), "end": dt.date(2018, 6, 30),
                     "grain": "month", "direction": "both"}
