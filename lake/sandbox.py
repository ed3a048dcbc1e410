"""The dashboard's lake connection, used only from threads the kernel forbids to write.

DuckDB's own sandbox (`lake.connect(sandbox=True)`) stops reads outside the lake, extension
loads and setting changes, but it cannot stop writes *inside* the lake directory: DuckDB's
allowed_directories grants writes with reads, and a READ_ONLY attach covers the catalog only.
So the connection is also guarded by the operating system. Landlock (Linux 5.13+) lets a thread
give up rights for itself and for every thread it starts later: the connection is created on,
and only ever used from, a small pool of threads that gave up all file writes first (except
under DuckDB's spill directory). DuckDB's worker threads are started by them and inherit it.

Where Landlock is missing (macOS, old kernels) the pool runs unguarded and says why.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import duckdb

from lake import connection as lakes

T = TypeVar("T")

# More than the sessions one server runs at once: a page waits for a free thread, and every
# query has a time limit (queries/runner.py). DuckDB parallelises each query itself.
READER_THREADS = 16


def _write_rights():
    """Every Landlock file-system right except reading and executing, as this kernel knows them."""
    from landlock import FSAccess

    return FSAccess.all() & ~(FSAccess.READ_FILE | FSAccess.READ_DIR | FSAccess.EXECUTE)


def _write_guard(writable: Path) -> tuple[Callable[[], None] | None, str | None]:
    """A function that takes away the calling thread's file writes (but under `writable`),
    or None and the reason it is not available here."""
    try:
        from landlock import Ruleset, landlock_abi_version

        abi = landlock_abi_version()
        ruleset = Ruleset(restrict_rules=_write_rights())
        ruleset.allow(str(writable))
    except Exception as err:  # noqa: BLE001 - no Landlock here (not Linux, old kernel, disabled)
        return (
            None,
            f"the kernel offers no Landlock ({str(err).splitlines()[0] if str(err) else type(err).__name__})",
        )
    return ruleset.apply, f"Landlock ABI {abi}"


class SandboxedLake:
    """One read-only, sandboxed connection, used through `run(fn, ...)` = fn(con, ...) on a
    guarded thread. Anything that touches the connection goes through run()."""

    def __init__(self, lake: Path, memory_limit: str = "1GB", threads: int = READER_THREADS) -> None:
        self.settings = lakes.settings_for(lake)
        # A writer killed inside its catalog commit: guarded threads could not play its
        # journal back, this (unguarded) one can.
        lakes.roll_back_interrupted_commit(self.settings)
        self.spill_dir = Path(tempfile.mkdtemp(prefix="bilateral-spill-"))
        guard, self.guard = _write_guard(self.spill_dir)
        self.guarded = guard is not None
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="lake-reader", initializer=guard)
        try:
            self._con = self._pool.submit(
                lakes.connect,
                lake,
                read_only=True,
                sandbox=True,
                memory_limit=memory_limit,
                spill_dir=self.spill_dir,
            ).result()
        except BaseException:
            self._pool.shutdown(wait=False)
            shutil.rmtree(self.spill_dir, ignore_errors=True)
            raise
        self._closing = threading.Lock()
        self._closed = False

    def run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """fn(connection, *args, **kwargs) on a guarded thread; its result or its exception.
        fn only reads: it runs again after a killed writer's journal has been played back."""
        try:
            return self._pool.submit(fn, self._con, *args, **kwargs).result()
        except duckdb.Error as err:
            interrupted_commit = "attempt to write a readonly database" in str(err)
            if not interrupted_commit or not lakes.roll_back_interrupted_commit(self.settings):
                raise
        return self._pool.submit(fn, self._con, *args, **kwargs).result()

    def sql(self, statement: str, params: dict | None = None) -> list[tuple]:
        """One statement on its own cursor, all rows fetched (tests and the odd lookup)."""
        return self.run(_fetch_all, statement, params)

    def close(self) -> None:
        with self._closing:
            if self._closed:
                return
            self._closed = True
            try:
                self._pool.submit(self._con.close).result()
            finally:
                self._pool.shutdown(wait=True)
                shutil.rmtree(self.spill_dir, ignore_errors=True)


def _fetch_all(con: duckdb.DuckDBPyConnection, statement: str, params: dict | None) -> list[tuple]:
    cursor = con.cursor()  # own cursor: sessions share the connection
    try:
        return cursor.execute(statement, params or {}).fetchall()
    finally:
        cursor.close()
