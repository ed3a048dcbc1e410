"""The queries' shared rules (queries/shared/macros.sql) as DuckDB macros on a connection.

Temporary macros belong to one connection, and every cursor is a connection of its own, so
the runner defines them on each cursor it opens (about a millisecond)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

MACROS_SQL = Path(__file__).resolve().parent / "shared" / "macros.sql"


@cache
def macros_sql() -> str:
    return MACROS_SQL.read_text(encoding="utf-8")


def define(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the shared macros on this connection or cursor."""
    con.execute(macros_sql())
