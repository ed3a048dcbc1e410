-- lake_summary: one row describing the loaded events: how many, which dates, how many pairs.
-- Read from the rollups (ingest/rollups.py), which hold exactly the events' totals.
-- coded_events: rows the article coder added (not GDELT events); the Pair page skips its
-- coded-events query when there are none (an empty lake table is slow to scan in full).
with days as (
    select sum(events)::bigint as events, min(event_date) as first_date, max(event_date) as last_date,
           max(last_added) as last_added
    from day_volume
),

pairs as (
    select sum(events)::bigint as dyadic_events, count(distinct (pair_a, pair_b)) as pairs from pair_month
),

final as (
    select
        coalesce(days.events, 0) as events,
        coalesce(pairs.dyadic_events, 0) as dyadic_events,
        pairs.pairs,
        days.first_date,
        days.last_date,
        days.last_added,
        (select count(*) from coded_events) as coded_events
    from days, pairs
)

select * from final
