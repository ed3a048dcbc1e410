"""A killed load leaves Parquet files no snapshot refers to: `ingest status` reports them and the
next load removes them, leaving every stored row as it was."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from ingest.__main__ import main as ingest_main
from lake import connection as lakes

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "events"


def test_orphans_are_reported_then_removed_by_the_next_load(tmp_path, capsys):
    lake = tmp_path / "lake"
    assert ingest_main(["--lake", str(lake), "gdelt", str(SAMPLE / "20171126081500.export.CSV.gz")]) == 0
    stored = sorted((lake / "files").rglob("*.parquet"))
    # What a load killed before its commit leaves: a data file (here a copy of a real one) in no snapshot.
    orphan = stored[0].with_name("ducklake-killed-load.parquet")
    shutil.copy(stored[0], orphan)
    old = time.time() - 7 * 3600
    os.utime(orphan, (old, old))
    young = stored[0].with_name("ducklake-running-load.parquet")  # a load still writing: too young to touch
    shutil.copy(stored[0], young)
    capsys.readouterr()
    assert ingest_main(["--lake", str(lake), "status", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["orphaned_files"] == [str(orphan)]
    assert ingest_main(["--lake", str(lake), "gdelt", str(SAMPLE / "20151027220000.export.CSV.gz")]) == 0
    assert not orphan.exists() and young.exists()
    con = lakes.connect(lake)
    try:
        assert con.execute("select count(*) from lake.events").fetchone()[0] == 948 + 2116
    finally:
        con.close()
