"""GDELT 2.0 mentions: which article reported which event, when, and in what language."""

from __future__ import annotations

import duckdb

from ingest import stage
from ingest.errors import Rejected

_TS = "try_strptime(trim(\"{c}\"), '%Y%m%d%H%M%S')"
TYPED = {
    "event_id": stage.whole_number("GLOBALEVENTID", "bigint"),
    "event_time": _TS.format(c="EventTimeDate"),
    "mention_time": _TS.format(c="MentionTimeDate"),
    "mention_type": stage.whole_number("MentionType", "tinyint"),
    "source_name": "nullif(trim(\"MentionSourceName\"), '')",
    "url": "nullif(trim(\"MentionIdentifier\"), '')",
    "sentence_id": stage.whole_number("SentenceID", "integer"),
    "actor1_char_offset": stage.whole_number("Actor1CharOffset", "integer"),
    "actor2_char_offset": stage.whole_number("Actor2CharOffset", "integer"),
    "action_char_offset": stage.whole_number("ActionCharOffset", "integer"),
    "in_raw_text": stage.whole_number("InRawText", "integer") + " = 1",
    "confidence": stage.whole_number("Confidence", "tinyint"),
    "doc_len": stage.whole_number("MentionDocLen", "integer"),
    "doc_tone": "try_cast(trim(\"MentionDocTone\") as double)",
    "translation_info": "nullif(trim(\"MentionDocTranslationInfo\"), '')",
    # "srclc:ara;eng:GT-ARA 1.0" -> ara; no translation info means the original was English.
    "language": "coalesce(nullif(regexp_extract(\"MentionDocTranslationInfo\", 'srclc:([a-z]{3})', 1), ''), 'eng')",
}

_WHOLE = {"SentenceID": "sentence_id", "Actor1CharOffset": "actor1_char_offset",
          "Actor2CharOffset": "actor2_char_offset", "ActionCharOffset": "action_char_offset",
          "MentionDocLen": "doc_len", "MentionType": "mention_type"}
# (Not Confidence: its raw and typed columns share a name, as DuckDB compares names.)

CHECKS = [
    ("GLOBALEVENTID", "event_id is null", "is not a whole number"),
    *((raw, stage.not_whole(raw, typed), "is not a whole number") for raw, typed in _WHOLE.items()),
    ("MentionTimeDate", "mention_time is null", "is not a timestamp in YYYYMMDDHHMMSS form"),
    ("MentionIdentifier", "url is null", "is empty"),
    ("MentionType", "mention_type is not null and mention_type not between 1 and 6", "must be 1 to 6"),
    ("Confidence", "confidence is not null and confidence not between 0 and 100", "must be 0 to 100"),
]

# One mention is one report of an event in one sentence of one article: GDELT can list the
# same article twice for one event (e.g. with the actors' offsets swapped), and both count.
KEY = "event_id, url, mention_time, sentence_id, actor1_char_offset, actor2_char_offset, action_char_offset"


def select_list(file_index: int) -> str:
    exprs = ", ".join(f"{expr} as {name}" for name, expr in TYPED.items())
    raw = ", ".join(f'"{c}"' for c in sorted({c for c, _, _ in CHECKS}))
    return f"{file_index} as _file, _nfields, {exprs}, {raw}"


STAGED_COLUMNS = stage.needed_columns(*TYPED.values(), *(cond for _, cond, _ in CHECKS),
                                      *(f'"{c}"' for c, _, _ in CHECKS))


def type_and_check(con: duckdb.DuckDBPyConnection, source: stage.Source, typed: str, file_index: int) -> int:
    """Read, type and check one mentions file into temp table `typed`; reject on its first bad row."""
    select = select_list(file_index)
    rows = stage.materialize(con, typed, source, select)
    cases = " ".join(f"when {cond} then {i}" for i, (_, cond, _) in enumerate(CHECKS))
    if con.execute(f"select 1 from {typed} where (case {cases} end) is not null limit 1").fetchone():
        row = stage.first_row(con, source, select, "_check is not null", extra=f"case {cases} end as _check")
        column, _, problem = CHECKS[row["_check"]]
        value = row[column]
        shown = "empty" if value is None else repr(str(value)[:60])
        raise Rejected(source.drop.name, f"{shown} {problem}", line=row["_row"], column=column)
    return rows


def check_duplicates(con: duckdb.DuckDBPyConnection, typed: str, sources: list) -> None:
    return None  # a mention is its whole key: a repeat of the key is the same mention


def insert_new(con: duckdb.DuckDBPyConnection, typed: str) -> tuple[int, int]:
    """Write the mentions not stored yet; DuckLake sorts them by event_id (the table's sort key)."""
    total = con.execute(f"select count(*) from {typed}").fetchone()[0]
    columns = ", ".join(TYPED)
    added = con.execute(
        f"""
        insert into lake.mentions ({columns})
        select {columns} from (select distinct on ({KEY}) * from {typed}) t
        where not exists (
            select 1 from lake.mentions m
            where m.event_id = t.event_id and m.url = t.url and m.mention_time = t.mention_time
              and m.sentence_id is not distinct from t.sentence_id
              and m.actor1_char_offset is not distinct from t.actor1_char_offset
              and m.actor2_char_offset is not distinct from t.actor2_char_offset
              and m.action_char_offset is not distinct from t.action_char_offset
        )
        """
    ).fetchone()[0]
    return int(added), int(total - added)
