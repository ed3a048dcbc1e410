"""The lake: where it lives, how to open it, and which snapshot a reader sees.

Everything that opens the store goes through `connect()`, so the CLI, the pages and the
tests read the same tables the same way. DuckLake keeps a SQLite catalog file and the
Parquet data files beside it; every ingest is one commit, which is one snapshot.
"""

from __future__ import annotations

import glob
import os
import site
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LAKE = REPO_ROOT / "data" / "lake"
CATALOG_FILE = "catalog.sqlite"
DATA_DIR = "files"
LAKE_ALIAS = "lake"

# Loaded from the PyPI wheels' files: with auto-install off DuckDB never tries the network.
_EXTENSIONS = ("sqlite_scanner", "ducklake")


class LakeError(Exception):
    """A problem with the store a person can fix; the message is one line."""


def lake_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--lake DIR wins, then $BILATERAL_LAKE, then data/lake/ in the repo."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("BILATERAL_LAKE")
    return Path(env).expanduser().resolve() if env else DEFAULT_LAKE


def lake_exists(lake: Path) -> bool:
    return (lake / CATALOG_FILE).is_file()


def _extension_file(name: str) -> str:
    for base in [*site.getsitepackages(), site.getusersitepackages()]:
        found = glob.glob(f"{base}/duckdb_extension_{name}/extensions/v*/{name}.duckdb_extension")
        if found:
            return found[0]
    raise LakeError(
        f"DuckDB extension '{name}' is not installed; run: pip install -r requirements.txt"
    )


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"LOAD '{_sql_string(_extension_file(name))}'")


def _sql_string(text: str) -> str:
    # Paths are ours (CLI flag / env), never URL input, but quote them properly anyway.
    return text.replace("'", "''")


def connect(
    lake: Path | None = None,
    *,
    read_only: bool = True,
    create: bool = False,
    memory_limit: str | None = None,
    threads: int | None = None,
    sandbox: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB with the lake attached as `lake` and selected by USE.

    sandbox=True (the dashboard's connection): the lake's files are the only files it can
    read, it writes none, installs and loads no more extensions, and its settings are locked.
    """
    lake = lake or lake_dir()
    if not create and not lake_exists(lake):
        raise LakeError(
            f"no lake at {lake}; build it with: python -m ingest sample --lake {lake}"
        )
    config: dict[str, str | bool | int] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "memory_limit": memory_limit or os.environ.get("BILATERAL_MEMORY_LIMIT", "4GB"),
    }
    if threads or os.environ.get("BILATERAL_THREADS"):
        config["threads"] = int(threads or os.environ["BILATERAL_THREADS"])
    con = duckdb.connect(config=config)
    for name in _EXTENSIONS:
        load_extension(con, name)
    # DuckLake's data files never change once written: keep their Parquet footers in memory
    # instead of re-reading one per file on every query (a third of a pair query at 100M).
    con.execute("SET parquet_metadata_cache = true")
    if create:
        (lake / DATA_DIR).mkdir(parents=True, exist_ok=True)
    _use_rollback_journal(lake / CATALOG_FILE)
    catalog = _sql_string(str(lake / CATALOG_FILE))
    data = _sql_string(str(lake / DATA_DIR)) + "/"
    # The data files live beside the catalog by convention, so a lake can be copied or moved.
    options = f"DATA_PATH '{data}'" + (", OVERRIDE_DATA_PATH TRUE" if lake_exists(lake) else "")
    options += ", READ_ONLY" if read_only else ""
    try:
        con.execute(f"ATTACH 'ducklake:sqlite:{catalog}' AS {LAKE_ALIAS} ({options})")
    except duckdb.Error as err:
        con.close()
        raise LakeError(f"cannot open the lake at {lake}: {str(err).splitlines()[0]}") from None
    con.execute(f"USE {LAKE_ALIAS}")
    _LAKE_OF[id(con)] = lake
    if sandbox:
        load_extension(con, "fts")  # search needs it; nothing can be loaded once locked
        # In this order: allowed_directories must be set before external access goes off.
        con.execute("SET allowed_directories = [$lake]", {"lake": str(lake) + "/"})
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    return con


def _use_rollback_journal(catalog: Path) -> None:
    """Keep the SQLite catalog in its default rollback-journal mode. WAL mode stops readers
    from starving a committing writer, but DuckDB's read-only SQLite readers then saw
    "database disk image is malformed" under concurrent commits (tests/test_concurrency.py),
    so lakes switched to WAL by an earlier version are switched back."""
    import sqlite3

    if not catalog.exists():
        return
    try:
        with sqlite3.connect(catalog, timeout=10) as db:
            if db.execute("pragma journal_mode").fetchone()[0] == "wal":
                db.execute("pragma journal_mode=delete")
    except sqlite3.Error as err:
        raise LakeError(f"cannot open the catalog {catalog}: {err}") from None


_LAKE_OF: dict[int, Path] = {}  # connection -> its lake directory, for attaching snapshots


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    # A fresh catalog read each call, so a long-lived reader sees a writer's new commits.
    # fetchall, not fetchone: an unfinished result keeps a read lock on the SQLite catalog,
    # and a writer could not commit while the dashboard is open.
    cursor = con.cursor()  # a cursor of its own: the connection is shared by Streamlit's threads
    try:
        rows = cursor.execute(f"SELECT id FROM {LAKE_ALIAS}.current_snapshot()").fetchall()
    finally:
        cursor.close()
    return int(rows[0][0])


def snapshot_alias(con: duckdb.DuckDBPyConnection, snapshot: int) -> str:
    """Attach the lake as of `snapshot` (read-only, once per process) and return its name."""
    owner = id(con)
    if snapshot < 0:
        raise LakeError(f"snapshot {snapshot} does not exist; snapshots start at 0")
    latest = current_snapshot(con)
    if snapshot > latest:
        raise LakeError(f"snapshot {snapshot} does not exist; the latest is {latest}")
    alias = f"lake_at_{int(snapshot)}"
    con = con.cursor()  # shared connection: work on a cursor; ATTACH applies to the whole instance
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    if alias not in attached:
        lake = _LAKE_OF[owner]
        catalog = _sql_string(str(lake / CATALOG_FILE))
        data = _sql_string(str(lake / DATA_DIR)) + "/"
        try:
            con.execute(
                f"ATTACH 'ducklake:sqlite:{catalog}' AS {alias} "
                f"(DATA_PATH '{data}', OVERRIDE_DATA_PATH TRUE, SNAPSHOT_VERSION {int(snapshot)}, READ_ONLY)"
            )
        except duckdb.Error:  # another thread may have attached it a moment ago
            if alias not in {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}:
                raise
    con.close()
    return alias
