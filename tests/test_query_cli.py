"""`python -m queries`, run as a person runs it: a subprocess with --lake pointing at a lake.

Its output must be what queries.runner returns, in a form other tools read (csv, json), and every
mistake must be one line on stderr with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ingest.load import load
from lake import connection as lakes
from queries import runner
from tests.test_queries import (
    NEW_ID_OFFSET,
    SAMPLE_V2_EXPORT,
    expected_edges,
    raw_events,
    write_events_with_new_ids,
)

REPO = Path(__file__).resolve().parent.parent
QUERIES_DIR = REPO / "queries"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WINDOW_2017 = (dt.date(2016, 11, 26), dt.date(2017, 11, 26))

TIMELINE = ["--a", "USA", "--b", "CHN", "--start", "2018-01-01", "--end", "2018-06-30"]


def cli(*args: str, lake: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "BILATERAL_LAKE"}
    environment.update(env or {})
    command = [sys.executable, "-m", "queries", *args]
    if lake is not None:
        command += ["--lake", str(lake)]
    return subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=120)


def params_of(args: list[str]) -> dict[str, str]:
    """The runner's params for CLI arguments like ["--a", "USA", ...]."""
    return {args[i][2:]: args[i + 1] for i in range(0, len(args), 2)}


def assert_one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), result.stderr
    assert result.stdout == ""
    return lines[0]


# ---------------------------------------------------------------------------------------------
# --list
# ---------------------------------------------------------------------------------------------

def _list_blocks(text: str) -> dict[str, tuple[str, list[str]]]:
    """--list output -> {query name: (description, [parameter lines])}."""
    blocks: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith((" ", "\t")):
            assert current is not None, line
            blocks[current][1].append(line.strip())
        else:
            name, _, description = line.partition(": ")
            current = name
            blocks[name] = (description, [])
    return blocks


def _declared(sql_file: Path) -> tuple[str, list[tuple[str, str, str | None]]]:
    """(first header line's description, [(param, type, default)]) read straight from a .sql file."""
    lines = sql_file.read_text(encoding="utf-8").splitlines()
    description = lines[0].split(":", 1)[1].strip()
    params = []
    for line in lines:
        m = re.match(r"^--\s*@param\s+(\S+)\s+(\S+)(?:\s*=\s*(\S+))?", line)
        if m:
            params.append((m[1], m[2], m[3]))
    return description, params


@pytest.fixture(scope="module")
def listing() -> dict[str, tuple[str, list[str]]]:
    result = cli("--list")
    assert result.returncode == 0, result.stderr
    return _list_blocks(result.stdout)


def test_list_names_every_sql_file(listing) -> None:
    assert sorted(listing) == sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


@pytest.mark.parametrize("sql_file", sorted(QUERIES_DIR.glob("*.sql")), ids=lambda p: p.stem)
def test_list_shows_each_query_with_its_params(listing, sql_file: Path) -> None:
    description, params = _declared(sql_file)
    listed_description, lines = listing[sql_file.stem]
    assert listed_description == description
    assert len(lines) == len(params)
    for line, (name, kind, default) in zip(lines, params, strict=True):
        assert line.startswith(f"--{name} {kind}"), line
        if default is not None:
            assert f"(default {default})" in line, line


def test_list_needs_no_lake(tmp_path: Path) -> None:
    result = cli("--list", lake=tmp_path / "no_lake_here")
    assert result.returncode == 0
    assert "pair_timeline" in result.stdout


# ---------------------------------------------------------------------------------------------
# --format csv and json equal the runner's DataFrame
# ---------------------------------------------------------------------------------------------

CASES = {
    "pair_timeline": TIMELINE,
    "pair_timeline_week_b_to_a": TIMELINE + ["--grain", "week", "--direction", "b_to_a"],
    "pair_events": ["--a", "CHN", "--b", "USA", "--start", "2018-03-01", "--end", "2018-03-31"],
    "network_edges": ["--start", "2018-01-01", "--end", "2018-06-30"],
    "top_pairs": ["--start", "2011-01-01", "--end", "2013-12-31", "--limit", "25", "--states_only", "false"],
    "countries": [],
    "lake_summary": [],
}


def _query(case: str) -> str:
    return case.split("_week")[0]


@pytest.fixture(scope="module")
def frames(sample_lake: Path) -> dict[str, pd.DataFrame]:
    con = lakes.connect(sample_lake)
    try:
        return {case: runner.run(con, _query(case), params_of(args)) for case, args in CASES.items()}
    finally:
        con.close()


def _cell_equal(text: str, value: object, dtype) -> bool:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return text == ""
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pd.Timestamp(text) == pd.Timestamp(value)
    if pd.api.types.is_bool_dtype(dtype):
        return text == str(bool(value))
    if pd.api.types.is_integer_dtype(dtype):
        return int(text) == value
    if pd.api.types.is_float_dtype(dtype):
        return float(text) == value
    return text == value


@pytest.mark.parametrize("case", sorted(CASES))
def test_csv_output_equals_runner_frame(sample_lake: Path, frames, case: str) -> None:
    result = cli(_query(case), *CASES[case], "--format", "csv", lake=sample_lake)
    assert result.returncode == 0, result.stderr
    records = list(csv.reader(io.StringIO(result.stdout, newline="")))
    frame = frames[case]
    assert records[0] == list(frame.columns)
    assert len(records) - 1 == len(frame) > 0
    for record, (_, row) in zip(records[1:], frame.iterrows(), strict=True):
        for text, column in zip(record, frame.columns, strict=True):
            assert _cell_equal(text, row[column], frame[column].dtype), (column, text, row[column])


def test_csv_periods_are_iso_dates(sample_lake: Path) -> None:
    result = cli("pair_timeline", *TIMELINE, "--format", "csv", lake=sample_lake)
    periods = [r["period"] for r in csv.DictReader(io.StringIO(result.stdout, newline=""))]
    assert periods and all(ISO_DATE.match(p) for p in periods)


def _json(sample_lake: Path, case: str) -> list[dict]:
    result = cli(_query(case), *CASES[case], "--format", "json", lake=sample_lake)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("case", ["pair_timeline", "pair_timeline_week_b_to_a"])
def test_json_periods_are_iso_dates(sample_lake: Path, frames, case: str) -> None:
    records = _json(sample_lake, case)
    assert [r["period"] for r in records] == [
        pd.Timestamp(p).date().isoformat() for p in frames[case]["period"]]
    assert all(ISO_DATE.match(r["period"]) for r in records)


def test_json_event_dates_are_iso_dates(sample_lake: Path, frames) -> None:
    records = _json(sample_lake, "pair_events")
    assert records and all(ISO_DATE.match(r["event_date"]) for r in records)


@pytest.mark.parametrize("case", ["pair_timeline", "pair_events", "top_pairs", "lake_summary"])
def test_json_output_equals_runner_frame(sample_lake: Path, frames, case: str) -> None:
    # JSON numbers are written with 10 decimals (pandas' default), so floats agree to 1e-9.
    records = _json(sample_lake, case)
    frame = frames[case]
    assert len(records) == len(frame) > 0
    for record, (_, row) in zip(records, frame.iterrows(), strict=True):
        assert list(record) == list(frame.columns)
        for column in frame.columns:
            value, got = row[column], record[column]
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                assert got is None, column
            elif pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
                assert pd.Timestamp(got) == pd.Timestamp(value), column
            elif pd.api.types.is_float_dtype(frame[column].dtype):
                assert math.isclose(got, value, rel_tol=0, abs_tol=1e-9), column
            else:
                assert got == value, column


def test_lake_comes_from_environment_when_no_flag(sample_lake: Path, frames) -> None:
    result = cli("lake_summary", "--format", "json", env={"BILATERAL_LAKE": str(sample_lake)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["events"] == frames["lake_summary"].iloc[0]["events"]


# ---------------------------------------------------------------------------------------------
# --snapshot
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def grown_lake(copy_of_sample_lake: Path, tmp_path: Path) -> tuple[Path, int, int]:
    """A copy of the sample lake with a second file loaded: (lake, old snapshot, rows added)."""
    con = lakes.connect(copy_of_sample_lake)
    old = lakes.current_snapshot(con)
    con.close()
    extra = tmp_path / "renumbered.export.CSV"
    rows = write_events_with_new_ids(SAMPLE_V2_EXPORT, extra, NEW_ID_OFFSET)
    assert load("gdelt", [str(extra)], copy_of_sample_lake).added == {"events": rows}
    return copy_of_sample_lake, old, rows


def _events_in(result: subprocess.CompletedProcess) -> int:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)[0]["events"]


def test_snapshot_flag_returns_the_old_counts(grown_lake, frames) -> None:
    lake, old, _ = grown_lake
    result = cli("lake_summary", "--snapshot", str(old), "--format", "json", lake=lake)
    assert _events_in(result) == frames["lake_summary"].iloc[0]["events"]


def test_without_snapshot_flag_the_new_counts_show(grown_lake, frames) -> None:
    lake, _, rows = grown_lake
    result = cli("lake_summary", "--format", "json", lake=lake)
    assert _events_in(result) == frames["lake_summary"].iloc[0]["events"] + rows


def test_snapshot_flag_pins_a_pair_query_too(grown_lake) -> None:
    lake, old, _ = grown_lake
    args = ["network_edges", "--start", "2016-11-26", "--end", "2017-11-26", "--format", "csv"]

    def edges(*extra: str) -> dict[tuple[str, str], int]:
        result = cli(*args, *extra, lake=lake)
        assert result.returncode == 0, result.stderr
        return {(r["country_a"], r["country_b"]): int(r["events"])
                for r in csv.DictReader(io.StringIO(result.stdout, newline=""))}

    before, after = edges("--snapshot", str(old)), edges()
    added = {pair: n for pair, (n, _) in expected_edges(raw_events(SAMPLE_V2_EXPORT), *WINDOW_2017).items()}
    assert added
    assert after == {pair: before.get(pair, 0) + added.get(pair, 0) for pair in before | added}


# ---------------------------------------------------------------------------------------------
# Errors: non-zero exit, one line on stderr, no traceback
# ---------------------------------------------------------------------------------------------

ERRORS = {
    "no_query_name": [],
    "unknown_query": ["no_such_query"],
    "unknown_parameter": ["pair_timeline", *TIMELINE, "--colour", "red"],
    "missing_parameter": ["pair_timeline", "--a", "USA", "--b", "CHN", "--start", "2018-01-01"],
    "two_letter_country": ["pair_timeline", *TIMELINE[2:], "--a", "US", "--b", "CHN"],
    "hostile_country": ["pair_timeline", *TIMELINE[2:], "--a", "USA'; drop table events --", "--b", "CHN"],
    "bad_date": ["pair_timeline", "--a", "USA", "--b", "CHN", "--start", "2018-02-30", "--end", "2018-06-30"],
    "start_after_end": ["pair_timeline", "--a", "USA", "--b", "CHN", "--start", "2018-07-01", "--end", "2018-06-30"],
    "grain_not_in_enum": ["pair_timeline", *TIMELINE, "--grain", "decade"],
    "same_country_twice": ["pair_timeline", *TIMELINE[4:], "--a", "USA", "--b", "usa"],
    "int_out_of_range": ["top_pairs", "--start", "2011-01-01", "--end", "2013-12-31", "--limit", "0"],
    "negative_int": ["top_pairs", "--start", "2011-01-01", "--end", "2013-12-31", "--limit", "-5"],
    "param_without_value": ["pair_timeline", *TIMELINE, "--grain"],
    "stray_argument": ["pair_timeline", *TIMELINE, "month"],
    "unknown_snapshot": ["lake_summary", "--snapshot", "9999"],
    "negative_snapshot": ["lake_summary", "--snapshot", "-1"],
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_error_is_one_line_without_traceback(sample_lake: Path, case: str) -> None:
    assert_one_line_error(cli(*ERRORS[case], lake=sample_lake))


def test_error_names_the_bad_parameter(sample_lake: Path) -> None:
    line = assert_one_line_error(cli(*ERRORS["grain_not_in_enum"], lake=sample_lake))
    assert "--grain" in line and "decade" in line


def test_hostile_value_leaves_the_events_table_intact(copy_of_sample_lake: Path, frames) -> None:
    assert_one_line_error(cli(*ERRORS["hostile_country"], lake=copy_of_sample_lake))
    hostile_int = ["network_edges", "--start", "2018-01-01", "--end", "2018-06-30",
                   "--min_events", "1; drop table events"]
    assert_one_line_error(cli(*hostile_int, lake=copy_of_sample_lake))
    result = cli("lake_summary", "--format", "json", lake=copy_of_sample_lake)
    assert _events_in(result) == frames["lake_summary"].iloc[0]["events"]


def test_missing_lake_is_a_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "no_lake_here"
    line = assert_one_line_error(cli("lake_summary", lake=missing))
    assert str(missing) in line
    assert not missing.exists(), "reading must not create a lake"


def test_missing_lake_with_valid_params_is_a_one_line_error(tmp_path: Path) -> None:
    assert_one_line_error(cli("pair_timeline", *TIMELINE, lake=tmp_path / "no_lake_here"))


def test_snapshot_without_tables_is_a_one_line_error(sample_lake: Path) -> None:
    assert_one_line_error(cli("lake_summary", "--snapshot", "0", lake=sample_lake))


@pytest.mark.parametrize("args", [["--format", "xml"], ["--snapshot", "latest"]], ids=["format", "snapshot"])
def test_option_errors_are_one_line(sample_lake: Path, args: list[str]) -> None:
    assert_one_line_error(cli("lake_summary", *args, lake=sample_lake))


def test_closed_stdout_gives_no_traceback(sample_lake: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "BILATERAL_LAKE"}
    command = [sys.executable, "-m", "queries", "pair_events", *TIMELINE, "--limit", "100000",
               "--format", "csv", "--lake", str(sample_lake)]
    with subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout.readline().startswith("event_id,")  # like `| head -1`
        process.stdout.close()
        stderr = process.stderr.read()
        process.wait(timeout=120)
    assert "Traceback" not in stderr, stderr
