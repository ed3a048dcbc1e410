"""python -m ingest export: one snapshot's tables as plain Parquet plus a manifest.

The hand-off to Spark, Trino or any Parquet reader: they read exactly the rows the
dashboard showed for that snapshot, without DuckLake. Inlined rows (small commits kept in
the catalog) are flushed to Parquet in the lake first, so the lake's own files are complete
too. manifest.json is written last: a directory without one is an unfinished export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from lake import connection as lakes

MANIFEST = "manifest.json"
FORMAT = "bilateral-export/1"


def export_snapshot(lake: Path, snapshot: int, target: Path) -> dict:
    """Write snapshot `snapshot` of every table to target/<table>.parquet; return the manifest."""
    target = target.expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise lakes.LakeError(f"{target} is not an empty directory; give a new one to export into")
    _flush_inlined_rows(lake)
    con = lakes.connect(lake)  # read-only: the same snapshot view the dashboard's pinned links get
    try:
        alias = lakes.snapshot_alias(con, snapshot)
        committed = con.execute(
            f"select snapshot_time from {lakes.LAKE_ALIAS}.snapshots() where snapshot_id = $id", {"id": snapshot}
        ).fetchone()[0]
        names = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = $db order by table_name",
            {"db": alias}).fetchall()]
        target.mkdir(parents=True, exist_ok=True)
        tables = {name: _export_table(con, alias, name, target) for name in names}
    finally:
        con.close()
    manifest = {
        "format": FORMAT,
        "snapshot": snapshot,
        "snapshot_time": committed.astimezone(dt.UTC).isoformat(),
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": lakes.settings_for(lake).describe(),
        "tables": tables,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _flush_inlined_rows(lake: Path) -> None:
    """Write rows still inlined in the catalog to Parquet files (a commit of its own when
    there are any; the snapshots' contents do not change)."""
    con = lakes.connect(lake, read_only=False)
    try:
        con.execute("call ducklake_flush_inlined_data($lake)", {"lake": lakes.LAKE_ALIAS})
    finally:
        con.close()


def _export_table(con, alias: str, name: str, target: Path) -> dict:
    path = target / f"{name}.parquet"
    # Table names come from the catalog and the path from the CLI, not from users of the dashboard.
    con.execute(f"copy (select * from {alias}.\"{name}\") to '{lakes.sql_literal(str(path))}' "
                "(format parquet, compression zstd)")
    rows = con.execute("select count(*) from read_parquet($path)", {"path": str(path)}).fetchone()[0]
    columns = con.execute(f"describe {alias}.\"{name}\"").fetchall()
    return {
        "file": path.name,
        "rows": rows,
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
        "columns": {c[0]: c[1] for c in columns},
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
