"""python -m ingest watch DIR: files that land in a drop folder are loaded once they are
complete, then moved to done/ or rejected/ (with a .reason file); nothing is taken twice
and nothing already there is overwritten."""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from ingest.store import read_rejections
from ingest.watch import poll_once, watch
from lake import connection as lakes
from queries.runner import run

REPO = Path(__file__).resolve().parent.parent
EXPORT = REPO / "data" / "sample" / "events" / "20171126081500.export.CSV.gz"  # real GDELT 2.0, 948 rows
HTML = "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head><body>try later</body></html>\n"


def export_rows() -> int:
    with gzip.open(EXPORT, "rt", encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


class Watcher:
    """One drop folder and one lake, polled by hand."""

    def __init__(self, root: Path) -> None:
        self.drop = root / "drop"
        self.drop.mkdir()
        self.lake = root / "lake"
        self.seen: dict[Path, tuple[int, float]] = {}
        self.reports: list[str] = []

    def poll(self) -> int:
        return poll_once(self.drop, self.lake, self.seen, Console(file=io.StringIO()), self.reports.append)

    def settle(self, polls: int = 2) -> int:
        return sum(self.poll() for _ in range(polls))

    def put(self, name: str, source: Path | None = None, text: str | None = None) -> Path:
        target = self.drop / name
        if source is not None:
            shutil.copyfile(source, target)
        else:
            target.write_text(text or "", encoding="utf-8")
        return target

    def listing(self, folder: str = "") -> list[str]:
        where = self.drop / folder if folder else self.drop
        return sorted(p.name for p in where.iterdir()) if where.is_dir() else []

    def events(self) -> int:
        con = lakes.connect(self.lake)
        try:
            return int(run(con, "table_counts").set_index("table_name").loc["events", "rows"])
        finally:
            con.close()

    def snapshot(self) -> int:
        con = lakes.connect(self.lake)
        try:
            return lakes.current_snapshot(con)
        finally:
            con.close()


@pytest.fixture
def w(tmp_path: Path) -> Watcher:
    return Watcher(tmp_path)


def test_a_real_gdelt_file_is_loaded(w: Watcher) -> None:
    w.put(EXPORT.name, EXPORT)
    assert w.settle() == 1
    assert w.events() == export_rows()


def test_a_loaded_file_moves_to_done(w: Watcher) -> None:
    w.put(EXPORT.name, EXPORT)
    w.settle()
    assert w.listing() == ["done"]
    assert w.listing("done") == [EXPORT.name]
    assert (w.drop / "done" / EXPORT.name).read_bytes() == EXPORT.read_bytes()
    assert len(w.reports) == 1 and w.reports[0].startswith(f"loaded {EXPORT.name}: read {export_rows():,} rows")


def test_a_new_file_waits_for_the_next_poll(w: Watcher) -> None:
    w.put(EXPORT.name, EXPORT)
    assert w.poll() == 0
    assert w.listing() == [EXPORT.name]
    assert not lakes.lake_exists(w.lake)
    assert w.poll() == 1


def test_an_html_file_is_rejected_with_a_one_line_reason(w: Watcher) -> None:
    w.put("20250101000000.export.CSV", text=HTML)
    assert w.settle() == 1
    assert w.listing() == ["rejected"]
    assert w.listing("rejected") == ["20250101000000.export.CSV", "20250101000000.export.CSV.reason"]
    reason = (w.drop / "rejected" / "20250101000000.export.CSV.reason").read_text(encoding="utf-8")
    assert reason.endswith("\n") and reason.count("\n") == 1
    assert "20250101000000.export.CSV" in reason and "HTML page" in reason


def test_a_rejected_file_is_kept_unchanged_and_logged(w: Watcher) -> None:
    w.put("20250101000000.export.CSV", text=HTML)
    w.settle()
    assert (w.drop / "rejected" / "20250101000000.export.CSV").read_text(encoding="utf-8") == HTML
    logged = read_rejections(w.lake)
    assert len(logged) == 1 and logged[0]["command"] == "gdelt"
    assert logged[0]["reason"] + "\n" == (w.drop / "rejected" / "20250101000000.export.CSV.reason").read_text()
    assert w.reports == [f"rejected 20250101000000.export.CSV: {logged[0]['reason']}"]


def test_a_rejected_file_commits_nothing(w: Watcher) -> None:
    w.put(EXPORT.name, EXPORT)
    w.settle()
    before = w.snapshot()
    w.put("20250101000000.export.CSV", text=HTML)
    w.settle()
    assert w.snapshot() == before and w.events() == export_rows()


def test_a_growing_file_is_not_taken_on_that_poll(w: Watcher) -> None:
    lines = gzip.decompress(EXPORT.read_bytes()).decode("utf-8").splitlines(keepends=True)
    growing = w.put("20171126081500.export.CSV", text="".join(lines[:300]))
    assert w.poll() == 0
    with growing.open("a", encoding="utf-8") as f:
        f.write("".join(lines[300:]))
    assert w.poll() == 0  # its size changed since the last look
    assert w.listing() == ["20171126081500.export.CSV"]
    assert not lakes.lake_exists(w.lake)
    assert w.poll() == 1
    assert w.events() == len(lines)  # the whole file, not the first 300 rows


@pytest.mark.parametrize("name", ["20171126081500.export.CSV.gz.part", "20171126081500.export.CSV.gz.tmp",
                                  "20171126081500.export.CSV.gz.crdownload", "20171126081500.export.CSV.GZ.PART",
                                  ".20171126081500.export.CSV.gz", ".DS_Store"])
def test_temporary_and_hidden_files_are_ignored(w: Watcher, name: str) -> None:
    w.put(name, EXPORT)
    assert w.settle(3) == 0
    assert w.listing() == [name]
    assert not lakes.lake_exists(w.lake) and w.reports == []


def test_a_temporary_file_is_taken_once_renamed(w: Watcher) -> None:
    part = w.put(EXPORT.name + ".part", EXPORT)
    w.settle()
    part.rename(w.drop / EXPORT.name)
    assert w.settle() == 1
    assert w.listing("done") == [EXPORT.name]


def test_a_symlink_is_rejected(w: Watcher, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / EXPORT.name
    real.parent.mkdir()
    shutil.copyfile(EXPORT, real)
    (w.drop / EXPORT.name).symlink_to(real)
    assert w.settle() == 1
    assert w.listing("rejected") == [EXPORT.name, EXPORT.name + ".reason"]
    reason = (w.drop / "rejected" / (EXPORT.name + ".reason")).read_text()
    assert reason.count("\n") == 1 and "symbolic link" in reason
    assert real.read_bytes() == EXPORT.read_bytes()  # the link's target is left alone
    assert not lakes.lake_exists(w.lake)


def test_a_name_clash_in_done_does_not_overwrite(w: Watcher) -> None:
    (w.drop / "done").mkdir()
    earlier = w.drop / "done" / EXPORT.name
    earlier.write_bytes(b"an earlier drop of the same name")
    w.put(EXPORT.name, EXPORT)
    assert w.settle() == 1
    assert earlier.read_bytes() == b"an earlier drop of the same name"
    done = w.listing("done")
    assert len(done) == 2 and EXPORT.name in done
    (moved,) = [n for n in done if n != EXPORT.name]
    assert (w.drop / "done" / moved).read_bytes() == EXPORT.read_bytes()


def test_a_name_clash_in_rejected_keeps_both_reasons(w: Watcher) -> None:
    w.put("20250101000000.export.CSV", text=HTML)
    w.settle()
    w.put("20250101000000.export.CSV", text=HTML.replace("503", "404"))
    w.settle()
    rejected = w.listing("rejected")
    assert len(rejected) == 4 and sum(n.endswith(".reason") for n in rejected) == 2
    bodies = sorted((w.drop / "rejected" / n).read_text() for n in rejected if not n.endswith(".reason"))
    assert bodies == sorted([HTML, HTML.replace("503", "404")])


def test_dropping_the_same_file_twice_adds_nothing_the_second_time(w: Watcher) -> None:
    w.put(EXPORT.name, EXPORT)
    w.settle()
    snapshot, events = w.snapshot(), w.events()
    w.put(EXPORT.name, EXPORT)
    assert w.settle() == 1
    assert (w.snapshot(), w.events()) == (snapshot, events)
    assert len(w.listing("done")) == 2
    assert "added nothing new" in w.reports[-1] and "no new snapshot" in w.reports[-1]


def test_watch_once_processes_what_is_there_and_returns(w: Watcher) -> None:
    w.put(EXPORT.name, EXPORT)
    w.put("20250101000000.export.CSV", text=HTML)
    watch(w.drop, w.lake, interval=0.05, once=True, console=Console(file=io.StringIO()))
    assert w.listing() == ["done", "rejected"]
    assert w.listing("done") == [EXPORT.name]
    assert w.events() == export_rows()


def test_watch_once_on_an_empty_folder_returns(w: Watcher) -> None:
    watch(w.drop, w.lake, interval=0.05, once=True, console=Console(file=io.StringIO()))
    assert w.listing() == []


def test_cli_watch_once_exits_zero_after_processing(w: Watcher) -> None:
    w.put(EXPORT.name, EXPORT)
    done = subprocess.run(
        [sys.executable, "-m", "ingest", "--lake", str(w.lake), "watch", str(w.drop), "--once", "--interval", "0.1"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "BILATERAL_LAKE"},
    )
    assert done.returncode == 0, done.stderr
    assert w.listing("done") == [EXPORT.name]
    assert re.search(rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\S* INFO ingest.watch: loaded {re.escape(EXPORT.name)}",
                     done.stderr, re.MULTILINE), done.stderr  # a log line on stderr, with time and level
    assert w.events() == export_rows()
