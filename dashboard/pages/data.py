"""Data: what is loaded, when it was loaded, what was rejected, and how to refresh it."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.data import connection, query_latest, rejections
from dashboard.shared import write_url
from lake.connection import settings_for

st.title("Data")
st.caption(f"Lake: {settings_for().describe()} · DuckLake with Parquet data files. Every load is one "
           "commit, so every refresh is a snapshot that a shared link can pin.")
lake = connection()
st.caption("This dashboard reads the lake read-only, and the kernel stops the threads that read it from writing "
           f"any file but DuckDB's spill files ({lake.guard})."
           if lake.guarded else
           f"This dashboard reads the lake read-only (DuckDB's sandbox); the kernel's write guard is off: {lake.guard}.")

counts = query_latest("table_counts")
cols = st.columns(len(counts))
for col, row in zip(cols, counts.itertuples(), strict=True):
    col.metric(row.table_name.capitalize(), f"{row.rows:,}")

st.subheader("Date coverage")
by_month = query_latest("events_by_month")
st.caption("Event rows per month of event date (SQLDATE), by GDELT source. Gaps are months with no rows loaded.")
st.plotly_chart(charts.coverage_bars(by_month), key="data_coverage")

st.subheader("Snapshot history")
st.dataframe(
    query_latest("snapshots"), hide_index=True, key="data_snapshots",
    column_config={"snapshot": "Snapshot", "snapshot_time": st.column_config.DatetimeColumn("Committed (UTC)"),
                   "commit": st.column_config.TextColumn("What the commit did", width="large"),
                   "events_added": "Events +", "mentions_added": "Mentions +", "articles_added": "Articles +",
                   "duplicates_skipped": "Duplicates skipped"},
)

st.subheader("Rejected drops")
rejected = rejections()
if not rejected:
    st.caption("No drop has been rejected.")
for entry in rejected:
    with st.container(border=True):
        st.markdown(f"**{entry['time']}** · `ingest {entry['command']}` · {len(entry['files'])} file(s)")
        st.text(entry["reason"])  # plain text: the reason quotes file content

st.subheader("How to refresh")
st.code(
    "python -m ingest gdelt 20250101000000.export.CSV.zip ...   # GDELT events, any layout, .zip/.gz\n"
    "python -m ingest mentions 20250101000000.mentions.CSV.zip  # GDELT 2.0 mentions\n"
    "python -m ingest articles feed.jsonl                        # articles (url, title, outlet, ...)\n"
    "python -m ingest parquet drop/*.parquet                     # contract Parquet drops\n"
    "python -m ingest watch drops/                               # load files as they land in a folder\n"
    "python -m ingest status                                     # this page, on the command line",
    language="bash",
)
st.caption("A batch is all or nothing: a rejected batch commits nothing and is listed above with its reason. "
           "The dashboard shows a new snapshot on the next click, without a restart.")
write_url({})
