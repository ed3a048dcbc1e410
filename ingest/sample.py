"""Build a lake from the embedded sample in data/sample/ (real GDELT data; see its README),
and complete one whose build stopped part way (a server stopped mid-build)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from ingest.load import Summary, load
from lake import connection as lakes
from lake.connection import LakeError

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
NO_SAMPLE = ("the embedded sample ships with the repository, not with the installed package: "
             "load your own data with `bilateral ingest gdelt FILE...` (or point BILATERAL_LAKE at a lake), "
             "or run from a clone of the repository")

# (command, folder): one commit each, so the sample lake has a short, readable history.
STEPS = (("gdelt", "events"), ("mentions", "mentions"), ("articles", "articles"))


def sample_available() -> bool:
    return SAMPLE.is_dir()


def sample_files(folder: str) -> list[str]:
    if not sample_available():
        raise LakeError(NO_SAMPLE)
    return sorted(str(p) for p in (SAMPLE / folder).iterdir() if p.is_file() and not p.name.endswith(".py"))


def build_sample(lake: Path, console: Console | None = None) -> Iterator[Summary]:
    for command, folder in STEPS:
        yield load(command, sample_files(folder), lake, console)


def _committed_loads(lake: Path) -> list[tuple[str, set[str]]]:
    """(command, file names) of every load committed to the lake, from its commits' details."""
    con = lakes.connect(lake)
    try:
        rows = con.execute(f"select commit_extra_info from {lakes.LAKE_ALIAS}.snapshots() "
                           "where commit_extra_info is not null").fetchall()
    finally:
        con.close()
    loads = []
    for (extra,) in rows:
        try:
            details = json.loads(extra)
        except ValueError:  # not written by the ingest
            continue
        if isinstance(details, dict) and isinstance(details.get("files"), list):
            loads.append((str(details.get("command")), {str(f) for f in details["files"]}))
    return loads


def missing_sample_steps(lake: Path) -> list[str]:
    """The sample's loads (gdelt, mentions, articles) a first-start lake still lacks: all of
    them without a lake; on a lake whose sample events were committed, the loads that were not
    (the build stopped after its first commit). A lake of other data needs none."""
    if not lakes.lake_exists(lake):
        return [command for command, _ in STEPS]
    if not sample_available():
        return []
    loads = _committed_loads(lake)

    def done(command: str, folder: str) -> bool:
        names = {Path(f).name for f in sample_files(folder)}
        return any(c == command and names <= files for c, files in loads)

    if not done(*STEPS[0]):
        return []  # not a lake built from the sample
    return [command for command, folder in STEPS if not done(command, folder)]


def complete_sample(lake: Path, console: Console | None = None) -> Iterator[Summary]:
    """Build the sample lake, or load only what a stopped build left out."""
    folders = dict(STEPS)
    for command in missing_sample_steps(lake):
        yield load(command, sample_files(folders[command]), lake, console)
