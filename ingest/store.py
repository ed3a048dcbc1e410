"""Writing to the lake: creating it, committing one batch as one snapshot, logging rejections."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from pathlib import Path

import duckdb

from ingest import rollups
from ingest.errors import shown_name
from lake import reference
from lake.connection import LAKE_ALIAS, commit_gate
from lake.rejections import REJECTIONS_FILE
from lake.rejections import read_rejections as read_rejections  # where ingest callers look

log = logging.getLogger("bilateral.ingest")
SCHEMA_SQL = Path(__file__).with_name("schema.sql")


def _statements(sql: str) -> list[str]:
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in body.split(";") if s.strip()]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """Create the tables and reference data in one commit if the lake is new. True if it was."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = $db and table_name = 'events'",
        {"db": LAKE_ALIAS},
    ).fetchone()[0]
    if exists:
        _add_rollups_to_older_lake(con)
        _add_missing_tables(con)
        _add_direction_to_pair_month(con)
        if missing := _file_options_missing(con):  # a lake made before the option
            with commit_gate(con):  # a catalog write, like a commit: readers hold back meanwhile
                _set_file_options(con, missing)
        return False
    with one_commit(con, "create lake: tables, CAMEO codes, countries", command="create"):
        for statement in _statements(SCHEMA_SQL.read_text()):
            con.execute(statement)
        _insert_rows(con, "cameo_codes",
                     [(c.event_code, c.description, c.base_code, c.root_code, c.goldstein, c.quad_class)
                      for c in reference.cameo_codes()])
        _insert_rows(con, "countries",
                     [(c.cameo_code, c.code, c.name, c.is_state) for c in reference.all_country_codes()])
        con.execute("insert into ingest_commits values (0, now())")
    with commit_gate(con):  # not in the commit above: DuckLake sets no option on a table it creates
        _set_file_options(con, [(t, n, v) for t, options in FILE_OPTIONS.items() for n, v in options.items()])
    return True


# Articles in row groups of 16,384 rows: the drill-down looks titles up by URL, which reads the
# whole url column, and DuckDB decodes one row group per thread (100k articles: 14 ms in one
# row group, 7 ms in 16k-row groups, on 2 threads). Applies to files written from now on.
FILE_OPTIONS = {"articles": {"parquet_row_group_size": 16384}}


def _file_options_missing(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    present = {(row[0], row[1]) for row in con.execute(
        f"select option_name, scope_entry from {LAKE_ALIAS}.options() where scope = 'TABLE'").fetchall()}
    return [(table, name, value) for table, options in FILE_OPTIONS.items()
            for name, value in options.items() if (name, f"main.{table}") not in present]


def _set_file_options(con: duckdb.DuckDBPyConnection, options: list[tuple[str, str, int]]) -> None:
    """DuckLake's per-table Parquet options (table, name, value): recorded in the catalog, no snapshot."""
    for table, name, value in options:
        con.execute(f"call {LAKE_ALIAS}.set_option($name, $value, table_name => $table)",
                    {"name": name, "value": value, "table": table})


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """All rows in one INSERT, a list per column (executemany runs one INSERT per row:
    0.3 s for the two reference tables)."""
    columns = {f"c{i}": list(values) for i, values in enumerate(zip(*rows, strict=True))}
    con.execute(f"insert into {table} select " + ", ".join(f"unnest(${name})" for name in columns), columns)


@contextlib.contextmanager
def one_commit(con: duckdb.DuckDBPyConnection, message: str, command: str = "migrate"):
    """The body's statements and a commit message as one DuckLake commit, or nothing. Yields
    the commit's details (recorded with the message), which the body may add to."""
    details: dict = {"command": command}
    con.execute("begin")
    try:
        yield details
        set_commit_message(con, message, details)
        with commit_gate(con):
            con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = $db", {"db": LAKE_ALIAS}).fetchall()}


def _add_rollups_to_older_lake(con: duckdb.DuckDBPyConnection) -> None:
    """A lake made before the rollups existed gets them, built from its events, in one commit."""
    if all(t in _table_names(con) for t in rollups.ROLLUP_TABLES):
        return
    with one_commit(con, "add rollups (pair_month, day_volume, country_month) built from events"):
        for statement in _statements(SCHEMA_SQL.read_text()):
            if statement.startswith("create table") and statement.split()[5] in rollups.ROLLUP_TABLES:
                con.execute(statement)  # (other missing tables: _add_missing_tables)
        rollups.backfill(con)


def _add_direction_to_pair_month(con: duckdb.DuckDBPyConnection) -> None:
    """pair_month gained initiator_is_a (the Pair page's directions from the rollup): add the
    column and rebuild the rollups from the events, in one commit."""
    if rollups.has_direction(con):
        return
    with one_commit(con, "rollups: pair_month by direction (initiator_is_a), rebuilt from events"):
        con.execute("alter table lake.pair_month add column initiator_is_a boolean")
        rollups.backfill(con)


def _add_missing_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Tables added to the schema since a lake was made (coded_events) are created empty."""
    have = _table_names(con)
    missing = [s for s in _statements(SCHEMA_SQL.read_text())
               if s.startswith("create table") and s.split()[5] not in have]
    if not missing:
        return
    names = ", ".join(s.split()[5] for s in missing)
    with one_commit(con, f"add tables: {names}"):
        for statement in missing:
            con.execute(statement)
        if "ingest_commits" in names:
            con.execute("insert into ingest_commits values (0, now())")  # loads count from here


def commits_so_far(con: duckdb.DuckDBPyConnection) -> int:
    """Read before a load's duplicate check, and handed to mark_commit()."""
    return con.execute(f"select commits from {LAKE_ALIAS}.ingest_commits").fetchone()[0]


def mark_commit(con: duckdb.DuckDBPyConnection, seen: int | None = None) -> bool:
    """Inside a load's transaction: count the commit. Two loads in this step at once write the
    same row, so DuckLake fails one of them at commit. With `seen` (read before a duplicate
    check made outside the transaction): False, changing nothing, if a load committed since."""
    changed = con.execute(
        f"update {LAKE_ALIAS}.ingest_commits set commits = commits + 1, last_commit = now() "
        "where $seen is null or commits = $seen", {"seen": seen}).fetchone()[0]
    return changed == 1


def set_commit_message(con: duckdb.DuckDBPyConnection, message: str, extra: dict) -> None:
    # File names are data: one with a byte that is not UTF-8 cannot even be passed to DuckDB.
    message = shown_name(message)
    if "files" in extra:
        extra = {**extra, "files": [shown_name(f) for f in extra["files"]]}
    con.execute(
        f"call {LAKE_ALIAS}.set_commit_message('bilateral ingest', $message, extra_info => $extra)",
        {"message": message, "extra": json.dumps(extra)},
    )


def record_rejection(lake: Path, command: str, files: list[str], reason: str) -> None:
    """Append to the rejection log the Data page reads. Lives beside the lake, not in it,
    so a rejection never makes a snapshot."""
    lake.mkdir(parents=True, exist_ok=True)
    entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "command": command,
             "files": [shown_name(f) for f in files], "reason": reason}
    with (lake / REJECTIONS_FILE).open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")


def orphan_age_hours() -> float:
    """Data files no snapshot refers to, older than this, were left by a killed load (a running
    load's own files are younger: its transaction has not committed yet)."""
    return float(os.environ.get("BILATERAL_ORPHAN_AGE_HOURS", "6"))


def orphaned_files(con: duckdb.DuckDBPyConnection, delete: bool = False) -> list[str]:
    """The lake's orphaned data files (see orphan_age_hours); removed when `delete`."""
    try:
        rows = con.execute(
            f"call ducklake_delete_orphaned_files('{LAKE_ALIAS}', dry_run => $dry, "
            "older_than => now() - to_hours($hours::bigint))",
            {"dry": not delete, "hours": int(orphan_age_hours())}).fetchall()
    except duckdb.Error as err:  # never fail a load over housekeeping
        log.warning("could not look for orphaned data files: %s", str(err).splitlines()[0][:200])
        return []
    if delete and rows:
        log.info("removed %d data file(s) a killed load left behind", len(rows))
    return [r[0] for r in rows]
