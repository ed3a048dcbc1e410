"""The same lake on a PostgreSQL catalog with data on S3 (moto) gives the same numbers as
the default SQLite lake, through the same code: ingest, every named query, pinned snapshots,
rejection, and one-line errors for bad settings.

Real servers on 127.0.0.1 (tests/services.py); skipped without PostgreSQL, except in CI.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ingest.errors import Rejected
from ingest.load import load
from ingest.sample import build_sample, sample_files
from lake import connection as lakes
from queries import runner
from tests.conftest import lake_settings
from tests.services import lake_env

pytestmark = pytest.mark.scaleout

REPO = Path(__file__).resolve().parent.parent
WINDOWS = {  # month-aligned windows are answered from the rollups, others from the events
    "months": {"start": "2018-01-01", "end": "2018-06-30", "prev_start": "2017-07-01", "prev_end": "2017-12-31"},
    "days": {"start": "2018-01-05", "end": "2018-06-20", "prev_start": "2017-07-05", "prev_end": "2017-12-20"},
}


def _params(query: runner.Query, window: dict[str, str], event_id: int) -> dict[str, object]:
    given = {"a": "USA", "b": "CHN", "country": "USA", "event_id": event_id, "q": "trade",
             "periods": "2018-02-01,2018-05-01", **window}
    return {p.name: given[p.name] for p in query.params if p.name in given}


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), ignore_index=True) if len(frame) else frame.reset_index(drop=True)


def _run(lake: Path, env: dict[str, str] | None, name: str, params: dict, snapshot: int | None = None):
    with lake_settings(env or {}):
        con = lakes.connect(lake)
        try:
            return runner.run(con, name, params, snapshot=snapshot)
        finally:
            con.close()


@pytest.fixture(scope="module")
def event_id(sample_lake: Path) -> int:
    con = lakes.connect(sample_lake)
    try:
        # an event with mentions, so event_mentions has rows to compare
        return con.execute("select min(m.event_id) from mentions m join events e using (event_id)").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("name", sorted(runner.catalog()))
def test_every_query_gives_the_sqlite_lakes_numbers(name, window, sample_lake, pg_s3_sample, event_id):
    lake, env = pg_s3_sample
    params = _params(runner.get(name), WINDOWS[window], event_id)
    want = _run(sample_lake, None, name, params)
    got = _run(lake, env, name, params)
    if name == "snapshots":  # commit times differ between two builds; the history must not
        want, got = want.drop(columns=["snapshot_time"]), got.drop(columns=["snapshot_time"])
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want), check_exact=False, rtol=1e-9)
    # The sample has no rows for these: no mentions of these events, no coded events on this pair,
    # and a lake built from files, not from GDELT's feed.
    assert len(got) or name in {"event_articles", "pair_coverage", "pair_languages", "coded_events",
                                "feed_freshness", "feed_completeness", "feed_gaps", "feed_failures"}


def test_a_pinned_snapshot_gives_the_same_numbers(sample_lake, pg_s3_sample):
    """Snapshot 2 (events only, before mentions and articles) on both lakes."""
    lake, env = pg_s3_sample
    for name in ("lake_summary", "table_counts", "top_pairs"):
        params = {"start": "2018-01-01", "end": "2018-06-30"} if name == "top_pairs" else {}
        want = _run(sample_lake, None, name, params, snapshot=2)
        got = _run(lake, env, name, params, snapshot=2)
        pd.testing.assert_frame_equal(_sorted(got), _sorted(want), check_exact=False, rtol=1e-9)
    counts = _run(lake, env, "table_counts", {}, snapshot=2).set_index("table_name")["rows"]
    assert counts["events"] > 0 and counts["mentions"] == 0


def test_the_data_files_are_on_s3_and_the_catalog_in_postgres(pg_s3_sample, postgres, moto_s3):
    lake, env = pg_s3_sample
    assert not (lake / lakes.CATALOG_FILE).exists() and not (lake / lakes.DATA_DIR).exists()
    with lake_settings(env):
        con = lakes.connect(lake)
        try:
            files = [r[0] for r in con.execute("select data_file from ducklake_list_files('lake', 'events')").fetchall()]
        finally:
            con.close()
    assert files and all(f.startswith("s3://bilateral/sample/") for f in files)
    assert "ducklake_snapshot" in postgres.psql(
        "select table_name from information_schema.tables where table_schema = 'sample'")


def test_a_rejected_batch_commits_nothing(pg_s3_env, tmp_path):
    env = pg_s3_env()
    lake = tmp_path / "lake"
    good = sample_files("events")[0]
    broken = tmp_path / "broken.export.CSV"
    with gzip.open(good, "rt", encoding="utf-8") as src:
        lines = src.read().splitlines()[:50]
    broken.write_text("\n".join(lines[:10] + ["not\ta\tgdelt\tline"] + lines[10:]) + "\n", encoding="utf-8")
    with lake_settings(env):
        load("gdelt", [good], lake)
        before = _state(lake)
        with pytest.raises(Rejected):
            load("gdelt", [good, str(broken)], lake)
        assert _state(lake) == before


def _state(lake: Path) -> tuple[int, int]:
    con = lakes.connect(lake)
    try:
        return lakes.current_snapshot(con), con.execute("select count(*) from events").fetchone()[0]
    finally:
        con.close()


def test_postgres_catalog_with_a_local_data_path(postgres, sample_lake, tmp_path):
    env = lake_env(postgres, None, "local_data", data_dir=tmp_path / "shared-files")
    lake = tmp_path / "lake"
    with lake_settings(env):
        list(build_sample(lake))
    assert list((tmp_path / "shared-files").rglob("*.parquet"))
    assert not (lake / lakes.CATALOG_FILE).exists()
    params = {"a": "USA", "b": "CHN", "start": "2018-01-01", "end": "2018-06-30"}
    for name in ("pair_timeline", "top_pairs", "lake_summary"):
        args = {k: v for k, v in params.items() if k in {p.name for p in runner.get(name).params}}
        pd.testing.assert_frame_equal(_sorted(_run(lake, env, name, args)),
                                      _sorted(_run(sample_lake, None, name, args)), check_exact=False, rtol=1e-9)


def _cli(args: list[str], env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BILATERAL_CATALOG", "BILATERAL_PG",
                                                                      "BILATERAL_S3", "BILATERAL_DATA", "AWS_"))}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env={**base, "PYTHONPATH": str(REPO), **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("BILATERAL_CATALOG", "oracle", "BILATERAL_CATALOG='oracle' must be one of: sqlite, postgres"),
    ("BILATERAL_PG_PORT", "54x", "BILATERAL_PG_PORT='54x' is not a port number"),
    ("BILATERAL_PG_SCHEMA", "x; drop table y", "BILATERAL_PG_SCHEMA='x; drop table y' is not a plain name"),
    ("BILATERAL_DATA_PATH", "http://example.invalid/x", "give a local directory or s3://bucket/prefix/"),
    ("BILATERAL_S3_ENDPOINT", "http://127.0.0.1:9000", "must be host[:port], without http://"),
    ("BILATERAL_S3_SECRET", "", "an S3 data path needs BILATERAL_S3_KEY_ID and BILATERAL_S3_SECRET"),
])
def test_bad_settings_give_one_line(setting, value, says, postgres, moto_s3, tmp_path):
    env = {**lake_env(postgres, moto_s3, "bad_settings"), setting: value}
    for command in (["ingest", "--lake", str(tmp_path), "status"], ["queries", "lake_summary", "--lake", str(tmp_path)]):
        done = _cli(command, env)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert says in done.stderr


def test_a_wrong_password_gives_one_line_without_any_password(pg_s3_sample, postgres):
    lake, env = pg_s3_sample
    done = _cli(["ingest", "--lake", str(lake), "status"], {**env, "BILATERAL_PG_PASSWORD": "wrong-pw-0000"})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "password authentication failed" in done.stderr
    assert "wrong-pw-0000" not in done.stderr and postgres.password not in done.stderr


def test_settings_from_secrets_toml_and_pgpassword(pg_s3_sample, tmp_path):
    """The CLI reads .streamlit/secrets.toml from its working directory, as the dashboard does;
    the password may come from libpq's PGPASSWORD instead of a setting."""
    lake, env = pg_s3_sample
    (tmp_path / ".streamlit").mkdir()
    in_file = {k: v for k, v in env.items() if k != "BILATERAL_PG_PASSWORD"}
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        "".join(f'{key} = "{value}"\n' for key, value in in_file.items()), encoding="utf-8")
    done = _cli(["ingest", "--lake", str(lake), "status", "--format", "json"],
                {"PGPASSWORD": env["BILATERAL_PG_PASSWORD"]}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tables"]["events"] == 117126
    assert env["BILATERAL_PG_PASSWORD"] not in done.stdout + done.stderr


def test_the_export_date_is_the_snapshot_time(pg_s3_sample, tmp_path):
    from ingest.export import export_snapshot

    lake, env = pg_s3_sample
    with lake_settings(env):
        manifest = export_snapshot(lake, 2, tmp_path / "export")
    assert dt.datetime.fromisoformat(manifest["snapshot_time"]) <= dt.datetime.now(dt.UTC)
    assert manifest["tables"]["events"]["rows"] == 117126 and manifest["tables"]["mentions"]["rows"] == 0
    assert env["BILATERAL_PG_PASSWORD"] not in (tmp_path / "export" / "manifest.json").read_text()


def test_migrate_copies_a_sqlite_lake_into_postgres_s3(sample_lake, pg_s3_env, tmp_path):
    env = pg_s3_env()
    lake = tmp_path / "lake"
    done = _cli(["ingest", "--lake", str(lake), "migrate", "--from", str(sample_lake)], env)
    assert done.returncode == 0, done.stderr
    assert "copied " in done.stdout and "117,126 events" in done.stdout and env["BILATERAL_PG_PASSWORD"] not in done.stdout
    for name, params in (("table_counts", {}), ("lake_summary", {}),
                         ("top_pairs", {"start": "2018-01-01", "end": "2018-06-30"}),
                         ("pair_timeline", {"a": "USA", "b": "CHN", "start": "2018-01-05", "end": "2018-06-20"})):
        pd.testing.assert_frame_equal(_sorted(_run(lake, env, name, params)),
                                      _sorted(_run(sample_lake, None, name, params)), check_exact=False, rtol=1e-9)
    again = _cli(["ingest", "--lake", str(lake), "migrate", "--from", str(sample_lake)], env)
    assert again.returncode == 2 and "already holds events" in again.stderr
