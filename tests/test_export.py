"""python -m ingest export: a snapshot as plain Parquet + manifest.json, read back by DuckDB
without DuckLake and by Spark (local mode), giving the query runner's numbers."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.load import load
from ingest.sample import sample_files
from lake import connection as lakes
from queries import runner
from tests.conftest import IN_CI, lake_settings

REPO = Path(__file__).resolve().parent.parent
SPARK_SCRIPT = REPO / "docs" / "spark_pair_timeline.py"


def _export(lake: Path, snapshot: int, target: Path, env: dict[str, str] | None = None):
    return subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "export", "--snapshot",
                           str(snapshot), "--to", str(target)], cwd=REPO, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=300)


def _three_new_events(folder: Path) -> Path:
    """Three real GDELT 2.0 rows with new ids: a commit small enough to be inlined in the catalog."""
    source = next(p for p in sample_files("events") if "export.CSV" in p)
    with gzip.open(source, "rt", encoding="utf-8") as src:
        rows = [line.split("\t", 1) for line in src.read().splitlines()[:3]]
    out = folder / "20990101000000.export.CSV"
    out.write_text("".join(f"{int(i) + 10**11}\t{rest}\n" for i, rest in rows), encoding="utf-8")
    return out


def test_export_writes_every_table_of_the_snapshot(copy_of_sample_lake: Path, tmp_path: Path):
    lake = copy_of_sample_lake
    load("gdelt", [str(_three_new_events(tmp_path))], lake)
    con = lakes.connect(lake)
    latest = lakes.current_snapshot(con)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("events", "mentions", "articles")}
    con.close()

    done = _export(lake, latest, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"exported snapshot {latest} ")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["snapshot"] == latest and manifest["format"] == "bilateral-export/1"
    assert {"events", "mentions", "articles", "countries", "cameo_codes", "pair_month"} <= set(manifest["tables"])
    for table, expected in counts.items():
        entry = manifest["tables"][table]
        assert entry["rows"] == expected
        read = duckdb.sql(f"select count(*) from read_parquet('{tmp_path / 'out' / entry['file']}')").fetchone()[0]
        assert read == expected
    assert manifest["tables"]["events"]["columns"]["event_date"] == "DATE"


def test_export_flushes_inlined_rows_into_the_lakes_parquet(copy_of_sample_lake: Path, tmp_path: Path):
    """After an export, DuckLake's own data files hold every event: none is left in the catalog."""
    lake = copy_of_sample_lake
    load("gdelt", [str(_three_new_events(tmp_path))], lake)

    def events_in_data_files() -> int:
        con = lakes.connect(lake)
        try:
            files = [r[0] for r in con.execute("select data_file from ducklake_list_files('lake', 'events')").fetchall()]
            return duckdb.sql("select count(*) from read_parquet($files)", params={"files": files}).fetchone()[0]
        finally:
            con.close()

    assert events_in_data_files() == 117126  # the 3 new rows are inlined in the catalog
    assert _export(lake, 2, tmp_path / "out").returncode == 0
    assert events_in_data_files() == 117129
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["tables"]["events"]["rows"] == 117126  # snapshot 2 itself is unchanged


def test_export_refuses_a_used_directory_or_a_missing_snapshot(sample_lake: Path, tmp_path: Path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("x")
    for snapshot, target, says in ((2, tmp_path / "used", "is not an empty directory"),
                                   (999, tmp_path / "new", "snapshot 999 does not exist")):
        done = _export(sample_lake, snapshot, target)
        assert done.returncode == 2 and says in done.stderr and done.stderr.count("\n") == 1
    assert (tmp_path / "used" / "keep.txt").read_text() == "x"


@pytest.mark.scaleout
@pytest.mark.slow
def test_spark_computes_pair_timeline_from_an_export_of_the_postgres_s3_lake(pg_s3_sample, tmp_path: Path):
    if shutil.which("java") is None:
        if IN_CI:
            pytest.fail("java is missing; CI must run the Spark export check")
        pytest.skip("java is missing (Java 17 runs PySpark)")
    pytest.importorskip("pyspark")
    lake, env = pg_s3_sample
    snapshot = 4
    assert _export(lake, snapshot, tmp_path / "export", env).returncode == 0
    cases = [{"a": "USA", "b": "CHN", "start": "2018-01-01", "end": "2018-06-30", "grain": "month"},
             {"a": "CHN", "b": "USA", "start": "2018-02-10", "end": "2018-05-20", "grain": "week",
              "direction": "a_to_b"}]
    with lake_settings(env):
        con = lakes.connect(lake)
        want = [runner.run(con, "pair_timeline", case, snapshot=snapshot) for case in cases]
        con.close()
    for case, expected in zip(cases, want, strict=True):
        args = [a for key, value in case.items() for a in (f"--{key}", value)]
        done = subprocess.run([sys.executable, str(SPARK_SCRIPT), str(tmp_path / "export"), *args],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        got = list(csv.DictReader(io.StringIO(done.stdout)))
        assert len(got) == len(expected) > 0
        for row, (_, exp) in zip(got, expected.iterrows(), strict=True):
            assert row["period"] == str(exp["period"].date()) and int(row["quad_class"]) == exp["quad_class"]
            assert int(row["events"]) == exp["events"]
            assert float(row["goldstein_mean"]) == pytest.approx(exp["goldstein_mean"], rel=1e-9)
            assert float(row["tone_mean"]) == pytest.approx(exp["tone_mean"], rel=1e-9)
