"""`alerts run` after every committed load (alerts/after_load.py): `ingest gdelt` of real GDELT rows
with a watch present fires, records and delivers the alert (a real aiosmtpd server and a local
HTTP server receive it); an unreachable SMTP server or a broken application database never fails
the load (exit 0, one warning line); without watches no alert code runs at all; `ingest watch`
and `ingest fetch` end their committed loads with a run too."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from alerts import after_load, appdb, engine
from ingest.__main__ import main as ingest_main
from ingest.watch import poll_once
from tests.conftest import SHARED_DATA
from tests.test_alerts import _free_port, _Hook, smtp  # noqa: F401 - smtp is a fixture used here
from tests.test_fetch import gdelt  # noqa: F401 - a fixture: GDELT's data host on 127.0.0.1

USA_CHN = SHARED_DATA / "gdelt_v1_usa_chn_2018" / "usa_chn_events_2018-01_to_2018-06.csv"


@pytest.fixture
def usa_chn(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The real USA-China 2018 H1 rows split by their SQLDATE: up to 2018-03-12 (the lake's latest
    complete week is then the week of 2018-03-05, a tariff week the Pair page marks as a spike),
    and the rest. Rows are copied byte for byte."""
    first, rest = tmp_path / "usa_chn_to_0312.csv", tmp_path / "usa_chn_from_0313.csv"
    lines = USA_CHN.read_bytes().splitlines(keepends=True)
    early = [line for line in lines if line.split(b",", 2)[1].strip(b'"') <= b"20180312"]
    first.write_bytes(b"".join(early))
    rest.write_bytes(b"".join(line for line in lines if line not in set(early)))
    return first, rest


@pytest.fixture
def smtp_env(smtp, monkeypatch: pytest.MonkeyPatch):  # noqa: F811 - the imported fixture
    inbox, settings = smtp
    monkeypatch.setenv("BILATERAL_SMTP_HOST", settings.host)
    monkeypatch.setenv("BILATERAL_SMTP_PORT", str(settings.port))
    monkeypatch.setenv("BILATERAL_SMTP_STARTTLS", "false")
    monkeypatch.setenv("BILATERAL_SMTP_FROM", "alerts@example.org")
    return inbox


def add_watch(lake: Path, *extra: str) -> None:
    assert ingest_main(["--lake", str(lake), "-q", "alerts", "add", "USA", "CHN", "--rules", "spike",
                        "--grain", "week", "--email", "analyst@example.org", *extra]) == 0


def fired(lake: Path) -> list[tuple]:
    db = appdb.open_db(lake)
    try:
        return [(r["rule"], r["period"], r["sent"], r["unsent"]) for r in db.fired()]
    finally:
        db.close()


def test_a_load_of_real_gdelt_rows_with_a_watch_fires_records_and_delivers_once(tmp_path, usa_chn, smtp_env,
                                                                                capsys):
    lake = tmp_path / "lake"
    hook = _Hook()
    hook.start()
    try:
        add_watch(lake, "--webhook", hook.url)
        assert ingest_main(["--lake", str(lake), "gdelt", str(usa_chn[0])]) == 0
        assert fired(lake) == [("spike", "2018-03-05", 2, 0)]  # e-mail and webhook, both sent
        assert len(smtp_env.messages) == len(hook.received) == 1
        message = smtp_env.messages[0]
        assert message["Subject"] == "Bilateral alert: USA–CHN spike, week of 2018-03-05"
        assert "115 events against a usual" in message.get_body(("plain",)).get_content()
        err = capsys.readouterr().err
        assert "1 new alert(s); deliveries: 2 sent" in err and "secret-token" not in err

        # The next load: its own latest complete week is judged; what fired before is not sent again.
        judged = engine.run(lake, dry_run=True)  # (before the load: the same week as above)
        assert ingest_main(["--lake", str(lake), "gdelt", str(usa_chn[1])]) == 0
        after = engine.run(lake, dry_run=True)
        assert {(p["rule"], p["period"]) for p in after.findings} <= {(r, p) for r, p, _, _ in fired(lake)}
        assert len(fired(lake)) == 1 + len(after.findings)
        assert len(smtp_env.messages) == 1 + len(after.findings)
        assert [p["period"] for p in judged.findings] == ["2018-03-05"]
    finally:
        hook.stop()


def test_with_the_smtp_server_down_the_load_still_exits_0_and_the_alert_waits_for_a_retry(
        tmp_path, usa_chn, monkeypatch, capsys):
    lake = tmp_path / "lake"
    monkeypatch.setenv("BILATERAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BILATERAL_SMTP_PORT", str(_free_port()))  # nothing listens there
    monkeypatch.setenv("BILATERAL_SMTP_PASSWORD", "hunter2-smtp")
    monkeypatch.setenv("BILATERAL_SMTP_USER", "alerts")
    add_watch(lake)
    assert ingest_main(["--lake", str(lake), "gdelt", str(usa_chn[0])]) == 0
    out, err = capsys.readouterr()
    assert "added 203 events" in out  # the load committed: its own summary line
    assert fired(lake) == [("spike", "2018-03-05", 0, 1)]
    assert "email delivery failed (attempt 1)" in err and "Traceback" not in err and "hunter2" not in err
    db = appdb.open_db(lake)
    assert [d["status"] for d in db.deliveries()] == ["failed"]
    db.close()


def test_a_failing_alert_run_is_one_warning_and_the_load_exits_0(tmp_path, usa_chn, capsys):
    lake = tmp_path / "lake"
    lake.mkdir()
    appdb.path_for(lake).write_bytes(b"this is not a SQLite database" * 100)
    assert ingest_main(["--lake", str(lake), "gdelt", str(usa_chn[0])]) == 0
    out, err = capsys.readouterr()
    assert "snapshot" in out
    warning = [line for line in err.splitlines() if "alert run after this load failed" in line]
    assert len(warning) == 1 and "DatabaseError" in warning[0] and "Traceback" not in err


def test_without_watches_a_load_runs_no_alert_code_and_creates_no_database(tmp_path, usa_chn, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the alert run must not start without watches")

    monkeypatch.setattr(engine, "run", boom)
    lake = tmp_path / "lake"
    assert ingest_main(["--lake", str(lake), "-q", "gdelt", str(usa_chn[0])]) == 0
    assert not appdb.path_for(lake).exists()
    appdb.open_db(lake).close()  # the database exists, with no watch in it
    assert ingest_main(["--lake", str(lake), "-q", "gdelt", str(usa_chn[1])]) == 0
    assert not after_load.has_watches(lake)
    assert sqlite3.connect(appdb.path_for(lake)).execute("select count(*) from fired_alerts").fetchone() == (0,)


def test_a_watch_folder_poll_that_loaded_events_ends_with_one_alert_run(tmp_path, usa_chn, smtp_env, caplog):
    lake = tmp_path / "lake"
    add_watch(lake)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / usa_chn[0].name).write_bytes(usa_chn[0].read_bytes())
    seen: dict = {}
    logs: list[str] = []
    with caplog.at_level(logging.INFO, logger="bilateral.alerts"):
        poll_once(drop, lake, seen, console=None, report=logs.append)  # type: ignore[arg-type]
        assert not (drop / "done").exists()  # first look: the file may still be growing
        poll_once(drop, lake, seen, console=None, report=logs.append)  # type: ignore[arg-type]
    assert (drop / "done" / usa_chn[0].name).exists()
    assert fired(lake) == [("spike", "2018-03-05", 1, 0)] and len(smtp_env.messages) == 1
    assert sum("new alert(s)" in r.getMessage() for r in caplog.records) == 1


def test_a_fetch_that_loaded_events_ends_with_one_alert_run_and_one_without_watches_with_none(
        tmp_path, gdelt, smtp_env, caplog):  # noqa: F811 - the imported fixtures
    lake = tmp_path / "lake"
    runs = lambda: [r.getMessage() for r in caplog.records if r.getMessage().startswith("alerts: snapshot")]  # noqa: E731
    with caplog.at_level(logging.INFO, logger="bilateral.alerts"):
        assert ingest_main(["--lake", str(lake), "fetch", "--from", "2015-10-27", "--to", "2015-10-28",
                            "--streams", "events"]) == 0
        assert runs() == []  # no watch: no run
        add_watch(lake)
        assert ingest_main(["--lake", str(lake), "fetch", "--from", "2017-11-26", "--to", "2019-01-21",
                            "--streams", "events"]) == 0
    assert len(runs()) == 1 and "data to 2019-01-21" in runs()[0]  # one run, on the fetch's last snapshot
