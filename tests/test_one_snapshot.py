"""One page run reads one snapshot (dashboard/lake_access.py): a load that commits while a page
is running changes nothing on that page, and the run reads the catalog's latest snapshot once.

The load is real: `python -m ingest gdelt` on a copy of a real GDELT 2.0 export from
data/sample/ with its ids shifted past the sample's (19 Russia-Syria events on 2015-10-27),
started from inside the page run, between two of its queries.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import lake_access
from lake import connection as lakes
from tests.support.gdelt_rows import shifted_export

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
PAIR = {"a": "RUS", "b": "SYR", "from": "2015-10-01", "to": "2015-10-31"}


def load(lake: Path, drop: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BILATERAL_PROGRESS"}
    done = subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "gdelt", str(drop)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def latest(lake: Path) -> int:
    con = lakes.connect(lake)
    try:
        return lakes.current_snapshot(con)
    finally:
        con.close()


def pair_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("dashboard/pages/pair.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def numbers(at: AppTest) -> dict[str, list]:
    """Everything on the Pair page that comes from the data: KPIs, charts, tables."""
    return {
        "metrics": [(m.label, m.value, m.delta) for m in at.metric],
        "charts": [chart.proto.spec for chart in at.get("plotly_chart") if '"height":10' not in chart.proto.spec],
        "tables": [frame.value.to_json() for frame in at.dataframe],
    }


def test_a_load_committing_mid_run_does_not_mix_snapshots(copy_of_sample_lake: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    lake = copy_of_sample_lake
    monkeypatch.setenv("BILATERAL_LAKE", str(lake))
    st.cache_data.clear()
    before = latest(lake)
    drop = shifted_export(tmp_path)
    asked: list[tuple[str, int]] = []
    original = lake_access._run_cached

    def load_after_the_first_summary(name, params, snapshot, key):
        result = original(name, params, snapshot, key)
        asked.append((name, snapshot))
        if name == "pair_summary" and latest(lake) == before:
            load(lake, drop)  # commits a new snapshot while the page is still running
        return result

    monkeypatch.setattr(lake_access, "_run_cached", load_after_the_first_summary)
    mid_run = pair_page(**PAIR)
    monkeypatch.setattr(lake_access, "_run_cached", original)

    assert latest(lake) == before + 1, "the load committed during the run"
    names = [name for name, _ in asked]
    assert names.index("pair_summary") < len(names) - 1, "queries ran after the load"
    assert {snapshot for _, snapshot in asked} == {before}
    # The page equals the page pinned to the snapshot the run started on...
    assert numbers(mid_run) == numbers(pair_page(**PAIR, snapshot=str(before)))
    # ...and the load did change the page's numbers, so a mixed page would have shown.
    assert numbers(pair_page(**PAIR))["metrics"] != numbers(mid_run)["metrics"]


def test_a_page_run_reads_the_latest_snapshot_once(sample_lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: 5-12 catalog reads per run (every query read it); now one, at the start."""
    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))
    pair_page(**PAIR)  # first run: also attaches the snapshot (one read to check it exists)
    reads: list[int] = []
    original = lakes.current_snapshot

    def counted(con):
        reads.append(1)
        return original(con)

    monkeypatch.setattr(lakes, "current_snapshot", counted)
    for page in ("overview", "pair", "brief", "network", "articles", "data"):
        reads.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        at.switch_page(f"dashboard/pages/{page}.py")
        at.run()
        assert not at.exception
        assert len(reads) == 1, page
