"""GDELT's own file lists: which files exist, for which 15-minute slot (or day, month, year),
with which size and MD5. Pure parsing and URL arithmetic; nothing here touches the network.

GDELT 2.0 (from 2015-02-19): every 15 minutes `YYYYMMDDHHMMSS.export.CSV.zip`,
`.mentions.CSV.zip` (and `.gkg.csv.zip`, not used), listed in `gdeltv2/masterfilelist.txt` and,
for the newest slot only, `gdeltv2/lastupdate.txt`, one `size md5 url` line per file. The
translingual stream has the same layout with `-translation` lists and `.translation.` names.
GDELT 1.0: `events/` holds yearly zips (1979-2005), monthly zips (2006-01 .. 2013-03) and daily
`YYYYMMDD.export.CSV.zip` files, listed in `events/md5sums` (`md5  name`) and
`events/filesizes` (`size name`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

DEFAULT_BASE_URL = "http://data.gdeltproject.org/"
SLOT = dt.timedelta(minutes=15)
V2_START = dt.datetime(2015, 2, 18, 22, 45)  # GDELT 2.0 starts here (translingual 22:45, English 23:00); 1.0 before
V1_DAILY_START = dt.date(2013, 4, 1)

# The streams a user names (--streams) and the manifest's stream of each file kind.
STREAMS = ("events", "mentions", "translation")
FILE_STREAMS = {
    "events": ("v2.events", "v1.events"),
    "mentions": ("v2.mentions",),
    "translation": ("v2.translation.events", "v2.translation.mentions"),
}
# Which ingest command loads a file of each stream.
COMMAND_OF_STREAM = {"v2.events": "gdelt", "v1.events": "gdelt", "v2.translation.events": "gdelt",
                     "v2.mentions": "mentions", "v2.translation.mentions": "mentions"}

_V2_NAME = re.compile(r"^(\d{14})\.(translation\.)?(export|mentions)\.CSV\.zip$")
_V1_NAME = re.compile(r"^(?:(\d{4})\.zip|(\d{6})\.zip|(\d{8})\.export\.CSV\.zip)$")
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


class FeedError(Exception):
    """A list GDELT (or the mirror) served that cannot be read; the message is one line."""


@dataclass(frozen=True, order=True)
class ListedFile:
    slot: dt.datetime  # the slot the file covers: 15 minutes (v2), a day, a month or a year (v1)
    stream: str  # v2.events | v2.mentions | v2.translation.events | v2.translation.mentions | v1.events
    url: str  # as GDELT lists it: the manifest's key, whatever mirror it was downloaded from
    size: int | None  # bytes, when the list gives it
    md5: str | None

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @property
    def day(self) -> dt.date:
        return self.slot.date()


def base_url() -> str:
    """$BILATERAL_GDELT_URL (a mirror or a test server), else GDELT's public data host."""
    base = os.environ.get("BILATERAL_GDELT_URL", "").strip() or DEFAULT_BASE_URL
    if not re.match(r"^https?://[^/\s]+", base):
        raise FeedError(f"BILATERAL_GDELT_URL {base[:80]!r} is not an http(s) URL; give e.g. {DEFAULT_BASE_URL}")
    return base if base.endswith("/") else base + "/"


def list_urls(translation: bool) -> tuple[str, str]:
    """(lastupdate, masterfilelist) paths under the base URL for one v2 stream family."""
    suffix = "-translation" if translation else ""
    return f"gdeltv2/lastupdate{suffix}.txt", f"gdeltv2/masterfilelist{suffix}.txt"


def download_url(listed: ListedFile, base: str) -> str:
    """Where to fetch a listed file from: its own name under the configured base URL, so a
    mirror serves the same files GDELT lists."""
    folder = "events" if listed.stream == "v1.events" else "gdeltv2"
    return f"{base}{folder}/{listed.name}"


def v2_stream(name: str) -> tuple[str, dt.datetime] | None:
    """('v2.events', slot) for 20251207154500.export.CSV.zip; None for files we do not load (gkg)."""
    match = _V2_NAME.match(name)
    if not match:
        return None
    try:
        slot = dt.datetime.strptime(match.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    kind = "events" if match.group(3) == "export" else "mentions"
    return (f"v2.translation.{kind}" if match.group(2) else f"v2.{kind}"), slot


def parse_v2_list(text: str) -> tuple[list[ListedFile], list[str]]:
    """Files of a master or lastupdate list, and the lines that could not be read (reported,
    not fatal: GDELT's master list has a few odd lines)."""
    files, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[0].isdigit() or not _MD5.match(parts[1]):
            bad.append(f"line {number}: {line[:80]!r}")
            continue
        found = v2_stream(parts[2].rsplit("/", 1)[-1])
        if found is None:
            if not parts[2].endswith(".gkg.csv.zip"):
                bad.append(f"line {number}: {line[:80]!r}")
            continue
        stream, slot = found
        files.append(ListedFile(slot, stream, parts[2], int(parts[0]), parts[1].lower()))
    return files, bad


def v1_slot(name: str) -> tuple[dt.datetime, str] | None:
    """(start, period) of a GDELT 1.0 events file: 1979.zip -> year, 200601.zip -> month,
    20130401.export.CSV.zip -> day."""
    match = _V1_NAME.match(name)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if year:
            return dt.datetime(int(year), 1, 1), "year"
        if month:
            return dt.datetime(int(month[:4]), int(month[4:]), 1), "month"
        return dt.datetime.strptime(day, "%Y%m%d"), "day"
    except ValueError:
        return None


def parse_v1_lists(md5sums: str, filesizes: str | None, base: str) -> tuple[list[ListedFile], list[str]]:
    """GDELT 1.0's events files from its md5sums list (and sizes, where the filesizes list has them)."""
    sizes: dict[str, int] = {}
    for line in (filesizes or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            sizes[parts[1]] = int(parts[0])
    files, bad = [], []
    for number, line in enumerate(md5sums.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or not _MD5.match(parts[0]):
            bad.append(f"line {number}: {line[:80]!r}")
            continue
        name = parts[1].lstrip("*")
        found = v1_slot(name)
        if found is None:
            continue  # e.g. the GKG files GDELT 1.0 also lists
        files.append(ListedFile(found[0], "v1.events", f"{DEFAULT_BASE_URL}events/{name}", sizes.get(name),
                                parts[0].lower()))
    return files, bad


def v1_period_end(listed: ListedFile) -> dt.datetime:
    """The end (exclusive) of the period a GDELT 1.0 file covers."""
    found = v1_slot(listed.name)
    start, period = found if found else (listed.slot, "day")
    if period == "year":
        return start.replace(year=start.year + 1)
    if period == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start + dt.timedelta(days=1)


def covers(listed: ListedFile, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether a listed file holds events of [start, end). GDELT 2.0 stands for the 15-minute
    slot it names; GDELT 1.0 files are used only before GDELT 2.0 began."""
    if listed.stream == "v1.events":
        return listed.slot < min(end, V2_START) and v1_period_end(listed) > start
    # (1.0's file of 2015-02-18 also holds that day's last hour, which 2.0 has too: one hour
    # counted twice, under sources gdelt1 and gdelt2, if a backfill crosses that day.)
    return max(start, V2_START) <= listed.slot < end


def expected_slots(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every 15-minute slot GDELT 2.0 should publish in [start, end)."""
    first = max(start, V2_START)
    first = first.replace(minute=first.minute - first.minute % 15, second=0, microsecond=0)
    if first < start:
        first += SLOT
    slots = []
    while first < end:
        slots.append(first)
        first += SLOT
    return slots
