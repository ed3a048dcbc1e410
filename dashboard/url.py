"""Reading values out of URL query parameters without ever raising: each reader returns
None for anything missing or malformed, and the page decides the default and the notice."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

MAX_LENGTH = 200
FIRST_DAY, LAST_DAY = dt.date(1979, 1, 1), dt.date(2200, 12, 31)  # GDELT starts in 1979


# The queries take dates from 1900 on (queries/runner.py); no data is older than FIRST_DAY.
EARLIEST_QUERY_DAY = dt.date(1900, 1, 1)


def previous_window(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The window of the same length that ends the day before `start`, for "vs previous period".
    It starts no earlier than EARLIEST_QUERY_DAY: near the first data day the window of a long
    range would start before any date a query takes (and before any data)."""
    before_end = start - dt.timedelta(days=1)
    before_start = before_end - (end - start)
    return max(before_start, EARLIEST_QUERY_DAY), max(before_end, EARLIEST_QUERY_DAY)


def one(params: Mapping[str, object], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    return None if value is None else str(value)[:MAX_LENGTH]


def date(text: str | None) -> dt.date | None:
    """An ISO date within FIRST_DAY..LAST_DAY, else None."""
    try:
        value = dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value if value and FIRST_DAY <= value <= LAST_DAY else None


def date_range(params: Mapping[str, object], default: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date, list[str]]:
    """'from' and 'to' from the URL, with notices for what was unusable and replaced."""
    notices = []
    start, end = default
    raw_from, raw_to = one(params, "from"), one(params, "to")
    parsed_from, parsed_to = date(raw_from), date(raw_to)
    if raw_from is not None and parsed_from is None:
        notices.append(f"'from' is not a date from {FIRST_DAY} to {LAST_DAY} (YYYY-MM-DD): {raw_from[:20]!r}; "
                       f"using {start}.")
    if raw_to is not None and parsed_to is None:
        notices.append(f"'to' is not a date from {FIRST_DAY} to {LAST_DAY} (YYYY-MM-DD): {raw_to[:20]!r}; "
                       f"using {end}.")
    start, end = parsed_from or start, parsed_to or end
    if start > end:
        notices.append(f"'from' {start} is after 'to' {end}; using {default[0]} to {default[1]}.")
        start, end = default
    return start, end, notices


def ints(text: str | None, low: int, high: int) -> tuple[int, ...] | None:
    if not text or not re.fullmatch(r"\d{1,19}(,\d{1,19})*", text):
        return None
    values = tuple(sorted({int(x) for x in text.split(",")}))
    return values if all(low <= v <= high for v in values) else None


def integer(text: str | None, low: int, high: int) -> int | None:
    found = ints(text, low, high)
    return found[0] if found and len(found) == 1 else None
