"""Odd and hostile input, round two (issue 22), on real GDELT rows: no row is dropped without a
rejection, no file is read that was not named, no id is rounded onto another event, a file
name is only a name, a Parquet drop means the same on every machine, no drop may exhaust the
machine, and the smaller promises (blank lines, text dates, duplicates, leftovers)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from ingest import files, store
from ingest.errors import Rejected
from ingest.load import load, load_or_record
from ingest.watch import poll_once
from lake import connection as lakes

REPO = Path(__file__).resolve().parent.parent
EVENTS_2015 = REPO / "data" / "sample" / "events" / "20151027220000.export.CSV.gz"
MENTIONS_DIR = REPO / "data" / "sample" / "mentions"
ID, A1_NAME, IS_ROOT, QUAD, MENTIONS, GEO_TYPE = 0, 6, 25, 29, 31, 51


def real_rows(first: int, count: int) -> list[list[str]]:
    """Real GDELT 2.0 event rows (2015-10-27 22:00 export), split into their 61 fields."""
    lines = gzip.decompress(EVENTS_2015.read_bytes()).decode("utf-8").splitlines()
    return [line.split("\t") for line in lines[first:first + count]]


def write_rows(path: Path, rows: list[list[str]], prefix: str = "") -> Path:
    text = prefix + "".join("\t".join(r) + "\n" for r in rows)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


def stored_ids(lake: Path) -> list[int]:
    if not lakes.lake_exists(lakes.settings_for(lake)):
        return []
    con = lakes.connect(lake)
    try:
        return [r[0] for r in con.execute("select event_id from lake.events order by 1").fetchall()]
    finally:
        con.close()


def ids_of(rows: list[list[str]]) -> list[int]:
    return sorted(int(r[ID]) for r in rows)


@pytest.fixture(scope="session")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("hostile") / "lake"
    con = lakes.connect(lake, read_only=False, create=True)
    try:
        store.ensure_schema(con)
    finally:
        con.close()
    return lake


@pytest.fixture
def lake(hostile_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "lake"
    shutil.copytree(hostile_template, target)
    return target


QUIET = Console(stderr=True, quiet=True)


# --- 1. nothing dropped without a rejection -----------------------------------------------------

@pytest.mark.parametrize("suffix", [".CSV", ".CSV.gz"])
def test_over_long_last_line_is_rejected_not_dropped(lake: Path, tmp_path: Path, suffix: str) -> None:
    rows = real_rows(0, 20)
    rows[-1][A1_NAME] = "X" * (33 << 20)  # DuckDB's default dropped this last line, exit 0
    drop = write_rows(tmp_path / f"long{suffix}", rows)
    with pytest.raises(Rejected) as rejected:
        load("gdelt", [str(drop)], lake, QUIET)
    assert rejected.value.line == 20
    assert "longer than" in rejected.value.problem
    assert stored_ids(lake) == []


def test_over_long_line_limit_is_a_setting(lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILATERAL_MAX_LINE_BYTES", "64KiB")
    rows = real_rows(0, 6)
    rows[2][A1_NAME] = "Y" * (100 << 10)
    with pytest.raises(Rejected, match="longer than 65,536 bytes") as rejected:
        load("gdelt", [str(write_rows(tmp_path / "mid.CSV", rows))], lake, QUIET)
    assert rejected.value.line == 3
    monkeypatch.setenv("BILATERAL_MAX_LINE_BYTES", "1MiB")
    assert load("gdelt", [str(write_rows(tmp_path / "mid2.CSV", rows))], lake, QUIET).added == {"events": 6}


# --- 2. a name is a name -------------------------------------------------------------------------

@pytest.mark.parametrize("odd_name", ["ev[1].CSV", "ev*.CSV", "ev?.CSV", "ev{1,2}.CSV", "~ev.CSV"])
def test_glob_characters_in_a_file_name_are_not_a_pattern(lake: Path, tmp_path: Path, odd_name: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    write_rows(folder / "ev1.CSV", real_rows(0, 5))
    write_rows(folder / "ev2.CSV", real_rows(5, 5))
    named = real_rows(10, 3)
    write_rows(folder / odd_name, named)
    monkeypatch.chdir(folder)
    load("gdelt", [odd_name], lake, QUIET)
    assert stored_ids(lake) == ids_of(named)


def test_parquet_drop_named_like_a_pattern_reads_only_itself(lake: Path, tmp_path: Path) -> None:
    con = duckdb.connect()
    for name, first in (("drop1.parquet", 0), ("drop*.parquet", 20)):
        rows = real_rows(first, 4)
        con.execute("create or replace table t (event_id bigint, event_date date, event_code varchar, "
                    "event_base_code varchar, event_root_code varchar, quad_class integer, goldstein double)")
        con.executemany("insert into t values (?, strptime(?, '%Y%m%d'), ?, ?, ?, ?, ?)",
                        [(int(r[0]), r[1], r[26], r[27], r[28], int(r[29]), float(r[30])) for r in rows])
        con.execute("copy t to $p (format parquet)", {"p": str(tmp_path / name)})
    load("parquet", [str(tmp_path / "drop*.parquet")], lake, QUIET)
    assert stored_ids(lake) == ids_of(real_rows(20, 4))


def test_articles_file_named_like_a_pattern_reads_only_itself(lake: Path, tmp_path: Path) -> None:
    for name, url in (("a1.jsonl", "https://example.org/one"), ("a[1].jsonl", "https://example.org/two")):
        (tmp_path / name).write_text(json.dumps({"url": url, "title": "Talks", "language": "en",
                                                 "body": "Russia and Libya held talks."}) + "\n")
    load("articles", [str(tmp_path / "a[1].jsonl")], lake, QUIET, code=False)
    con = lakes.connect(lake)
    try:
        assert con.execute("select url from lake.articles").fetchall() == [("https://example.org/two",)]
    finally:
        con.close()


def test_watch_takes_a_drop_named_with_a_star_and_never_a_part_file(lake: Path, tmp_path: Path) -> None:
    folder = tmp_path / "drops"
    folder.mkdir()
    named = real_rows(0, 4)
    write_rows(folder / "ev*", named)
    write_rows(folder / "ev2.CSV.part", real_rows(30, 4))  # still being written
    seen: dict = {}
    for _ in range(2):
        poll_once(folder, lake, seen, QUIET, lambda _: None)
    assert stored_ids(lake) == ids_of(named)
    assert (folder / "ev2.CSV.part").exists()


# --- 3. whole numbers only -----------------------------------------------------------------------

@pytest.mark.parametrize(("column", "name", "value"), [
    (ID, "GLOBALEVENTID", "479491240.4"), (ID, "GLOBALEVENTID", "0x1C94A0E8"),
    (ID, "GLOBALEVENTID", "479_491_239"), (ID, "GLOBALEVENTID", "4.79491239e8"),
    (MENTIONS, "NumMentions", "3.7"), (QUAD, "QuadClass", "1.4"), (IS_ROOT, "IsRootEvent", "1.0"),
    (GEO_TYPE, "ActionGeo_Type", "3.5"),
])
def test_whole_number_columns_take_whole_numbers_only(lake: Path, tmp_path: Path, column: int, name: str,
                                                      value: str) -> None:
    rows = real_rows(0, 5)
    rows[3][column] = value
    with pytest.raises(Rejected) as rejected:
        load("gdelt", [str(write_rows(tmp_path / "ev.CSV", rows))], lake, QUIET)
    assert (rejected.value.line, rejected.value.column) == (4, name)
    assert stored_ids(lake) == []


def test_signed_and_padded_whole_numbers_still_load(lake: Path, tmp_path: Path) -> None:
    rows = real_rows(0, 3)
    rows[0][MENTIONS], rows[1][ID] = "+3", f" {rows[1][ID]} "
    load("gdelt", [str(write_rows(tmp_path / "ev.CSV", rows))], lake, QUIET)
    assert stored_ids(lake) == ids_of(real_rows(0, 3))


def _events_parquet(path: Path, rows: list[list[str]], id_type: str, ids: list[float | int]) -> Path:
    con = duckdb.connect()
    con.execute(f"create table t (event_id {id_type}, event_date date, event_code varchar, "
                "event_base_code varchar, event_root_code varchar, quad_class integer, goldstein double)")
    con.executemany("insert into t values (?, strptime(?, '%Y%m%d'), ?, ?, ?, ?, ?)",
                    [(i, r[1], r[26], r[27], r[28], int(r[29]), float(r[30])) for i, r in zip(ids, rows, strict=True)])
    con.execute("copy t to $p (format parquet)", {"p": str(path)})
    return path


def test_parquet_float_id_is_rejected_unless_whole(lake: Path, tmp_path: Path) -> None:
    rows = real_rows(0, 3)
    ids = [float(r[ID]) for r in rows]
    fractional = _events_parquet(tmp_path / "f.parquet", rows, "double", [ids[0], ids[1] + 0.4, ids[2]])
    with pytest.raises(Rejected) as rejected:
        load("parquet", [str(fractional)], lake, QUIET)
    assert rejected.value.column == "event_id" and "whole number" in rejected.value.problem
    load("parquet", [str(_events_parquet(tmp_path / "w.parquet", rows, "double", ids))], lake, QUIET)
    assert stored_ids(lake) == ids_of(rows)


def test_mentions_whole_number_columns(lake: Path, tmp_path: Path) -> None:
    with gzip.open(MENTIONS_DIR / "gdeltpyr_mentionssamp.csv.gz", "rt", encoding="utf-8", newline="") as f:
        records = [next(csv.reader(f)) for _ in range(4)]  # a header and three real mentions
    records[2][6] = "2.5"  # sentenceid
    drop = tmp_path / "m.mentions.csv"
    with drop.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(records)
    with pytest.raises(Rejected) as rejected:
        load("mentions", [str(drop)], lake, QUIET)
    assert (rejected.value.line, rejected.value.column) == (3, "SentenceID")


# --- 4. file names that are not UTF-8 ------------------------------------------------------------

def test_file_name_with_a_non_utf8_byte_loads_and_its_rejection_is_logged(lake: Path, tmp_path: Path) -> None:
    good = os.fsdecode(os.fsencode(str(tmp_path)) + b"/ev\xff.CSV")
    write_rows(Path(good), real_rows(0, 4))
    assert load_or_record("gdelt", [good], lake, QUIET).added == {"events": 4}
    bad_rows = real_rows(4, 4)
    bad_rows[1][QUAD] = "9"
    bad = os.fsdecode(os.fsencode(str(tmp_path)) + b"/bad\xfe.CSV")
    write_rows(Path(bad), bad_rows)
    result = subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "gdelt", bad],
                            capture_output=True, cwd=REPO)
    assert result.returncode == 1
    message = result.stderr.decode("utf-8").strip()
    assert len(message.splitlines()) == 1 and "bad\\xfe.CSV, line 2, column QuadClass" in message
    logged = store.read_rejections(lake)[0]
    assert logged["files"] == [bad.replace(os.fsdecode(b"\xfe"), "\\xfe")]


def test_watch_gets_past_a_non_utf8_name(lake: Path, tmp_path: Path) -> None:
    folder = tmp_path / "drops"
    folder.mkdir()
    write_rows(Path(os.fsdecode(os.fsencode(str(folder)) + b"/a\xff.CSV")), real_rows(0, 3))
    write_rows(folder / "b.CSV", real_rows(3, 3))
    seen: dict = {}
    reports: list[str] = []
    for _ in range(2):
        poll_once(folder, lake, seen, QUIET, reports.append)
    assert stored_ids(lake) == ids_of(real_rows(0, 6))
    assert any("a\\xff.CSV" in r for r in reports)


# --- 5. the same Parquet drop is the same data everywhere ----------------------------------------

def test_timestamptz_event_date_is_read_in_utc_whatever_the_host_zone(lake: Path, tmp_path: Path) -> None:
    rows = real_rows(0, 2)
    con = duckdb.connect()
    con.execute("create table t (event_id bigint, event_date timestamptz, event_code varchar, "
                "event_base_code varchar, event_root_code varchar, quad_class integer, goldstein double, "
                "date_added timestamptz)")
    con.executemany("insert into t values (?, ?::timestamptz, ?, ?, ?, ?, ?, ?::timestamptz)",
                    [(int(r[0]), "2015-10-27 20:00:00+00", r[26], r[27], r[28], int(r[29]), float(r[30]),
                      "2015-10-27 22:00:00+00") for r in rows])
    drop = tmp_path / "tz.parquet"
    con.execute("copy t to $p (format parquet)", {"p": str(drop)})
    result = subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "parquet", str(drop)],
                            capture_output=True, text=True, cwd=REPO, env={**os.environ, "TZ": "Asia/Tokyo"})
    assert result.returncode == 0, result.stderr
    con = lakes.connect(lake)
    try:
        stored = con.execute("select distinct event_date, date_added from lake.events").fetchall()
    finally:
        con.close()
    assert stored == [(dt.date(2015, 10, 27), dt.datetime(2015, 10, 27, 22, 0))]


# --- 8. runaway input ------------------------------------------------------------------------------

def test_a_drop_that_expands_past_the_limit_is_stopped_with_a_reason(lake: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILATERAL_MAX_DROP_BYTES", "1MiB")
    block = "".join("\t".join(r) + "\n" for r in real_rows(0, 40)).encode("utf-8")
    bomb = tmp_path / "bomb.CSV.gz"
    bomb.write_bytes(gzip.compress(block * (3 * (1 << 20) // len(block))))
    assert bomb.stat().st_size < 200_000  # small on disk, three times the limit unpacked
    with pytest.raises(Rejected, match="over the limit of 1 MiB per file"):
        load("gdelt", [str(bomb)], lake, QUIET)
    plain = tmp_path / "big.CSV"
    plain.write_bytes(block * 80)
    with pytest.raises(Rejected, match="over the limit"):
        load("gdelt", [str(plain)], lake, QUIET)
    assert stored_ids(lake) == []
    monkeypatch.setenv("BILATERAL_MAX_DROP_BYTES", "4MiB")
    assert load("gdelt", [str(plain)], lake, QUIET).added == {"events": 40}


# --- 9. smaller promises ---------------------------------------------------------------------------

def test_same_id_twice_in_one_file_with_different_content_is_rejected(lake: Path, tmp_path: Path) -> None:
    rows = real_rows(0, 4)
    twin = list(rows[1])
    twin[MENTIONS] = str(int(twin[MENTIONS]) + 5)  # same id, same identity, other counts
    with pytest.raises(Rejected, match="appears more than once in this file") as rejected:
        load("gdelt", [str(write_rows(tmp_path / "ev.CSV", [*rows, twin]))], lake, QUIET)
    assert rejected.value.column == "GLOBALEVENTID"
    assert stored_ids(lake) == []


def test_exact_repeat_in_one_file_is_still_one_event(lake: Path, tmp_path: Path) -> None:
    rows = real_rows(0, 4)
    summary = load("gdelt", [str(write_rows(tmp_path / "ev.CSV", [*rows, rows[1]]))], lake, QUIET)
    assert summary.added == {"events": 4} and summary.duplicates == 1


def test_blank_lines_before_the_first_row(lake: Path, tmp_path: Path) -> None:
    rows = real_rows(0, 5)
    load("gdelt", [str(write_rows(tmp_path / "ev.CSV", rows, prefix="\n \n"))], lake, QUIET)
    assert stored_ids(lake) == ids_of(rows)


def test_blank_lines_before_a_header(lake: Path, tmp_path: Path, shared_data: Path) -> None:
    with gzip.open(shared_data / "gdelt_v1_georgia_2011_2013" / "apr2012.csv.gz", "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(6)]
    drop = tmp_path / "georgia.csv"
    drop.write_text("\n\n" + "".join(lines), encoding="utf-8")
    assert load("gdelt", [str(drop)], lake, QUIET).rows_read == 5
    lines[3] = lines[3].replace(",20120401,", ",2012x0401,", 1)
    drop.write_text("\n\n" + "".join(lines), encoding="utf-8")
    with pytest.raises(Rejected) as rejected:
        load("gdelt", [str(drop)], lake, QUIET)
    assert (rejected.value.line, rejected.value.column) == (6, "SQLDATE")


def test_parquet_date_given_as_yyyymmdd_text(lake: Path, tmp_path: Path) -> None:
    rows = real_rows(0, 3)
    con = duckdb.connect()
    con.execute("create table t (event_id bigint, event_date varchar, event_code varchar, "
                "event_base_code varchar, event_root_code varchar, quad_class integer, goldstein double)")
    con.executemany("insert into t values (?, ?, ?, ?, ?, ?, ?)",
                    [(int(r[0]), r[1], r[26], r[27], r[28], int(r[29]), float(r[30])) for r in rows])
    con.execute("copy t to $p (format parquet)", {"p": str(tmp_path / "d.parquet")})
    load("parquet", [str(tmp_path / "d.parquet")], lake, QUIET)
    assert stored_ids(lake) == ids_of(rows)
    con.execute("update t set event_date = 'last tuesday' where event_id = $id", {"id": int(rows[1][0])})
    con.execute("copy t to $p (format parquet)", {"p": str(tmp_path / "e.parquet")})
    with pytest.raises(Rejected, match="'last tuesday' is not a date"):
        load("parquet", [str(tmp_path / "e.parquet")], lake, QUIET)


def test_work_directories_of_killed_runs_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f"{files.WORKDIR_PREFIX}{int(dead.stdout)}-abc"
    (orphan / "x").mkdir(parents=True)
    mine = tmp_path / f"{files.WORKDIR_PREFIX}{os.getpid()}-def"
    mine.mkdir()
    with files.workdir() as tmp:
        assert Path(tmp).name.startswith(f"{files.WORKDIR_PREFIX}{os.getpid()}-")
    assert not orphan.exists() and mine.exists()
