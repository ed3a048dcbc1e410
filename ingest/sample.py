"""Build a lake from the embedded sample in data/sample/ (real GDELT data; see its README)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from ingest.load import Summary, load

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"

# (command, folder): one commit each, so the sample lake has a short, readable history.
STEPS = (("gdelt", "events"), ("mentions", "mentions"), ("articles", "articles"))


def sample_files(folder: str) -> list[str]:
    return sorted(str(p) for p in (SAMPLE / folder).iterdir() if p.is_file() and not p.name.endswith(".py"))


def build_sample(lake: Path, console: Console | None = None) -> Iterator[Summary]:
    for command, folder in STEPS:
        yield load(command, sample_files(folder), lake, console)
