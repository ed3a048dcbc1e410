"""ingest_commits: the row every load updates, so that concurrent loads never both add the
same rows (tests/test_scaleout_concurrency.py runs them); older lakes get it on upgrade."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ingest import store
from ingest.load import load
from ingest.sample import sample_files
from lake import connection as lakes


def _drop(lake: Path, *tables: str) -> None:
    con = lakes.connect(lake, read_only=False)
    try:
        for table in tables:
            con.execute(f"drop table {table}")
    finally:
        con.close()


def _marker(lake: Path) -> list[tuple]:
    con = lakes.connect(lake)
    try:
        return con.execute("select commits from ingest_commits").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("missing", [("ingest_commits",), ("ingest_commits", "pair_month", "coded_events")])
def test_an_older_lake_gets_the_row_and_counts_loads(copy_of_sample_lake: Path, tmp_path: Path, missing):
    lake = copy_of_sample_lake
    _drop(lake, *missing)
    drop = tmp_path / "20171126081500.export.CSV"
    source = next(p for p in sample_files("events") if "20171126081500" in p)
    with gzip.open(source, "rt", encoding="utf-8") as src:
        drop.write_text("".join(f"{int(i) + 10**11}\t{rest}" for i, rest in (line.split("\t", 1) for line in src)))
    assert load("gdelt", [str(drop)], lake).added == {"events": 948}
    assert _marker(lake) == [(1,)]


def test_a_load_that_saw_an_older_count_writes_nothing(copy_of_sample_lake: Path):
    con = lakes.connect(copy_of_sample_lake, read_only=False)
    try:
        store.ensure_schema(con)
        seen = store.commits_so_far(con)
        con.execute("begin")
        assert store.mark_commit(con, seen)
        con.execute("commit")
        con.execute("begin")
        assert not store.mark_commit(con, seen)  # another load committed since `seen`
        con.execute("rollback")
    finally:
        con.close()
