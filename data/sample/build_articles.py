"""Rebuild data/sample/articles/en_us_china_trade_2018.jsonl.gz from ../shared/data.

The English snippets (dinulsyah/gdeltproject, see ../shared/data/PROVENANCE.md) carry only
text, url and a sentiment label. This turns them into the articles contract: url, body,
language "en", and published_at = the earliest SQLDATE of the GDELT events citing the URL.
Run from the repo root: python data/sample/build_articles.py
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
OUT = Path(__file__).resolve().parent / "articles" / "en_us_china_trade_2018.jsonl.gz"


def main() -> None:
    first_seen: dict[str, str] = {}
    with open(SHARED / "gdelt_v1_usa_chn_2018" / "usa_chn_events_2018-01_to_2018-06.csv", newline="") as f:
        for row in csv.reader(f):
            day, url = row[1], row[57]
            first_seen[url] = min(first_seen.get(url, day), day)
    with open(SHARED / "articles" / "en_us_china_trade_2018_snippets.csv", newline="", encoding="utf-8") as f, \
            gzip.open(OUT, "wt", encoding="utf-8") as out:
        for text, url, _label in csv.reader(f):
            day = first_seen.get(url)
            out.write(json.dumps({
                "url": url, "title": None, "outlet": None,
                "published_at": f"{day[:4]}-{day[4:6]}-{day[6:]}" if day else None,
                "language": "en", "body": text,
            }, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
