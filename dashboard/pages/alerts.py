"""Alerts: the watchlist (pairs, their rules in plain words, their recipients), a form to add a
watch, and the alerts it fired, newest first, each opening the Pair view pinned to the snapshot
that triggered it.

The watchlist lives in the application database beside the lake (alerts/appdb.py), read and
written here through alerts/ only; the dashboard's lake connection stays read-only and is used
for nothing but the country names. Text a person typed (addresses) or that a rule wrote is shown
through md(); a webhook only by its host (its path is the secret of a chat webhook)."""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qsl, urlsplit

import streamlit as st

from alerts import appdb, delivery
from alerts.rules import GRAINS, RULES, explain
from alerts.watches import WatchError, country, new_watch, shown_webhook
from dashboard import url
from dashboard.countries import label
from dashboard.highlight import md
from dashboard.lake_access import lake_settings, query
from lake.reference import all_country_codes

SHOWN_WATCHES = 100  # more are listed by `python -m ingest alerts list`
SHOWN_ALERTS = 100
ALL = "All"
THRESHOLD_HELP = {  # what the main threshold of each rule means, in the form
    "spike": "robust z-score",
    "conflict_jump": "percentage points",
    "goldstein_drop": "Goldstein points",
    "silence": "days without events",
}


# --- countries: the lake's first (busiest first), then every other code a watch may name ------
lake_countries = query("countries")
names = dict(zip(lake_countries["code"], lake_countries["name"], strict=True))
codes = list(lake_countries["code"])
for c in sorted(all_country_codes(), key=lambda c: c.code):
    if c.code not in names:
        codes.append(c.code)
        names[c.code] = c.name


def pair_name(a: str, b: str, directed: bool = False) -> str:
    return f"{names.get(a, a)} {'→' if directed else '–'} {names.get(b, b)}"


# --- the URL pre-fills the form's pair (the Pair page's "Watch this pair") ------------------------
params = st.query_params.to_dict()
wanted: dict[str, str] = {}
for key in ("a", "b"):
    raw = url.one(params, key)
    if raw is None:
        continue
    try:
        wanted[key] = country(raw)
    except WatchError as err:
        st.warning(md(f"'{key}': {err}"), icon=":material/link_off:")
if wanted and st.session_state.get("alerts_seeded") != wanted:  # a new pair asked for: seed the pickers
    st.session_state.alerts_seeded = wanted
    for key, code in wanted.items():
        if code not in codes:
            codes.append(code)
        st.session_state[f"alert_{key}"] = code
st.session_state.setdefault("alert_a", codes[0] if codes else "USA")
st.session_state.setdefault("alert_b", codes[1] if len(codes) > 1 else "CHN")

lake, _settings = lake_settings()
try:
    db = appdb.open_db(lake)
except (OSError, sqlite3.Error) as err:  # e.g. a server whose lake directory it may not write
    st.error(md(f"The alerts database {appdb.path_for(lake)} cannot be opened: {str(err).splitlines()[0][:200]}"),
             icon=":material/error:")
    st.stop()
try:
    st.title("Alerts")
    smtp = "an SMTP server is set" if delivery.smtp_settings().host else \
        "no SMTP server is set yet (BILATERAL_SMTP_HOST, see docs/alerts.md), so e-mails wait and are retried"
    st.caption("A watch judges a pair's latest complete day, week or month after every load of new data "
               "(and on `python -m ingest alerts run`); each alert fires once per watch, rule and period and is "
               f"sent by e-mail and webhook. E-mail: {smtp}.")

    # --- add a watch -----------------------------------------------------------------------
    with st.expander("Add a watch", expanded=bool(wanted), icon=":material/add_alert:"):
        with st.form("alert_add", border=False):
            row = st.columns([4, 4, 2], vertical_alignment="bottom")
            a = row[0].selectbox("Country A", codes, key="alert_a", format_func=lambda c: label(c, names.get(c)))
            b = row[1].selectbox("Country B", codes, key="alert_b", format_func=lambda c: label(c, names.get(c)))
            grain = row[2].selectbox("Judge each", GRAINS, index=GRAINS.index("week"), key="alert_grain")
            directed = st.checkbox("Only events with A as actor 1 and B as actor 2", key="alert_directed")
            st.markdown("**Rules**")
            chosen: list[str] = []
            thresholds: dict[str, float] = {}
            for name, rule in RULES.items():
                cols = st.columns([2, 2, 6], vertical_alignment="center")
                if cols[0].checkbox(name, value=name == "spike", key=f"alert_rule_{name}"):
                    chosen.append(name)
                if rule.main is not None:
                    low, high = rule.limits[rule.main]
                    thresholds[name] = cols[1].number_input(
                        THRESHOLD_HELP.get(name, rule.main), min_value=float(low), max_value=float(high),
                        value=float(rule.defaults[rule.main]), step=0.5, key=f"alert_threshold_{name}")
                cols[2].caption(md(explain(name, {}, "period")))
            quads = st.radio("Conflict jump counts", ["4", "3,4"], horizontal=True, key="alert_quads",
                             format_func=lambda q: "material conflict (quad 4)" if q == "4"
                             else "all conflict (quads 3 and 4)")
            row = st.columns(2)
            emails = row[0].text_input("E-mail to", placeholder="analyst@example.org, desk@example.org",
                                       key="alert_emails", max_chars=2000)
            hook = row[1].text_input("Webhook (Slack, Teams, Mattermost)", placeholder="https://hooks.example.org/…",
                                     key="alert_webhook", max_chars=2000, type="password",
                                     help="The incoming-webhook URL; only its host is shown once saved.")
            owner = st.text_input("Owner (optional)", key="alert_owner", max_chars=100)
            submitted = st.form_submit_button("Add watch", icon=":material/add_alert:")
        if submitted:
            rule_text = ",".join(f"{n}={thresholds[n]:g}" if n in thresholds else n for n in chosen)
            try:
                watch = new_watch(a, b, rule_text=rule_text, grain=grain, directed=directed, conflict_quads=quads,
                                  emails=[e for e in emails.replace(";", ",").split(",") if e.strip()],
                                  webhook_url=hook.strip() or None, owner=owner)
                if not watch.emails and not watch.webhook:
                    raise WatchError("give at least one e-mail address or a webhook")
            except WatchError as err:
                st.error(md(f"{err}; nothing was added."), icon=":material/error:")
            else:
                new_id = db.add_watch(watch.a, watch.b, directed=watch.directed, rules=watch.rules,
                                      grain=watch.grain, emails=watch.emails, webhook=watch.webhook, owner=watch.owner)
                st.success(md(f"Watch {new_id} added: {pair_name(watch.a, watch.b, watch.directed)} per "
                              f"{watch.grain}, rules {', '.join(watch.rules)}. The next load judges it."),
                           icon=":material/check:")

    # --- the watchlist -------------------------------------------------------------------------
    watches = db.watches()
    st.subheader(f"Watches ({len(watches):,})")
    if not watches:
        st.caption("No watches yet: add one above, or open a pair and choose “Watch this pair”.")
    for w in watches[:SHOWN_WATCHES]:
        with st.container(border=True):
            head = st.columns([6, 1.3], vertical_alignment="center")
            head[0].markdown(f"**{md(pair_name(w.a, w.b, w.directed))}** · judged per {w.grain} · watch {w.id}"
                             + (f" · owner {md(w.owner)}" if w.owner else ""))
            if head[1].button("Remove", key=f"alert_remove_{w.id}", icon=":material/delete:",
                              help="Stop watching; the alerts it fired are kept."):
                db.remove_watch(w.id)
                st.rerun()
            for rule_name, rule_params in w.rules.items():
                st.markdown(f"- {md(explain(rule_name, rule_params, w.grain))}")
            to = [md(e) for e in w.emails] + ([f"webhook {md(shown_webhook(w.webhook))}"] if w.webhook else [])
            st.caption("Sent to: " + (", ".join(to) or "nobody"))
    if len(watches) > SHOWN_WATCHES:
        st.caption(f"{len(watches) - SHOWN_WATCHES:,} more: `python -m ingest alerts list`.")

    # --- fired alerts ------------------------------------------------------------------------
    fired = db.fired()
    st.subheader("Fired alerts")
    if not fired:
        st.caption("None yet. Alerts appear here once a load (or `python -m ingest alerts run`) finds one; "
                   "`alerts run --from DATE --to DATE --dry-run` shows what a watch would have sent.")
    else:
        labels = {f["payload"]["pair"]: pair_name(f["payload"]["a"], f["payload"]["b"], "→" in f["payload"]["pair"])
                  for f in fired}
        pairs = sorted(labels, key=lambda x: labels[x])
        fired_rules = [r for r in RULES if any(f["rule"] == r for f in fired)]
        row = st.columns(2)
        pick_pair = row[0].selectbox("Pair", [ALL, *pairs], key="alerts_filter_pair",
                                     format_func=lambda x: labels.get(x, x))
        pick_rule = row[1].selectbox("Rule", [ALL, *fired_rules], key="alerts_filter_rule")
        shown = [f for f in fired if pick_pair in (ALL, f["payload"]["pair"]) and pick_rule in (ALL, f["rule"])]
        st.caption(f"{len(shown):,} alert(s), newest period first"
                   + (f"; the first {SHOWN_ALERTS} shown." if len(shown) > SHOWN_ALERTS else "."))
        for f in shown[:SHOWN_ALERTS]:
            p = f["payload"]
            with st.container(border=True):
                st.markdown(f"**{md(labels[p['pair']])} · {md(f['rule'].replace('_', ' '))} · {md(p['grain'])} of "
                            f"{md(f['period'])}**")
                st.markdown(md(p["sentence"]))
                waiting = f" · {f['unsent']} not delivered yet (retried at the next run)" if f["unsent"] else ""
                st.caption(f"{md(p['explanation'])} Fired {md(f['created'][:16].replace('T', ' '))} UTC · "
                           f"delivered {f['sent']}{waiting}")
                # The same view the message links to, inside this dashboard.
                link = dict(parse_qsl(urlsplit(str(p.get("link", ""))).query))
                st.page_link("dashboard/pages/pair.py", label=f"Open the Pair view (data snapshot {f['snapshot']})",
                             icon=":material/compare_arrows:", query_params=link)
finally:
    db.close()
