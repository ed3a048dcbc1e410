"""The full-text index over articles: DuckDB's fts extension (BM25), built in the
connection's in-memory database from the lake's articles, folded with queries.text.fold.

The lake itself stays read-only; the index is rebuilt when a snapshot changes the articles
(a load of events alone keeps it: building it takes ~13 s per 100,000 articles).
Articles that no event cites are indexed too.
"""

from __future__ import annotations

import threading

import duckdb
import pandas as pd

from queries.lake import current_snapshot, load_extension
from queries.text import search_form

INDEX_TABLE = "memory.main.article_search"
BUILT_TABLE = "memory.main.article_search_built"  # the snapshot checked last, and the articles' version
# The latest snapshot that changed the articles table (inserted, deleted, inlined or altered).
ARTICLES_VERSION_SQL = """
    select coalesce(max(s.snapshot_id), 0)
    from lake.snapshots() s, ducklake_table_info('lake') t
    where t.table_name = 'articles'
      and (list_contains(s.changes['tables_created'], 'main.articles')
           or list_has_any(flatten([s.changes['tables_inserted_into'], s.changes['tables_deleted_from'],
                                    s.changes['inlined_insert'], s.changes['inlined_delete'],
                                    s.changes['tables_altered']]), [t.table_id::varchar]))
"""
_lock = threading.RLock()  # re-entered: the dashboard holds it while runner.run() checks the index


def _built(con: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    """(snapshot checked last, articles version indexed), or None before the first build.
    Kept in the connection's own memory database, so it cannot outlive or confuse connections."""
    found = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'memory' and table_name = 'article_search_built'"
    ).fetchall()[0][0]
    return tuple(con.execute(f"select snapshot, articles_version from {BUILT_TABLE}").fetchall()[0]) if found else None


def _record(con: duckdb.DuckDBPyConnection, snapshot: int, version: int) -> None:
    con.execute(f"create or replace table {BUILT_TABLE} as "
                "select $s::bigint as snapshot, $v::bigint as articles_version", {"s": snapshot, "v": version})


def ensure_index(con: duckdb.DuckDBPyConnection) -> threading.RLock:
    """Build or refresh the index for the latest snapshot. Returns the lock to hold while searching."""
    snapshot = current_snapshot(con)
    with _lock:
        built = _built(con)
        if built and built[0] == snapshot:
            return _lock
        version = con.execute(ARTICLES_VERSION_SQL).fetchall()[0][0]
        if built and built[1] == version:  # a new snapshot, the same articles
            _record(con, snapshot, version)
            return _lock
        try:
            load_extension(con, "fts")
        except duckdb.Error:
            pass  # a sandboxed connection loaded it before locking its configuration
        cursor = con.cursor()
        rows = cursor.execute(
            "select url, concat_ws(' ', title, body) from lake.articles"
        ).fetchall()
        documents = pd.DataFrame({"url": [r[0] for r in rows],
                                  "search_text": [search_form(r[1] or "") for r in rows]})
        cursor.register("documents", documents)
        cursor.execute(f"create or replace table {INDEX_TABLE} as select url, search_text from documents")
        cursor.unregister("documents")
        # Letters and digits of any script are words (the default keeps only a-z).
        cursor.execute(
            f"pragma create_fts_index('{INDEX_TABLE}', 'url', 'search_text', stemmer = 'porter', "
            "stopwords = 'english', ignore = '[^\\p{L}\\p{N}]+', strip_accents = 1, lower = 1, overwrite = 1)"
        )
        cursor.close()
        _record(con, snapshot, version)
    return _lock
