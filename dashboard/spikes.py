"""Spikes: periods where a pair's volume or conflict share leaves its own recent past.

Method (robust z-score against a trailing baseline):
- the series is the pair's events per period, with empty periods counted as 0;
- the baseline of period t is the median of the previous `window` periods (at least
  `min_history` of them), and its spread is 1.4826 x their median absolute deviation,
  floored at sqrt(median + 1) so a quiet pair does not "spike" on two extra events;
- a volume spike has z = (events - median) / spread >= `threshold` and at least
  `min_events` events;
- a conflict spike has a conflict share (quad classes 3-4) whose z against the baseline
  periods' shares is >= `threshold` (spread floored at 0.1), with at least `min_events` events.
Median and MAD ignore the outliers that a mean and a standard deviation would chase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WINDOW, MIN_HISTORY, THRESHOLD, MIN_EVENTS = 12, 4, 3.5, 5

# pandas period frequencies whose start times match DuckDB's date_trunc (weeks start Monday).
PERIOD_FREQ = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}


def all_periods(start, end, grain: str) -> pd.DatetimeIndex:
    return pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq=PERIOD_FREQ[grain]).start_time


def per_period(activity: pd.DataFrame, start, end, grain: str) -> pd.DataFrame:
    """events and conflict events per period, every period of the range present (0 if empty)."""
    index = all_periods(start, end, grain)
    frame = activity.assign(
        period=pd.to_datetime(activity["period"]),
        conflict=activity["events"].where(activity["quad_class"] >= 3, 0),
    )
    totals = frame.groupby("period")[["events", "conflict"]].sum()
    return totals.reindex(index.union(totals.index), fill_value=0).rename_axis("period").reset_index()


def find_spikes(
    series: pd.DataFrame,
    window: int = WINDOW,
    min_history: int = MIN_HISTORY,
    threshold: float = THRESHOLD,
    min_events: int = MIN_EVENTS,
) -> pd.DataFrame:
    """Flag spikes in a per_period() frame. One row per flagged period and kind."""
    events = series["events"].to_numpy(dtype=float)
    shares = np.divide(series["conflict"].to_numpy(dtype=float), events, out=np.zeros_like(events),
                       where=events > 0)
    rows = []
    for t in range(min_history, len(series)):
        history = events[max(0, t - window):t]
        median = float(np.median(history))
        spread = max(1.4826 * float(np.median(np.abs(history - median))), float(np.sqrt(median + 1)))
        z = (events[t] - median) / spread
        base = dict(period=series["period"].iloc[t], events=int(events[t]), baseline=median,
                    conflict_share=float(shares[t]))
        if events[t] >= min_events and z >= threshold:
            rows.append({**base, "kind": "volume", "z": z})
        active = history > 0
        if events[t] >= min_events and active.sum() >= min_history:
            past = shares[max(0, t - window):t][active]
            share_median = float(np.median(past))
            share_spread = max(1.4826 * float(np.median(np.abs(past - share_median))), 0.1)
            share_z = (shares[t] - share_median) / share_spread
            if share_z >= threshold:
                rows.append({**base, "kind": "conflict", "z": share_z, "baseline_share": share_median})
    columns = ["period", "kind", "events", "baseline", "conflict_share", "baseline_share", "z"]
    return pd.DataFrame(rows, columns=columns).sort_values("z", ascending=False, ignore_index=True)
