"""Parquet drops that follow the contract (data/README.md): events, mentions or articles,
told apart by their columns. Events and mentions are reshaped into GDELT's columns so
they go through exactly the same checks as GDELT files."""

from __future__ import annotations

import duckdb

from ingest import layouts
from ingest.errors import Rejected
from ingest.files import Drop
from ingest.stage import Source

_DAY, _SECOND = "'%Y%m%d'", "'%Y%m%d%H%M%S'"

# contract column -> (GDELT column, how to turn the Parquet value into GDELT's text)
EVENTS = {
    "event_id": ("GLOBALEVENTID", "{c}::varchar"),
    # A date given as text goes through as it is: SQLDATE's check reads YYYYMMDD and names the value.
    "event_date": ("SQLDATE", f"coalesce(strftime(try_cast({{c}} as date), {_DAY}), {{c}}::varchar)"),
    "actor1_code": ("Actor1Code", "{c}::varchar"),
    "actor1_name": ("Actor1Name", "{c}::varchar"),
    "actor1_cameo_country": ("Actor1CountryCode", "{c}::varchar"),
    "actor1_type": ("Actor1Type1Code", "{c}::varchar"),
    "actor2_code": ("Actor2Code", "{c}::varchar"),
    "actor2_name": ("Actor2Name", "{c}::varchar"),
    "actor2_cameo_country": ("Actor2CountryCode", "{c}::varchar"),
    "actor2_type": ("Actor2Type1Code", "{c}::varchar"),
    "is_root_event": ("IsRootEvent", "case when try_cast({c} as boolean) then '1' else '0' end"),
    "event_code": ("EventCode", "{c}::varchar"),
    "event_base_code": ("EventBaseCode", "{c}::varchar"),
    "event_root_code": ("EventRootCode", "{c}::varchar"),
    "quad_class": ("QuadClass", "{c}::varchar"),
    "goldstein": ("GoldsteinScale", "{c}::varchar"),
    "num_mentions": ("NumMentions", "{c}::varchar"),
    "num_sources": ("NumSources", "{c}::varchar"),
    "num_articles": ("NumArticles", "{c}::varchar"),
    "avg_tone": ("AvgTone", "{c}::varchar"),
    "action_geo_type": ("ActionGeo_Type", "{c}::varchar"),
    "action_geo_name": ("ActionGeo_FullName", "{c}::varchar"),
    "action_geo_country": ("ActionGeo_CountryCode", "{c}::varchar"),
    "action_geo_adm1": ("ActionGeo_ADM1Code", "{c}::varchar"),
    "action_geo_lat": ("ActionGeo_Lat", "{c}::varchar"),
    "action_geo_long": ("ActionGeo_Long", "{c}::varchar"),
    "action_geo_feature_id": ("ActionGeo_FeatureID", "{c}::varchar"),
    "date_added": ("DATEADDED", f"coalesce(strftime(try_cast({{c}} as timestamp), {_SECOND}), {{c}}::varchar)"),
    "source_url": ("SOURCEURL", "{c}::varchar"),
}
EVENTS_REQUIRED = ("event_id", "event_date", "event_code", "quad_class", "goldstein")

MENTIONS = {
    "event_id": ("GLOBALEVENTID", "{c}::varchar"),
    "event_time": ("EventTimeDate", f"coalesce(strftime(try_cast({{c}} as timestamp), {_SECOND}), {{c}}::varchar)"),
    "mention_time": ("MentionTimeDate",
                     f"coalesce(strftime(try_cast({{c}} as timestamp), {_SECOND}), {{c}}::varchar)"),
    "mention_type": ("MentionType", "{c}::varchar"),
    "source_name": ("MentionSourceName", "{c}::varchar"),
    "url": ("MentionIdentifier", "{c}::varchar"),
    "sentence_id": ("SentenceID", "{c}::varchar"),
    "actor1_char_offset": ("Actor1CharOffset", "{c}::varchar"),
    "actor2_char_offset": ("Actor2CharOffset", "{c}::varchar"),
    "action_char_offset": ("ActionCharOffset", "{c}::varchar"),
    "in_raw_text": ("InRawText", "case when try_cast({c} as boolean) then '1' else '0' end"),
    "confidence": ("Confidence", "{c}::varchar"),
    "doc_len": ("MentionDocLen", "{c}::varchar"),
    "doc_tone": ("MentionDocTone", "{c}::varchar"),
    "translation_info": ("MentionDocTranslationInfo", "{c}::varchar"),
}
MENTIONS_REQUIRED = ("event_id", "mention_time", "url")


# Contract columns that hold whole numbers. A float there passes only when whole: its text
# is then written without ".0", and "3.7" reaches the check that rejects it, never rounded.
WHOLE_NUMBERS = {"event_id", "quad_class", "num_mentions", "num_sources", "num_articles", "action_geo_type",
                 "mention_type", "sentence_id", "actor1_char_offset", "actor2_char_offset",
                 "action_char_offset", "confidence", "doc_len"}
_FLOAT_TYPES = ("FLOAT", "DOUBLE", "DECIMAL")
_WHOLE_FLOAT = "case when {c} = trunc({c}) and abs({c}) < 9007199254740992 then {c}::hugeint::varchar else {c}::varchar end"


def schema_of(con: duckdb.DuckDBPyConnection, drop: Drop) -> dict[str, str]:
    """The drop's columns and their types. Sets the session to UTC first: a timestamp with
    time zone becomes a date or a time of day in UTC, never in the zone of the loading host."""
    con.execute("set TimeZone = 'UTC'")
    try:
        rows = con.execute("describe select * from read_parquet($path)", {"path": str(drop.path)}).fetchall()
    except duckdb.Error as err:
        raise Rejected(drop.name, f"is not a readable Parquet file ({str(err).splitlines()[0][:160]})",
                       hint="write it again; the file may be truncated") from None
    return {name: dtype for name, dtype, *_ in rows}


def kind_of(columns: dict[str, str], name: str) -> str:
    if all(c in columns for c in EVENTS_REQUIRED):
        return "events"
    if all(c in columns for c in MENTIONS_REQUIRED):
        return "mentions"
    if "url" in columns and ("body" in columns or "title" in columns):
        return "articles"
    raise Rejected(
        name,
        f"its columns ({', '.join(list(columns)[:8])}) match no contract; events need "
        f"{', '.join(EVENTS_REQUIRED)}; mentions need {', '.join(MENTIONS_REQUIRED)}; "
        "articles need url and title or body",
        hint="see data/README.md for the contract",
    )


def gdelt_source(drop: Drop, kind: str, columns: dict[str, str]) -> Source:
    """A SELECT over the Parquet file shaped like a GDELT file (text columns, GDELT names)."""
    mapping = EVENTS if kind == "events" else MENTIONS
    gdelt_names = layouts.EVENTS_V2 if kind == "events" else layouts.MENTIONS
    given = dict(mapping)
    if kind == "events":  # accept the ISO code columns when the CAMEO ones are absent
        for n in (1, 2):
            if f"actor{n}_cameo_country" not in columns and f"actor{n}_country" in columns:
                given[f"actor{n}_country"] = given.pop(f"actor{n}_cameo_country")
    by_gdelt = {gdelt: _expression(col, expr, columns[col]) for col, (gdelt, expr) in given.items() if col in columns}
    fields = ", ".join(f'{by_gdelt.get(g, "null::varchar")} as "{g}"' for g in gdelt_names)
    return Source(drop, f"select 0 as _nfields, {fields} from read_parquet($path)",
                  {"path": str(drop.path), "skip": 0}, description="contract Parquet file")


def _expression(column: str, template: str, dtype: str) -> str:
    if column in WHOLE_NUMBERS and dtype.upper().startswith(_FLOAT_TYPES):
        template = _WHOLE_FLOAT
    return template.format(c=f'"{column}"')


def contract_name(kind: str, gdelt_column: str) -> str:
    mapping = EVENTS if kind == "events" else MENTIONS
    return next((c for c, (g, _) in mapping.items() if g == gdelt_column), gdelt_column)


def single_source(con: duckdb.DuckDBPyConnection, drop: Drop, columns: dict[str, str]) -> str:
    if "source" not in columns:
        return "gdelt2"
    sources = [r[0] for r in con.execute(
        "select distinct source from read_parquet($path) limit 3", {"path": str(drop.path)}).fetchall()]
    if not sources:  # no rows: nothing to key
        return "gdelt2"
    if len(sources) != 1 or sources[0] is None or len(sources[0]) > 32:
        raise Rejected(drop.name, "the source column must hold one value per file",
                       column="source", hint="split the drop by source")
    return sources[0]
