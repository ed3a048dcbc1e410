"""Articles: url, title, outlet, published time, language and body text, linked to events by URL.

Accepts JSONL, CSV with a header, Parquet, or plain text (.txt) that starts with `key: value`
lines (url, title, outlet, published_at, language) and a blank line before the body. Articles
without a language get one detected (py3langid). New articles are then coded into country-pair
events (ingest/coder) in the same commit: table coded_events.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path

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
    if fmt == "txt":
        return "read_json($path, format = 'newline_delimited', columns = {" + ", ".join(
            f"'{c}': 'VARCHAR'" for c in COLUMNS) + "})"
    if fmt == "parquet":
        return "read_parquet($path)"
    if fmt == "jsonl":
        return "read_json($path, format = 'newline_delimited', columns = {" + ", ".join(
            f"'{c}': 'VARCHAR'" for c in COLUMNS) + "})"
    return "read_csv($path, header = true, all_varchar = true, strict_mode = true)"


_FRONT_MATTER = re.compile(r"^(url|title|outlet|published_at|language)\s*:\s*(.*)$")


def text_to_jsonl(drop: Drop, out_path: Path) -> None:
    """A .txt article (front matter, blank line, body) as one JSON line for the JSONL reader."""
    try:
        text = drop.path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise Rejected(drop.name, f"is not UTF-8 text (byte {err.start})", hint="save it as UTF-8") from None
    head, _, body = text.partition("\n\n")
    record: dict[str, str] = {}
    for number, line in enumerate(head.splitlines(), start=1):
        match = _FRONT_MATTER.match(line.strip())
        if not match:
            raise Rejected(drop.name, f"line {number} is not 'key: value' with key url, title, outlet, "
                           "published_at or language", hint="start with those lines, then a blank line, then the body")
        record[match.group(1)] = match.group(2).strip()
    if "url" not in record:
        raise Rejected(drop.name, "has no 'url:' line before the body", hint="add 'url: https://...' on top")
    record["body"] = body.strip()
    out_path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")


def stage_and_check(con: duckdb.DuckDBPyConnection, drop: Drop, fmt: str, index: int, typed: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = drop.path
        if fmt == "txt":
            path = Path(tmp) / "article.jsonl"
            text_to_jsonl(drop, path)
        try:
            con.execute(f"create or replace temp table staged_articles as select * from {_reader(drop, fmt)}",
                        {"path": str(path)})
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
    _detect_languages(con, typed)
    return int(con.execute(f"select count(*) from {typed}").fetchone()[0])


def check_duplicates(con: duckdb.DuckDBPyConnection, typed: str, file_names: list[str]) -> None:
    return None  # the url is the key: a repeated url keeps the first copy


def _detect_languages(con: duckdb.DuckDBPyConnection, typed: str) -> None:
    missing = con.execute(f"select distinct url, concat_ws(' ', title, body) from {typed} where language is null"
                          ).fetchall()
    if not missing:
        return
    from ingest.coder import coder  # imported when needed: `ingest gdelt` does not pay for it

    con.execute("create or replace temp table detected_language (url varchar, language varchar)")
    con.executemany("insert into detected_language values (?, ?)",
                    [(url, coder.detect_language(text)) for url, text in missing if text.strip()])
    con.execute(f"update {typed} set language = d.language from detected_language d "
                f"where {typed}.url = d.url and {typed}.language is null")


def insert_new(con: duckdb.DuckDBPyConnection, typed: str) -> tuple[int, int]:
    """Add the articles whose url is new (a repeated url keeps the first copy); they stay in
    temp table new_articles for code_new()."""
    total = con.execute(f"select count(*) from {typed}").fetchone()[0]
    con.execute(
        f"""create or replace temp table new_articles as
        select url, title, outlet, published_at, language, body
        from (select distinct on (url) * from {typed} order by url, _file, _line) t
        where not exists (select 1 from lake.articles a where a.url = t.url)"""
    )
    added = con.execute("insert into lake.articles select * from new_articles").fetchone()[0]
    return int(added), int(total - added)


CODED_COLUMNS = (
    "event_id", "source", "event_date", "date_basis", "actor1_country", "actor2_country", "direction_known",
    "event_code", "event_root_code", "quad_class", "goldstein", "avg_tone", "url", "field", "sentence",
    "sentence_start", "sentence_end", "confidence", "cue", "language", "coder_version", "pair_a", "pair_b",
)


def code_new(con: duckdb.DuckDBPyConnection, batch: int = 2_000) -> int:
    """Code the articles insert_new() just added into lake.coded_events. Returns the events added."""
    import pyarrow as pa

    from ingest.coder import coder

    added, offset = 0, 0
    while chunk := con.execute("select url, title, body, published_at, language from new_articles "
                               "order by url limit $batch offset $offset",
                               {"batch": batch, "offset": offset}).fetchall():
        offset += len(chunk)
        # An article with no publication date (none given, none in its URL) gives undated
        # events: they cannot be placed on a timeline, so they are not stored.
        events = [e for url, title, body, published, language in chunk
                  for e in coder.code_article(coder.Article(
                      url, title, body, published.date() if isinstance(published, dt.datetime) else published,
                      language)) if e.event_date is not None]
        if not events:
            continue
        # Registered by name, not found by DuckDB's scan of the caller's variables: that scan
        # misses it when the connection is wrapped (bench_ingest.py's timing wrapper).
        con.register("coded_batch", pa.table({name: [_coded_value(e, name) for e in events] for name in CODED_COLUMNS}))
        try:
            # Same connection, same transaction: the events commit with their articles or not at all.
            added += con.execute("insert into lake.coded_events select * from coded_batch t where not exists "
                                 "(select 1 from lake.coded_events c where c.event_id = t.event_id)").fetchone()[0]
        finally:
            con.unregister("coded_batch")
    return int(added)


def _coded_value(event, column: str):  # event: ingest.coder.coder.CodedEvent
    match column:
        case "source":
            return "coder"
        case "actor1_country" | "actor2_country":
            return getattr(event, column.split("_")[0])
        case "event_root_code":
            return event.root_code
        case "avg_tone":
            return event.tone
        case "sentence_start" | "sentence_end":
            return getattr(event, column.removeprefix("sentence_"))
        case "coder_version":
            from ingest.coder.coder import VERSION

            return VERSION
        case "pair_a" | "pair_b":
            return sorted((event.actor1, event.actor2))[column == "pair_b"]
        case _:
            return getattr(event, column)
