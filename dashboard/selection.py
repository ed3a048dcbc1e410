"""Turning a click on a chart into a drill-down selection. Pure: unit-tested without a browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


def clicked_bar(event: Mapping[str, Any] | None) -> tuple[dt.date, int | None] | None:
    """(period start, quad class) of the first clicked timeline bar, or None.

    Bars carry customdata [quad_class, direction, events]; other traces (spike markers,
    the Goldstein and tone lines) still give a period, without a quad class.
    """
    if not event:
        return None
    selection = event.get("selection") or {}
    for point in selection.get("points") or []:
        x = point.get("x")
        if x is None:
            continue
        try:
            period = dt.date.fromisoformat(str(x)[:10])
        except ValueError:
            continue
        custom = point.get("customdata")
        quad = custom[0] if isinstance(custom, list | tuple) and custom else None
        return period, int(quad) if quad in (1, 2, 3, 4) else None
    return None


def clicked_network(event: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """("node", code) or ("edge", a, b) for the first clicked node or edge midpoint, else None."""
    if not event:
        return None
    for point in (event.get("selection") or {}).get("points") or []:
        custom = point.get("customdata")
        if isinstance(custom, list | tuple) and custom:
            if custom[0] == "node" and len(custom) == 2:
                return ("node", str(custom[1]))
            if custom[0] == "edge" and len(custom) == 3:
                return ("edge", str(custom[1]), str(custom[2]))
    return None
