"""What is in the lake: snapshots, row counts, date coverage. Shared by the CLI and the Data page."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ingest.store import orphan_age_hours, orphaned_files
from lake.connection import connect, settings_for
from lake.rejections import read_rejections

TABLES = ("events", "mentions", "articles")


def collect(lake: Path) -> dict:
    con = connect(lake)
    try:
        snapshots = [
            {"snapshot": sid, "time": str(time)[:19], "message": message or next(iter(changes), ""),
             "added": (json.loads(extra).get("added", {}) if extra else {})}
            for sid, time, changes, message, extra in con.execute(
                "select snapshot_id, snapshot_time, changes, commit_message, commit_extra_info "
                "from lake.snapshots() order by snapshot_id"
            ).fetchall()
        ]
        tables = {t: con.execute(f"select count(*) from lake.{t}").fetchone()[0] for t in TABLES}
        first, last = con.execute("select min(event_date), max(event_date) from lake.events").fetchone()
        return {
            "lake": settings_for(lake).describe(),
            "snapshot": snapshots[-1]["snapshot"],
            "tables": tables,
            "event_dates": {"first": first, "last": last},
            "snapshots": snapshots,
            "rejections": read_rejections(lake, limit=5),
            "feed": _feed(con),
            "orphaned_files": _orphans(lake),
        }
    finally:
        con.close()


def _orphans(lake: Path) -> list[str]:
    """DuckLake looks for orphaned files only through a writable attach (a dry run writes nothing)."""
    con = connect(lake, read_only=False)
    try:
        return orphaned_files(con)
    finally:
        con.close()


def _feed(con) -> list[dict]:
    """Per stream `ingest fetch` follows: newest slot loaded, files loaded and failed."""
    if not con.execute("select count(*) from duckdb_tables() where database_name = 'lake' "
                       "and table_name = 'fetched_files'").fetchone()[0]:
        return []  # a lake from before the fetcher
    rows = con.execute(
        "select stream, max(slot) filter (where status = 'loaded'), count(*) filter (where status = 'loaded'), "
        "count(*) filter (where status = 'failed') from lake.fetched_files group by stream order by stream"
    ).fetchall()
    return [{"stream": s, "newest_slot": str(newest)[:16] if newest else None, "loaded_files": ok,
             "failed_files": failed} for s, newest, ok, failed in rows]


def render(report: dict, console: Console) -> None:
    console.print(f"[bold]lake[/] {report['lake']}  [bold]snapshot[/] {report['snapshot']}  "
                  f"[bold]events dated[/] {report['event_dates']['first']} .. {report['event_dates']['last']}")
    counts = Table("table", "rows", title="Row counts")
    for name, n in report["tables"].items():
        counts.add_row(name, f"{n:,}")
    console.print(counts)
    history = Table("snapshot", "time (UTC)", "commit", title="Snapshots")
    for snap in report["snapshots"]:
        history.add_row(str(snap["snapshot"]), snap["time"], snap["message"])
    console.print(history)
    if report["feed"]:
        feed = Table("stream", "newest slot loaded (UTC)", "files loaded", "files failed",
                     title="GDELT feed (ingest fetch; the Data page lists the failures)")
        for row in report["feed"]:
            feed.add_row(row["stream"], row["newest_slot"] or "", f"{row['loaded_files']:,}", f"{row['failed_files']:,}")
        console.print(feed)
    if report["orphaned_files"]:
        console.print(f"[yellow]{len(report['orphaned_files'])} orphaned data file(s)[/] (older than "
                      f"{orphan_age_hours():g} h, in no snapshot: left by a killed load; the next load removes them)")
    for rejection in report["rejections"]:
        console.print(f"[red]rejected[/] {rejection['time']} {rejection['reason']}")
