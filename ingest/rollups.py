"""Rollups: small tables that answer the wide questions (all pairs, all dates) without
scanning every event. They are append-only deltas written in the same commit as the events
they summarise, so every snapshot's rollups match its events exactly; queries sum them.

- pair_month: events between two different countries per pair, month, quad class, root code
  and direction (whether the initiator is pair_a).
- day_volume: all events per event date (the denominator of "share of all events").
- country_month: events involving each country per month (an event of two actors of the
  same country counts once).
queries/runner.py says which queries read them; tests/test_rollups.py checks they agree
with the raw rows.
"""

from __future__ import annotations

import duckdb

from queries import macros

ROLLUP_TABLES = ("pair_month", "day_volume", "country_month")


def add(con: duckdb.DuckDBPyConnection, new_events: str) -> None:
    """Append the rollup rows of the events in `new_events` (a table shaped like lake.events)."""
    macros.define(con)  # both_states, initiator: the rules the queries apply (queries/shared/macros.sql)
    con.execute(f"""
        insert into lake.pair_month
        select pair_a, pair_b, date_trunc('month', event_date)::date, quad_class, event_root_code,
               both_states(actor1_is_state, actor2_is_state),
               count(*), count(*) filter (where num_sources > 1), sum(goldstein),
               sum(avg_tone), count(avg_tone),
               initiator(event_code, actor1_country, actor2_country) = pair_a
        from {new_events}
        where pair_a <> pair_b
        group by all
    """)
    con.execute(f"""
        insert into lake.day_volume
        select event_date, count(*), max(date_added) from {new_events} group by all
    """)
    con.execute(f"""
        insert into lake.country_month
        select code, date_trunc('month', event_date)::date, count(*)
        from (select actor1_country as code, event_date from {new_events}
              union all  -- actor 2 unless the same country: an event counts once per country
              select actor2_country, event_date from {new_events}
              where actor2_country is distinct from actor1_country)
        where code is not null
        group by all
    """)


def has_direction(con: duckdb.DuckDBPyConnection) -> bool:
    """Lakes made before pair_month had initiator_is_a lack it (store.ensure_schema adds it)."""
    return bool(con.execute("select count(*) from duckdb_columns() where database_name = 'lake' "
                            "and table_name = 'pair_month' and column_name = 'initiator_is_a'").fetchone()[0])


def backfill(con: duckdb.DuckDBPyConnection) -> None:
    """Build the rollups of an older lake from its events (inside the caller's transaction)."""
    for table in ROLLUP_TABLES:
        con.execute(f"delete from lake.{table}")
    add(con, "lake.events")
