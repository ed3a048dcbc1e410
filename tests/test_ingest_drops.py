"""Drops through the `python -m ingest` command line: re-ingest adds nothing, bad drops are
rejected with one line and commit nothing, Parquet drops round-trip.

Every bad drop here is built from real GDELT lines (data/sample/, ../shared/data) damaged
in tmp_path, one damage per drop.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ingest import store
from ingest.load import load
from ingest.store import read_rejections
from lake import connection as lakes

REPO = Path(__file__).resolve().parent.parent
SAMPLE_EVENTS = REPO / "data" / "sample" / "events"
TABLES = ("events", "mentions", "articles", "countries", "cameo_codes")

# GDELT 2.0 export columns (0-based field positions in a raw 61-column line).
ID, SQLDATE, A1_COUNTRY, EVENT_CODE, EVENT_BASE, EVENT_ROOT, QUAD, GOLDSTEIN = 0, 1, 7, 26, 27, 28, 29, 30


# ---------------------------------------------------------------- helpers


def raw_lines(name: str) -> list[str]:
    """The lines of a raw (tab-separated) sample file, .gz or GDELT .zip."""
    path = SAMPLE_EVENTS / name
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            text = z.read(z.namelist()[0]).decode("utf-8")
    else:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    return [line for line in text.splitlines() if line]


def v2_rows(n: int, start: int = 0) -> list[list[str]]:
    """n real GDELT 2.0 rows (61 fields) from aamend/spark-gdelt's export fixture."""
    return [line.split("\t") for line in raw_lines("aamend_events.csv.gz")[start:start + n]]


def write_tsv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run_cli(lake: Path, command: str, *files: Path | str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BILATERAL_PROGRESS"}
    return subprocess.run(
        [sys.executable, "-m", "ingest", "--lake", str(lake), command, *map(str, files)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )


def lake_state(lake: Path) -> tuple[int, dict[str, int]]:
    """(current snapshot id, row count of every table)."""
    con = lakes.connect(lake)
    try:
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
        return lakes.current_snapshot(con), counts
    finally:
        con.close()


def stored_ids(lake: Path, ids: list[int]) -> list[int]:
    con = lakes.connect(lake)
    try:
        return [r[0] for r in con.execute(
            "select event_id from events where event_id in (select unnest($ids)) order by 1", {"ids": ids}
        ).fetchall()]
    finally:
        con.close()


def assert_rejected(result: subprocess.CompletedProcess[str], lake: Path, before, log_before: int,
                    files: list[Path], *fragments: str) -> str:
    """The rejection contract: exit 1, one stderr line naming the file, nothing committed, logged."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert any(str(f) in line for f in files), line
    for fragment in fragments:
        assert fragment in line, line
    assert lake_state(lake) == before
    log = read_rejections(lake, limit=1000)
    assert len(log) == log_before + 1
    assert log[0]["files"] == [str(f) for f in files]
    assert log[0]["reason"] in line
    return line


@pytest.fixture(scope="session")
def blank_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake with the schema and reference tables only, built once."""
    lake = tmp_path_factory.mktemp("blank") / "lake"
    con = lakes.connect(lake, read_only=False, create=True)
    try:
        store.ensure_schema(con)
    finally:
        con.close()
    return lake


@pytest.fixture
def blank_lake(blank_template: Path, tmp_path: Path) -> Path:
    lake = tmp_path / "blank_lake"
    shutil.copytree(blank_template, lake)
    return lake


# ---------------------------------------------------------------- 1. re-ingesting a file


@pytest.fixture(scope="module")
def ingested_twice(blank_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """GDELT's own zip loaded twice through the CLI into a fresh lake."""
    lake = tmp_path_factory.mktemp("twice") / "lake"
    shutil.copytree(blank_template, lake)
    drop = SAMPLE_EVENTS / "20190121220000.export.CSV.zip"
    first = run_cli(lake, "gdelt", drop)
    assert first.returncode == 0, first.stderr
    after_first = lake_state(lake)
    second = run_cli(lake, "gdelt", drop)
    return {"first": first, "second": second, "after_first": after_first, "after_second": lake_state(lake),
            "rows": len(raw_lines(drop.name))}


def test_second_ingest_of_same_file_keeps_snapshot(ingested_twice) -> None:
    assert ingested_twice["after_first"][0] == ingested_twice["after_second"][0]


def test_second_ingest_of_same_file_keeps_counts(ingested_twice) -> None:
    assert ingested_twice["after_first"][1]["events"] == ingested_twice["rows"] == 1629
    assert ingested_twice["after_second"][1] == ingested_twice["after_first"][1]


def test_second_ingest_summary_reports_duplicates_skipped(ingested_twice) -> None:
    second = ingested_twice["second"]
    assert second.returncode == 0, second.stderr
    assert f"skipped {ingested_twice['rows']:,} duplicates" in second.stdout
    assert "added nothing new" in second.stdout
    assert "no new snapshot" in second.stdout


# ---------------------------------------------------------------- 3. identical rows already stored


def _stored_v2_subset(tmp_path: Path) -> tuple[Path, int]:
    lines = raw_lines("20171126081500.export.CSV.gz")[100:105]
    return write_tsv(tmp_path / "resent.export.CSV", [x.split("\t") for x in lines]), 5


def _stored_r_csv_subset(tmp_path: Path) -> tuple[Path, int]:
    # R write.csv with a row-name column, GDELT 1.0 (ids may be reused: compared by content).
    text = gzip.decompress((SAMPLE_EVENTS / "may13.csv.gz").read_bytes()).decode("utf-8")
    lines = text.splitlines(keepends=True)
    path = tmp_path / "may13_again.csv"
    path.write_text("".join(lines[:1] + lines[200:207]), encoding="utf-8")
    return path, 7


@pytest.mark.parametrize("build", [_stored_v2_subset, _stored_r_csv_subset], ids=["gdelt2-raw", "gdelt1-r-csv"])
def test_reingesting_stored_rows_is_successful_noop(build, copy_of_sample_lake: Path, tmp_path: Path) -> None:
    drop, rows = build(tmp_path)
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "gdelt", drop)
    assert result.returncode == 0, result.stderr
    assert lake_state(copy_of_sample_lake) == before
    assert f"read {rows} rows" in result.stdout and f"skipped {rows} duplicates" in result.stdout


# ---------------------------------------------------------------- 2. rejected drops


def _short_row(tmp_path: Path):
    rows = v2_rows(5)
    rows[2] = rows[2][:30]  # line 3 cut short, as a truncated download would be
    return [write_tsv(tmp_path / "20150218230000.export.CSV", rows)], ["line 3", "30 fields"]


def _edit(field: int, value: str, column: str):
    def build(tmp_path: Path):
        rows = v2_rows(4)
        rows[1][field] = value
        return [write_tsv(tmp_path / "20150218230000.export.CSV", rows)], ["line 2", f"column {column}",
                                                                            repr(value)]
    return build


def _html_page(tmp_path: Path):
    page = tmp_path / "20190121221500.export.CSV"
    page.write_text(
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n'
        "</head><body>\n<h1>Not Found</h1>\n<p>The requested URL /gdeltv2/20190121221500.export.CSV.zip "
        "was not found on this server.</p>\n</body></html>\n", encoding="utf-8")
    return [page], ["HTML"]


def _latin1(tmp_path: Path):
    lines = raw_lines("20151027220000.export.CSV.gz")
    first_accented = next(i for i, line in enumerate(lines) if "ü" in line)  # "Zurich, Zü..."
    drop = tmp_path / "20151027220000.export.CSV"
    drop.write_bytes("".join(x + "\n" for x in lines[first_accented - 2:first_accented + 3]).encode("latin-1"))
    return [drop], ["not UTF-8"]


def _empty(tmp_path: Path):
    drop = tmp_path / "20190121221500.export.CSV"
    drop.write_bytes(b"")
    return [drop], ["empty"]


def _zip_of(tmp_path: Path, members: dict[str, list[str]]) -> Path:
    drop = tmp_path / "20150218230000.export.CSV.zip"
    with zipfile.ZipFile(drop, "w") as z:
        for name, lines in members.items():
            z.writestr(name, "".join(x + "\n" for x in lines))
    return drop


def _zip_two(tmp_path: Path):
    lines = raw_lines("aamend_events.csv.gz")
    drop = _zip_of(tmp_path, {"20150218230000.export.CSV": lines[:3], "20200318104500.export.CSV": lines[60:63]})
    return [drop], ["holds 2 files"]


def _zip_none(tmp_path: Path):
    return [_zip_of(tmp_path, {})], ["holds 0 files"]


def _same_id_twice(tmp_path: Path):
    rows = v2_rows(4)
    rows[3][ID] = rows[1][ID]  # line 4 reuses line 2's id for a different event
    drop = write_tsv(tmp_path / "20150218230000.export.CSV", rows)
    return [drop], [f"event {rows[1][ID]} appears more than once", "column GLOBALEVENTID", "line 2"]


REJECTED = [
    pytest.param(_short_row, id="row-cut-short"),
    pytest.param(_edit(QUAD, "7", "QuadClass"), id="quadclass-7"),
    pytest.param(_edit(GOLDSTEIN, "12", "GoldsteinScale"), id="goldstein-12"),
    pytest.param(_edit(EVENT_CODE, "999", "EventCode"), id="eventcode-999"),
    pytest.param(_edit(A1_COUNTRY, "XQZ", "Actor1CountryCode"), id="country-XQZ"),
    pytest.param(_edit(SQLDATE, "21500101", "SQLDATE"), id="sqldate-2150"),
    pytest.param(_edit(SQLDATE, "18500101", "SQLDATE"), id="sqldate-1850"),
    pytest.param(_html_page, id="html-error-page"),
    pytest.param(_latin1, id="latin-1"),
    pytest.param(_empty, id="empty-file"),
    pytest.param(_zip_two, id="zip-two-files"),
    pytest.param(_zip_none, id="zip-no-file"),
    pytest.param(_same_id_twice, id="same-id-different-content"),
]


@pytest.mark.parametrize("build", REJECTED)
def test_bad_drop_is_rejected_and_commits_nothing(build, copy_of_sample_lake: Path, tmp_path: Path) -> None:
    files, fragments = build(tmp_path)
    before = lake_state(copy_of_sample_lake)
    log_before = len(read_rejections(copy_of_sample_lake, limit=1000))
    result = run_cli(copy_of_sample_lake, "gdelt", *files)
    assert_rejected(result, copy_of_sample_lake, before, log_before, files, *fragments)


def data_files_on_disk_not_in_lake(lake: Path) -> list[Path]:
    con = lakes.connect(lake)
    try:
        referenced = {Path(r[0]).resolve() for t in TABLES for r in con.execute(
            "select data_file from ducklake_list_files('lake', $t)", {"t": t}).fetchall()}
    finally:
        con.close()
    return [p for p in (lake / lakes.DATA_DIR).rglob("*.parquet") if p.resolve() not in referenced]


def test_rolled_back_one_pass_insert_leaves_no_files(blank_lake: Path, tmp_path: Path) -> None:
    # The one-pass insert writes every row before it sees the repeated id; it is rolled back
    # and the checked path rejects the file.
    (drop,), fragments = _same_id_twice(tmp_path)
    result = run_cli(blank_lake, "gdelt", drop)
    assert result.returncode == 1 and fragments[0] in result.stderr, result.stderr
    assert data_files_on_disk_not_in_lake(blank_lake) == []


def test_id_already_stored_with_other_content_is_rejected(blank_lake: Path, tmp_path: Path) -> None:
    rows = v2_rows(3)
    original = write_tsv(tmp_path / "20150218230000.export.CSV", rows)
    load("gdelt", [str(original)], blank_lake)
    assert rows[1][EVENT_CODE] == "042"
    rows[1][EVENT_CODE] = rows[1][EVENT_BASE] = "043"  # same root, same quad class: only the code differs
    changed = write_tsv(tmp_path / "20150218230000.export.again.CSV", rows)
    before = lake_state(blank_lake)
    result = run_cli(blank_lake, "gdelt", changed)
    assert_rejected(result, blank_lake, before, 0, [changed],
                    f"event {rows[1][ID]} is already stored with different content", "line 2")


def test_batch_with_one_bad_file_commits_nothing(blank_lake: Path, tmp_path: Path) -> None:
    good_rows = v2_rows(5)
    good = write_tsv(tmp_path / "good.export.CSV", good_rows)
    bad_rows = v2_rows(5, start=5)
    bad_rows[2][QUAD] = "7"
    bad = write_tsv(tmp_path / "bad.export.CSV", bad_rows)
    good_ids = [int(r[ID]) for r in good_rows]
    before = lake_state(blank_lake)
    result = run_cli(blank_lake, "gdelt", good, bad)
    assert_rejected(result, blank_lake, before, 0, [good, bad], str(bad), "line 3")
    assert stored_ids(blank_lake, good_ids) == []
    # The good file was not the reason: alone, it loads.
    assert load("gdelt", [str(good)], blank_lake).added == {"events": 5}
    assert stored_ids(blank_lake, good_ids) == sorted(good_ids)


def test_symlink_drop_is_rejected(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    target = write_tsv(tmp_path / "real.export.CSV", v2_rows(3))
    link = tmp_path / "20150218230000.export.CSV"
    link.symlink_to(target)
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "gdelt", link)
    assert_rejected(result, copy_of_sample_lake, before, 0, [link], "symbolic link")


def test_bad_value_deep_in_whole_file_names_its_physical_line(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    lines = raw_lines("20151207.export.CSV.head5000.gz")  # 5000 real GDELT 1.0 rows, 58 columns
    fields = lines[4320].split("\t")
    fields[QUAD] = "7"
    lines[4320] = "\t".join(fields)
    drop = tmp_path / "20151207.export.CSV"
    drop.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "gdelt", drop)
    assert_rejected(result, copy_of_sample_lake, before, 0, [drop], "line 4321, column QuadClass")


def test_bigquery_csv_row_cut_short_is_rejected_naming_line(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    text = gzip.decompress((SAMPLE_EVENTS / "usa_chn_events_2018-01_to_2018-06.csv.gz").read_bytes()).decode()
    lines = text.splitlines()[:5]
    lines[2] = ",".join(lines[2].split(",")[:30])  # quoted fields, no embedded commas in the first 30
    drop = tmp_path / "bq_export.csv"
    drop.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "gdelt", drop)
    line = assert_rejected(result, copy_of_sample_lake, before, 0, [drop])
    assert "line: 3" in line.lower() or "line 3" in line.lower()


def test_parquet_given_to_gdelt_points_to_parquet_command(sample_lake: Path, copy_of_sample_lake: Path,
                                                          tmp_path: Path) -> None:
    drop = _export(sample_lake, "select * from events where source = 'gdelt2' order by event_id limit 3",
                   tmp_path / "events.parquet")
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "gdelt", drop)
    assert_rejected(result, copy_of_sample_lake, before, 0, [drop], "python -m ingest parquet")


# ---------------------------------------------------------------- bugs found (strict xfail)


def test_truncated_gzip_export_is_rejected(blank_lake: Path, tmp_path: Path) -> None:
    whole = (SAMPLE_EVENTS / "20151027220000.export.CSV.gz").read_bytes()
    drop = tmp_path / "20151027220000.export.CSV.gz"
    drop.write_bytes(whole[: len(whole) // 2])
    before = lake_state(blank_lake)
    result = run_cli(blank_lake, "gdelt", drop)
    assert result.returncode == 1, result.stdout
    assert lake_state(blank_lake) == before


def test_clash_across_files_names_a_line_holding_the_id(blank_lake: Path, tmp_path: Path) -> None:
    rows_a = v2_rows(5)
    rows_b = v2_rows(1, start=5)
    rows_b[0][ID] = rows_a[4][ID]  # B line 1 reuses A line 5's id for a different event
    a = write_tsv(tmp_path / "a.export.CSV", rows_a)
    b = write_tsv(tmp_path / "b.export.CSV", rows_b)
    result = run_cli(blank_lake, "gdelt", a, b)
    assert result.returncode == 1
    message = result.stderr.strip()
    assert f"event {rows_a[4][ID]} appears more than once" in message
    assert f"{a}, line 5," in message or f"{b}, line 1," in message, message


def test_line_number_counts_blank_lines(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    rows = v2_rows(5)
    rows[3][QUAD] = "7"  # physical line 5, after the blank line 3
    lines = ["\t".join(r) for r in rows]
    drop = tmp_path / "20150218230000.export.CSV"
    drop.write_text("\n".join(lines[:2] + [""] + lines[2:]) + "\n", encoding="utf-8")
    result = run_cli(copy_of_sample_lake, "gdelt", drop)
    assert result.returncode == 1
    assert "line 5, column QuadClass" in result.stderr, result.stderr


def test_non_utf8_after_sniff_window_says_not_utf8(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    lines = raw_lines("20151027220000.export.CSV.gz")
    plain = [x for x in lines if x.isascii()]
    accented = next(x for x in lines if "ü" in x)
    drop = tmp_path / "20151027220000.export.CSV"
    drop.write_bytes("".join(x + "\n" for x in plain + [accented]).encode("latin-1"))
    assert drop.stat().st_size > 256 * 1024 + 1000
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "gdelt", drop)
    line = assert_rejected(result, copy_of_sample_lake, before, 0, [drop])
    assert "utf-8" in line.lower(), line


def test_empty_event_root_code_is_rejected_in_one_line(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    rows = v2_rows(3, start=40)
    for r in rows:
        r[ID] = str(int(r[ID]) + 9_000_000_000)  # not stored yet, so the row reaches the insert
    rows[1][EVENT_ROOT] = ""
    drop = write_tsv(tmp_path / "20150218230000.export.CSV", rows)
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "gdelt", drop)
    assert_rejected(result, copy_of_sample_lake, before, 0, [drop], "line 2", "EventRootCode")


def test_root_code_contradicting_event_code_is_never_stored(blank_lake: Path, tmp_path: Path) -> None:
    rows = v2_rows(3)
    assert rows[1][EVENT_CODE] == "042"
    rows[1][EVENT_ROOT] = "19"
    drop = write_tsv(tmp_path / "20150218230000.export.CSV", rows)
    run_cli(blank_lake, "gdelt", drop)
    con = lakes.connect(blank_lake)
    try:
        wrong = con.execute(
            "select count(*) from events where not starts_with(event_code, event_root_code)").fetchone()[0]
    finally:
        con.close()
    assert wrong == 0


# ---------------------------------------------------------------- 9. Parquet drops


def _export(lake: Path, select: str, target: Path) -> Path:
    con = lakes.connect(lake)
    try:
        con.execute(f"copy ({select}) to '{target}' (format parquet)")
    finally:
        con.close()
    return target


EXPORTS = {
    "v2.parquet": "select * from events where source = 'gdelt2' order by event_id limit 300",
    "v1.parquet": "select * from events where source = 'gdelt1' and pair_a = 'CHN' and pair_b = 'USA' "
                  "order by event_id limit 300",
}


@pytest.fixture(scope="module")
def parquet_round_trip(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("parquet")
    drops = [_export(sample_lake, select, work / name) for name, select in EXPORTS.items()]
    fresh = work / "fresh_lake"
    result = run_cli(fresh, "parquet", *drops)
    return drops, fresh, result


def test_parquet_events_load_into_fresh_lake_with_equal_counts(parquet_round_trip) -> None:
    drops, fresh, result = parquet_round_trip
    assert result.returncode == 0, result.stderr
    con = lakes.connect(fresh)
    try:
        exported = con.execute(f"select count(*) from read_parquet({[str(d) for d in drops]})").fetchone()[0]
        assert exported == 600
        assert con.execute("select count(*) from events").fetchone()[0] == exported
    finally:
        con.close()


def test_parquet_events_round_trip_every_column(parquet_round_trip) -> None:
    drops, fresh, result = parquet_round_trip
    assert result.returncode == 0, result.stderr
    con = lakes.connect(fresh)
    try:
        files = [str(d) for d in drops]
        missing = con.execute(f"select * from read_parquet({files}) except all select * from events").fetchall()
        extra = con.execute(f"select * from events except all select * from read_parquet({files})").fetchall()
    finally:
        con.close()
    assert missing == [] and extra == []


def test_parquet_missing_required_columns_is_rejected(sample_lake: Path, copy_of_sample_lake: Path,
                                                      tmp_path: Path) -> None:
    drop = _export(sample_lake, "select event_id, event_date, actor1_code, actor2_code from events limit 20",
                   tmp_path / "partial.parquet")
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "parquet", drop)
    assert_rejected(result, copy_of_sample_lake, before, 0, [drop], "match no contract", "event_code")


def test_truncated_parquet_is_rejected(sample_lake: Path, copy_of_sample_lake: Path, tmp_path: Path) -> None:
    whole = _export(sample_lake, "select * from events where source = 'gdelt2' limit 500", tmp_path / "w.parquet")
    drop = tmp_path / "events.parquet"
    data = whole.read_bytes()
    drop.write_bytes(data[: len(data) // 2])
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "parquet", drop)
    assert_rejected(result, copy_of_sample_lake, before, 0, [drop], "not a readable Parquet file")


def test_zero_row_parquet_of_events_table_adds_nothing(sample_lake: Path, copy_of_sample_lake: Path,
                                                        tmp_path: Path) -> None:
    # An empty export with every contract column (source included) is a successful no-op.
    drop = _export(sample_lake, "select * from events where false", tmp_path / "empty.parquet")
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "parquet", drop)
    assert result.returncode == 0, result.stderr
    assert "read 0 rows" in result.stdout and "no new snapshot" in result.stdout
    assert lake_state(copy_of_sample_lake) == before


def test_zero_row_parquet_without_source_adds_nothing(sample_lake: Path, copy_of_sample_lake: Path,
                                                       tmp_path: Path) -> None:
    drop = _export(sample_lake, "select * exclude (source) from events where false", tmp_path / "empty.parquet")
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "parquet", drop)
    assert result.returncode == 0, result.stderr
    assert "read 0 rows" in result.stdout and "no new snapshot" in result.stdout
    assert lake_state(copy_of_sample_lake) == before


def test_parquet_bad_value_names_contract_column(sample_lake: Path, copy_of_sample_lake: Path,
                                                 tmp_path: Path) -> None:
    drop = _export(sample_lake, "select * replace (case when event_id = (select min(event_id) from events "
                   "where source = 'gdelt2') then 7 else quad_class end :: tinyint as quad_class) "
                   "from events where source = 'gdelt2' order by event_id limit 5", tmp_path / "events.parquet")
    before = lake_state(copy_of_sample_lake)
    result = run_cli(copy_of_sample_lake, "parquet", drop)
    assert_rejected(result, copy_of_sample_lake, before, 0, [drop], "line 1, column quad_class", "'7'")
