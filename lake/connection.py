"""The lake: where it lives, how to open it, and which snapshot a reader sees.

Everything that opens the store goes through `connect()`, so the CLI, the pages and the
tests read the same tables the same way. By default DuckLake keeps a SQLite catalog file
and the Parquet data files beside it; settings (lake/settings.py) can put the
catalog in PostgreSQL and the data on S3 instead, with no other change. Every ingest is
one commit, which is one snapshot.
"""

from __future__ import annotations

import contextlib
import glob
import os
import site
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from lake.settings import LakeSettings, SettingsError, resolve

REPO_ROOT = Path(__file__).resolve().parent.parent
# A clone (or an editable install) keeps its lake in the repo. An installed package has no
# repo (REPO_ROOT is site-packages), so its lake goes in the user's data directory instead.
IN_CLONE = (REPO_ROOT / "pyproject.toml").is_file()
DEFAULT_LAKE = REPO_ROOT / "data" / "lake"
CATALOG_FILE = "catalog.sqlite"
DATA_DIR = "files"
LAKE_ALIAS = "lake"
METADATA_ALIAS = f"__ducklake_metadata_{LAKE_ALIAS}"  # DuckLake's name for the attached catalog
# Credentials live in DuckDB secrets (redacted in duckdb_secrets()), never in an ATTACH string,
# which duckdb_databases() would show to anyone who can run SQL.
PG_SECRET = "bilateral_catalog"
S3_SECRET = "bilateral_data"


class LakeError(Exception):
    """A problem with the store a person can fix; the message is one line."""


def lake_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--lake DIR wins, then $BILATERAL_LAKE, then data/lake/ in the repo (installed:
    $XDG_DATA_HOME/bilateral/lake, by default ~/.local/share/bilateral/lake)."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("BILATERAL_LAKE")
    if env:
        return Path(env).expanduser().resolve()
    if IN_CLONE:
        return DEFAULT_LAKE
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home).expanduser().resolve() / "bilateral" / "lake"


def settings_for(lake: Path | None = None) -> LakeSettings:
    """The catalog and data path in force for `lake`; bad settings become a LakeError."""
    try:
        return resolve(lake or lake_dir())
    except SettingsError as err:
        raise LakeError(f"bad setting: {err}") from None


_KNOWN_TO_EXIST: set[LakeSettings] = set()  # a lake, once seen, does not go away


def lake_exists(lake: Path | LakeSettings) -> bool:
    settings = lake if isinstance(lake, LakeSettings) else settings_for(lake)
    if settings.catalog == "sqlite":
        return (settings.dir / CATALOG_FILE).is_file()
    if settings not in _KNOWN_TO_EXIST:
        con = _open(settings)
        try:
            _attach(con, settings, LAKE_ALIAS, read_only=True, create=False)
        except _NoLake:
            return False
        finally:
            con.close()
        _KNOWN_TO_EXIST.add(settings)
    return True


def _extension_file(name: str) -> str:
    for base in [*site.getsitepackages(), site.getusersitepackages()]:
        found = glob.glob(f"{base}/duckdb_extension_{name}/extensions/v*/{name}.duckdb_extension")
        if found:
            return found[0]
    raise LakeError(f"DuckDB extension '{name}' is not installed; run: pip install -r requirements.txt")


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"LOAD '{sql_literal(_extension_file(name))}'")


def sql_literal(text: str) -> str:
    # For paths and names that are ours (CLI flag, validated settings), never URL input: quote them anyway.
    return text.replace("'", "''")


def _extensions(settings: LakeSettings) -> list[str]:
    # Loaded from the PyPI wheels' files: with auto-install off DuckDB never tries the network.
    needed = ["sqlite_scanner" if settings.catalog == "sqlite" else "postgres_scanner"]
    if settings.on_s3:
        needed.append("httpfs")
    return [*needed, "ducklake"]


def _open(
    settings: LakeSettings, memory_limit: str | None = None, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the extensions and credentials the lake needs, nothing attached."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "memory_limit": memory_limit or os.environ.get("BILATERAL_MEMORY_LIMIT", "4GB"),
    }
    if threads or os.environ.get("BILATERAL_THREADS"):
        config["threads"] = int(threads or os.environ["BILATERAL_THREADS"])
    con = duckdb.connect(config=config)
    try:
        for name in _extensions(settings):
            load_extension(con, name)
        # DuckLake's data files never change once written: keep their Parquet footers in memory
        # instead of re-reading one per file on every query (a third of a pair query at 100M).
        con.execute("SET parquet_metadata_cache = true")
        _create_secrets(con, settings)
    except BaseException:
        con.close()
        raise
    return con


def _create_secrets(con: duckdb.DuckDBPyConnection, settings: LakeSettings) -> None:
    """Temporary secrets (this process only), every value bound, none in SQL text."""
    if settings.postgres:
        pg = settings.postgres
        params: dict[str, object] = {
            "host": pg.host,
            "port": str(pg.port),
            "database": pg.database,
            "user": pg.user,
        }
        if pg.password:  # else libpq reads PGPASSWORD or ~/.pgpass itself
            params["password"] = pg.password
        fields = ", ".join(f"{key.upper()} ${key}" for key in params)
        con.execute(f"CREATE OR REPLACE TEMPORARY SECRET {PG_SECRET} (TYPE postgres, {fields})", params)
    if settings.s3:
        s3 = settings.s3
        params = {
            "region": s3.region,
            "url_style": s3.url_style,
            "use_ssl": s3.use_ssl,
            "scope": settings.data_path,
            "key_id": s3.key_id,
            "secret": s3.secret,
        }
        if s3.endpoint:
            params["endpoint"] = s3.endpoint
        fields = ", ".join(f"{key.upper()} ${key}" for key in params)
        con.execute(f"CREATE OR REPLACE TEMPORARY SECRET {S3_SECRET} (TYPE s3, {fields})", params)


class _NoLake(Exception):
    pass


def _attach(
    con: duckdb.DuckDBPyConnection,
    settings: LakeSettings,
    alias: str,
    *,
    read_only: bool,
    create: bool,
    snapshot: int | None = None,
) -> None:
    """ATTACH the lake as `alias`. The ATTACH text holds names and paths only, no credentials."""
    options = [f"DATA_PATH '{sql_literal(settings.data_path)}'"]
    if settings.catalog == "sqlite":
        target = f"ducklake:sqlite:{sql_literal(str(settings.dir / CATALOG_FILE))}"
        # The data files live beside the catalog by convention, so a lake can be copied or moved.
        if lake_exists(settings):
            options.append("OVERRIDE_DATA_PATH TRUE")
    else:
        assert settings.postgres is not None  # resolve() sets it for a PostgreSQL catalog
        target = "ducklake:postgres:"  # host, database, user and password come from the secret
        options += [
            f"METADATA_SCHEMA '{settings.postgres.schema}'",
            f"METADATA_PARAMETERS MAP {{'SECRET': '{PG_SECRET}'}}",
            "OVERRIDE_DATA_PATH TRUE",
        ]
        if not create:
            options.append("CREATE_IF_NOT_EXISTS FALSE")
    if snapshot is not None:
        # Reuse the open catalog: a sandboxed connection may not open a new one.
        options += [f"METADATA_CATALOG '{METADATA_ALIAS}'", f"SNAPSHOT_VERSION {int(snapshot)}"]
    if read_only:
        options.append("READ_ONLY")
    try:
        con.execute(f"ATTACH '{target}' AS {alias} ({', '.join(options)})")
    except duckdb.Error as err:
        message = settings.redact(str(err).strip().splitlines()[0] if str(err).strip() else repr(err))
        if "does not exist" in message and "creating a new DuckLake is explicitly disabled" in message:
            raise _NoLake() from None
        raise LakeError(f"cannot open the lake ({settings.describe()}): {message[:400]}") from None


def connect(
    lake: Path | None = None,
    *,
    read_only: bool = True,
    create: bool = False,
    memory_limit: str | None = None,
    threads: int | None = None,
    sandbox: bool = False,
    spill_dir: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB with the lake attached as `lake` and selected by USE.

    sandbox=True (the dashboard's connection): the lake's files are the only files it can
    read, it installs and loads no more extensions, and its settings are locked. It could still
    write inside the lake directory; lake/sandbox.py adds the kernel's guard against that.
    spill_dir: where DuckDB spills what does not fit in memory_limit (default ./.tmp).
    """
    settings = settings_for(lake)
    if not create and not lake_exists(settings):
        raise LakeError(
            f"no lake at {settings.describe()}; build it with: python -m ingest sample --lake {settings.dir}"
        )
    con = _open(settings, memory_limit, threads)
    try:
        if create and not settings.on_s3:
            Path(settings.data_path).mkdir(parents=True, exist_ok=True)
        if settings.catalog == "sqlite":
            settings.dir.mkdir(parents=True, exist_ok=True)
            _use_rollback_journal(settings.dir / CATALOG_FILE)
        try:
            _attach(con, settings, LAKE_ALIAS, read_only=read_only, create=create)
        except _NoLake:
            raise LakeError(
                f"no lake at {settings.describe()}; "
                f"build it with: python -m ingest sample --lake {settings.dir}"
            ) from None
        if settings.catalog == "postgres":
            _KNOWN_TO_EXIST.add(settings)
    except BaseException:
        con.close()
        raise
    con.execute(f"USE {LAKE_ALIAS}")
    _SETTINGS_OF[id(con)] = settings
    if spill_dir is not None:
        con.execute("SET temp_directory = $dir", {"dir": str(spill_dir)})
    if sandbox:
        load_extension(con, "fts")  # search needs it; nothing can be loaded once locked
        allowed = [settings.data_path]
        if settings.catalog == "sqlite":
            allowed.append(f"{settings.dir}/")
        # In this order: allowed_directories must be set before external access goes off.
        con.execute("SET allowed_directories = $allowed", {"allowed": allowed})
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


JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")  # a SQLite rollback journal's header


def has_hot_journal(settings: LakeSettings) -> bool:
    """The SQLite catalog's rollback journal holds a synced commit: a writer died inside it
    (or is inside it right now; SQLite itself tells the two apart by the writer's lock)."""
    if settings.catalog != "sqlite":
        return False
    try:
        with (settings.dir / (CATALOG_FILE + "-journal")).open("rb") as journal:
            head = journal.read(12)
    except OSError:
        return False
    return head[:8] == JOURNAL_MAGIC and head[8:12] != b"\0\0\0\0"


_PLAY_BACK = "import sqlite3, sys; sqlite3.connect(sys.argv[1], timeout=10).execute('select count(*) from sqlite_master')"


def roll_back_interrupted_commit(settings: LakeSettings) -> bool:
    """If a writer was killed inside the SQLite catalog's commit, its hot journal stops
    read-only readers ("attempt to write a readonly database"); a read-write open plays it back
    to the previous snapshot, as the next ingest would (SQLite does so only when no live writer
    holds the journal's lock). The open runs in a short-lived process: closing a second SQLite
    library's file in this one would drop the locks DuckDB's SQLite holds for its readers.
    True if there was a journal to play back and the catalog opened."""
    if not has_hot_journal(settings):
        return False
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _PLAY_BACK, str(settings.dir / CATALOG_FILE)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode == 0


_SETTINGS_OF: dict[int, LakeSettings] = {}  # connection -> its lake, for attaching snapshots


def settings_of(con: duckdb.DuckDBPyConnection) -> LakeSettings | None:
    """The lake a connection from connect() reads."""
    return _SETTINGS_OF.get(id(con))


# --- the commit gate (SQLite catalog) -------------------------------------------------------
# In its rollback-journal mode SQLite lets a writer commit only when no reader holds a shared
# lock, and every DuckLake query reads the catalog: under steady reading a writer's COMMIT
# kept finding the catalog locked until DuckLake gave up ("database is locked"). So a writer
# puts a file beside the catalog for the length of its COMMIT, and readers wait (a few
# seconds at most) before starting a query while it is there.
COMMIT_GATE = "commit.pending"
GATE_STALE_AFTER = 30.0  # seconds: an older gate was left by a killed writer and is ignored
GATE_MAX_WAIT = 5.0  # a reader never waits longer than this


@contextlib.contextmanager
def commit_gate(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Writer side: hold readers of this lake back while the body (a COMMIT) runs."""
    settings = _SETTINGS_OF.get(id(con))
    if settings is None or settings.catalog != "sqlite":
        yield
        return
    gate = settings.dir / COMMIT_GATE
    try:
        gate.write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    except OSError:  # a read-only lake directory: commit without the gate
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            gate.unlink()


def wait_for_commit(con: duckdb.DuckDBPyConnection) -> None:
    """Reader side: before reading the catalog, let a commit in progress finish."""
    settings = _SETTINGS_OF.get(id(con))
    if settings is None or settings.catalog != "sqlite":
        return
    gate = settings.dir / COMMIT_GATE
    deadline = time.monotonic() + GATE_MAX_WAIT
    while time.monotonic() < deadline:
        try:
            if time.time() - gate.stat().st_mtime > GATE_STALE_AFTER or _writer_gone(gate):
                return
        except OSError:  # no gate: no commit in progress
            return
        time.sleep(0.02)


def _writer_gone(gate: Path) -> bool:
    """The gate names a process of this machine that no longer runs (a killed writer)."""
    host, _, pid = gate.read_text(encoding="utf-8").strip().partition(" ")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # runs, as another user
        return False
    return False


# SQLite catalog reads that overlap a writer's COMMIT fail now and then (about 1 read in 1,000
# with 20 readers and a commit every few seconds, tests/test_concurrency.py) with one of these
# (the third: a read-only reader met the writer's journal while it was hot; the last: DuckLake's
# file-list read failed that way inside the statement, seen once in 2,568 reads in CI); the same
# read a moment later succeeds and sees one committed snapshot or the next.
_TRANSIENT = (
    "database disk image is malformed",
    "database is locked",
    "attempt to write a readonly database",
    "Current transaction is aborted",
)


def read_retrying(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None, tries: int = 3
) -> duckdb.DuckDBPyConnection:
    """cursor.execute(sql, params), tried again after a transient catalog error."""
    for attempt in range(1, tries + 1):
        try:
            return cursor.execute(sql, params or {})
        except duckdb.Error as err:
            if attempt == tries or not any(text in str(err) for text in _TRANSIENT):
                raise
            with contextlib.suppress(duckdb.Error):
                cursor.execute("ROLLBACK")  # an aborted transaction left open would fail the retry too
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    wait_for_commit(con)
    # A fresh catalog read each call, so a long-lived reader sees a writer's new commits.
    # fetchall, not fetchone: an unfinished result keeps a read lock on the SQLite catalog,
    # and a writer could not commit while the dashboard is open.
    cursor = con.cursor()  # a cursor of its own: the connection is shared by Streamlit's threads
    try:
        rows = read_retrying(cursor, f"SELECT id FROM {LAKE_ALIAS}.current_snapshot()").fetchall()
    finally:
        cursor.close()
    return int(rows[0][0])


def latest_change(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str | None]:
    """(snapshot id, commit message) of the latest snapshot that created, altered, inserted into or
    deleted from `table` (inlined rows included); (0, None) if none did."""
    cursor = con.cursor()  # own cursor: safe across the dashboard's threads
    try:
        rows = cursor.execute(
            f"""
            select s.snapshot_id, s.commit_message
            from {LAKE_ALIAS}.snapshots() s, ducklake_table_info('{LAKE_ALIAS}') t
            where t.table_name = $table
              and (list_contains(s.changes['tables_created'], 'main.' || $table)
                   or list_has_any(flatten([s.changes['tables_inserted_into'], s.changes['tables_deleted_from'],
                                            s.changes['inlined_insert'], s.changes['inlined_delete'],
                                            s.changes['tables_altered']]), [t.table_id::varchar]))
            order by s.snapshot_id desc
            limit 1
        """,
            {"table": table},
        ).fetchall()
    finally:
        cursor.close()
    return (rows[0][0], rows[0][1]) if rows else (0, None)


def snapshot_alias(con: duckdb.DuckDBPyConnection, snapshot: int) -> str:
    """Attach the lake as of `snapshot` (read-only, once per process) and return its name.
    Once attached, no catalog read: the dashboard reads every query of a page run this way."""
    if snapshot < 0:
        raise LakeError(f"snapshot {snapshot} does not exist; snapshots start at 0")
    alias = f"lake_at_{int(snapshot)}"
    cursor = con.cursor()  # shared connection: work on a cursor; ATTACH applies to the whole instance
    try:
        if alias in _attached(cursor):
            return alias
        latest = current_snapshot(con)
        if snapshot > latest:
            raise LakeError(f"snapshot {snapshot} does not exist; the latest is {latest}")
        try:
            _attach(cursor, _SETTINGS_OF[id(con)], alias, read_only=True, create=False, snapshot=snapshot)
        except LakeError:  # another thread may have attached it a moment ago
            if alias not in _attached(cursor):
                raise
        return alias
    finally:
        cursor.close()


def _attached(cursor: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in cursor.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
