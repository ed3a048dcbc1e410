"""AppTest: the Overview page opens on the sample lake and shows the sample's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lake import connection as lakes
from queries.runner import run

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(sample_lake: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))
    return AppTest.from_file(APP, default_timeout=60)


def test_overview_shows_sample_numbers(app: AppTest, sample_con) -> None:
    app.run()
    assert not app.exception
    summary = run(sample_con, "lake_summary").iloc[0]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Events"] == f"{summary['events']:,}"
    assert metrics["Between two countries"] == f"{summary['dyadic_events']:,}"
    assert metrics["Country pairs"] == f"{summary['pairs']:,}"


def test_overview_names_the_snapshot(app: AppTest, sample_lake: Path) -> None:
    app.run()
    con = lakes.connect(sample_lake)
    snapshot = lakes.current_snapshot(con)
    con.close()
    badges = [el.proto.label for el in app.get("badge")] if app.get("badge") else []
    assert any(f"snapshot {snapshot}" in b for b in badges) or any(
        f"snapshot {snapshot}" in c.value for c in app.caption)


def test_overview_lists_busiest_state_pair_first(app: AppTest, sample_con) -> None:
    app.run()
    top = run(sample_con, "top_pairs", {"start": "1979-01-01", "end": "2030-12-31", "limit": 1}).iloc[0]
    table = next(d.value for d in app.dataframe if "name_a" in d.value.columns)
    assert (table.iloc[0]["country_a"], table.iloc[0]["country_b"]) == (top["country_a"], top["country_b"])
    assert table.iloc[0]["events"] == top["events"]


def test_first_start_builds_lake_from_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = tmp_path / "fresh"
    monkeypatch.setenv("BILATERAL_LAKE", str(lake))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert lakes.lake_exists(lake)
    assert any(m.label == "Events" and m.value != "0" for m in at.metric)
