"""python -m ingest watch DIR: load files as they land in a drop folder.

A file is taken once its size and modification time have not changed between two polls
(so one still being written or copied is left alone) and its name does not mark it as
temporary (.part, .tmp, .crdownload, or a leading dot). Each file is one batch and one
commit; it then moves to DIR/done/, or to DIR/rejected/ with a .reason file beside it.
A crash between the commit and the move only means the file is seen again next time, and
re-loading it adds nothing (events are unique by id and source).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from alerts.after_load import run_after_load
from ingest.errors import Rejected, shown_name
from ingest.load import load_or_record

TEMPORARY = (".part", ".tmp", ".crdownload", ".partial", ".swp")
log = logging.getLogger(__name__)


def command_for(path: Path) -> str:
    """Which loader a dropped file goes to, from its name."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if "mentions" in name:
        return "mentions"
    if name.removesuffix(".gz").endswith((".jsonl", ".json", ".ndjson")) or "article" in name:
        return "articles"
    return "gdelt"


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():  # never overwrite an earlier drop of the same name
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    shutil.move(str(path), target)
    return target


def poll_once(drop_dir: Path, lake: Path, seen: dict[Path, tuple[int, float]], console: Console,
              report: Callable[[str], None]) -> int:
    """One pass over the folder. Returns how many files were taken (loaded or rejected)."""
    taken = 0
    new_events = False
    current = {}
    for path in sorted(drop_dir.iterdir()):
        if path.name.startswith(".") or path.name.lower().endswith(TEMPORARY) or path.is_dir():
            continue
        if path.is_symlink():
            target = _move(path, drop_dir / "rejected")
            target.with_name(target.name + ".reason").write_text("symbolic links are not loaded; drop the file itself\n")
            report(f"rejected {shown_name(path.name)}: a symbolic link")
            taken += 1
            continue
        stat = path.stat()
        signature = (stat.st_size, stat.st_mtime)
        current[path] = signature
        if seen.get(path) != signature:
            continue  # new or still changing: look again next poll
        try:
            summary = load_or_record(command_for(path), [str(path)], lake, console)
        except Rejected as rejection:
            target = _move(path, drop_dir / "rejected")
            target.with_name(target.name + ".reason").write_text(str(rejection) + "\n", encoding="utf-8")
            report(f"rejected {shown_name(path.name)}: {rejection}")
        else:
            _move(path, drop_dir / "done")
            new_events = new_events or bool(summary.snapshot is not None and summary.added.get("events"))
            report(f"loaded {shown_name(path.name)}: {summary.line()}")
        current.pop(path, None)
        taken += 1
    seen.clear()
    seen.update(current)
    if new_events:  # once per poll, after its commits; never fails it (a warning in the log)
        run_after_load(lake)
    return taken


def watch(drop_dir: Path, lake: Path, interval: float = 2.0, once: bool = False,
          console: Console | None = None) -> None:
    """Poll until stopped (Ctrl-C). With once=True, stop when nothing is pending."""
    console = console or Console(stderr=True)
    drop_dir.mkdir(parents=True, exist_ok=True)
    seen: dict[Path, tuple[int, float]] = {}
    log.info("watching %s every %gs; Ctrl-C to stop", drop_dir, interval)
    try:
        while True:
            poll_once(drop_dir, lake, seen, console, log.info)
            if once and not seen:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        log.info("stopped")
