"""Each value check of ingest/events.py on real GDELT rows: one bad field in the 4th of 5 real
rows rejects the whole drop with that line and column, and nothing is stored. And the checks
are not stricter than GDELT: real values at their edges load."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from ingest.errors import Rejected
from ingest.load import load
from lake import connection as lakes
from tests.support.gdelt_rows import FIELDS, real_rows, write_rows

QUIET = Console(stderr=True, quiet=True)


def stored(lake: Path) -> int:
    if not lakes.lake_exists(lakes.settings_for(lake)):
        return 0
    con = lakes.connect(lake)
    try:
        return con.execute("select count(*) from lake.events").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize(("column", "value"), [
    ("NumSources", "2.5"), ("NumSources", "two"), ("NumArticles", "1e3"), ("NumArticles", "-"),
    ("NumMentions", "x"), ("AvgTone", "neutral"), ("AvgTone", "150"), ("AvgTone", "-100.5"),
    ("DATEADDED", "20151327221500"), ("DATEADDED", "yesterday"), ("EventBaseCode", "999"),
    ("GoldsteinScale", "10.5"),
])
def test_a_bad_value_rejects_the_drop(empty_lake: Path, tmp_path: Path, column: str, value: str) -> None:
    rows = real_rows(0, 5)
    rows[3][FIELDS[column]] = value
    with pytest.raises(Rejected) as rejected:
        load("gdelt", [str(write_rows(tmp_path / "ev.CSV", rows))], empty_lake, QUIET)
    assert (rejected.value.line, rejected.value.column) == (4, column)
    assert stored(empty_lake) == 0


def test_real_values_at_the_edges_load(empty_lake: Path, tmp_path: Path) -> None:
    """A real AvgTone far past +-10 (GDELT's tone runs -100..100), a date-only DATEADDED and an
    empty EventBaseCode all load, so the checks above reject the value, not the column."""
    rows = real_rows(0, 5)
    rows[0][FIELDS["AvgTone"]] = "-37.5"
    rows[1][FIELDS["AvgTone"]] = "100"
    rows[2][FIELDS["DATEADDED"]] = "20151027"
    rows[3][FIELDS["EventBaseCode"]] = ""
    load("gdelt", [str(write_rows(tmp_path / "ev.CSV", rows))], empty_lake, QUIET)
    assert stored(empty_lake) == 5
