"""Turning a click on a chart into a drill-down selection. Pure: unit-tested without a browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

DIRECTIONS = ("a_to_b", "b_to_a")


class BarClick(NamedTuple):
    period: dt.date  # the bar's period start
    quad: int | None  # its quad class; None for a line or a marker
    direction: str | None  # "a_to_b" (A initiated), "b_to_a", or None (both)


def clicked_bar(event: Mapping[str, Any] | None) -> BarClick | None:
    """The period, quad class and direction of the first clicked timeline bar, or None.

    Bars carry customdata [quad_class, direction, events]; other traces (spike markers,
    the Goldstein and tone lines) still give a period, without a quad class or direction.
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
        custom = custom if isinstance(custom, list | tuple) else ()
        quad = custom[0] if custom and custom[0] in (1, 2, 3, 4) else None
        direction = custom[1] if quad and len(custom) > 1 and custom[1] in DIRECTIONS else None
        return BarClick(period, int(quad) if quad else None, direction)
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
