"""Watchlists and alerts (issue 18) on the sample lake's USA-China 2018 trade-war months, with a
real SMTP server (aiosmtpd) and a real HTTP server on 127.0.0.1 receiving what is sent."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from aiosmtpd.controller import Controller

from alerts import appdb, engine, rules
from alerts.delivery import SmtpSettings
from ingest.__main__ import main as ingest_main
from lake import connection as lakes
from queries import runner, spikes

H1_2018 = (dt.date(2018, 1, 1), dt.date(2018, 6, 30))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, SmtpSettings("127.0.0.1", port, starttls=False, sender="alerts@example.org")
    controller.stop()


class _Hook:
    def __init__(self, port: int | None = None) -> None:
        self.received: list[dict] = []
        self.port = port or _free_port()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/T0/secret-token"


@pytest.fixture
def hook():
    h = _Hook()
    yield h
    h.stop()


@pytest.fixture
def lake(copy_of_sample_lake: Path) -> Path:
    return copy_of_sample_lake


def _watch(lake: Path, rule_text: str, grain: str, emails=("analyst@example.org",), webhook=None) -> int:
    args = ["--lake", str(lake), "-q", "alerts", "add", "USA", "CHN", "--rules", rule_text, "--grain", grain]
    for e in emails:
        args += ["--email", e]
    if webhook:
        args += ["--webhook", webhook]
    assert ingest_main(args) == 0
    db = appdb.open_db(lake)
    try:
        return db.watches()[-1].id
    finally:
        db.close()


def _page_spikes(lake: Path, start: str, end: str, grain: str) -> pd.DataFrame:
    """The Pair page's spikes: its query (pair_activity, raw counts) and its rule."""
    con = lakes.connect(lake)
    try:
        activity = runner.run(con, "pair_activity", {"a": "USA", "b": "CHN", "start": start, "end": end,
                                                     "grain": grain})
    finally:
        con.close()
    return spikes.find_spikes(spikes.per_period(activity, start, end, grain))


def _fired(lake: Path) -> set[tuple[str, str]]:
    db = appdb.open_db(lake)
    try:
        return {(r["rule"], r["period"]) for r in db.fired()}
    finally:
        db.close()


# --- the rules on real data ---------------------------------------------------------------------

def test_monthly_spike_alerts_fire_in_the_months_the_pair_page_marks_and_in_no_quiet_month(lake):
    _watch(lake, "spike", "month")
    report = engine.run(lake, start=dt.date(2012, 1, 1), end=H1_2018[1], dry_run=True)
    got = {p["period"] for p in report.findings}
    page = _page_spikes(lake, "2011-01-01", "2018-06-30", "month")  # 12 months before: full baselines
    marked = {d.date().isoformat() for d in page["period"] if d >= pd.Timestamp("2012-01-01")}
    assert got == marked
    assert {f"2018-{m:02d}-01" for m in range(1, 7)} <= got  # every trade-war month
    assert not any(p.startswith(("2016", "2017")) for p in got)  # quiet years: nothing
    march = next(p for p in report.findings if p["period"] == "2018-03-01")
    con = lakes.connect(lake)
    try:  # the events count, straight from the lake
        count = con.execute("select count(*) from lake.events where pair_a = 'CHN' and pair_b = 'USA' "
                            "and event_date between '2018-03-01' and '2018-03-31'").fetchone()[0]
    finally:
        con.close()
    assert march["numbers"]["events"] == count == 432
    assert _fired(lake) == set()  # a dry run records nothing


def test_weekly_spikes_of_the_trade_war_are_the_pair_pages_and_quiet_weeks_stay_quiet(lake):
    _watch(lake, "spike", "week")
    report = engine.run(lake, start=H1_2018[0], end=H1_2018[1], dry_run=True)
    got = {p["period"] for p in report.findings}
    page = _page_spikes(lake, "2017-10-09", "2018-07-01", "week")  # 12 weeks before 2018-01-01
    assert got == {d.date().isoformat() for d in page["period"] if d >= pd.Timestamp("2018-01-01")}
    assert {"2018-03-05", "2018-03-19", "2018-04-02"} <= got  # the tariff announcements
    assert not got & {"2018-05-07", "2018-05-14", "2018-06-04"}  # quieter weeks


# --- runs, backtests, delivery --------------------------------------------------------------------

def test_backtest_equals_month_by_month_runs_which_deliver_once_and_a_rerun_sends_nothing(lake, smtp, hook):
    inbox, settings = smtp
    hook.start()
    _watch(lake, "spike,conflict_jump=10,goldstein_drop=1.5,first_code", "week", webhook=hook.url)
    backtest = engine.run(lake, start=H1_2018[0], end=H1_2018[1], dry_run=True)
    expected = {(p["rule"], p["period"]) for p in backtest.findings}
    assert {r for r, _ in expected} == {"spike", "conflict_jump", "goldstein_drop", "first_code"}
    for month in range(1, 7):
        start = dt.date(2018, month, 1)
        end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
        engine.run(lake, start=start, end=end, settings=settings)
    assert _fired(lake) == expected
    assert len(inbox.messages) == len(hook.received) == len(expected)
    spike = next(m for m in inbox.messages if "spike" in m["Subject"] and "2018-03-05" in m["Subject"])
    plain = spike.get_body(("plain",)).get_content()
    html = spike.get_body(("html",)).get_content()
    assert "115 events against a usual 2" in plain and "115 events against a usual 2" in html
    assert "snapshot=" in plain and "/pair?a=USA&b=CHN" in plain
    assert spike["To"] == "analyst@example.org"
    assert all(isinstance(h["text"], str) and h["text"] for h in hook.received)  # Slack/Mattermost/Teams
    rerun = engine.run(lake, start=H1_2018[0], end=H1_2018[1], settings=settings)
    assert (rerun.fired, rerun.already) == (0, len(expected))
    assert len(inbox.messages) == len(hook.received) == len(expected)


def test_an_unreachable_smtp_server_and_webhook_are_retried_at_the_next_run(lake, smtp):
    inbox, settings = smtp
    down = SmtpSettings("127.0.0.1", _free_port(), starttls=False)  # nothing listens there
    late_hook = _Hook()
    _watch(lake, "spike", "month", webhook=late_hook.url)
    first = engine.run(lake, start=dt.date(2018, 3, 1), end=dt.date(2018, 4, 30), settings=down)
    assert first.fired == 2 and first.delivered["failed"] == 4  # 2 alerts x (e-mail, webhook)
    db = appdb.open_db(lake)
    assert all(d["status"] == "failed" and d["attempts"] == 1 and d["last_error"] for d in db.deliveries())
    db.close()
    late_hook.start()
    try:
        second = engine.run(lake, settings=settings)  # no new periods: only the retries
    finally:
        late_hook.stop()
    assert second.fired == 0 and second.delivered["sent"] == 4
    assert sorted(m["Subject"][-10:] for m in inbox.messages) == ["2018-03-01", "2018-04-01"]
    assert len(late_hook.received) == 2
    assert engine.run(lake, settings=settings).delivered["sent"] == 0  # sent once, never again


def test_an_alert_fires_once_even_when_two_runs_record_it_at_once(lake):
    watch_id = _watch(lake, "spike", "month")
    one, two = appdb.open_db(lake), appdb.open_db(lake)
    watch = one.watch(watch_id)
    assert watch is not None
    ids = [db.record_alert(watch, "spike", dt.date(2018, 3, 1), 4, {"x": 1}) for db in (one, two)]
    assert ids[0] is not None and ids[1] is None
    assert len(one.deliveries()) == 1  # one recipient, one delivery
    claimed = one.claim_due(), two.claim_due()
    assert [len(c) for c in claimed] == [1, 0]
    one.close()
    two.close()


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (["USA", "XYZ", "--rules", "spike", "--email", "a@example.org"], "unknown country"),
    (["USA", "USA", "--rules", "spike", "--email", "a@example.org"], "same country"),
    (["USA", "CHN", "--rules", "spike,surge", "--email", "a@example.org"], "unknown rule"),
    (["USA", "CHN", "--rules", "spike=lots", "--email", "a@example.org"], "must be a number"),
    (["USA", "CHN", "--rules", "spike", "--email", "analyst.example.org"], "bad e-mail"),
    (["USA", "CHN", "--rules", "spike", "--webhook", "javascript:alert(1)"], "http:// or https://"),
    (["USA", "CHN", "--rules", "spike", "--webhook", "file:///etc/passwd"], "http:// or https://"),
    (["USA", "CHN", "--rules", "spike"], "at least one --email or --webhook"),
])
def test_bad_watch_input_is_one_line_and_changes_nothing(lake, capsys, args, says):
    _watch(lake, "spike", "month")
    before = sqlite3.connect(lake / "app.sqlite").execute("select * from watches").fetchall()
    assert ingest_main(["--lake", str(lake), "alerts", "add", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert sqlite3.connect(lake / "app.sqlite").execute("select * from watches").fetchall() == before


def test_list_never_shows_a_webhooks_secret_path(lake, capsys):
    _watch(lake, "spike", "month", webhook="https://hooks.example.org/services/T0/B0/very-secret")
    assert ingest_main(["--lake", str(lake), "alerts", "list"]) == 0
    out = capsys.readouterr().out
    assert "hooks.example.org" in out and "very-secret" not in out


# --- the rules, by hand -----------------------------------------------------------------------------

def _evidence(events, quad4, goldstein, grain="month") -> rules.Evidence:
    periods = pd.date_range("2020-01-01", periods=len(events), freq="MS")
    days = pd.DataFrame({"day": periods.date, "events": events, "quad3": 0, "quad4": quad4,
                         "goldstein_sum": np.array(goldstein, float) * np.array(events),
                         "goldstein_events": events})
    series = rules.period_series(days, periods[0].date(), (periods[-1] + pd.offsets.MonthEnd(0)).date(), grain)
    return rules.Evidence(days, series, pd.DataFrame(), grain)


def test_conflict_jump_and_goldstein_drop_against_the_median_of_the_window():
    # 12 months at 10% material conflict and Goldstein +2, then 30% and -1.
    ev = _evidence([20] * 13, [2] * 12 + [6], [2.0] * 12 + [-1.0])
    last = [dt.date(2021, 1, 1)]
    jump = rules.conflict_jump(ev, last, {"points": 15, "quads": "4", "min_events": 5})
    assert [(f.numbers["share"], f.numbers["baseline_share"], f.numbers["points"]) for f in jump] == [(0.3, 0.1, 20.0)]
    assert rules.conflict_jump(ev, last, {"points": 25, "quads": "4", "min_events": 5}) == []
    drop = rules.goldstein_drop(ev, last, {"drop": 2.0, "min_events": 5})
    assert [(f.numbers["goldstein_mean"], f.numbers["baseline"]) for f in drop] == [(-1.0, 2.0)]
    assert rules.goldstein_drop(ev, last, {"drop": 3.5, "min_events": 5}) == []


def test_silence_fires_in_the_period_the_silence_reaches_its_length():
    days = pd.DataFrame({"day": pd.date_range("2020-01-01", "2020-03-31").date, "events": 2, "quad3": 0,
                         "quad4": 0, "goldstein_sum": 0.0, "goldstein_events": 2})
    series = rules.period_series(days, dt.date(2020, 1, 6), dt.date(2020, 5, 3), "week")
    ev = rules.Evidence(days, series, pd.DataFrame(), "week")
    weeks = [p.date() for p in series["period"]]
    found = rules.silence(ev, weeks, {"days": 14, "expected": 5})
    # last event 2020-03-31; the 14th silent day is 2020-04-14, in the week of 2020-04-13
    assert [(f.period, f.numbers["last_event"]) for f in found] == [(dt.date(2020, 4, 13), "2020-03-31")]
