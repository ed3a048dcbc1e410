"""Reading values out of URL query parameters without ever raising: each reader returns
None for anything missing or malformed, and the page decides the default and the notice."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

MAX_LENGTH = 200


def one(params: Mapping[str, object], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    return None if value is None else str(value)[:MAX_LENGTH]


def date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def ints(text: str | None, low: int, high: int) -> tuple[int, ...] | None:
    if not text or not re.fullmatch(r"\d{1,9}(,\d{1,9})*", text):
        return None
    values = tuple(sorted({int(x) for x in text.split(",")}))
    return values if all(low <= v <= high for v in values) else None


def integer(text: str | None, low: int, high: int) -> int | None:
    found = ints(text, low, high)
    return found[0] if found and len(found) == 1 else None
