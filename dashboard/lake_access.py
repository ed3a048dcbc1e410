"""The pages' only door to the data: one lake connection per process, cached query results.
Reads only: building or upgrading the lake is the entrypoint's (dashboard/app.py) call into the
ingest's public functions, never made from here.

One page run reads one snapshot: the entrypoint calls begin_run() first, which reads the
lake's latest snapshot id once; every query of that run then reads the pinned snapshot or that
one, never "whatever is latest now", so a load committing mid-run cannot mix two snapshots on
one screen. Results are cached per (query, parameters, snapshot id): a new ingest commit is a
new snapshot id, so the next run shows fresh data without a restart.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.shared import pinned
from lake import connection as lakes
from lake.rejections import read_rejections
from lake.sandbox import SandboxedLake
from lake.settings import LakeSettings
from queries import runner
from queries import search as search_index


def lake_settings() -> tuple[Path, LakeSettings]:
    """The lake this process reads and its settings; bad settings stop the page with one line."""
    lake = lakes.lake_dir()
    try:
        return lake, lakes.settings_for(lake)
    except lakes.LakeError as err:
        st.error(str(err), icon=":material/error:")
        st.stop()


def lake_key() -> str:
    """Names the lake in cache keys: its directory and, for a shared lake, where it lives."""
    lake = lakes.lake_dir()
    return f"{lake}|{lakes.settings_for(lake).describe()}"


def connection() -> SandboxedLake:
    return _connection(lake_key())


@st.cache_resource(show_spinner=False)
def _connection(key: str) -> SandboxedLake:
    """One read-only, sandboxed connection per lake per process, used only from threads that
    cannot write files (lake/sandbox.py). 1 GB for DuckDB by default keeps the app process
    small; BILATERAL_MEMORY_LIMIT overrides it."""
    return SandboxedLake(Path(key.split("|", 1)[0]),
                         memory_limit=os.environ.get("BILATERAL_MEMORY_LIMIT", "1GB"))


_RUN_LATEST = "_run_latest_snapshot"  # session state: the latest snapshot as this run found it


def read_latest_snapshot() -> int:
    """The lake's latest snapshot id, read from the catalog now."""
    return connection().run(lakes.current_snapshot)


def begin_run() -> int:
    """Called by the entrypoint at the start of every run: read the latest snapshot once."""
    latest = read_latest_snapshot()
    st.session_state[_RUN_LATEST] = latest
    return latest


def current_snapshot() -> int:
    """The latest snapshot as this run found it when it started (not re-read: see the docstring)."""
    latest = st.session_state.get(_RUN_LATEST)
    return latest if latest is not None else begin_run()  # a script run without the entrypoint


def run_snapshot() -> int:
    """The snapshot every query of this run reads: the pinned one, else the run's latest."""
    pin = pinned()
    return pin if pin is not None else current_snapshot()


@st.cache_data(max_entries=512, show_spinner=False)
def _run_cached(name: str, params: tuple[tuple[str, object], ...], snapshot: int, lake: str) -> pd.DataFrame:
    return _connection(lake).run(runner.run, name, dict(params), snapshot=snapshot)


def query(name: str, snapshot: int | None = None, **params: object) -> pd.DataFrame:
    """Run a named query (queries/<name>.sql) on this run's snapshot (or on `snapshot`)."""
    snapshot = snapshot if snapshot is not None else run_snapshot()
    try:
        return _run_cached(name, tuple(sorted(params.items())), snapshot, lake_key())
    except runner.QueryError as err:  # e.g. stopped at the time limit: one line, not a traceback
        st.error(str(err), icon=":material/timer_off:")
        st.stop()


def search(name: str, **params: object) -> pd.DataFrame | None:
    """Run a full-text query against the article index (rebuilt when a new snapshot lands).
    None when the search text has no word in it."""
    try:
        bound = runner.get(name).bind(params)
    except runner.QueryError:
        return None
    return connection().run(_search, name, bound, run_snapshot())


def _search(con, name: str, bound: dict, snapshot: int) -> pd.DataFrame:
    with search_index.ensure_index(con):
        return runner.run(con, name, bound, snapshot=snapshot)


def require_events() -> pd.Series:
    """The lake summary; stops the page with a note when no events are loaded (yet, or in
    the pinned snapshot)."""
    summary = query("lake_summary").iloc[0]
    if not summary["events"]:
        st.info("No events are loaded in this data snapshot. Load some with `python -m ingest`, "
                "or open the latest data.", icon=":material/inbox:")
        st.stop()
    return summary


def whole_months(summary: pd.Series) -> tuple:
    """All loaded dates as whole months (first day .. last day), so the rollups can answer."""
    first, last = summary["first_date"].date(), summary["last_date"].date()
    return first.replace(day=1), (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()


def most_active_pair(summary: pd.Series) -> tuple[str, str]:
    """The pair with the most events over all loaded dates: what the Pair and Brief pages open on."""
    top = query("top_pairs", start=whole_months(summary)[0], end=whole_months(summary)[1], limit=1)
    return (top.iloc[0]["country_a"], top.iloc[0]["country_b"]) if len(top) else ("USA", "CHN")


def query_latest(name: str, **params: object) -> pd.DataFrame:
    """A named query on the run's latest data whatever is pinned (the Data page's history)."""
    return query(name, snapshot=current_snapshot(), **params)


def rejections(limit: int = 20) -> list[dict]:
    """The last rejected drops, newest first, from the log the ingest CLI keeps beside the lake."""
    return read_rejections(lakes.lake_dir(), limit=limit)


def snapshot_info(snapshot: int) -> dict:
    rows = connection().sql("select snapshot_id, snapshot_time from lake.snapshots() where snapshot_id = $id",
                            {"id": snapshot})
    row = rows[0] if rows else None
    return {"snapshot": row[0], "time": row[1]} if row else {"snapshot": snapshot, "time": None}


def feed_freshness() -> pd.DataFrame:
    """Per stream the fetcher follows: newest slot loaded, newest GDELT listed, failures."""
    return query_latest("feed_freshness")


def age(delta: pd.Timedelta) -> str:
    """'20 min', '5 h', '3 days': how far behind, in the unit a person reads at a glance."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 90:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60):,} days"


def freshness_line(snapshot: int, committed: pd.Timestamp) -> str:
    """The sidebar's line: how current the data is. On a lake that follows GDELT: up to which
    15-minute slot and how far behind now; otherwise the last event date and the load time."""
    feed = feed_freshness()
    events = feed[feed["stream"].isin(["v2.events", "v2.translation.events"])] if len(feed) else feed
    if len(events) and events["data_to"].notna().any():
        data_to = events["data_to"].max()
        behind = age(pd.Timestamp.now(tz="UTC").tz_localize(None) - data_to)
        failed = int(feed["failed_files"].sum())
        note = f" · {failed:,} file(s) failed (Data page)" if failed else ""
        last = query("lake_summary", snapshot=snapshot).iloc[0]["last_date"]
        events_to = f" · events dated to {last:%Y-%m-%d}" if pd.notna(last) and last > data_to else ""
        return (f"GDELT up to {data_to:%Y-%m-%d %H:%M} UTC · lake {behind} behind{note}{events_to} · "
                f"snapshot {snapshot}")
    summary = query("lake_summary", snapshot=snapshot).iloc[0]
    data_to = f"data to {summary['last_date']:%Y-%m-%d}, " if pd.notna(summary["last_date"]) else "no events yet, "
    return (f"{data_to[0].upper()}{data_to[1:]}loaded {committed:%Y-%m-%d %H:%M} UTC, snapshot {snapshot}. "
            "Not following GDELT's feed (python -m ingest fetch).")
