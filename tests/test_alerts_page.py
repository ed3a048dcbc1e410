"""AppTest: the Alerts page lists watches with their rules in plain words, adds them through the
same checks as the CLI (bad input: one line, nothing stored), removes them, and lists the fired
alerts newest first, filtered by pair and rule, each opening the Pair view pinned to its snapshot."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from alerts import appdb, engine
from alerts.delivery import SmtpSettings

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SECRET = "https://hooks.example.org/services/T0/B0/very-secret-token"


@pytest.fixture
def lake(copy_of_sample_lake: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BILATERAL_LAKE", str(copy_of_sample_lake))
    for name in ("HOST", "PORT", "USER", "PASSWORD", "FROM", "STARTTLS"):
        monkeypatch.delenv(f"BILATERAL_SMTP_{name}", raising=False)
    return copy_of_sample_lake


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("dashboard/pages/alerts.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def watches(lake: Path) -> list[tuple]:
    path = lake / "app.sqlite"
    if not path.exists():
        return []
    con = sqlite3.connect(path)
    try:
        return con.execute("select a, b, rules, grain, emails, webhook from watches order by id").fetchall()
    finally:
        con.close()


def shown(markdown: str) -> str:
    """What a reader sees of md()-escaped Markdown: the characters without their escapes."""
    return re.sub(r"\\(.)", r"\1", markdown)


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    return shown("\n".join(str(p) for p in parts))


def one_error(at: AppTest) -> str:
    assert not at.exception
    assert len(at.error) == 1 and len(at.error[0].value.splitlines()) == 1
    return shown(at.error[0].value)


def submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Add watch").click()
    return at.run()


def test_watch_this_pair_prefills_the_form_and_a_watch_is_added_with_its_rules_in_plain_words(lake) -> None:
    at = open_page(a="lby", b="RUS")
    assert not at.exception
    assert (at.selectbox(key="alert_a").value, at.selectbox(key="alert_b").value) == ("LBY", "RUS")
    at.checkbox(key="alert_rule_conflict_jump").check()
    at.number_input(key="alert_threshold_conflict_jump").set_value(20.0)
    at.text_input(key="alert_emails").input("analyst@example.org; desk@example.org")
    at.text_input(key="alert_webhook").input(SECRET)
    at = submit(at)
    assert not at.exception and not at.error
    assert watches(lake) == [("LBY", "RUS", '{"conflict_jump": {"points": 20.0, "quads": "4"}, "spike": '
                              '{"threshold": 3.5}}', "week", '["analyst@example.org", "desk@example.org"]', SECRET)]
    text = page_text(at)
    assert "at least 20 percentage points above its median over the previous 12 weeks" in text
    assert "webhook https://hooks.example.org/…" in text and "very-secret" not in text  # by its host only
    assert "Sent to: analyst@example.org, desk@example.org" in text


@pytest.mark.parametrize(("fill", "says"), [
    ({"alert_emails": "analyst.example.org"}, "bad e-mail address"),
    ({"alert_webhook": "javascript:alert(1)"}, "http:// or https://"),
    ({"alert_webhook": "file:///etc/passwd"}, "http:// or https://"),
    ({}, "give at least one e-mail address or a webhook"),
])
def test_bad_input_gets_one_line_and_stores_nothing(lake, fill: dict[str, str], says: str) -> None:
    at = open_page(a="USA", b="CHN")
    for key, value in fill.items():
        at.text_input(key=key).input(value)
    at = submit(at)
    assert says in one_error(at)
    assert watches(lake) == []


def test_the_same_country_twice_and_no_rule_are_refused(lake) -> None:
    at = open_page(a="USA", b="USA")
    at.text_input(key="alert_emails").input("a@example.org")
    at = submit(at)
    assert "same country" in one_error(at)
    at = open_page(a="USA", b="CHN")
    at.checkbox(key="alert_rule_spike").uncheck()
    at.text_input(key="alert_emails").input("a@example.org")
    at = submit(at)
    assert "at least one rule" in one_error(at)
    assert watches(lake) == []


def test_hostile_url_gets_a_notice_not_an_error(lake) -> None:
    at = open_page(a="USA'; drop table watches; --", b="<script>")
    assert not at.exception
    assert len(at.warning) == 2 and all("unknown country" in shown(w.value) for w in at.warning)


def test_fired_alerts_newest_first_filtered_and_each_opens_its_pinned_pair_view(lake) -> None:
    db = appdb.open_db(lake)
    watch_id = db.add_watch("USA", "CHN", directed=False, rules={"spike": {}, "first_code": {}}, grain="month",
                            emails=["analyst@example.org"], webhook=SECRET, owner=None)
    db.close()
    report = engine.run(lake, start=dt.date(2018, 1, 1), end=dt.date(2018, 6, 30),
                        settings=SmtpSettings(None))  # no SMTP server: deliveries wait for a retry
    assert report.fired > 0
    at = open_page()
    assert not at.exception
    links = [x.proto for x in at.get("page_link") if "Open the Pair view" in x.proto.label]
    assert len(links) == report.fired == len(report.findings)
    params = [parse_qs(link.query_string) for link in links]
    ends = [p["to"][0] for p in params]  # the end of each alert's period (the Pair view shows 12 before it)
    assert ends == sorted(ends, reverse=True) and ends[0] == "2018-06-30"  # newest first
    assert all(p["snapshot"] == [str(report.snapshot)] and p["a"] == ["USA"] and p["b"] == ["CHN"]
               and p["grain"] == ["month"] for p in params)
    assert "very-secret" not in page_text(at)

    at.selectbox(key="alerts_filter_rule").select("first_code").run()
    firsts = [p for p in report.findings if p["rule"] == "first_code"]
    assert 0 < len(firsts) < report.fired
    assert len([x for x in at.get("page_link") if "Open the Pair view" in x.proto.label]) == len(firsts)

    at.button(key=f"alert_remove_{watch_id}").click().run()
    assert watches(lake) == []
    assert "Fired alerts" in [h.value for h in at.subheader]  # the history stays


def test_the_pair_page_offers_to_watch_its_pair(lake) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("dashboard/pages/pair.py")
    at.query_params["a"], at.query_params["b"] = "GEO", "RUS"
    at.run()
    assert not at.exception
    link = next(x.proto for x in at.get("page_link") if x.proto.label == "Watch this pair")
    assert link.page.endswith("alerts") and parse_qs(link.query_string) == {"a": ["GEO"], "b": ["RUS"]}


def test_an_alerts_database_that_cannot_be_opened_is_one_line(lake) -> None:
    (lake / "app.sqlite").mkdir()  # a directory where the file should be
    at = open_page()
    assert not at.exception
    assert "cannot be opened" in one_error(at)
