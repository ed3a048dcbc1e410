"""Real GDELT 2.0 event rows from the embedded sample, to edit one field and write as a drop."""

from __future__ import annotations

import gzip
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
EVENTS_2015 = REPO / "data" / "sample" / "events" / "20151027220000.export.CSV.gz"  # 2,116 rows

# Field positions in a GDELT 2.0 export row (61 tab-separated fields).
FIELDS = {"GLOBALEVENTID": 0, "SQLDATE": 1, "Actor1Name": 6, "IsRootEvent": 25, "EventCode": 26,
          "EventBaseCode": 27, "EventRootCode": 28, "QuadClass": 29, "GoldsteinScale": 30, "NumMentions": 31,
          "NumSources": 32, "NumArticles": 33, "AvgTone": 34, "ActionGeo_Type": 51, "DATEADDED": 59}


def real_rows(first: int, count: int) -> list[list[str]]:
    """`count` real rows of the 2015-10-27 22:00 export from row `first`, split into their fields."""
    lines = gzip.decompress(EVENTS_2015.read_bytes()).decode("utf-8").splitlines()
    return [line.split("\t") for line in lines[first:first + count]]


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def shifted_export(folder: Path, shift: int = 10**11) -> Path:
    """The whole 2015-10-27 22:00 export with every event id moved by `shift`, so it loads as
    new events into a lake that holds the sample (real rows, 19 Russia-Syria events among them)."""
    rows = real_rows(0, 10**6)
    return write_rows(folder / "20151027220000.export.CSV",
                      [[str(int(row[0]) + shift), *row[1:]] for row in rows if row != [""]])
