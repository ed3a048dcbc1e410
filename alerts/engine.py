"""`alerts run`: judge every watch's periods on one lake snapshot, record what fired, deliver.

Which periods: without dates, the latest complete period of each watch's grain (complete: it
ended before the lake's newest event date); with --from/--to, every complete period that starts
in that range (a backtest; with dry_run nothing is recorded or sent). So a backtest over a year
finds exactly what month-by-month runs over the same year find.

Each watch reads its pair's events per day (alerts_pair_days.sql) from `WINDOW` periods before
the first judged period, and the codes new to the pair (alerts_first_codes.sql); the period's
top codes and articles come from pair_spike_cards.sql, only for periods where a rule fired.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alerts import delivery, message
from alerts.appdb import AppDB, Watch, open_db
from alerts.rules import WINDOW, Evidence, Finding, judge, period_end, period_series, periods_back
from lake import connection as lakes
from queries import runner, spikes

log = logging.getLogger("bilateral.alerts")


@dataclass
class RunReport:
    snapshot: int
    as_of: dt.date | None
    findings: list[dict] = field(default_factory=list)  # payloads, in watch then period order
    fired: int = 0  # new alerts recorded by this run
    already: int = 0  # found again, fired before: nothing sent
    delivered: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def periods_to_judge(grain: str, as_of: dt.date, start: dt.date | None, end: dt.date | None) -> list[dt.date]:
    """First days of the complete periods to judge (see the module docstring)."""
    if start is None and end is None:
        latest = periods_back(as_of, grain, 1)  # the period before the one holding as_of
        return [latest]
    first = start or dt.date(1979, 1, 1)
    last = min(end or as_of, as_of)
    if first > last:
        return []
    starts = [p.date() for p in spikes.all_periods(first, last, grain)]
    return [p for p in starts if p >= first and period_end(p, grain) < as_of]


def evidence(con, watch: Watch, periods: list[dt.date], snapshot: int) -> Evidence:
    """What the rules read for one watch, from one snapshot."""
    silence_days = int(float(watch.rules.get("silence", {}).get("days", 0)))
    start = min(periods_back(periods[0], watch.grain, WINDOW), periods[0] - dt.timedelta(days=silence_days))
    start = spikes.all_periods(start, start, watch.grain)[0].date()  # a whole first period
    end = period_end(periods[-1], watch.grain)
    pair = {"a": watch.a, "b": watch.b, "direction": watch.direction}
    days = runner.run(con, "alerts_pair_days", {**pair, "start": start, "end": end}, snapshot=snapshot)
    firsts = (runner.run(con, "alerts_first_codes", {**pair, "start": periods[0], "end": end}, snapshot=snapshot)
              if "first_code" in watch.rules else pd.DataFrame())
    return Evidence(days, period_series(days, start, end, watch.grain), firsts, watch.grain)


def cards(con, watch: Watch, period: dt.date, snapshot: int) -> pd.DataFrame:
    return runner.run(con, "pair_spike_cards", {"a": watch.a, "b": watch.b, "periods": [period], "start": period,
                                                "end": period_end(period, watch.grain), "grain": watch.grain,
                                                "limit": 5}, snapshot=snapshot)


def find(con, watch: Watch, periods: list[dt.date], snapshot: int) -> list[Finding]:
    return judge(evidence(con, watch, periods, snapshot), periods, watch.rules) if periods else []


def run(lake: Path, *, start: dt.date | None = None, end: dt.date | None = None, dry_run: bool = False,
        watch_ids: list[int] | None = None, settings: delivery.SmtpSettings | None = None) -> RunReport:
    con = lakes.connect(lake)  # read-only
    db: AppDB | None = None
    try:
        snapshot = lakes.current_snapshot(con)
        summary = runner.run(con, "lake_summary", {}, snapshot=snapshot)
        last = summary["last_date"].iloc[0] if len(summary) else None
        as_of = None if last is None or pd.isna(last) else pd.Timestamp(last).date()
        report = RunReport(snapshot, as_of)
        db = open_db(lake)
        for watch in db.watches(watch_ids):
            if as_of is None:
                break
            try:
                for finding in find(con, watch, periods_to_judge(watch.grain, as_of, start, end), snapshot):
                    body = message.payload(watch, finding, cards(con, watch, finding.period, snapshot), snapshot)
                    report.findings.append(body)
                    if dry_run:
                        continue
                    if db.record_alert(watch, finding.rule, finding.period, snapshot, body) is None:
                        report.already += 1
                    else:
                        report.fired += 1
            except runner.QueryError as err:  # e.g. a query ran past its time limit: the other watches go on
                report.errors.append(f"watch {watch.id} ({watch.pair()}): {err}")
        if not dry_run:  # also what earlier runs failed to send
            report.delivered = delivery.deliver_due(db, settings)
        return report
    finally:
        con.close()
        if db is not None:
            db.close()
