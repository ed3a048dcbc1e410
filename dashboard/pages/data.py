"""Data: what is loaded, when it was loaded, what was rejected, and how to refresh it."""

from __future__ import annotations

import datetime as dt
import shlex

import pandas as pd
import streamlit as st

from dashboard import access, charts, url
from dashboard.lake_access import connection, feed_freshness, query_latest, rejections
from dashboard.shared import write_url
from lake.connection import lake_dir, settings_for

st.title("Data")
admin = access.current().is_admin  # sign-in on: only admins see the lake's paths, guard, rejections, commands
st.caption((f"Lake: {settings_for().describe()} · " if admin else "") + "DuckLake with Parquet data files. Every "
           "load is one commit, so every refresh is a snapshot that a shared link can pin.")
lake = connection()
if admin:
    st.caption("This dashboard reads the lake read-only, and the kernel stops the threads that read it from writing "
               f"any file but DuckDB's spill files ({lake.guard})."
               if lake.guarded else
               f"This dashboard reads the lake read-only (DuckDB's sandbox); the kernel's write guard is off: {lake.guard}.")

counts = query_latest("table_counts")
cols = st.columns(len(counts))
for col, row in zip(cols, counts.itertuples(), strict=True):
    col.metric(row.table_name.capitalize(), f"{row.rows:,}")

st.subheader("GDELT feed")
feed = feed_freshness()
if not len(feed):
    st.caption("This lake does not follow GDELT's feed: it holds only files loaded by hand. "
               "`python -m ingest fetch` brings in what GDELT published in the last 7 days and keeps it current "
               + ("(see How to refresh below)." if admin else "(ask the server's administrator)."))
else:
    newest = feed["newest_slot"].max()
    st.caption("What `ingest fetch` loaded from GDELT's file lists, per stream. A 15-minute slot holds the events "
               "GDELT published in it; every file was checked against the size and MD5 GDELT lists.")
    st.dataframe(
        feed, hide_index=True, key="data_feed",
        column_config={
            "stream": "Stream",
            "newest_slot": st.column_config.DatetimeColumn("Newest slot loaded (UTC)", format="YYYY-MM-DD HH:mm"),
            "data_to": None,
            "newest_listed": st.column_config.DatetimeColumn("Newest GDELT listed (UTC)", format="YYYY-MM-DD HH:mm"),
            "last_fetch": st.column_config.DatetimeColumn("Fetcher last looked (UTC)", format="YYYY-MM-DD HH:mm"),
            "loaded_files": st.column_config.NumberColumn("Files loaded", format="localized"),
            "loaded_rows": st.column_config.NumberColumn("Rows loaded", format="localized"),
            "failed_files": st.column_config.NumberColumn("Files failed", format="localized"),
        },
    )
    default_end = newest.date() if pd.notna(newest) else dt.date.today()
    start, end, problems = url.date_range({k.removeprefix("feed_"): v for k, v in st.query_params.to_dict().items()
                                           if k in ("feed_from", "feed_to")},
                                          (default_end - dt.timedelta(days=6), default_end))
    for problem in problems:
        st.warning(problem, icon=":material/warning:")
    chosen = st.date_input("Completeness of the window (UTC days)", (start, end), key="data_feed_window",
                           min_value=dt.date(2015, 2, 18), max_value=dt.date.today() + dt.timedelta(days=1))
    if isinstance(chosen, tuple) and len(chosen) == 2:
        start, end = chosen
    feed_state = {"feed_from": start.isoformat(), "feed_to": end.isoformat()}
    completeness = query_latest("feed_completeness", start=start, end=end)
    st.dataframe(
        completeness, hide_index=True, key="data_feed_completeness",
        column_config={"stream": "Stream", "expected": "Slots expected", "loaded": "Loaded",
                       "failed": "Failed (GDELT lists it)", "not_listed": "Not in GDELT's list",
                       "not_fetched": "Not fetched yet"},
    )
    gaps = query_latest("feed_gaps", start=start, end=end, limit=500)
    with st.expander(f"Missing slots in the window ({len(gaps):,}{'+' if len(gaps) == 500 else ''})"):
        st.dataframe(gaps, hide_index=True, key="data_feed_gaps",
                     column_config={"stream": "Stream",
                                    "slot": st.column_config.DatetimeColumn("Slot (UTC)", format="YYYY-MM-DD HH:mm"),
                                    "state": "Why missing", "reason": "Reason", "attempts": "Tries", "url": "File"})
    failures = query_latest("feed_failures", limit=100)
    if len(failures):
        st.markdown(f"**Failed files** ({len(failures):,}, newest first; each is tried again at the next fetch)")
        st.dataframe(failures, hide_index=True, key="data_feed_failures",
                     column_config={"stream": "Stream", "url": "File", "attempts": "Tries",
                                    "slot": st.column_config.DatetimeColumn("Slot (UTC)", format="YYYY-MM-DD HH:mm"),
                                    "last_tried": st.column_config.DatetimeColumn("Last tried (UTC)",
                                                                                  format="YYYY-MM-DD HH:mm"),
                                    "reason": st.column_config.TextColumn("Reason", width="large")})

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

if admin:  # the lake's operations: what was rejected, the commands with the lake's path
    st.subheader("Rejected drops")
    rejected = rejections()
    if not rejected:
        st.caption("No drop has been rejected.")
    for entry in rejected:
        with st.container(border=True):
            st.markdown(f"**{entry['time']}** · `ingest {entry['command']}` · {len(entry['files'])} file(s)")
            st.text(entry["reason"])  # plain text: the reason quotes file content

    st.subheader("How to refresh")
    REFRESH = [
        ("fetch", "GDELT's newest files (the last 7 days on a first fetch)"),
        ("fetch --from 2025-11-01 --dry-run", "a backfill: files, MB and time, before it runs"),
        ("fetch --follow", "keep following GDELT, every 15 minutes"),
        ("gdelt 20250101000000.export.CSV.zip ...", "GDELT event files, any layout, .zip/.gz"),
        ("mentions 20250101000000.mentions.CSV.zip", "GDELT 2.0 mentions"),
        ("articles feed.jsonl", "articles (url, title, outlet, ...)"),
        ("parquet drop/*.parquet", "contract Parquet drops"),
        ("watch drops/", "load files as they land in a folder"),
        ("status", "this page, on the command line"),
    ]
    prefix = f"python -m ingest --lake {shlex.quote(str(lake_dir()))} "  # the lake this dashboard reads
    width = max(len(prefix + command) for command, _ in REFRESH)
    st.code("\n".join(f"{prefix + command:<{width}}  # {why}" for command, why in REFRESH), language="bash")
    st.caption("A load is all or nothing: a rejected drop commits nothing and is listed above with its reason. "
               "`fetch` commits a day of one stream at a time; a file the checks reject is recorded as failed and "
               "the rest of its day is loaded. The dashboard shows a new snapshot on the next click, without a restart.")
write_url(feed_state if len(feed) else {})
