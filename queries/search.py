"""The full-text index over articles: DuckDB's fts extension (BM25), built in the
connection's in-memory database from the lake's articles, folded with queries.text.fold.

The lake itself stays read-only; the index is rebuilt when the latest snapshot changes.
Articles that no event cites are indexed too.
"""

from __future__ import annotations

import threading

import duckdb
import pandas as pd

from queries.lake import current_snapshot, load_extension
from queries.text import search_form

INDEX_TABLE = "memory.main.article_search"
BUILT_TABLE = "memory.main.article_search_built"  # the snapshot the index was built from
_lock = threading.RLock()  # re-entered: the dashboard holds it while runner.run() checks the index


def _built_snapshot(con: duckdb.DuckDBPyConnection) -> int | None:
    # Kept in the connection's own memory database, so it cannot outlive or confuse connections.
    found = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'memory' and table_name = 'article_search_built'"
    ).fetchall()[0][0]
    return con.execute(f"select snapshot from {BUILT_TABLE}").fetchall()[0][0] if found else None


def ensure_index(con: duckdb.DuckDBPyConnection) -> threading.RLock:
    """Build or refresh the index for the latest snapshot. Returns the lock to hold while searching."""
    snapshot = current_snapshot(con)
    with _lock:
        if _built_snapshot(con) == snapshot:
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
        cursor.execute(f"create or replace table {BUILT_TABLE} as select $s::bigint as snapshot", {"s": snapshot})
        cursor.close()
    return _lock
