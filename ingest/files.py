"""Opening a drop: unpack .zip, see through .gz, and refuse what is not a text table.

The checks here are cheap looks at the first bytes; the readers validate every row.
Rules every reader relies on:
- DuckDB only ever gets a plain path of ours: it reads a path as a glob pattern (`*`, `?`,
  `[..]`, `{..}`) and expands `~`, and a name with bytes that are not UTF-8 cannot be passed
  to it at all. A file named so is read through a link in the work directory: a name is a name.
- No line may be longer than MAX_LINE_BYTES (DuckDB's own default drops an over-long last
  line without a word); no drop may expand to more than MAX_DROP_BYTES.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import Rejected

SNIFF_BYTES = 256 * 1024
_PATTERN_CHARS = frozenset("*?[]{}~")


def _size_setting(variable: str, default: int) -> int:
    """A byte size from the environment (plain bytes, or with a KiB/MiB/GiB suffix)."""
    text = os.environ.get(variable, "").strip()
    units = {"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30}
    try:
        for unit, factor in units.items():
            if text.lower().endswith(unit):
                return int(float(text[: -len(unit)]) * factor)
        return int(text) if text else default
    except ValueError:
        return default


def max_line_bytes() -> int:
    """BILATERAL_MAX_LINE_BYTES: the longest line (one row) a text drop may hold. A GDELT row
    is under 2 KiB; an article row may carry a body of 2,000,000 characters (8 MB in UTF-8)."""
    return _size_setting("BILATERAL_MAX_LINE_BYTES", 16 << 20)


def max_drop_bytes() -> int:
    """BILATERAL_MAX_DROP_BYTES: the most bytes one drop may expand to (after .gz or .zip).
    A day of GDELT 2.0 is ~100 MB. Measured: 1,000 MiB of repeated rows loaded in 168 s at 4.1 GB
    peak RSS (memory limit 4GB); 2.6 GB ran past 140 s and 4.2 GB before it was stopped."""
    return _size_setting("BILATERAL_MAX_DROP_BYTES", 1 << 30)


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


def _too_big(name: str, what: str) -> Rejected:
    return Rejected(name, f"{what} is over the limit of {_mib(max_drop_bytes())} per file",
                    hint="split it into smaller files, or raise BILATERAL_MAX_DROP_BYTES if the machine has "
                         "the memory for it")


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
    size = path.stat().st_size
    if size == 0:
        raise Rejected(given, "is empty (0 bytes)", hint="check the export that produced it")
    if size > max_drop_bytes() and path.suffix.lower() != ".parquet":
        raise _too_big(given, f"at {_mib(size)} it")
    if path.suffix.lower() == ".zip":
        return Drop(given, _unzip_single(given, path, workdir))
    return Drop(given, plain_path(path, workdir))


def plain_path(path: Path, workdir: Path) -> Path:
    """The file as a path DuckDB reads literally: its absolute path, or, when that holds a
    pattern character, a non-printable or a byte that is not UTF-8, a link in `workdir`."""
    real = path.resolve()
    text = str(real)
    try:
        text.encode("utf-8")
        plain = text.isprintable() and not _PATTERN_CHARS & set(text)
    except UnicodeEncodeError:
        plain = False
    if plain:
        return real
    # Keep the extension (DuckDB tells .gz by it) when it is plain letters and digits.
    suffix = "".join(s for s in path.suffixes[-2:] if s[1:].isascii() and s[1:].isalnum())
    link = workdir / f"named-{len(list(workdir.iterdir()))}{suffix}"
    if _PATTERN_CHARS & set(str(link)):
        raise Rejected(path.name, f"the work directory {workdir} holds a pattern character",
                       hint="set TMPDIR to a directory with a plain name")
    link.symlink_to(real)
    return link


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
            if members[0].file_size > max_drop_bytes():
                raise _too_big(given, f"unzipped, at {_mib(members[0].file_size)}, it")
            with archive.open(members[0]) as src, target.open("wb") as dst:
                copied = 0  # the size in the zip's directory may lie: count what comes out
                while chunk := src.read(4 << 20):
                    copied += len(chunk)
                    if copied > max_drop_bytes():
                        raise _too_big(given, "unzipped, it")
                    dst.write(chunk)
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
    (DuckDB's gzip reader stops quietly at a truncated end.) It may expand to MAX_DROP_BYTES."""
    if not _is_gzip(drop.path):
        return
    limit, expanded = max_drop_bytes(), 0
    try:
        with gzip.open(drop.path, "rb") as f:
            while chunk := f.read(4 * 1024 * 1024):
                expanded += len(chunk)
                if expanded > limit:
                    raise _too_big(drop.name, "unpacked, it")
    except (OSError, EOFError):
        raise Rejected(drop.name, "is a cut-short or corrupt gzip file", hint="download it again") from None


def first_long_line(drop: Drop, limit: int) -> int | None:
    """The number of the first line longer than `limit` bytes, if any. Slow path: only after
    DuckDB refused a line as too long, to name it."""
    opener = gzip.open if _is_gzip(drop.path) else open
    number, length = 1, 0
    with opener(drop.path, "rb") as f:
        while chunk := f.read(4 << 20):
            start = 0
            while (end := chunk.find(b"\n", start)) != -1:
                if length + end - start > limit:
                    return number
                number, length, start = number + 1, 0, end + 1
            length += len(chunk) - start
            if length > limit:
                return number
    return None


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


WORKDIR_PREFIX = "bilateral-ingest-"


def workdir() -> tempfile.TemporaryDirectory[str]:
    """A private directory for one run, named after its process so that a later run can tell
    one left behind by a killed run (see remove_orphan_workdirs)."""
    remove_orphan_workdirs()
    return tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-")


def remove_orphan_workdirs(root: Path | None = None) -> list[Path]:
    """Remove the work directories of runs that were killed (their process is gone)."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        pid, _, rest = folder.name.removeprefix(WORKDIR_PREFIX).partition("-")
        try:
            if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.getuid():
                continue
            if rest and pid.isdigit():
                if _alive(int(pid)):
                    continue
            # Named by an older version, without its process: only when empty and a day old.
            elif any(folder.iterdir()) or time.time() - folder.stat().st_mtime < 86400:
                continue
            shutil.rmtree(folder)
            removed.append(folder)
        except OSError:
            pass  # another run removed it first, or it is not ours to remove
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
