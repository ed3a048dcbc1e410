"""Reading a drop into a staging table of text columns named after GDELT's columns.

DuckDB does the reading (hundreds of thousands of rows a second). Nothing here is typed
yet: the events/mentions modules cast and validate, so every bad value can be reported
with its file, line and column.
"""

from __future__ import annotations

import duckdb

from ingest.errors import Rejected
from ingest.files import Drop
from ingest.layouts import Layout


def _duckdb_reason(err: duckdb.Error) -> str:
    text = str(err)
    if "unicode" in text.lower() or "utf-8" in text.lower():
        return "it is not UTF-8 text; re-export it as UTF-8"
    first = text.strip().splitlines()[0]
    return first.split(": ", 1)[-1][:300]


def stage(
    con: duckdb.DuckDBPyConnection,
    table: str,
    drop: Drop,
    layout: Layout,
    file_index: int,
    columns: list[str],
) -> int:
    """Create temp table `table` holding `columns` as text, plus _file, _line, _nfields."""
    if layout.delimited_by_tab:
        # Raw GDELT has no quoting: split each line on tabs ourselves, so rows with the
        # wrong number of fields are caught and reported by line, not padded silently.
        reader = (
            "select row_number() over () + $skip as _line, string_split(line, chr(9)) as f "
            "from read_csv($path, columns = {'line': 'VARCHAR'}, header = false, "
            "delim = chr(30), quote = '', escape = '', auto_detect = false, skip = $skip) "
            "where line is not null"
        )
        fields = "len(f) as _nfields, " + ", ".join(
            f"f[{layout.positions[c] + 1}] as \"{c}\"" if c in layout.positions else f'null::varchar as "{c}"'
            for c in columns
        )
    else:
        names = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(layout.field_count))
        reader = (
            "select row_number() over () + $skip as _line, * "
            f"from read_csv($path, columns = {{{names}}}, header = false, skip = $skip, "
            "delim = ',', quote = '\"', escape = '\"', nullstr = ['NULL', 'NA'], "
            "auto_detect = false, strict_mode = true, null_padding = false)"
        )
        fields = f"{layout.field_count} as _nfields, " + ", ".join(
            f'c{layout.positions[c]} as "{c}"' if c in layout.positions else f'null::varchar as "{c}"'
            for c in columns
        )
    sql = (
        f"create or replace temp table {table} as "
        f"select {file_index} as _file, _line, {fields} from ({reader})"
    )
    try:
        con.execute(sql, {"path": str(drop.path), "skip": 1 if layout.header else 0})
    except duckdb.Error as err:
        raise Rejected(drop.name, f"could not be read as a {layout.description}: {_duckdb_reason(err)}") from None
    bad = con.execute(
        f"select _line, _nfields from {table} where _nfields not in "
        f"({', '.join(str(n) for n in layout.allowed_counts)}) order by _line limit 1"
    ).fetchone()
    if bad:
        raise Rejected(
            drop.name,
            f"has {bad[1]} fields where this file's rows have {layout.field_count}",
            line=int(bad[0]),
            hint="the file is cut short or corrupt; download it again",
        )
    return int(con.execute(f"select count(*) from {table}").fetchone()[0])
