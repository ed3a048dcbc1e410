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

Pure functions over query results (no I/O): the Pair and Overview pages (through
dashboard/spikes.py) and the alerts (alerts/rules.py) share this one rule.
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
    columns = ["period", "kind", "events", "baseline", "conflict_share", "baseline_share", "z"]
    events = series["events"].to_numpy(dtype=float)
    shares = _shares(series["conflict"].to_numpy(dtype=float), events)
    judged = np.flatnonzero((np.arange(len(events)) >= min_history) & (events >= min_events))
    if not len(judged):
        return pd.DataFrame(columns=columns)
    # row t of the trailing-window matrices: the `window` periods before t, NaN before the start
    score = _score(_trailing(events, window)[judged], _trailing(shares, window)[judged],
                   events[judged], shares[judged], min_history)
    common = pd.DataFrame({"period": series["period"].to_numpy()[judged], "events": events[judged].astype(int),
                           "baseline": score["baseline"], "conflict_share": np.nan_to_num(shares[judged]),
                           "order": judged})
    volume = common.assign(kind="volume", z=score["z"], baseline_share=np.nan, rank=0)[score["z"] >= threshold]
    conflict = common.assign(kind="conflict", z=score["share_z"], baseline_share=score["baseline_share"],
                             rank=1)[score["share_z"] >= threshold]
    flagged = pd.concat([volume, conflict]).sort_values(["order", "rank"])
    return flagged.sort_values("z", ascending=False, kind="stable", ignore_index=True)[columns]


def latest_spikes(
    months: pd.DataFrame,
    last,
    pairs: int = 100,
    window: int = WINDOW,
    min_history: int = MIN_HISTORY,
    threshold: float = THRESHOLD,
    min_events: int = MIN_EVENTS,
) -> list[dict]:
    """Spikes in the latest month among the `pairs` busiest pairs of recent_pair_months rows
    (country_a, country_b, period, quad_class, events): the rule of find_spikes, judged for the
    latest month of every pair at once (a pair's series starts at its first month in the rows).
    One dict per spike, with a and b."""
    busiest = months.groupby(["country_a", "country_b"])["events"].sum().nlargest(pairs).index
    rows = months.set_index(["country_a", "country_b"]).loc[lambda d: d.index.isin(busiest)].reset_index()
    if rows.empty:
        return []
    rows = rows.assign(period=pd.to_datetime(rows["period"]),
                       conflict=rows["events"].where(rows["quad_class"] >= 3, 0))
    grid = all_periods(rows["period"].min(), last, "month")
    per_pair = rows.pivot_table(index=["country_a", "country_b"], columns="period", values=["events", "conflict"],
                                aggfunc="sum")
    events = per_pair["events"].reindex(columns=grid)
    started = events.notna().cumsum(axis=1).to_numpy() > 0  # before its first month a pair has no series
    events = np.where(started, events.fillna(0).to_numpy(dtype=float), np.nan)
    conflict = np.where(started, per_pair["conflict"].reindex(columns=grid).fillna(0).to_numpy(dtype=float), np.nan)
    shares = _shares(conflict, events)
    past = slice(max(0, len(grid) - 1 - window), len(grid) - 1)  # the months before the latest
    judged = np.flatnonzero(((~np.isnan(events[:, past])).sum(axis=1) >= min_history)
                            & (np.nan_to_num(events[:, -1]) >= min_events))
    now_events, now_shares = events[judged, -1], shares[judged, -1]
    score = _score(events[judged, past], shares[judged, past], now_events, now_shares, min_history)
    found = []
    for j, i in enumerate(judged):
        a, b = per_pair.index[i]
        base = {"a": a, "b": b, "period": grid[-1], "events": int(now_events[j]),
                "baseline": float(score["baseline"][j]), "conflict_share": float(now_shares[j])}
        if score["z"][j] >= threshold:
            found.append({**base, "kind": "volume", "z": float(score["z"][j]), "baseline_share": np.nan})
        if score["share_z"][j] >= threshold:
            found.append({**base, "kind": "conflict", "z": float(score["share_z"][j]),
                          "baseline_share": float(score["baseline_share"][j])})
    return found


def _shares(conflict: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Conflict share per period; NaN where there were no events (a share exists only with events)."""
    return np.divide(conflict, events, out=np.full_like(events, np.nan), where=events > 0)


def _score(history: np.ndarray, share_history: np.ndarray, events: np.ndarray, shares: np.ndarray,
           min_history: int) -> dict[str, np.ndarray]:
    """The robust z-scores of the module docstring, one row per judged period (or pair):
    history rows hold the baseline periods (NaN = none), events/shares the judged values."""
    baseline = np.nanmedian(history, axis=1)
    spread = np.maximum(1.4826 * np.nanmedian(np.abs(history - baseline[:, None]), axis=1), np.sqrt(baseline + 1))
    enough = (~np.isnan(share_history)).sum(axis=1) >= min_history
    baseline_share = np.full(len(events), np.nan)
    share_spread = np.full(len(events), np.nan)
    if enough.any():
        baseline_share[enough] = np.nanmedian(share_history[enough], axis=1)
        share_spread[enough] = np.maximum(
            1.4826 * np.nanmedian(np.abs(share_history[enough] - baseline_share[enough, None]), axis=1), 0.1)
    with np.errstate(invalid="ignore"):  # NaN where not enough shares: never >= threshold
        share_z = (shares - baseline_share) / share_spread
    return {"baseline": baseline, "z": (events - baseline) / spread, "baseline_share": baseline_share,
            "share_z": np.where(enough, share_z, -np.inf)}


def _trailing(values: np.ndarray, window: int) -> np.ndarray:
    """Row t: values[t - window:t], NaN-padded before the start."""
    padded = np.concatenate([np.full(window, np.nan), values])
    return np.lib.stride_tricks.sliding_window_view(padded, window)[: len(values)]
