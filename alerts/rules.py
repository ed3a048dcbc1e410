"""The alert rules: pure functions over query results (no I/O), each explained in plain words.

Every rule gets the same Evidence (the watched pair's events per day from alerts_pair_days.sql,
the same rolled up per period, and the codes new to the pair from alerts_first_codes.sql) and
the periods to judge, and returns one Finding per period where it fires. The baseline of a
period is always the pair's own trailing `WINDOW` periods before it (as on the Pair page).

- spike: the Pair page's spike rule (queries/spikes.py), unchanged;
- conflict_jump: the share of material conflict (quad 4; or of all conflict, quads 3+4) is at
  least `points` percentage points above the median share of the baseline periods;
- goldstein_drop: the mean Goldstein score is at least `drop` below the baseline periods' median;
- first_code: a CAMEO event code the pair never had in the lake before (pairs new altogether
  are left out: every code of theirs would be "new");
- silence: no events for `days` days where the baseline periods' rate would have led to at
  least `expected` events; fires in the period in which the silence reaches `days` days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alerts import names
from queries import spikes

WINDOW, MIN_HISTORY, MIN_EVENTS = spikes.WINDOW, spikes.MIN_HISTORY, spikes.MIN_EVENTS
GRAINS = ("day", "week", "month")


@dataclass(frozen=True)
class Evidence:
    days: pd.DataFrame  # alerts_pair_days rows: day, events, quad3, quad4, goldstein_sum, goldstein_events
    series: pd.DataFrame  # per period, every period present: period, events, conflict, quad3, quad4, ...
    first_codes: pd.DataFrame  # alerts_first_codes rows
    grain: str


@dataclass(frozen=True)
class Finding:
    rule: str
    period: dt.date
    sentence: str  # what happened, one sentence without the pair's name ("{pair}" is filled in later)
    numbers: dict[str, float | int | str] = field(default_factory=dict)


def period_end(start: dt.date, grain: str) -> dt.date:
    return (pd.Period(pd.Timestamp(start), freq=spikes.PERIOD_FREQ[grain]).end_time).date()


def periods_back(start: dt.date, grain: str, count: int) -> dt.date:
    """The first day of the period `count` periods before the one starting on `start`."""
    return (pd.Period(pd.Timestamp(start), freq=spikes.PERIOD_FREQ[grain]) - count).start_time.date()


def period_series(days: pd.DataFrame, start: dt.date, end: dt.date, grain: str) -> pd.DataFrame:
    """alerts_pair_days rows rolled up per period, every period from start to end (0 if empty)."""
    index = spikes.all_periods(start, end, grain)
    cols = ["events", "quad3", "quad4", "goldstein_sum", "goldstein_events"]
    if days.empty:
        frame = pd.DataFrame(0, index=index, columns=cols)
    else:
        when = pd.to_datetime(days["day"]).dt.to_period(spikes.PERIOD_FREQ[grain]).dt.start_time
        frame = days[cols].groupby(when.to_numpy()).sum().reindex(index, fill_value=0)
    frame = frame.rename_axis("period").reset_index()
    return frame.assign(conflict=frame["quad3"] + frame["quad4"])


# --- the rules --------------------------------------------------------------------------------

def spike(ev: Evidence, periods: list[dt.date], p: dict) -> list[Finding]:
    flagged = spikes.find_spikes(ev.series[["period", "events", "conflict"]], threshold=float(p["threshold"]),
                                 min_events=int(p["min_events"]))
    found = []
    for start in periods:
        rows = flagged[flagged["period"] == pd.Timestamp(start)]
        if rows.empty:
            continue
        parts: list[str] = []
        numbers: dict[str, float | int | str] = {}
        for r in rows.itertuples():
            if r.kind == "volume":
                parts.append(f"{r.events:,} events against a usual {r.baseline:.0f} (z = {r.z:.1f})")
                numbers |= {"events": int(r.events), "baseline": float(r.baseline), "z": round(float(r.z), 2)}
            else:
                parts.append(f"a conflict share of {r.conflict_share:.0%} against a usual {r.baseline_share:.0%} "
                             f"(z = {r.z:.1f}, {r.events:,} events)")
                numbers |= {"events": int(r.events), "conflict_share": round(float(r.conflict_share), 4),
                            "baseline_share": round(float(r.baseline_share), 4), "conflict_z": round(float(r.z), 2)}
        numbers["kinds"] = ",".join(rows["kind"])
        found.append(Finding("spike", start, f"{{pair}} spiked in the {ev.grain} of {start}: " + "; ".join(parts)
                             + ".", numbers))
    return found


def conflict_jump(ev: Evidence, periods: list[dt.date], p: dict) -> list[Finding]:
    quads = str(p["quads"])
    hostile = ev.series["quad4"] + (ev.series["quad3"] if quads == "3,4" else 0)
    share = np.divide(hostile.to_numpy(float), ev.series["events"].to_numpy(float),
                      out=np.full(len(hostile), np.nan), where=ev.series["events"].to_numpy() > 0)
    what = "material conflict (quad 4)" if quads == "4" else "conflict (quads 3 and 4)"
    found = []
    for t, start in _judged(ev, periods, int(p["min_events"])):
        baseline = _baseline(share, t)
        if baseline is None or share[t] - baseline < float(p["points"]) / 100:
            continue
        found.append(Finding("conflict_jump", start,
                             f"{{pair}}: {what} made up {share[t]:.0%} of the {int(ev.series['events'].iloc[t]):,} "
                             f"events in the {ev.grain} of {start}, against a usual {baseline:.0%} "
                             f"(+{100 * (share[t] - baseline):.0f} points).",
                             {"share": round(float(share[t]), 4), "baseline_share": round(baseline, 4),
                              "points": round(100 * (share[t] - baseline), 1), "quads": quads,
                              "events": int(ev.series["events"].iloc[t])}))
    return found


def goldstein_drop(ev: Evidence, periods: list[dt.date], p: dict) -> list[Finding]:
    scored = ev.series["goldstein_events"].to_numpy(float)
    mean = np.divide(ev.series["goldstein_sum"].to_numpy(float), scored, out=np.full(len(scored), np.nan),
                     where=scored > 0)
    found = []
    for t, start in _judged(ev, periods, int(p["min_events"])):
        baseline = _baseline(mean, t)
        if baseline is None or np.isnan(mean[t]) or baseline - mean[t] < float(p["drop"]):
            continue
        found.append(Finding("goldstein_drop", start,
                             f"{{pair}}: the mean Goldstein score fell to {mean[t]:+.1f} in the {ev.grain} of "
                             f"{start}, against a usual {baseline:+.1f} ({mean[t] - baseline:+.1f}, "
                             f"{int(ev.series['events'].iloc[t]):,} events).",
                             {"goldstein_mean": round(float(mean[t]), 3), "baseline": round(baseline, 3),
                              "drop": round(baseline - float(mean[t]), 3),
                              "events": int(ev.series["events"].iloc[t])}))
    return found


def first_code(ev: Evidence, periods: list[dt.date], p: dict) -> list[Finding]:
    codes = ev.first_codes
    found = []
    for start in periods:
        end = period_end(start, ev.grain)
        new = codes[(pd.to_datetime(codes["first_date"]).dt.date >= start)
                    & (pd.to_datetime(codes["first_date"]).dt.date <= end)
                    & (pd.to_datetime(codes["pair_first"]).dt.date < start)] if len(codes) else codes
        if new.empty:
            continue
        named = [f"{r.event_code} {r.description}" if isinstance(r.description, str) else str(r.event_code)
                 for r in new.itertuples()]
        shown = "; ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
        found.append(Finding("first_code", start,
                             f"{{pair}}: {len(named)} CAMEO code{'s' if len(named) > 1 else ''} seen for the "
                             f"first time in the {ev.grain} of {start}: {shown}.",
                             {"codes": ",".join(new["event_code"].astype(str)), "new_codes": len(named)}))
    return found


def silence(ev: Evidence, periods: list[dt.date], p: dict) -> list[Finding]:
    days, expected_least = int(p["days"]), float(p["expected"])
    active = pd.to_datetime(ev.days.loc[ev.days["events"] > 0, "day"]).dt.date if len(ev.days) else pd.Series([])
    found = []
    for start in periods:
        end = period_end(start, ev.grain)
        t = _index(ev, start)
        last = max((d for d in active if d <= end), default=None)
        if last is None or t < MIN_HISTORY:  # no event in the data read: nothing was expected either
            continue
        first = ev.series["period"].iloc[max(0, t - WINDOW)]
        window_days = max((pd.Timestamp(start) - first).days, 1)
        expected = float(ev.series["events"].iloc[max(0, t - WINDOW):t].sum()) / window_days * days
        reached = last + dt.timedelta(days=days)  # the day the silence is `days` long
        if not start <= reached <= end or expected < expected_least:
            continue
        found.append(Finding("silence", start,
                             f"{{pair}}: no events for {days} days (none since {last}), where the previous "
                             f"{WINDOW} {ev.grain}s would have led to about {expected:.0f}.",
                             {"days": days, "last_event": last.isoformat(), "expected": round(expected, 1)}))
    return found


def _index(ev: Evidence, start: dt.date) -> int:
    return int(np.flatnonzero(ev.series["period"].to_numpy() == np.datetime64(pd.Timestamp(start)))[0])


def _judged(ev: Evidence, periods: list[dt.date], min_events: int) -> list[tuple[int, dt.date]]:
    """(row, period) of the periods with enough events to judge a share or a mean."""
    judged = [(_index(ev, start), start) for start in periods]
    return [(t, s) for t, s in judged if ev.series["events"].iloc[t] >= min_events]


def _baseline(values: np.ndarray, t: int) -> float | None:
    """Median of the trailing window's values where there were events; None with too few of them."""
    past = values[max(0, t - WINDOW):t]
    past = past[~np.isnan(past)]
    return float(np.median(past)) if len(past) >= MIN_HISTORY else None


# --- names, defaults, explanations ------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    judge: Callable[[Evidence, list[dt.date], dict], list[Finding]]
    main: str | None  # the threshold `rule=value` sets on the command line
    defaults: dict[str, float | str]
    limits: dict[str, tuple[float, float]]
    explain: Callable[[dict, str], str]


RULES: dict[str, Rule] = {
    "spike": Rule(spike, "threshold", {"threshold": spikes.THRESHOLD, "min_events": MIN_EVENTS},
                  {"threshold": (1.0, 50.0), "min_events": (1, 10**6)},
                  lambda p, g: f"Spike: the pair's events in a {g}, or their share of conflict, stand at least "
                               f"{float(p['threshold']):g} robust z-scores above the median of the previous "
                               f"{WINDOW} {g}s (at least {int(p['min_events'])} events; the Pair page's rule)."),
    "conflict_jump": Rule(conflict_jump, "points", {"points": 15.0, "quads": "4", "min_events": MIN_EVENTS},
                          {"points": (1.0, 100.0), "min_events": (1, 10**6)},
                          lambda p, g: "Conflict jump: the share of "
                                       + ("material conflict (quad 4)" if p["quads"] == "4" else "conflict (quads 3-4)")
                                       + f" in a {g} is at least {float(p['points']):g} percentage points above its "
                                         f"median over the previous {WINDOW} {g}s (at least {int(p['min_events'])} "
                                         "events)."),
    "goldstein_drop": Rule(goldstein_drop, "drop", {"drop": 2.0, "min_events": MIN_EVENTS},
                           {"drop": (0.1, 20.0), "min_events": (1, 10**6)},
                           lambda p, g: f"Goldstein drop: the mean Goldstein score (-10 hostile to +10 cooperative) "
                                        f"of a {g} is at least {float(p['drop']):g} below its median over the "
                                        f"previous {WINDOW} {g}s (at least {int(p['min_events'])} events)."),
    "first_code": Rule(first_code, None, {}, {},
                       lambda p, g: "First code: a CAMEO event code (e.g. 057 sign formal agreement, 16x reduce "
                                    "relations, 19x fight) appears for the pair for the first time in the data."),
    "silence": Rule(silence, "days", {"days": 14.0, "expected": 5.0},
                    {"days": (1.0, 90.0), "expected": (1.0, 10**6)},
                    lambda p, g: f"Silence: no events for {int(p['days'])} days where the rate of the previous "
                                 f"{WINDOW} {g}s would have given at least {float(p['expected']):g}."),
}


# The CLI's parser reads the names from alerts/names.py (no pandas there): they must be these.
assert GRAINS == names.GRAINS and {n: r.main for n, r in RULES.items()} == names.RULE_THRESHOLDS


def explain(rule: str, params: dict, grain: str) -> str:
    return RULES[rule].explain({**RULES[rule].defaults, **params}, grain)


def judge(ev: Evidence, periods: list[dt.date], rules: dict[str, dict]) -> list[Finding]:
    """Every rule of a watch over the periods, with each rule's defaults under its thresholds."""
    found = []
    for name, params in rules.items():
        found += RULES[name].judge(ev, periods, {**RULES[name].defaults, **params})
    return sorted(found, key=lambda f: (f.period, f.rule))
