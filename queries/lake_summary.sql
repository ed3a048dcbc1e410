-- lake_summary: one row describing the loaded events: how many, which dates, how many pairs.
with final as (
    select
        count(*) as events,
        count(*) filter (where pair_a <> pair_b) as dyadic_events,
        count(distinct (pair_a, pair_b)) filter (where pair_a <> pair_b) as pairs,
        min(event_date) as first_date,
        max(event_date) as last_date,
        max(date_added) as last_added
    from events
)

select * from final
