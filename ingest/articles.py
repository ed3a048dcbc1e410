"""Articles: url, title, outlet, published time, language and body text, linked to events by URL.

Accepts JSONL, CSV with a header, or Parquet. Coding events from the text is a separate step.
"""

from __future__ import annotations

import duckdb

from ingest.errors import Rejected
from ingest.files import Drop

COLUMNS = ("url", "title", "outlet", "published_at", "language", "body")

CHECKS = [
    ("url", "url is null", "is empty"),
    ("url", "not regexp_matches(url, '^https?://[^\\s]+$')", "is not an http(s) URL"),
    ("published_at", "published_at is null and raw_published_at is not null",
     "is not a date or timestamp (use ISO 8601, e.g. 2025-12-03T10:00:00)"),
    ("language", "language is not null and not regexp_matches(language, '^[a-z]{2,3}$')",
     "is not an ISO 639 language code such as en or ara"),
    ("body", "length(body) > 2000000", "is longer than 2,000,000 characters"),
]


def _reader(drop: Drop, fmt: str) -> str:
    if fmt == "parquet":
        return "read_parquet($path)"
    if fmt == "jsonl":
        return "read_json($path, format = 'newline_delimited', columns = {" + ", ".join(
            f"'{c}': 'VARCHAR'" for c in COLUMNS) + "})"
    return "read_csv($path, header = true, all_varchar = true, strict_mode = true)"


def stage_and_check(con: duckdb.DuckDBPyConnection, drop: Drop, fmt: str, index: int, typed: str) -> int:
    try:
        con.execute(f"create or replace temp table staged_articles as select * from {_reader(drop, fmt)}",
                    {"path": str(drop.path)})
    except duckdb.Error as err:
        raise Rejected(drop.name, f"could not be read as {fmt}: {str(err).splitlines()[0][:200]}") from None
    present = {r[0].lower(): r[0] for r in con.execute("describe staged_articles").fetchall()}
    if "url" not in present:
        raise Rejected(drop.name, "has no url column", hint=f"give columns {', '.join(COLUMNS)}")
    picked = ", ".join(
        f'nullif(trim("{present[c]}"::varchar), \'\') as {c}' if c in present else f"null::varchar as {c}"
        for c in COLUMNS
    )
    con.execute(
        f"""create or replace temp table {typed} as
        select {index} as _file, row_number() over () as _line,
               url, title, coalesce(outlet, regexp_extract(url, '^https?://(?:www\\.)?([^/]+)', 1)) as outlet,
               try_cast(published_at as timestamp) as published_at, raw_published_at,
               lower(language) as language, body
        from (select *, published_at as raw_published_at from (select {picked} from staged_articles))"""
    )
    cases = " ".join(f"when {cond} then {i}" for i, (_, cond, _) in enumerate(CHECKS))
    bad = con.execute(
        f"select _line, check_no from (select _line, case {cases} end as check_no from {typed}) "
        "where check_no is not null order by _line limit 1"
    ).fetchone()
    if bad:
        column, _, problem = CHECKS[bad[1]]
        raise Rejected(drop.name, f"{column} {problem}", line=int(bad[0]) + (1 if fmt == "csv" else 0),
                       column=column)
    return int(con.execute(f"select count(*) from {typed}").fetchone()[0])


def check_duplicates(con: duckdb.DuckDBPyConnection, typed: str, file_names: list[str]) -> None:
    return None  # the url is the key: a repeated url keeps the first copy


def insert_new(con: duckdb.DuckDBPyConnection, typed: str) -> tuple[int, int]:
    total = con.execute(f"select count(*) from {typed}").fetchone()[0]
    added = con.execute(
        f"""insert into lake.articles
        select url, title, outlet, published_at, language, body
        from (select distinct on (url) * from {typed} order by url, _file, _line) t
        where not exists (select 1 from lake.articles a where a.url = t.url)"""
    ).fetchone()[0]
    return int(added), int(total - added)
