"""Opening a drop: unpack .zip, see through .gz, and refuse what is not a text table.

The checks here are cheap looks at the first bytes; the readers validate every row.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import Rejected

SNIFF_BYTES = 256 * 1024


@dataclass(frozen=True)
class Drop:
    name: str  # what the person gave us, for messages
    path: Path  # a plain or .gz file DuckDB can read


def open_drop(given: str, workdir: Path) -> Drop:
    """Resolve one command-line file into something DuckDB can read."""
    path = Path(given)
    if not path.exists():
        raise Rejected(given, "no such file", hint="check the path")
    if path.is_symlink():
        raise Rejected(given, "is a symbolic link", hint="pass the real file, not a link")
    if not path.is_file():
        raise Rejected(given, "is not a regular file", hint="pass files, not directories")
    if path.stat().st_size == 0:
        raise Rejected(given, "is empty (0 bytes)", hint="check the export that produced it")
    if path.suffix.lower() == ".zip":
        return Drop(given, _unzip_single(given, path, workdir))
    return Drop(given, path)


def _unzip_single(given: str, path: Path, workdir: Path) -> Path:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise Rejected(
                    given,
                    f"the zip holds {len(members)} files; a GDELT zip holds exactly one",
                    hint="unzip it and pass the files one by one",
                )
            # Never use the member's own name as a path: it may climb out of workdir.
            target = workdir / f"unzipped-{len(list(workdir.iterdir()))}"
            with archive.open(members[0]) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            return target
    except zipfile.BadZipFile:
        raise Rejected(given, "is not a valid zip archive", hint="download it again") from None


def head_text(drop: Drop) -> str:
    """The first bytes of the drop as text, or a rejection saying why they are not."""
    try:
        opener = gzip.open if _is_gzip(drop.path) else open
        with opener(drop.path, "rb") as f:
            raw = f.read(SNIFF_BYTES)
    except (OSError, EOFError):
        raise Rejected(drop.name, "is not a readable gzip file", hint="download it again") from None
    if not raw.strip():
        raise Rejected(drop.name, "holds no data rows", hint="check the export that produced it")
    if raw.startswith(b"PAR1"):
        raise Rejected(drop.name, "is a Parquet file", hint="load it with: python -m ingest parquet")
    if b"\x00" in raw:
        raise Rejected(drop.name, "is binary, not a text table", hint="check the file type")
    lowered = raw.lstrip()[:200].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
        raise Rejected(
            drop.name,
            "is an HTML page, not a data export (a failed download saved as data?)",
            hint="download the file again",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(raw) - 4:  # not just a character cut at the sniff boundary
            raise Rejected(
                drop.name,
                f"is not UTF-8 text (bad byte at offset {err.start})",
                hint="re-export it as UTF-8",
            ) from None
        text = raw[: err.start].decode("utf-8")
    return text.lstrip("\ufeff")


def check_gzip_complete(drop: Drop) -> None:
    """Read a .gz to its end: a cut-short download must be rejected, not half-loaded.
    (DuckDB's gzip reader stops quietly at a truncated end.)"""
    if not _is_gzip(drop.path):
        return
    try:
        with gzip.open(drop.path, "rb") as f:
            while f.read(4 * 1024 * 1024):
                pass
    except (OSError, EOFError):
        raise Rejected(drop.name, "is a cut-short or corrupt gzip file", hint="download it again") from None


def physical_line(drop: Drop, record: int) -> int:
    """The file line of the record-th non-blank line (DuckDB skips blank lines when reading)."""
    opener = gzip.open if _is_gzip(drop.path) else open
    seen = 0
    with opener(drop.path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                seen += 1
                if seen == record:
                    return number
    return record


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


def workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="bilateral-ingest-")
