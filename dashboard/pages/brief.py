"""Brief: one pair and one window in ten seconds, and a standalone HTML file to forward."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from dashboard import brief_html as briefs
from dashboard import charts, pair_state, spikes, url
from dashboard.highlight import md
from dashboard.lake_access import current_snapshot, most_active_pair, query, require_events
from dashboard.shared import pinned, write_url

countries = query("countries")
codes = countries["code"].tolist()
names = dict(zip(countries["code"], countries["name"], strict=True))
summary = require_events()
view = pair_state.parse(st.query_params.to_dict(), codes, lambda: most_active_pair(summary),
                        (summary["first_date"].date(), summary["last_date"].date()), names)
if "from" not in st.query_params:  # no window asked for: the pair's own active period
    whole = query("pair_summary", a=view.a, b=view.b, start=view.start, end=view.end).iloc[0]
    if whole["events"]:
        view = replace(view, start=whole["first_event"].date(), end=whole["last_event"].date())
for notice in view.notices:
    st.warning(md(notice), icon=":material/link_off:")
a, b, start, end = view.a, view.b, view.start, view.end
grain = view.effective_grain

now = query("pair_summary", a=a, b=b, start=start, end=end).iloc[0]
before_start, before_end = url.previous_window(start, end)
before = query("pair_summary", a=a, b=b, start=before_start, end=before_end).iloc[0]
activity = query("pair_activity", a=a, b=b, start=start, end=end, grain=grain)
per_period = spikes.per_period(activity, start, end, grain)
flagged = spikes.find_spikes(per_period) if len(activity) else spikes.find_spikes(per_period.iloc[0:0])
sentences = [
    (f"{s.period:%Y-%m-%d} ({grain}): {s.events:,} events against a usual {s.baseline:.0f}"
     if s.kind == "volume" else
     f"{s.period:%Y-%m-%d} ({grain}): conflict share {s.conflict_share:.0%} against a usual {s.baseline_share:.0%}")
    for s in flagged.head(5).itertuples()
]
brief = briefs.Brief(
    name_a=names.get(a, a), name_b=names.get(b, b), start=start, end=end, now=now, before=before,
    trend=charts.sparkline(per_period), mix=charts.quad_mix(activity), spikes=sentences,
    top_events=query("pair_top_events", a=a, b=b, start=start, end=end, limit=5),
    snapshot=pinned() or current_snapshot(),
)

st.title(f"{brief.name_a} – {brief.name_b}")
st.caption(f"Brief for {start} to {end} · raw GDELT event rows, both directions · data snapshot {brief.snapshot}")
for col, (label, value, change) in zip(st.columns(4), brief.headline(), strict=True):
    col.metric(label, value, help=change)
    col.caption(change)
left, right = st.columns([3, 2])
left.markdown(f"**Events per {grain}**")
left.plotly_chart(brief.trend, key="brief_trend")
right.markdown("**Cooperation and conflict**")
right.plotly_chart(brief.mix, key="brief_mix")
st.markdown("**Spikes**")
st.markdown("\n".join(f"- {s}" for s in sentences) or "No spikes in this window.")
st.markdown("**Most reported events**")
for row in brief.top_events.itertuples():
    url = row.source_url if isinstance(row.source_url, str) and row.source_url.startswith("http") else None
    st.text(briefs.event_line(row))  # plain text: names come from the data
    if url:
        st.link_button(md(row.article_title, "Article"), url, icon=":material/open_in_new:")
st.download_button(
    "Download brief (HTML, opens offline)", briefs.to_html(brief, dt.datetime.now(dt.UTC)),
    file_name=f"brief_{a}_{b}_{start}_{end}.html", mime="text/html", icon=":material/download:", type="primary",
)
write_url({"a": a, "b": b, "from": str(start), "to": str(end)})
