"""What an alert says: one sentence, the numbers against the baseline, the rule in plain words,
the period's top CAMEO codes and most cited articles (what the Pair page's spike cards show),
and a link to the Pair view pinned to the snapshot the rule read. Built once when the alert
fires and stored with it (fired_alerts.payload), so a retried delivery says the same thing."""

from __future__ import annotations

import datetime as dt
import html
import os
from email.message import EmailMessage
from urllib.parse import urlencode

import pandas as pd

from alerts.appdb import Watch
from alerts.rules import WINDOW, Finding, explain, period_end, periods_back

PUBLIC_URL_ENV = "BILATERAL_PUBLIC_URL"


def public_url() -> str:
    return os.environ.get(PUBLIC_URL_ENV, "http://localhost:8501").rstrip("/")


def pair_link(watch: Watch, period: dt.date, snapshot: int) -> str:
    """The Pair view around the period (its baseline window and the period), pinned to the snapshot."""
    params = {"a": watch.a, "b": watch.b, "from": periods_back(period, watch.grain, WINDOW).isoformat(),
              "to": period_end(period, watch.grain).isoformat(), "grain": watch.grain, "snapshot": str(snapshot)}
    return f"{public_url()}/pair?{urlencode(params)}"


def payload(watch: Watch, finding: Finding, cards: pd.DataFrame, snapshot: int) -> dict:
    """cards: pair_spike_cards rows of the finding's period (section 'code' or 'source')."""
    codes = cards[cards["section"] == "code"] if len(cards) else cards
    sources = cards[cards["section"] == "source"] if len(cards) else cards
    return {
        "watch_id": watch.id, "pair": watch.pair(), "a": watch.a, "b": watch.b, "rule": finding.rule,
        "grain": watch.grain, "period": finding.period.isoformat(),
        "period_end": period_end(finding.period, watch.grain).isoformat(),
        "sentence": finding.sentence.replace("{pair}", watch.pair()),
        "numbers": finding.numbers,
        "explanation": explain(finding.rule, watch.rules.get(finding.rule, {}), watch.grain),
        "top_codes": [{"code": str(r.event_code), "description": r.description if isinstance(r.description, str)
                       else "", "events": int(r.events)} for r in codes.itertuples()],
        "top_articles": [{"url": r.source_url, "outlet": r.outlet, "events": int(r.events)}
                         for r in sources.itertuples()],
        "link": pair_link(watch, finding.period, snapshot), "snapshot": snapshot,
    }


def subject(p: dict) -> str:
    return f"Bilateral alert: {p['pair']} {p['rule'].replace('_', ' ')}, {p['grain']} of {p['period']}"


def text(p: dict) -> str:
    lines = [p["sentence"], "", f"Rule: {p['explanation']}"]
    if p["top_codes"]:
        lines += ["", "Top CAMEO codes:"] + [f"  {c['code']} {c['description']}: {c['events']:,} events"
                                             for c in p["top_codes"]]
    if p["top_articles"]:
        lines += ["", "Most cited articles:"] + [f"  {s['outlet']}: {s['url']}" for s in p["top_articles"]]
    lines += ["", f"Open the Pair view (data snapshot {p['snapshot']}): {p['link']}"]
    return "\n".join(lines)


def html_body(p: dict) -> str:
    e = html.escape
    codes = "".join(f"<li><b>{e(c['code'])}</b> {e(c['description'])}: {c['events']:,} events</li>"
                    for c in p["top_codes"])
    articles = "".join(f"<li>{e(s['outlet'] or '')}: <a href=\"{e(s['url'])}\">{e(s['url'])}</a></li>"
                       for s in p["top_articles"])
    return (f"<!doctype html><html><body style=\"font-family:sans-serif\"><p><b>{e(p['sentence'])}</b></p>"
            f"<p style=\"color:#555\">{e(p['explanation'])}</p>"
            + (f"<h3>Top CAMEO codes</h3><ul>{codes}</ul>" if codes else "")
            + (f"<h3>Most cited articles</h3><ul>{articles}</ul>" if articles else "")
            + f"<p><a href=\"{e(p['link'])}\">Open the Pair view</a> (data snapshot {p['snapshot']})</p>"
              "</body></html>")


def email(p: dict, sender: str, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject(p), sender, to
    msg.set_content(text(p))
    msg.add_alternative(html_body(p), subtype="html")
    return msg


def webhook_json(p: dict) -> dict:
    """`text` is what Slack, Mattermost and Teams incoming webhooks show; `alert` is for programs."""
    return {"text": f"*{subject(p)}*\n{text(p)}", "alert": p}
