"""Two ingests from two processes into one PostgreSQL + S3 lake at the same moment: both
commit, or one fails with one line and its batch intact, and the retry commits it."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lake import connection as lakes
from tests.conftest import lake_settings

pytestmark = pytest.mark.scaleout

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "data" / "sample" / "events" / "20171126081500.export.CSV.gz"
RETRY_LINE = "nothing was committed; run the command again"


def shifted(folder: Path, offset: int) -> tuple[Path, int]:
    """The real export with every event id moved by `offset`: new events, same content."""
    out = folder / f"2017112608150{offset // 10**11}.export.CSV"
    with gzip.open(SOURCE, "rt", encoding="utf-8") as src:
        lines = [f"{int(i) + offset}\t{rest}" for i, rest in (line.split("\t", 1) for line in src)]
    out.write_text("".join(lines), encoding="utf-8")
    return out, len(lines)


def _ingest(lake: Path, env: dict[str, str], drop: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ingest", "--lake", str(lake), "gdelt", str(drop)], cwd=REPO,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _events(lake: Path, env: dict[str, str]) -> int:
    with lake_settings(env):
        con = lakes.connect(lake)
        try:
            return con.execute("select count(*) from events").fetchone()[0]
        finally:
            con.close()


def test_two_concurrent_ingests_both_commit_or_one_retries_cleanly(pg_s3_env, tmp_path: Path):
    env = pg_s3_env()
    lake = tmp_path / "lake"
    base, base_rows = shifted(tmp_path, 0)
    assert _ingest(lake, env, base).wait(timeout=120) == 0
    expected = base_rows
    outcomes = []
    for round_ in (1, 2):
        drops = [shifted(tmp_path, (2 * round_ + k) * 10**11) for k in (0, 1)]
        procs = [_ingest(lake, env, drop) for drop, _ in drops]
        results = [(proc.wait(timeout=180), *proc.communicate()) for proc in procs]
        committed = sum(rows for (code, _, _), (_, rows) in zip(results, drops, strict=True) if code == 0)
        assert any(code == 0 for code, _, _ in results), results
        assert _events(lake, env) == expected + committed  # a failed batch left nothing behind
        for (code, _, err), (drop, _rows) in zip(results, drops, strict=True):
            outcomes.append(code)
            if code:
                assert code == 3 and RETRY_LINE in err and err.count("\n") == 1, err
                assert env["BILATERAL_PG_PASSWORD"] not in err
                assert _ingest(lake, env, drop).wait(timeout=120) == 0  # the batch is intact: retry it
        expected += sum(rows for _, rows in drops)
        assert _events(lake, env) == expected
    print("exit codes of the concurrent ingests:", outcomes)


def test_two_concurrent_ingests_of_the_same_file_add_its_events_once(pg_s3_env, tmp_path: Path):
    """Neither load's duplicate check can see the other's uncommitted rows: the later commit
    notices (ingest_commits) and checks again, instead of adding every event twice."""
    env = pg_s3_env()
    lake = tmp_path / "lake"
    base, base_rows = shifted(tmp_path, 0)
    assert _ingest(lake, env, base).wait(timeout=120) == 0
    expected = base_rows
    for round_ in (1, 2, 3):
        drop, rows = shifted(tmp_path, round_ * 10**11)
        procs = [_ingest(lake, env, drop) for _ in range(2)]
        results = [(proc.wait(timeout=180), *proc.communicate()) for proc in procs]
        for code, _, err in results:
            assert code == 0 or (code == 3 and RETRY_LINE in err), err
        expected += rows
        assert _events(lake, env) == expected
