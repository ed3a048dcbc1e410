"""Reading a drop: one SELECT over the file that yields GDELT-named text columns.

The readers (events, mentions) cast and check in the same pass that reads the file, and
materialise only the typed result. Line numbers are found only when a row is rejected, by
reading the file again with row numbers: the fast path pays nothing for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from ingest import files
from ingest.errors import Rejected
from ingest.files import Drop
from ingest.layouts import Layout

_QUOTED = re.compile(r'"([A-Za-z0-9_]+)"')


def needed_columns(*sql_fragments: str) -> list[str]:
    """The GDELT columns that some typed expressions or checks mention ("Name")."""
    return sorted({name for fragment in sql_fragments for name in _QUOTED.findall(fragment)})


_WHOLE = "'[+-]?[0-9]+'"


def whole_number(col: str, kind: str = "integer") -> str:
    """A GDELT column as a whole number, or null when it is anything else. DuckDB's cast would
    round "479491240.4" and read "0x1C", "479_491_239" or "1e3": one event's content on another
    event's id. Digits with an optional sign only; trim() is paid only where the raw text is not
    that (empty fields, odd spaces). (ltrim(x, '0123456789') = '' did the same at 10x the cost:
    7 s more per million rows.)"""
    c = f'"{col}"'
    return (f"case when regexp_full_match({c}, {_WHOLE}) then try_cast({c} as {kind}) "
            f"when regexp_full_match(trim({c}), {_WHOLE}) then try_cast(trim({c}) as {kind}) end")


def not_whole(col: str, typed: str) -> str:
    """The check condition: the column holds text that is not a whole number."""
    return f"{typed} is null and nullif(trim(\"{col}\"), '') is not null"


def duckdb_reason(err: duckdb.Error) -> str:
    text = str(err)
    if "unicode" in text.lower() or "utf-8" in text.lower():
        return "it is not UTF-8 text; re-export it as UTF-8"
    first = text.strip().splitlines()[0]
    return first.split(": ", 1)[-1][:300]


def read_error(drop: Drop, description: str, err: duckdb.Error) -> Rejected:
    """Why DuckDB could not read a text drop, as a rejection naming the line where it can."""
    if "maximum line size" in str(err).lower():
        limit = files.max_line_bytes()
        return Rejected(drop.name, f"a line is longer than {limit:,} bytes", line=files.first_long_line(drop, limit),
                        hint="check the export that produced it, or raise BILATERAL_MAX_LINE_BYTES")
    return Rejected(drop.name, f"could not be read as a {description}: {duckdb_reason(err)}")


@dataclass(frozen=True)
class Source:
    """A SELECT over one file with GDELT-named text columns and `_nfields`."""

    drop: Drop
    sql: str
    params: dict = field(default_factory=dict)
    skip: int = 0  # lines before the first data row (a header)
    allowed_counts: tuple[int, ...] = ()
    field_count: int = 0
    description: str = "file"


def gdelt_source(drop: Drop, layout: Layout, columns: list[str]) -> Source:
    """Select `columns` from a GDELT file in the given layout."""
    skip = 1 if layout.header else 0
    if layout.delimited_by_tab:
        # Raw GDELT has no quoting: split each line on tabs ourselves, so rows with the
        # wrong number of fields are caught and reported by line, not padded silently.
        fields = ", ".join(
            f'f[{layout.positions[c] + 1}] as "{c}"' if c in layout.positions else f'null::varchar as "{c}"'
            for c in columns
        )
        sql = (
            f"select len(f) as _nfields, {fields} from ("
            "select string_split(line, chr(9)) as f "
            "from read_csv($path, columns = {'line': 'VARCHAR'}, header = false, "
            "delim = chr(30), quote = '', escape = '', auto_detect = false, skip = $skip_lines, "
            "max_line_size = $max_line) "
            # A line of whitespace only is blank, as it is for the line numbers (files.physical_line):
            # trim() is paid only by lines that start with a blank.
            "where line is not null and (line[1] > ' ' or trim(line, ' ' || chr(9) || chr(13)) <> ''))"
        )
    else:
        names = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(layout.field_count))
        fields = ", ".join(
            f'c{layout.positions[c]} as "{c}"' if c in layout.positions else f'null::varchar as "{c}"'
            for c in columns
        )
        sql = (
            f"select {layout.field_count} as _nfields, {fields} "
            f"from read_csv($path, columns = {{{names}}}, header = false, skip = $skip_lines, "
            "delim = ',', quote = '\"', escape = '\"', nullstr = ['NULL', 'NA'], "
            "auto_detect = false, strict_mode = true, null_padding = false, max_line_size = $max_line)"
        )
    # max_line_size given explicitly: with DuckDB's default an over-long last line is dropped
    # without an error (the same line anywhere else is an error).
    # DuckDB skips blank lines, but not those before a header: skip them with it.
    params = {"path": str(drop.path), "skip": skip, "skip_lines": skip + (layout.blank_lines_before if skip else 0),
              "max_line": files.max_line_bytes()}
    return Source(drop, sql, params, skip, layout.allowed_counts,
                  layout.field_count, layout.description)


def _bound(sql: str, *param_sets: dict | None) -> dict:
    """The parameters this SQL uses: DuckDB refuses values for parameters it does not have."""
    merged = {k: v for params in param_sets if params for k, v in params.items()}
    return {k: v for k, v in merged.items() if re.search(rf"\${k}\b", sql)}


def numbered(sql: str, params: dict, index: int) -> tuple[str, dict]:
    """`sql` and the parameters it uses with every `$name` renamed `$name_<index>`, so the
    SELECTs of several files can be joined into one statement."""
    return (re.sub(r"\$(\w+)\b", rf"$\1_{index}", sql),
            {f"{k}_{index}": v for k, v in _bound(sql, params).items()})


def materialize(con: duckdb.DuckDBPyConnection, table: str, source: Source, select_list: str,
                params: dict | None = None) -> int:
    """create temp table `table` as select <select_list> from the source; one pass over the file."""
    try:
        sql = f"create or replace temp table {table} as select {select_list} from ({source.sql})"
        con.execute(sql, _bound(sql, source.params, params))
    except duckdb.Error as err:
        raise read_error(source.drop, source.description, err) from None
    if source.allowed_counts:
        counts = ", ".join(str(n) for n in source.allowed_counts)
        bad = con.execute(f"select _nfields from {table} where _nfields not in ({counts}) limit 1").fetchone()
        if bad:
            raise Rejected(
                source.drop.name,
                f"has {bad[0]} fields where this file's rows have {source.field_count}",
                line=line_of(con, source, "*", f"_nfields not in ({counts})"),
                hint="the file is cut short or corrupt; download it again",
            )
    return int(con.execute(f"select count(*) from {table}").fetchone()[0])


def first_row(con: duckdb.DuckDBPyConnection, source: Source, select_list: str, condition: str,
              params: dict | None = None, extra: str = "") -> dict | None:
    """The first row (in file order) meeting `condition`, with `_row`, its data line counting
    non-blank lines from the file's first. `extra` adds computed columns the condition may
    use. Slow path: reads the file again with row numbers, only when something is wrong."""
    sql = (f"select * from (select t.* {', ' + extra if extra else ''} from ("
           f"select row_number() over () + $skip as _row, * from (select {select_list} from ({source.sql}))) t) "
           f"where {condition} order by _row limit 1")
    cursor = con.execute(sql, _bound(sql, source.params, params))
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def line_of(con: duckdb.DuckDBPyConnection, source: Source, select_list: str, condition: str,
            params: dict | None = None) -> int:
    row = first_row(con, source, select_list, condition, params)
    return int(row["_row"]) if row else 0
