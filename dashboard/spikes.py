"""Spikes, as the Pair and Overview pages show them: the rule itself lives in queries/spikes.py,
beside the queries that feed it, so the alerts (alerts/rules.py) apply the very same rule
without importing the dashboard."""

from __future__ import annotations

from queries.spikes import (
    MIN_EVENTS,
    MIN_HISTORY,
    PERIOD_FREQ,
    THRESHOLD,
    WINDOW,
    all_periods,
    find_spikes,
    latest_spikes,
    per_period,
)

__all__ = ["MIN_EVENTS", "MIN_HISTORY", "PERIOD_FREQ", "THRESHOLD", "WINDOW", "all_periods", "find_spikes",
           "latest_spikes", "per_period"]
