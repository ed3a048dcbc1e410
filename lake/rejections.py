"""The rejection log: one JSON line per drop the ingest refused, kept beside the lake (not in
it, so a rejection never makes a snapshot). The ingest writes it (ingest/store.py); the Data
page and `ingest status` read it through here."""

from __future__ import annotations

import json
from pathlib import Path

REJECTIONS_FILE = "rejections.jsonl"


def read_rejections(lake: Path, limit: int = 20) -> list[dict]:
    """The last `limit` rejections, newest first; [] when nothing was ever rejected."""
    path = lake / REJECTIONS_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]
