"""GDELT events: from staged text columns to typed, validated rows of the events table."""

from __future__ import annotations

import duckdb

from ingest import rollups, stage
from ingest.errors import Rejected


def _text(col: str) -> str:
    return f"nullif(trim(\"{col}\"), '')"


def _long_text(col: str) -> str:
    # trim() reads every character; when both ends are printable ASCII there is nothing to
    # trim, and a long value (a URL, a place name) is kept as it is at a fraction of the cost.
    c = f'"{col}"'
    return f"nullif(case when {c}[1] between '!' and '~' and {c}[-1] between '!' and '~' then {c} else trim({c}) end, '')"


# DuckDB's casts and strptime skip surrounding ASCII whitespace, trim() Unicode spaces too
# (U+00A0, U+3000). The cast is tried first and trim() paid only where it fails (empty
# fields, odd spaces): COALESCE evaluates its second argument only for the rows still null.
# Trimming every value cost 0.4 of 4.9 CPU-seconds of a 1M-row load.
_int = stage.whole_number


def _num(col: str) -> str:
    return f"coalesce(try_cast(\"{col}\" as double), try_cast(trim(\"{col}\") as double))"


def _date(col: str, *formats: str) -> str:
    tries = [f"try_strptime({value}, '{fmt}')" for value in (f'"{col}"', f'trim("{col}")') for fmt in formats]
    return f"coalesce({', '.join(tries)})"


def _code(col: str) -> str:
    root = "try_cast(trim(\"EventRootCode\") as integer)"
    return (f"case when {root} < 10 and not starts_with(trim(\"{col}\"), '0') "
            f"then '0' || trim(\"{col}\") else {_text(col)} end")


# Canonical column -> expression over the staged GDELT columns.
TYPED = {
    "event_id": _int("GLOBALEVENTID", "bigint"),
    "event_date": f"{_date('SQLDATE', '%Y%m%d')}::date",
    "actor1_code": _text("Actor1Code"),
    "actor1_name": _long_text("Actor1Name"),
    "actor1_cameo_country": _text("Actor1CountryCode"),
    "actor1_type": _text("Actor1Type1Code"),
    "actor2_code": _text("Actor2Code"),
    "actor2_name": _long_text("Actor2Name"),
    "actor2_cameo_country": _text("Actor2CountryCode"),
    "actor2_type": _text("Actor2Type1Code"),
    "is_root_event": f"{_int('IsRootEvent')} = 1",
    # BigQuery exports store codes as integers and drop the leading zero ("20" for 020):
    # the root code in the same row says whether one is missing.
    "event_code": _code("EventCode"),
    "event_base_code": _code("EventBaseCode"),
    "event_root_code": "lpad(nullif(trim(\"EventRootCode\"), ''), 2, '0')",
    "quad_class": _int("QuadClass"),
    "goldstein": _num("GoldsteinScale"),
    "num_mentions": _int("NumMentions"),
    "num_sources": _int("NumSources"),
    "num_articles": _int("NumArticles"),
    "avg_tone": _num("AvgTone"),
    "action_geo_type": _int("ActionGeo_Type", "tinyint"),
    "action_geo_name": _long_text("ActionGeo_FullName"),
    "action_geo_country": _text("ActionGeo_CountryCode"),
    "action_geo_adm1": _text("ActionGeo_ADM1Code"),
    "action_geo_lat": _num("ActionGeo_Lat"),
    "action_geo_long": _num("ActionGeo_Long"),
    "action_geo_feature_id": _text("ActionGeo_FeatureID"),
    # 2.0 stamps the 15-minute slot (YYYYMMDDHHMMSS), 1.0 the day (YYYYMMDD).
    "date_added": _date("DATEADDED", "%Y%m%d%H%M%S", "%Y%m%d"),
    "source_url": _long_text("SOURCEURL"),
}

# Each check: (GDELT column, condition that marks a row bad, what is wrong).
CHECKS = [
    ("GLOBALEVENTID", "event_id is null", "is not a whole number"),
    ("SQLDATE", "event_date is null", "is not a date in YYYYMMDD form"),
    ("SQLDATE", "event_date < date '1979-01-01' or event_date > current_date + 1",
     "is outside 1979-01-01 .. today"),
    ("EventCode", "event_code is null or event_code not in (select event_code from lake.cameo_codes)",
     "is not a CAMEO event code"),
    ("EventRootCode", "event_root_code is null or event_root_code <> left(event_code, 2)",
     "is not the first two digits of EventCode"),
    ("EventBaseCode", "event_base_code is not null and not starts_with(event_code, event_base_code)",
     "is not the start of EventCode"),
    ("QuadClass", "quad_class is null or quad_class not between 1 and 4", "must be 1, 2, 3 or 4"),
    # (Reached only for a known EventCode and a QuadClass of 1 to 4.)
    ("QuadClass", "(event_code, quad_class) not in (select event_code, quad_class from lake.cameo_codes)",
     "does not match the CAMEO root of EventCode"),
    ("GoldsteinScale", "goldstein is null or goldstein not between -10 and 10",
     "must be a number from -10 to 10"),
    ("Actor1CountryCode", "actor1_cameo_country is not null and actor1_cameo_country not in "
     "(select cameo_code from lake.countries)", "is not a CAMEO or ISO 3166 country code"),
    ("Actor2CountryCode", "actor2_cameo_country is not null and actor2_cameo_country not in "
     "(select cameo_code from lake.countries)", "is not a CAMEO or ISO 3166 country code"),
    ("NumMentions", stage.not_whole("NumMentions", "num_mentions"), "is not a whole number"),
    ("NumSources", stage.not_whole("NumSources", "num_sources"), "is not a whole number"),
    ("NumArticles", stage.not_whole("NumArticles", "num_articles"), "is not a whole number"),
    # is_root_event is null for anything but a whole number; real rows hold 1 or 0.
    ("IsRootEvent", "not coalesce(is_root_event, false) and trim(\"IsRootEvent\") not in ('0', '')",
     "must be 0 or 1"),
    ("ActionGeo_Type", stage.not_whole("ActionGeo_Type", "action_geo_type"), "is not a whole number"),
    ("AvgTone", "(avg_tone is null and nullif(trim(\"AvgTone\"), '') is not null) "
     "or avg_tone not between -100 and 100", "must be a number from -100 to 100"),
    ("DATEADDED", "date_added is null and nullif(trim(\"DATEADDED\"), '') is not null",
     "is not a date (YYYYMMDD or YYYYMMDDHHMMSS)"),
]


def select_list(file_index: int) -> str:
    """Typed columns plus the raw text of every checked column, for one file."""
    exprs = ", ".join(f"{expr} as {name}" for name, expr in TYPED.items())
    raw = ", ".join(f'"{c}"' for c in sorted({c for c, _, _ in CHECKS}))
    return f"{file_index} as _file, $source as source, _nfields, {exprs}, {raw}"


STAGED_COLUMNS = stage.needed_columns(*TYPED.values(), *(cond for _, cond, _ in CHECKS),
                                      *(f'"{c}"' for c, _, _ in CHECKS))


# The index of the first check a row fails (in CHECKS order), else null.
_CASES = "case " + " ".join(f"when {cond} then {i}" for i, (_, cond, _) in enumerate(CHECKS)) + " end"
FAILING = f"({_CASES}) is not null"


def type_and_check(con: duckdb.DuckDBPyConnection, source: stage.Source, typed: str, source_name: str,
                   file_index: int) -> int:
    """Read, type and check one file into temp table `typed`; reject on its first bad row."""
    select = select_list(file_index)
    params = {"source": source_name}
    rows = stage.materialize(con, typed, source, select, params)
    if con.execute(f"select 1 from {typed} t where {FAILING} limit 1").fetchone():
        row = stage.first_row(con, source, select, "_check is not null", params, extra=f"{_CASES} as _check")
        column, _, problem = CHECKS[row["_check"]]
        value = row[column]
        shown = "empty" if value is None else repr(str(value)[:60])
        raise Rejected(source.drop.name, f"{shown} {problem}", line=row["_row"], column=column)
    return rows


# The parts of an event that never change between re-emissions of the same id.
IDENTITY = "hash(event_date, actor1_code, actor2_code, event_code, goldstein, source_url)"
# GDELT 1.0's backfile reuses some GLOBALEVENTIDs for different events (seen in the real
# Georgia 2011 files). There, an id clash with different content is two events, not an error.
REUSED_IDS = "'gdelt1'"


def _identity(alias: str) -> str:
    return IDENTITY.replace("(", f"({alias}.", 1).replace(", ", f", {alias}.")


# Every typed column: within one file an id stands for one row, whatever column differs.
WHOLE_ROW = f"hash({', '.join(TYPED)})"


def check_duplicates(con: duckdb.DuckDBPyConnection, typed: str, sources: list[stage.Source]) -> None:
    """Same id twice is fine if identical, an error if not (except where GDELT reuses ids).
    Within one file, identical means every column: keeping one of two rows that differ (say in
    NumMentions) would drop the other without a word."""
    clash = con.execute(
        f"select event_id, _file from {typed} where source not in ({REUSED_IDS}) "
        f"group by event_id, source, _file having count(distinct {WHOLE_ROW}) > 1 order by 2, 1 limit 1"
    ).fetchone()
    if clash:
        raise _id_rejection(con, sources[clash[1]], clash[1], clash[0],
                            f"event {clash[0]} appears more than once in this file with different content",
                            "keep one row per event id")
    clash = con.execute(
        f"select event_id, min(_file) from {typed} where source not in ({REUSED_IDS}) "
        f"group by event_id, source having count(distinct {IDENTITY}) > 1 order by 2, 1 limit 1"
    ).fetchone()
    if clash:
        raise _id_rejection(con, sources[clash[1]], clash[1], clash[0],
                            f"event {clash[0]} appears more than once with different content",
                            "keep one row per event id")
    stored = con.execute(
        f"select t.event_id, t._file from {typed} t join lake.events e "
        f"on e.event_id = t.event_id and e.source = t.source "
        f"where t.source not in ({REUSED_IDS}) and {_identity('t')} <> {_identity('e')} "
        f"order by t._file, t.event_id limit 1"
    ).fetchone()
    if stored:
        raise _id_rejection(con, sources[stored[1]], stored[1], stored[0],
                            f"event {stored[0]} is already stored with different content",
                            "GDELT ids never change meaning; check where this file came from")


def _id_rejection(con, source: stage.Source, file_index: int, event_id: int, problem: str, hint: str) -> Rejected:
    line = stage.line_of(con, source, select_list(file_index), "event_id = $dup_id", {"dup_id": event_id})
    return Rejected(source.drop.name, problem, line=line, column="GLOBALEVENTID", hint=hint)


# Typed rows (alias t) -> the columns of lake.events, in order.
EVENT_COLUMNS = """
    event_id, source, event_date,
    actor1_code, actor1_name, actor1_cameo_country, c1.code as actor1_country,
    c1.is_state as actor1_is_state, actor1_type,
    actor2_code, actor2_name, actor2_cameo_country, c2.code as actor2_country,
    c2.is_state as actor2_is_state, actor2_type,
    is_root_event, event_code, event_base_code, event_root_code, quad_class, goldstein,
    num_mentions, num_sources, num_articles, avg_tone,
    action_geo_type, action_geo_name, action_geo_country, action_geo_adm1,
    action_geo_lat, action_geo_long, action_geo_feature_id, date_added, source_url,
    least(c1.code, c2.code) as pair_a, greatest(c1.code, c2.code) as pair_b"""
COUNTRY_JOINS = """
    left join lake.countries c1 on c1.cameo_code = t.actor1_cameo_country
    left join lake.countries c2 on c2.cameo_code = t.actor2_cameo_country"""

# The rows the open transaction wrote to lake.events: DuckLake gives them a snapshot id only
# when it commits. Reading them back is cheap: the filter skips every committed file.
NEW_ROWS = "(select * from lake.events where snapshot_id is null)"


# Bytes of input text per INSERT: DuckLake sorts each INSERT's rows by the table's sort key as it
# writes them, and one sort of 10M rows spilled to disk at 4.6 GB RSS (128 s, where 1M took 4.6 s).
# Several INSERTs of about 1M rows each, in the same transaction, keep it one commit at the cost
# of one sort per chunk. (A raw GDELT 2.0 row is about 250 bytes of text.)
CHUNK_BYTES = 256 * 1024 * 1024
GZIP_RATIO = 8  # a .gz drop's text is about this many times its size


def _chunks(sources: list[stage.Source]) -> list[list[int]]:
    """Consecutive groups of source indexes, each of at most CHUNK_BYTES of text (a larger
    single file is a group of its own)."""
    limit = CHUNK_BYTES
    groups: list[list[int]] = []
    size = 0
    for index, source in enumerate(sources):
        path = source.drop.path
        text = path.stat().st_size * (GZIP_RATIO if path.name.lower().endswith(".gz") else 1)
        if groups and size + text <= limit:
            groups[-1].append(index)
            size += text
        else:
            groups.append([index])
            size = text
    return groups


def insert_checked(con: duckdb.DuckDBPyConnection, sources: list[stage.Source]) -> int:
    """Inside the commit: read every file, type and check each row and write it to lake.events,
    with no table in between, in one statement per chunk of about CHUNK_BYTES of input. A row that
    fails a check (or has the wrong number of fields) aborts the statement with a duckdb.Error
    that says nothing more: the caller then rolls back and takes the checked path, which names
    the file, line and column. Returns the rows written, which are all the rows read."""
    return sum(_insert_chunk(con, sources, group) for group in _chunks(sources))


def _insert_chunk(con: duckdb.DuckDBPyConnection, sources: list[stage.Source], indexes: list[int]) -> int:
    selects, params = [], {}
    for index in indexes:
        source = sources[index]
        counts = ", ".join(str(n) for n in source.allowed_counts)
        fields_ok = f"_nfields in ({counts})" if counts else "true"
        sql, bound = stage.numbered(f"select {select_list(index)}, {fields_ok} as _fields_ok from ({source.sql})",
                                    source.params, index)
        selects.append(sql)
        params.update(bound)
    sql = (f"insert into lake.events select {EVENT_COLUMNS} from ({' union all '.join(selects)}) t {COUNTRY_JOINS} "
           f"where case when not _fields_ok or {FAILING} then error('a row fails a check') else true end")
    # DuckDB cannot tell how many rows a file holds and would build its hash tables on the file's
    # rows; the small reference tables must be the build side.
    con.execute("set disabled_optimizers = 'build_side_probe_side'")
    try:
        return int(con.execute(sql, params).fetchone()[0])
    finally:
        con.execute("reset disabled_optimizers")


def written_rows_are_new(con: duckdb.DuckDBPyConnection) -> bool:
    """After insert_checked: no event was written twice and none was stored before. Otherwise
    the caller rolls back and takes the checked path, which deduplicates or rejects."""
    def repeated(key: str) -> bool:
        return con.execute(f"select 1 from {NEW_ROWS} group by {key} having count(*) > 1 limit 1").fetchone() is not None

    # Ids are usually distinct; only then is the dearer key worth grouping by: GDELT 1.0's
    # reused ids with different content are two events, kept as they are.
    if repeated("event_id, source") and repeated(
            f"event_id, source, case when source in ({REUSED_IDS}) then {IDENTITY} else 0 end"):
        return False
    stored = con.execute(
        f"select 1 from {NEW_ROWS} t semi join (select event_id, source from lake.events "
        "where snapshot_id is not null) e using (event_id, source) limit 1").fetchone()
    return stored is None


def prepare_new(con: duckdb.DuckDBPyConnection, typed: str) -> tuple[int, int]:
    """Temp table new_events: the rows not stored yet, shaped like lake.events. Runs before the
    commit's transaction (a transaction may write to one database only: the lake).
    Returns (new rows, duplicates skipped)."""
    total, distinct = con.execute(f"select count(*), count(distinct (event_id, source)) from {typed}").fetchone()
    repeats = distinct < total  # dedupe within the drop only when it has repeated ids: it costs a sort
    identity = f"case when source in ({REUSED_IDS}) then {IDENTITY} else 0 end"
    same_event = (
        "e.event_id = t.event_id and e.source = t.source "
        f"and (t.source not in ({REUSED_IDS}) or {_identity('e')} = {_identity('t')})"
    )
    con.execute(
        f"""
        create or replace temp table new_events as
        with fresh as (
            select * from {typed} t
            where not exists (select 1 from lake.events e where {same_event})
            {"qualify row_number() over (partition by event_id, source, " + identity + ") = 1" if repeats else ""}
        )
        select {EVENT_COLUMNS} from fresh t {COUNTRY_JOINS}
        """
    )
    added = con.execute("select count(*) from new_events").fetchone()[0]
    return int(added), int(total - added)


def insert_new(con: duckdb.DuckDBPyConnection, typed: str) -> tuple[int, int]:
    """Inside the commit: write new_events and their rollups. DuckLake sorts the rows by the
    table's sort key (pair, then date) as it writes them; an ORDER BY here would sort twice."""
    added = con.execute("insert into lake.events select * from new_events").fetchone()[0]
    rollups.add(con, "new_events")
    return int(added), 0
