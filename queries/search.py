"""The full-text index over articles: DuckDB's fts extension (BM25) over the articles' title and
body, folded with queries.text.fold. Articles that no event cites are indexed too.

The index is a DuckDB database attached as `article_index`. The ingest CLI writes it beside a
SQLite-catalog lake after each load that adds articles (`search/articles-<version>.duckdb`,
built under a temporary name and renamed into place), and the dashboard attaches that file
read-only: nothing to build in the app and little to hold in its memory. Where there is no such
file (a lake on a shared catalog, or one loaded by an older version) the index is built in
memory on the first search, ~13 s per 100,000 articles. Either way it is renewed only when a
snapshot changed the articles (a load of events alone keeps it).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import duckdb
import pandas as pd

from lake.connection import current_snapshot, latest_change, load_extension, settings_of, sql_literal
from queries.text import search_form

# The fts macros find their tables in the database they were built in, by name: the index is
# built and attached under the same name.
INDEX_DB = "article_index"
INDEX_TABLE = f"{INDEX_DB}.main.article_search"
BUILT_TABLE = "memory.main.article_search_built"  # the snapshot checked last, and the articles' version
INDEX_FOLDER = "search"
_lock = threading.RLock()  # re-entered: the dashboard holds it while runner.run() checks the index


def index_file(con: duckdb.DuckDBPyConnection, version: int) -> Path | None:
    """Where the index of this articles version lives beside the lake; None for lakes on a
    shared catalog (PostgreSQL), whose servers each build their own in memory."""
    settings = settings_of(con)
    if settings is None or settings.catalog != "sqlite":
        return None
    return settings.dir / INDEX_FOLDER / f"articles-{version}.duckdb"


def write_index_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """Ingest side: write the index of the lake's current articles to its file, unless it is
    there already, and remove the files of older versions. A crash leaves at worst a temporary
    file, and the dashboard builds the index itself until the next load writes it."""
    version = articles_version(con)
    target = index_file(con, version)
    if target is None or target.exists():
        return target
    target.parent.mkdir(exist_ok=True)
    building = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    building.unlink(missing_ok=True)
    load_extension(con, "fts")
    con.execute(f"ATTACH '{sql_literal(str(building))}' AS {INDEX_DB}")
    try:
        _build(con)
    finally:
        con.execute(f"DETACH {INDEX_DB}")
    building.with_name(building.name + ".wal").unlink(missing_ok=True)
    os.replace(building, target)
    for old in target.parent.glob("articles-*.duckdb"):
        if old != target:
            old.unlink(missing_ok=True)  # a dashboard still reading it keeps its open file
    return target


def articles_version(con: duckdb.DuckDBPyConnection) -> int:
    """The latest snapshot that changed the articles (a load of events alone keeps the index)."""
    return latest_change(con, "articles")[0]


def _build(con: duckdb.DuckDBPyConnection) -> None:
    """Fill `article_index` (attached, writable) with the folded articles and their fts index."""
    cursor = con.cursor()
    try:
        rows = cursor.execute("select url, concat_ws(' ', title, body) from lake.articles").fetchall()
        documents = pd.DataFrame({"url": [r[0] for r in rows],
                                  "search_text": [search_form(r[1] or "") for r in rows]})
        del rows
        cursor.register("documents", documents)
        cursor.execute(f"create or replace table {INDEX_TABLE} as select url, search_text from documents")
        cursor.unregister("documents")
        # Letters and digits of any script are words (the default keeps only a-z).
        cursor.execute(
            f"pragma create_fts_index('{INDEX_TABLE}', 'url', 'search_text', stemmer = 'porter', "
            "stopwords = 'english', ignore = '[^\\p{L}\\p{N}]+', strip_accents = 1, lower = 1, overwrite = 1)"
        )
    finally:
        cursor.close()


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
    """Attach (or build) the index for the latest snapshot. Returns the lock to hold while searching."""
    snapshot = current_snapshot(con)
    with _lock:
        built = _built(con)
        if built and built[0] == snapshot:
            return _lock
        version = articles_version(con)
        if built and built[1] == version:  # a new snapshot, the same articles
            _record(con, snapshot, version)
            return _lock
        with contextlib.suppress(duckdb.Error):
            load_extension(con, "fts")  # a sandboxed connection loaded it before locking its configuration
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DETACH {INDEX_DB}")  # the previous version's
        written = index_file(con, version)
        if not (written is not None and written.exists() and _attached(con, written)):
            con.execute(f"ATTACH ':memory:' AS {INDEX_DB}")
            _build(con)
        _record(con, snapshot, version)
    return _lock


def _attached(con: duckdb.DuckDBPyConnection, written: Path) -> bool:
    """Attach the ingest's index file; False (the caller builds one) if it cannot be read."""
    try:
        con.execute(f"ATTACH '{sql_literal(str(written))}' AS {INDEX_DB} (READ_ONLY)")
        return True
    except duckdb.Error:  # damaged outside our atomic rename, or from another DuckDB version
        return False
