"""GDELT's column layouts, and telling which one a file uses from its first lines.

Formats that occur in practice (all seen in ../shared/data):
- raw exports: tab-separated, no header, no quoting (2.0: 61 columns; 1.0 daily: 58;
  1.0 backfile: 57, and 1.0 files that mix 57- and 58-column rows);
- BigQuery / R exports: comma-separated, fields quoted, NULL or NA for missing,
  with or without a header of GDELT names, sometimes with a row-name column first
  or extra columns (e.g. "month") at the end.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ingest.errors import Rejected

EVENTS_V2 = (
    "GLOBALEVENTID SQLDATE MonthYear Year FractionDate "
    "Actor1Code Actor1Name Actor1CountryCode Actor1KnownGroupCode Actor1EthnicCode "
    "Actor1Religion1Code Actor1Religion2Code Actor1Type1Code Actor1Type2Code Actor1Type3Code "
    "Actor2Code Actor2Name Actor2CountryCode Actor2KnownGroupCode Actor2EthnicCode "
    "Actor2Religion1Code Actor2Religion2Code Actor2Type1Code Actor2Type2Code Actor2Type3Code "
    "IsRootEvent EventCode EventBaseCode EventRootCode QuadClass GoldsteinScale "
    "NumMentions NumSources NumArticles AvgTone "
    "Actor1Geo_Type Actor1Geo_FullName Actor1Geo_CountryCode Actor1Geo_ADM1Code Actor1Geo_ADM2Code "
    "Actor1Geo_Lat Actor1Geo_Long Actor1Geo_FeatureID "
    "Actor2Geo_Type Actor2Geo_FullName Actor2Geo_CountryCode Actor2Geo_ADM1Code Actor2Geo_ADM2Code "
    "Actor2Geo_Lat Actor2Geo_Long Actor2Geo_FeatureID "
    "ActionGeo_Type ActionGeo_FullName ActionGeo_CountryCode ActionGeo_ADM1Code ActionGeo_ADM2Code "
    "ActionGeo_Lat ActionGeo_Long ActionGeo_FeatureID DATEADDED SOURCEURL"
).split()
# GDELT 1.0 has no ADM2 columns; its 1979-2013 backfile also has no SOURCEURL.
EVENTS_V1 = tuple(c for c in EVENTS_V2 if not c.endswith("ADM2Code"))
EVENTS_V1_BACKFILE = EVENTS_V1[:-1]

MENTIONS = (
    "GLOBALEVENTID EventTimeDate MentionTimeDate MentionType MentionSourceName "
    "MentionIdentifier SentenceID Actor1CharOffset Actor2CharOffset ActionCharOffset "
    "InRawText Confidence MentionDocLen MentionDocTone MentionDocTranslationInfo Extras"
).split()

EVENTS_REQUIRED = (
    "GLOBALEVENTID SQLDATE Actor1CountryCode Actor2CountryCode EventCode QuadClass GoldsteinScale"
).split()
MENTIONS_REQUIRED = "GLOBALEVENTID MentionTimeDate MentionIdentifier".split()


@dataclass(frozen=True)
class Layout:
    """How to read one file: delimiter, header, and which field holds which GDELT column."""

    delimited_by_tab: bool
    header: bool
    field_count: int  # fields per data row
    positions: dict[str, int]  # GDELT column name -> 0-based field index
    source: str  # gdelt1 | gdelt2 (events), gdelt2 (mentions)
    allowed_counts: tuple[int, ...]  # raw 1.0 files mix 57 and 58 fields per row
    blank_lines_before: int = 0  # blank lines before the first line with fields

    @property
    def description(self) -> str:
        kind = "tab-separated raw export" if self.delimited_by_tab else "comma-separated export"
        return f"{kind}, {self.field_count} columns" + (" with header" if self.header else "")


def _events_layout_by_count(count: int, name: str) -> tuple[tuple[str, ...], str]:
    if count == 61:
        return tuple(EVENTS_V2), "gdelt2"
    if count == 58:
        return EVENTS_V1, "gdelt1"
    if count == 57:
        return EVENTS_V1_BACKFILE, "gdelt1"
    raise Rejected(
        name,
        f"rows have {count} fields; GDELT events have 61 (2.0), 58 or 57 (1.0)",
        line=1,
        hint="pass GDELT event exports, or use 'ingest mentions' for mentions files",
    )


def _first_records(text: str, delimiter: str, n: int = 2) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"')
    records: list[list[str]] = []
    try:
        for record in reader:
            if any(f.strip() for f in record):
                records.append(record)
            if len(records) == n:
                break
    except csv.Error:
        pass
    return records


def detect(text: str, name: str, kind: str) -> Layout:
    """Pick the layout of an events (`kind="events"`) or mentions file from its first lines."""
    # Blank lines carry no row (the readers skip them): the layout is told by the first line that has one.
    lines = text.split("\n")
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    first_line = lines[blank] if blank < len(lines) else ""
    by_tab = "\t" in first_line
    records = _first_records(text, "\t" if by_tab else ",")
    if not records:
        raise Rejected(name, "holds no data rows", hint="check the export that produced it")
    first = [f.strip() for f in records[0]]
    known = {c.lower(): c for c in (EVENTS_V2 if kind == "events" else MENTIONS)}
    header = sum(f.lower() in known for f in first) >= 3
    required = EVENTS_REQUIRED if kind == "events" else MENTIONS_REQUIRED
    if header:
        if len(records) < 2:
            raise Rejected(name, "has a header but no data rows", hint="check the export")
        data_count = len(records[1])
        # R's write.csv puts an unnamed row-name column first: one more field than names.
        offset = 1 if data_count == len(first) + 1 else 0
        positions = {known[f.lower()]: i + offset for i, f in enumerate(first) if f.lower() in known}
        missing = [c for c in required if c not in positions]
        if missing:
            raise Rejected(name, f"the header lacks {', '.join(missing)}", line=1,
                           hint="export every GDELT column, with GDELT's column names")
        if kind == "events":
            source = "gdelt2" if "Actor1Geo_ADM2Code" in positions else "gdelt1"
        else:
            source = "gdelt2"
        return Layout(by_tab, True, data_count, positions, source, (data_count,), blank)
    count = len(records[0])
    if kind == "events":
        names, source = _events_layout_by_count(count, name)
        allowed = (count,)
        if source == "gdelt1" and by_tab:  # raw 1.0 files mix backfile and daily rows
            names, allowed = EVENTS_V1, (57, 58)
    else:
        if count != 16:
            raise Rejected(name, f"rows have {count} fields; GDELT 2.0 mentions have 16", line=1,
                           hint="pass GDELT mentions files, or use 'ingest gdelt' for events")
        names, source, allowed = tuple(MENTIONS), "gdelt2", (16,)
    return Layout(by_tab, False, count, {c: i for i, c in enumerate(names)}, source, allowed, blank)
