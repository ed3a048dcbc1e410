"""Overview: what is loaded, how fresh it is, and what changed across all pairs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import access, charts, saved_views, spikes
from dashboard.lake_access import current_snapshot, query, require_events, snapshot_info
from dashboard.shared import pinned, with_pin, write_url

snapshot = pinned() or current_snapshot()
summary = require_events()
first, last = summary["first_date"].date(), summary["last_date"].date()
info = snapshot_info(snapshot)
countries = query("countries")
names = dict(zip(countries["code"], countries["name"], strict=True))

st.title("Bilateral")
st.caption("Relations between pairs of countries from GDELT event data. Counts are raw GDELT event rows "
           "unless a page says otherwise.")
age = (dt.date.today() - last).days
st.badge(f"Latest event {last:%Y-%m-%d} · loaded {info['time']:%Y-%m-%d %H:%M} UTC · snapshot {snapshot}",
         icon=":material/schedule:", color="green" if age <= 2 else "orange" if age <= 31 else "gray")

cols = st.columns(4)
cols[0].metric("Events", f"{summary['events']:,}", help="Raw GDELT event rows, before deduplication.")
cols[1].metric("Between two countries", f"{summary['dyadic_events']:,}",
               help="Rows whose two actors have different country codes (regions such as EUR included).")
cols[2].metric("Country pairs", f"{summary['pairs']:,}", help="Unordered pairs with at least one event.")
cols[3].metric("Event dates", f"{first:%Y} – {last:%Y}", help=f"{first} to {last} (SQLDATE).")

saved_views.overview_lists(access.current())  # "Your views" and "Shared with the team"

# --- what changed: the latest twelve months of data against the twelve before ----------------------
# Whole months, so the rollups answer (queries/rollup/).
month_end = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()
start = (pd.Timestamp(last.replace(day=1)) - pd.DateOffset(months=11)).date()
prev_start = (pd.Timestamp(start) - pd.DateOffset(months=12)).date()
prev_end = start - dt.timedelta(days=1)
st.subheader(f"What changed in the latest twelve months of data ({start:%b %Y} to {last:%b %Y})")
st.caption(f"Against the twelve months before ({prev_start:%b %Y} to {prev_end:%b %Y}). Pairs of states, "
           "raw event rows.")
movers = query("pair_movers", start=start, end=month_end, prev_start=prev_start, prev_end=prev_end, min_events=5,
               limit=200)
left, right = st.columns(2)
with left:
    st.markdown("**Biggest movers**")
    moved = movers[movers["events_before"] > 0].head(10)
    st.dataframe(
        moved.assign(pair=moved["country_a"] + "–" + moved["country_b"])[
            ["pair", "events_before", "events_now", "events_change", "goldstein_now"]],
        hide_index=True, key="overview_movers",
        column_config={"pair": "Pair", "events_before": "Before", "events_now": "Now", "events_change": "Change",
                       "goldstein_now": st.column_config.NumberColumn("Mean Goldstein now", format="%+.2f")},
    )
with right:
    st.markdown("**New pairs** (no events in the year before)")
    new = movers[movers["events_before"] == 0].sort_values("events_now", ascending=False).head(10)
    st.dataframe(new.assign(pair=new["country_a"] + "–" + new["country_b"])[["pair", "events_now", "goldstein_now"]],
                 hide_index=True, key="overview_new",
                 column_config={"pair": "Pair", "events_now": "Events",
                                "goldstein_now": st.column_config.NumberColumn("Mean Goldstein", format="%+.2f")})

st.markdown(f"**Spikes in the latest month ({last:%B %Y})**")
year_before = (pd.Timestamp(last.replace(day=1)) - pd.DateOffset(months=12)).date()
months = query("recent_pair_months", start=year_before, end=month_end, min_events=10)
found = spikes.latest_spikes(months, last, pairs=100)
if not found:
    st.caption("None of the 100 busiest pairs of states spiked in the latest month (method: Pair page, Spikes).")
for spike in sorted(found, key=lambda s: -s["z"])[:8]:
    what = (f"{spike['events']:,} events against a usual {spike['baseline']:.0f}" if spike["kind"] == "volume"
            else f"conflict share {spike['conflict_share']:.0%} against a usual {spike['baseline_share']:.0%}")
    st.page_link("dashboard/pages/pair.py", label=f"{names.get(spike['a'], spike['a'])} – "
                 f"{names.get(spike['b'], spike['b'])}: {what}", icon=":material/trending_up:",
                 query_params=with_pin({"a": spike["a"], "b": spike["b"], "from": str(year_before), "to": str(last)}))

st.subheader("Busiest pairs of states, all dates")
st.caption(f"Raw event rows in either direction, {first} to {last}. Colour: mean Goldstein score "
           "(−10 conflict … +10 cooperation). Regions and groups such as EUR or AFR are left out.")
pairs = query("top_pairs", start=first.replace(day=1), end=month_end, limit=15, states_only="true")
if pairs.empty:
    st.info("No events between two different countries are loaded yet.")
else:
    st.plotly_chart(charts.top_pairs_bar(pairs), key="overview_top_pairs")
    st.dataframe(
        pairs, hide_index=True, key="overview_pairs",
        column_config={
            "country_a": "A", "name_a": "Country A", "country_b": "B", "name_b": "Country B",
            "events": st.column_config.NumberColumn("Events", format="%d"),
            "goldstein_mean": st.column_config.NumberColumn("Mean Goldstein", format="%.2f"),
            "conflict_share": st.column_config.ProgressColumn(
                "Conflict share", help="Share of events in quad classes 3-4", min_value=0.0, max_value=1.0,
                format="percent"),
        },
    )
write_url({})
