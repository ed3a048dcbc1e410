"""python -m ingest compact: rewrite the events in (pair, date) order, as one commit.

Each load writes its own Parquet files, each sorted by pair and date within itself. After
many loads a pair's month lies in a row group of every file: at 100M events in 20 files the
drill-down of one month decoded 20 row groups. Compacted, the events are one sorted run (files
of DuckLake's target size), and a pair's month is one or two row groups whatever the size.

The numbers do not change: the same rows, and the rollups are kept as they are. Older snapshots
keep their own files, so pinned links still read what they showed.
"""

from __future__ import annotations

import duckdb

from ingest import files, store
from lake import connection as lakes

ORDER = "pair_a, pair_b, event_date, event_id"
# The same order as one string, nulls last ('~' sorts after every country code), by year: the
# rewrite goes chunk by chunk of this key, so each sort fits in memory (one sort of 100M rows
# spilled 25 GB and counting to disk).
KEY = "concat_ws('|', coalesce(pair_a, '~'), coalesce(pair_b, '~'), strftime(event_date, '%Y'))"
CHUNK_ROWS = 8_000_000


def chunks(groups: list[tuple[str, int]], limit: int = CHUNK_ROWS) -> list[tuple[str, str]]:
    """Consecutive (first key, last key) ranges of the sorted key groups [(key, rows)], each of
    at most `limit` rows unless one group alone is larger."""
    ranges, first, last, rows = [], None, "", 0
    for key, n in groups:
        if first is not None and rows + n > limit:
            ranges.append((first, last))
            first, rows = None, 0
        first = first or key
        last, rows = key, rows + n
    if first is not None:
        ranges.append((first, last))
    return ranges


def data_files(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(data files, delete files) of the current events table."""
    return con.execute(
        "select count(*), count(delete_file) from ducklake_list_files($lake, 'events')", {"lake": lakes.LAKE_ALIAS}
    ).fetchone()


def compact(lake, memory_limit: str | None = None) -> dict:
    """Rewrite the events sorted, in one commit. Returns what was done."""
    con = lakes.connect(lake, read_only=False, memory_limit=memory_limit)
    try:
        store.ensure_schema(con)
        rows = con.execute("select count(*) from lake.events").fetchone()[0]
        if not rows:
            raise lakes.LakeError("no events to compact; load some first")
        before = data_files(con)
        compacted_last = (lakes.latest_change(con, "events")[1] or "").startswith("compact:")
        if before == (1, 0) or compacted_last:  # one file, or nothing loaded since the last compaction
            return {"rows": rows, "files_before": before[0], "files_after": before[0], "snapshot": None}
        con.execute("set preserve_insertion_order = false")  # the ORDER BY decides the order
        with files.workdir() as spill:
            con.execute(f"set temp_directory = '{lakes.sql_literal(spill)}'")  # a big sort spills here
            with store.one_commit(con, f"compact: {rows:,} events rewritten in pair and date order",
                                  command="compact") as details:
                # Counted inside the transaction: the rows it rewrites are exactly these.
                rows, last_rowid = con.execute("select count(*), max(rowid) from lake.events").fetchone()
                groups = con.execute(f"select {KEY}, count(*) from lake.events group by all order by all").fetchall()
                for first, last in chunks(groups, CHUNK_ROWS):
                    con.execute(f"insert into lake.events select * from lake.events "
                                f"where {KEY} between $first and $last order by {ORDER}",
                                {"first": first, "last": last})
                con.execute("delete from lake.events where rowid <= $last", {"last": last_rowid})  # new rows: higher ids
                after = con.execute("select count(*) from lake.events").fetchone()[0]
                if after != rows:  # never commit a rewrite that lost or doubled rows
                    raise lakes.LakeError(f"compaction would change the events ({rows:,} -> {after:,}); nothing done")
                store.mark_commit(con)  # a load committing meanwhile makes one of the two fail at commit
                details.update({"rows": rows, "files_before": before[0]})
        return {"rows": rows, "files_before": before[0], "files_after": data_files(con)[0],
                "snapshot": lakes.current_snapshot(con)}
    finally:
        con.close()
