"""python -m ingest migrate --from DIR: copy a SQLite lake's tables into the configured lake.

The way from the default lake to a PostgreSQL catalog (with data local or on S3): configure
the new lake, then copy the old one's latest snapshot into it, every table in one commit.
The history (older snapshots) stays in the old lake; keep it read-only as an archive.
"""

from __future__ import annotations

from pathlib import Path

from ingest import rollups, store
from lake import connection as lakes

SOURCE_ALIAS = "migrate_source"


def copy_lake(source: Path, lake: Path, memory_limit: str | None = None) -> dict[str, int]:
    """Copy every table of the SQLite lake at `source` into the (new, empty) configured lake.
    Returns the rows copied per table."""
    source = source.expanduser().resolve()
    if not (source / lakes.CATALOG_FILE).is_file():
        raise lakes.LakeError(f"no SQLite lake at {source} (no {lakes.CATALOG_FILE} there)")
    con = lakes.connect(lake, read_only=False, create=True, memory_limit=memory_limit)
    try:
        con.execute("set preserve_insertion_order = false")  # the tables are big; order is not kept anyway
        store.ensure_schema(con)
        if con.execute("select count(*) from lake.events").fetchone()[0]:
            raise lakes.LakeError("the configured lake already holds events; migrate into a new, empty one")
        lakes.load_extension(con, "sqlite_scanner")  # the source catalog, whatever the target's is
        con.execute(f"attach 'ducklake:sqlite:{lakes.sql_literal(str(source / lakes.CATALOG_FILE))}' "
                    f"as {SOURCE_ALIAS} (data_path '{lakes.sql_literal(str(source / lakes.DATA_DIR))}/', "
                    "override_data_path true, read_only)")
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = $db and table_name <> 'ingest_commits'",
            {"db": SOURCE_ALIAS}).fetchall()]
        copied = {}
        with store.one_commit(con, f"migrate: copy of {source}", command="migrate") as details:
            for table in tables:  # reference tables were written by ensure_schema: the source's win
                con.execute(f'delete from lake."{table}"')
                con.execute(f'insert into lake."{table}" by name select * from {SOURCE_ALIAS}."{table}"')
                copied[table] = con.execute(f'select count(*) from lake."{table}"').fetchone()[0]
            if not set(rollups.ROLLUP_TABLES) <= set(tables):  # a lake from before the rollups
                rollups.backfill(con)
            details["rows"] = copied
        return copied
    finally:
        con.close()
