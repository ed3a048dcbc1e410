"""The scale benchmark cannot rot: bench/bench_pages.py runs end to end on a tiny generated lake.

Untimed. `--quick` measures every page view (3 warm runs, one cold run each), the naive DuckDB
and pandas baselines and the layout, without a browser; `--no-write` leaves bench/RESULTS.md
and bench/out/pages_results.json alone. bench/generate.py builds its template lake under
bench/lakes/templates (git-ignored) from data/sample/ the first time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"

PAGE_VIEWS = ["overview", "pair busy 26y", "pair busy 1y", "pair rare 26y", "pair rare 1y", "spike card busy",
              "network year", "network default view", "drill-down busy", "drill-down rare", "search"]


def _generate_module():
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("bench")
    lake = tmp / "lake"
    _generate_module().generate(20_000, lake, batch=10_000, articles=1_000)
    out = tmp / "results.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "bench_pages.py"), "--lakes", str(lake), "--quick", "--no-write",
         "--json", str(out), "--scratch", str(tmp / "scratch")],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "BILATERAL_MEMORY_LIMIT": "1GB"},
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "### Targets" in proc.stdout  # the RESULTS.md block, printed instead of written
    data = json.loads(out.read_text())
    assert not data["failed"]
    (label, lake_results), = data["lakes"].items()
    assert label == "20k" and lake_results["context"]["events"] == 20_000
    return lake_results


@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_every_page_view_has_a_timing(results: dict, mode: str) -> None:
    for view in PAGE_VIEWS:
        total = results[mode][view]["total"]
        assert total["n"] >= 1 and total["median"] > 0, (mode, view, total)
        assert results[mode][view]["steps"], (mode, view)
    assert results["warm"]["network year"]["subsets"]["network_pairs + layout"]["median"] > 0
    assert results["warm"]["search"]["subsets"]["search query"]["median"] > 0


def test_the_baselines_ran_and_agree(results: dict) -> None:
    for unit in ("pair_timeline busy 26y", "network_pairs year top 200", "pair_events busy month"):
        assert results["naive"]["warm"][unit]["median"] > 0, unit
    assert results["pandas"]["units"]["pair_timeline busy 26y"]["median"] > 0
    assert results["pandas"]["rows"] == 20_000
    assert results["checks"] and all(check["same"] for check in results["checks"].values()), results["checks"]


def test_layout_and_index_were_measured(results: dict) -> None:
    assert results["layout"]["lake"]["row_groups"] >= 1
    assert results["layout"]["naive"]["rows"] == 20_000
    assert results["warm_process"]["index_build_s"] > 0
