-- volume_by_period: all event rows per period, any actors: the denominator for "share of all events".
-- Read from the day_volume rollup (ingest/rollups.py), exact at every grain.
-- @param start date                                       first event date, YYYY-MM-DD
-- @param end date                                         last event date, YYYY-MM-DD
-- @param grain enum(day,week,month,quarter,year) = month  period length
with final as (
    select date_trunc($grain, event_date)::date as period, sum(events)::bigint as events
    from day_volume
    where event_date between $start and $end
    group by all
    order by period
)

select * from final
