"""Overview: what is loaded, and the busiest country pairs."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.data import current_snapshot, query, snapshot_info

snapshot = current_snapshot()
summary = query("lake_summary").iloc[0]
first, last = summary["first_date"].date(), summary["last_date"].date()
info = snapshot_info(snapshot)

st.title("Bilateral")
st.caption(
    f"Relations between pairs of countries from GDELT event data · data snapshot {snapshot}"
    + (f", committed {info['time']:%Y-%m-%d %H:%M} UTC" if info["time"] else "")
)

cols = st.columns(4)
cols[0].metric("Events", f"{summary['events']:,}", help="Raw GDELT event rows, before deduplication.")
cols[1].metric(
    "Between two countries",
    f"{summary['dyadic_events']:,}",
    help="Rows whose two actors have different country codes (regions such as EUR included).",
)
cols[2].metric("Country pairs", f"{summary['pairs']:,}", help="Unordered pairs with at least one event.")
cols[3].metric("Event dates", f"{first:%Y} – {last:%Y}", help=f"{first} to {last} (SQLDATE).")

st.subheader("Busiest pairs of states")
st.caption(
    f"Raw event rows in either direction, {first} to {last}. Colour: mean Goldstein score "
    "(−10 conflict … +10 cooperation). Regions and groups such as EUR or AFR are left out."
)
pairs = query("top_pairs", start=first, end=last, limit=15, states_only="true")
if pairs.empty:
    st.info("No events between two different countries are loaded yet.")
else:
    st.plotly_chart(charts.top_pairs_bar(pairs), key="overview_top_pairs")
    st.dataframe(
        pairs,
        hide_index=True,
        column_config={
            "country_a": "A",
            "name_a": "Country A",
            "country_b": "B",
            "name_b": "Country B",
            "events": st.column_config.NumberColumn("Events", format="%d"),
            "goldstein_mean": st.column_config.NumberColumn("Mean Goldstein", format="%.2f"),
            "conflict_share": st.column_config.ProgressColumn(
                "Conflict share", help="Share of events in quad classes 3-4", min_value=0.0, max_value=1.0,
                format="percent",
            ),
        },
    )
