"""The dashboard's DuckDB connection is read-only, reads only the lake, and cannot be loosened."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lake import connection as lakes
from queries import runner, search


@pytest.fixture
def sandboxed(sample_lake: Path):
    con = lakes.connect(sample_lake, read_only=True, sandbox=True, memory_limit="1GB")
    yield con
    con.close()


@pytest.mark.parametrize(
    "statement",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "copy (select 1) to '/tmp/bilateral-should-not-exist.csv'",
        "install httpfs",
        "load httpfs",
        "set enable_external_access = true",
        "set allowed_directories = ['/']",
        "attach '/tmp/bilateral-other.duckdb' as other",
        "insert into lake.articles (url) values ('https://example.invalid/x')",
        "delete from lake.events",
        "drop table lake.events",
    ],
)
def test_sandboxed_connection_refuses(sandboxed, statement: str) -> None:
    with pytest.raises(duckdb.Error):
        sandboxed.execute(statement)
    assert not Path("/tmp/bilateral-should-not-exist.csv").exists()


def test_sandboxed_connection_still_answers_pages(sandboxed, sample_con) -> None:
    assert runner.run(sandboxed, "lake_summary").equals(runner.run(sample_con, "lake_summary"))
    first = lakes.current_snapshot(sandboxed) - 1
    assert len(runner.run(sandboxed, "countries", snapshot=first)) > 0  # time travel attaches inside the lake
    search.ensure_index(sandboxed)
    assert len(runner.run(sandboxed, "article_search", {"q": "trade"})) > 0
