"""Build a lake from the embedded sample in data/sample/ (real GDELT data; see its README)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from ingest.load import Summary, load
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
