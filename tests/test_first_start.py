"""First start: the lake is built from the embedded sample, and a build that stopped after its
events commit (the server stopped mid-build) is detected and completed, by the ingest and by the
dashboard's entrypoint."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.load import load
from ingest.sample import complete_sample, missing_sample_steps, sample_files
from lake import connection as lakes

APP = str(Path(__file__).resolve().parent.parent / "app.py")
COUNTS = "select (select count(*) from events), (select count(*) from mentions), (select count(*) from articles)"


def _counts(lake: Path) -> tuple[int, int, int]:
    con = lakes.connect(lake)
    try:
        return con.execute(COUNTS).fetchone()
    finally:
        con.close()


@pytest.fixture
def events_only_lake(tmp_path: Path) -> Path:
    """The state a stopped first start left: the sample's events committed, nothing else."""
    lake = tmp_path / "lake"
    load("gdelt", sample_files("events"), lake)
    return lake


def test_a_missing_lake_needs_every_step(empty_lake: Path) -> None:
    assert missing_sample_steps(empty_lake) == ["gdelt", "mentions", "articles"]


def test_a_complete_sample_lake_needs_nothing(sample_lake: Path) -> None:
    assert missing_sample_steps(sample_lake) == []


def test_a_lake_of_other_data_is_not_completed(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    load("gdelt", sample_files("events")[:1], lake)  # one file: not the sample's events load
    assert missing_sample_steps(lake) == []


def test_a_stopped_build_is_completed_to_the_full_sample(events_only_lake: Path, sample_lake: Path) -> None:
    assert missing_sample_steps(events_only_lake) == ["mentions", "articles"]
    assert _counts(events_only_lake)[1:] == (0, 0)
    summaries = list(complete_sample(events_only_lake))
    assert [s.command for s in summaries] == ["mentions", "articles"]
    assert _counts(events_only_lake) == _counts(sample_lake)
    assert missing_sample_steps(events_only_lake) == []


def test_the_dashboard_completes_a_stopped_build(events_only_lake: Path, sample_lake: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILATERAL_LAKE", str(events_only_lake))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert _counts(events_only_lake) == _counts(sample_lake)
    # and equal to the raw files' rows: mentions less the one header line, one article a line
    assert _counts(events_only_lake)[1:] == (_lines(sample_files("mentions")) - 1, _lines(sample_files("articles")))


def _lines(paths: list[str]) -> int:
    total = 0
    for path in paths:
        with gzip.open(path, "rb") as f:
            total += sum(1 for _ in f)
    return total
