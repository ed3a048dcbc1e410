"""Every real GDELT layout loads with exactly its number of data rows."""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ingest.load import load
from ingest.sample import SAMPLE
from lake import connection as lakes


def _text(path: Path) -> str:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            return z.read(z.namelist()[0]).decode("utf-8")
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8")


def data_rows(path: Path) -> int:
    """Count data rows independently of the loader, with the csv module."""
    text = _text(path)
    if "\t" in text.split("\n", 1)[0]:
        return sum(1 for line in text.splitlines() if line.strip())
    records = list(csv.reader(io.StringIO(text)))
    has_header = records[0][0].strip().lower() == "globaleventid" or "SQLDATE" in records[0]
    return len(records) - (1 if has_header else 0)


def event_count(lake: Path) -> int:
    con = lakes.connect(lake)
    try:
        return con.execute("select count(*) from events").fetchone()[0]
    finally:
        con.close()


SAMPLE_EVENTS = sorted((SAMPLE / "events").iterdir())


@pytest.mark.parametrize("path", SAMPLE_EVENTS, ids=lambda p: p.name)
def test_sample_event_file_loads_exact_row_count(path: Path, tmp_path: Path) -> None:
    summary = load("gdelt", [str(path)], tmp_path / "lake")
    assert summary.rows_read == data_rows(path)
    assert event_count(tmp_path / "lake") == data_rows(path)


def _shared_event_files() -> list[Path]:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        return []
    return sorted(
        p for p in SHARED_DATA.glob("gdelt_v*/*") if "mention" not in p.name
    )


@pytest.mark.shared
@pytest.mark.parametrize("path", _shared_event_files() or [None], ids=lambda p: p.name if p else "absent")
def test_shared_event_file_loads_exact_row_count(path: Path | None, shared_data: Path, tmp_path: Path) -> None:
    assert path is not None, "no GDELT files under ../shared/data"
    summary = load("gdelt", [str(path)], tmp_path / "lake")
    assert summary.rows_read == data_rows(path)
    assert event_count(tmp_path / "lake") == data_rows(path)


def test_the_ingest_command_starts_without_pandas() -> None:
    """A GDELT load never needs pandas; importing it costs ~0.3 s of every `python -m ingest`
    (5 % of the 1M-row load's throughput, found by bench/bench_ingest.py)."""
    code = "import sys, ingest.__main__, ingest.load; print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
