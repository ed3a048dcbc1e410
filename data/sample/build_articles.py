"""Rebuild data/sample/articles/ from ../shared/data (see MANIFEST.csv for what each file is).

Two kinds of article rows, so that the repository holds no text it may not redistribute:

- Open-licence text, copied unchanged (gzip-compressed, fields as in the source, including
  each row's `license`): English Wikinews (CC BY 2.5) and kremlin.ru news releases
  (CC BY 4.0), from ../shared/data/articles_open/ (its PROVENANCE.md names repo, path and
  commit per row). These give the Articles page its search and the coder its bodies.
- Metadata only for the US-China trade articles that the sample's GDELT 2018 events cite:
  url (GDELT's SOURCEURL), published_at (the earliest SQLDATE of the events citing it) and
  language "en"; no title, no body. Their text belongs to the publishers, so none is kept.
  URLs no sample event cites are left out: with no text and no event they show nothing.

Run from the repo root: python data/sample/build_articles.py
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
OUT = Path(__file__).resolve().parent / "articles"
OPEN = ("en_wikinews_relations.jsonl", "en_kremlin_relations.jsonl")
METADATA = "en_us_china_trade_2018_metadata.jsonl.gz"
METADATA_LICENSE = "GDELT terms (url and date from GDELT events; no publisher text)"


def _write_gz(path: Path, data: bytes) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
        out.write(data)  # mtime 0, no name: the same input gives the same bytes


def open_licence_copies() -> None:
    OUT.mkdir(exist_ok=True)
    for name in OPEN:
        _write_gz(OUT / f"{name}.gz", (SHARED / "articles_open" / name).read_bytes())


def us_china_metadata() -> None:
    first_seen: dict[str, str] = {}
    with open(SHARED / "gdelt_v1_usa_chn_2018" / "usa_chn_events_2018-01_to_2018-06.csv", newline="") as f:
        for row in csv.reader(f):
            day, url = row[1], row[57]
            first_seen[url] = min(first_seen.get(url, day), day)
    lines = []
    with open(SHARED / "articles" / "en_us_china_trade_2018_snippets.csv", newline="", encoding="utf-8") as f:
        for _text, url, _label in csv.reader(f):  # the text is read and dropped
            if (day := first_seen.get(url)) is None:
                continue
            lines.append(
                json.dumps(
                    {
                        "url": url,
                        "title": None,
                        "outlet": None,
                        "published_at": f"{day[:4]}-{day[4:6]}-{day[6:]}",
                        "language": "en",
                        "body": None,
                        "license": METADATA_LICENSE,
                    },
                    ensure_ascii=False,
                )
            )
    _write_gz(OUT / METADATA, ("\n".join(lines) + "\n").encode("utf-8"))


def main() -> None:
    open_licence_copies()
    us_china_metadata()


if __name__ == "__main__":
    main()
