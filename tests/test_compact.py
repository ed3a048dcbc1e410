"""python -m ingest compact: the events rewritten in (pair, date) order in one commit, with
every number unchanged, pinned snapshots intact and loads working after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ingest.compact import ORDER, chunks, compact, data_files
from ingest.load import load
from lake import connection as lakes
from queries import runner
from tests.test_articles_search import shifted_sample_events
from tests.test_scaleout_lake import WINDOWS, _params, _sorted

REPO = Path(__file__).resolve().parent.parent
HISTORY = {"snapshots"}  # the commit log: compaction adds its own line to it


def every_query(lake: Path, event_id: int, snapshot: int | None = None) -> dict[tuple[str, str], pd.DataFrame]:
    con = lakes.connect(lake)
    try:
        return {(name, window): _sorted(runner.run(con, name, _params(runner.get(name), WINDOWS[window], event_id),
                                                   snapshot=snapshot))
                for name in sorted(set(runner.catalog()) - HISTORY) for window in WINDOWS}
    finally:
        con.close()


@pytest.fixture
def two_loads(copy_of_sample_lake: Path, tmp_path: Path) -> Path:
    """The sample lake plus a second load: two event files, as after a day of drops."""
    load("gdelt", [str(shifted_sample_events(tmp_path))], copy_of_sample_lake)
    return copy_of_sample_lake


def _state(lake: Path) -> dict:
    con = lakes.connect(lake)
    try:
        return {"snapshot": lakes.current_snapshot(con), "files": data_files(con),
                "event_id": con.execute("select min(m.event_id) from mentions m join events e using (event_id)").fetchone()[0],
                "rows": con.execute(f"select {ORDER}, source, goldstein, source_url from events").fetchall()}
    finally:
        con.close()


def test_compaction_changes_no_number_and_leaves_one_sorted_file(two_loads: Path) -> None:
    before = _state(two_loads)
    assert before["files"] == (2, 0)
    answers = every_query(two_loads, before["event_id"])
    done = compact(two_loads)
    after = _state(two_loads)
    assert done == {"rows": len(before["rows"]), "files_before": 2, "files_after": 1, "snapshot": before["snapshot"] + 1}
    assert after["snapshot"] == before["snapshot"] + 1 and after["files"] == (1, 0)
    assert sorted(after["rows"], key=repr) == sorted(before["rows"], key=repr)
    for key, frame in every_query(two_loads, before["event_id"]).items():
        pd.testing.assert_frame_equal(frame, answers[key], obj=str(key))


def test_the_compacted_file_is_in_pair_and_date_order(two_loads: Path) -> None:
    compact(two_loads)
    con = lakes.connect(two_loads)
    try:
        (path,) = [r[0] for r in con.execute("select data_file from ducklake_list_files('lake', 'events')").fetchall()]
        keys = con.execute(f"select {ORDER} from read_parquet($path)", {"path": path}).fetchall()
    finally:
        con.close()

    assert len(keys) > 100_000 and keys == sorted(keys, key=_nulls_last)


def _nulls_last(key: tuple) -> tuple:
    return tuple((value is None, value if value is not None else 0) for value in key)


def test_a_snapshot_pinned_before_compaction_keeps_its_numbers(two_loads: Path) -> None:
    before = _state(two_loads)
    pinned = every_query(two_loads, before["event_id"], snapshot=before["snapshot"] - 1)
    compact(two_loads)
    for key, frame in every_query(two_loads, before["event_id"], snapshot=before["snapshot"] - 1).items():
        pd.testing.assert_frame_equal(frame, pinned[key], obj=str(key))


def test_loads_after_compaction_deduplicate_and_add(two_loads: Path, tmp_path: Path) -> None:
    compact(two_loads)
    again = load("gdelt", [str(shifted_sample_events(tmp_path))], two_loads)
    assert again.added == {} and again.duplicates > 0
    assert compact(two_loads)["snapshot"] is None, "nothing loaded since the last compaction"


def test_a_big_table_is_rewritten_chunk_by_chunk_into_files_in_order(two_loads: Path, monkeypatch) -> None:
    """Each chunk is sorted on its own (memory stays bounded); together they keep the order."""
    from ingest import compact as compaction

    before = _state(two_loads)
    ranges = []
    monkeypatch.setattr(compaction, "CHUNK_ROWS", 20_000)
    monkeypatch.setattr(compaction, "chunks", lambda groups, limit: ranges.extend(chunks(groups, limit)) or ranges)
    compact(two_loads)
    assert len(ranges) >= len(before["rows"]) // 20_000 > 3
    con = lakes.connect(two_loads)
    try:
        keys = con.execute(f"select {ORDER} from read_parquet($files, filename = true) order by filename, "
                           "file_row_number", {"files": [r[0] for r in con.execute(
                               "select data_file from ducklake_list_files('lake', 'events')").fetchall()]}).fetchall()
    finally:
        con.close()
    assert sorted(keys, key=repr) == sorted((r[:4] for r in before["rows"]), key=repr)
    assert keys == sorted(keys, key=_nulls_last)


def _cli(lake: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "compact", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_the_command_says_what_it_did(two_loads: Path) -> None:
    done = _cli(two_loads, "--memory-limit", "1GB")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("compacted ") and "from 2 file(s) into 1; snapshot " in done.stdout


@pytest.mark.parametrize(("args", "says"), [
    (["--memory-limit", "lots"], "'lots' is not a size"),
    ([], "no lake at"),
])
def test_bad_input_is_one_line_and_changes_nothing(tmp_path: Path, args: list[str], says: str) -> None:
    done = _cli(tmp_path / "nothing-here", *args)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "nothing-here").exists()
