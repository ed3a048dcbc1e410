"""The Pair page's state: parsed from the URL, validated, and written back to it.

Anything in the URL may be hostile or stale; parse() never raises. It returns the view to
show plus short notices saying which parameters were ignored and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from dashboard import url
from dashboard.countries import resolve
from dashboard.url import date as _date
from dashboard.url import ints as _ints
from dashboard.url import one as _one

GRAINS = ("day", "week", "month", "quarter", "year")
COUNTS = ("raw", "dedup", "corroborated")
MAX_COMPARE = 4
MAX_SPAN = dt.timedelta(days=366 * 100)


@dataclass(frozen=True)
class PairView:
    a: str
    b: str
    start: dt.date
    end: dt.date
    grain: str = "auto"  # "auto" or one of GRAINS
    count: str = "raw"
    split: bool = True  # A→B above the axis, B→A mirrored below
    share: bool = False  # divide by all events in the period
    quads: tuple[int, ...] = (1, 2, 3, 4)
    roots: tuple[int, ...] = tuple(range(1, 21))
    compare: tuple[tuple[str, str], ...] = ()
    coded: bool = True  # show events coded from stored articles (their own layer, not GDELT)
    period: dt.date | None = None  # a clicked bar: its period start
    quad: int | None = None  # ... and its quad class
    initiator: str | None = None  # ... and its direction: the country that acted (a or b), None for both
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def effective_grain(self) -> str:
        return auto_grain(self.start, self.end) if self.grain == "auto" else self.grain

    def params(self) -> dict[str, str]:
        """The URL for this view; defaults are left out to keep links short."""
        out = {"a": self.a, "b": self.b, "from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.grain != "auto":
            out["grain"] = self.grain
        if self.count != "raw":
            out["count"] = self.count
        if not self.split:
            out["direction"] = "both"
        if self.share:
            out["share"] = "1"
        if self.quads != (1, 2, 3, 4):
            out["quad_classes"] = ",".join(map(str, self.quads))
        if self.roots != tuple(range(1, 21)):
            out["roots"] = ",".join(f"{r:02d}" for r in self.roots)
        if self.compare:
            out["compare"] = ",".join(f"{x}-{y}" for x, y in self.compare)
        if not self.coded:
            out["coded"] = "hide"
        if self.period:
            out["period"] = self.period.isoformat()
            if self.quad:
                out["quad"] = str(self.quad)
            if self.initiator:
                out["by"] = self.initiator
        return out


def auto_grain(start: dt.date, end: dt.date) -> str:
    days = (end - start).days
    if days <= 62:
        return "day"
    if days <= 400:
        return "week"
    if days <= 366 * 8:
        return "month"
    if days <= 366 * 25:
        return "quarter"
    return "year"


def period_end(period: dt.date, grain: str) -> dt.date:
    """Last day of the period that starts on `period`."""
    if grain == "day":
        return period
    if grain == "week":
        return period + dt.timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    year, month = divmod(period.month - 1 + months, 12)
    return dt.date(period.year + year, month + 1, 1) - dt.timedelta(days=1)


def parse(
    params: Mapping[str, object],
    codes: list[str],
    default_pair: tuple[str, str] | Callable[[], tuple[str, str]],
    default_range: tuple[dt.date, dt.date],
    names: dict[str, str] | None = None,
) -> PairView:
    """default_pair may be a function: it is called only when the URL names no usable pair."""
    notices: list[str] = []

    @cache
    def fallback_pair() -> tuple[str, str]:
        return default_pair() if callable(default_pair) else default_pair

    def country(key: str, fallback: Callable[[], str]) -> str:
        raw = _one(params, key)
        if raw is None:
            return fallback()
        code = resolve(raw, codes, names)
        if code is None:
            notices.append(f"Unknown country {raw[:40]!r} in '{key}'; showing {fallback()}.")
            return fallback()
        return code

    a = country("a", lambda: fallback_pair()[0])
    b = country("b", lambda: fallback_pair()[1] if fallback_pair()[1] != a else fallback_pair()[0])
    if a == b:
        notices.append(f"'a' and 'b' are both {a}; showing {fallback_pair()[0]}–{fallback_pair()[1]}.")
        a, b = fallback_pair()

    start, end, date_notices = url.date_range(params, default_range)
    notices += date_notices
    if end - start > MAX_SPAN:
        notices.append("The date range is longer than 100 years; using the full range.")
        start, end = default_range

    view = PairView(a=a, b=b, start=start, end=end)
    grain = _one(params, "grain")
    if grain is not None:
        if grain in GRAINS:
            view = replace(view, grain=grain)
        else:
            notices.append(f"'grain' must be one of {', '.join(GRAINS)}; choosing it automatically.")
    count = _one(params, "count")
    if count is not None:
        if count in COUNTS:
            view = replace(view, count=count)
        else:
            notices.append(f"'count' must be one of {', '.join(COUNTS)}; counting raw rows.")
    direction = _one(params, "direction")
    if direction == "both":
        view = replace(view, split=False)
    elif direction not in (None, "split"):
        notices.append("'direction' must be both or split; showing A→B above and B→A below.")
    share = _one(params, "share")
    if share in ("1", "true"):
        view = replace(view, share=True)
    elif share not in (None, "0", "false"):
        notices.append("'share' must be 1 or 0; showing counts.")
    for key, attr, low, high in (("quad_classes", "quads", 1, 4), ("roots", "roots", 1, 20)):
        raw = _one(params, key)
        if raw is not None:
            values = _ints(raw, low, high)
            if values:
                changed: dict[str, Any] = {attr: values}  # quads or roots: both tuple[int, ...]
                view = replace(view, **changed)
            else:
                notices.append(f"'{key}' must be numbers {low}-{high} separated by commas; using all.")
    coded = _one(params, "coded")
    if coded in ("hide", "0", "false"):
        view = replace(view, coded=False)
    elif coded not in (None, "show", "1", "true"):
        notices.append("'coded' must be show or hide; showing events coded from articles.")
    raw_compare = _one(params, "compare")
    if raw_compare:
        pairs = []
        items = raw_compare.split(",")
        for item in items[: MAX_COMPARE + 2]:
            x, _, y = item.partition("-")
            cx, cy = resolve(x, codes, names), resolve(y, codes, names)
            if cx and cy and cx != cy and (cx, cy) not in pairs:
                pairs.append((cx, cy))
            else:
                notices.append(f"Ignored comparison pair {item[:20]!r}.")
        if len(pairs) > MAX_COMPARE or len(items) > MAX_COMPARE + 2:
            notices.append(f"At most {MAX_COMPARE} pairs can be compared; the rest were left out.")
        view = replace(view, compare=tuple(pairs[:MAX_COMPARE]))
    raw_period = _one(params, "period")
    if raw_period is not None:
        period = _date(raw_period)
        if period is None or not start <= period <= end:
            notices.append(f"'period' {raw_period[:20]!r} is not a date within {start} to {end}; no bar is selected.")
        else:
            quad = _one(params, "quad")
            if quad is not None and quad not in ("1", "2", "3", "4"):
                notices.append("'quad' must be 1, 2, 3 or 4; showing every quad class of the period.")
            view = replace(view, period=period, quad=int(quad) if quad in ("1", "2", "3", "4") else None)
            by = _one(params, "by")
            if by is not None and by not in (view.a, view.b):
                notices.append(f"'by' must be {view.a} or {view.b}; showing both directions.")
            view = replace(view, initiator=by if by in (view.a, view.b) else None)
            view = replace(view, period=period_start(period, view.effective_grain))  # the bar holding it
    return replace(view, notices=tuple(notices))


def period_start(day: dt.date, grain: str) -> dt.date:
    """Start of the period (DuckDB date_trunc: weeks start on Monday) that holds `day`."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)
