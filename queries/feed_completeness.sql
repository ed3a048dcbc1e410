-- feed_completeness: GDELT 2.0's 15-minute slots of a window, per stream the fetcher follows:
-- how many the window should have, how many are loaded, failed (GDELT lists them, the file could
-- not be fetched or was rejected), not listed (a fetch looked and GDELT's list lacks them) and not
-- fetched yet (no fetch has looked at them).
-- @param start date                 first day, YYYY-MM-DD (UTC)
-- @param end date                   last day, YYYY-MM-DD (UTC), included
with slots as (
    select unnest(generate_series($start::timestamp, $end::timestamp + interval 1 day - interval 15 minute,
                                  interval 15 minute)) as slot
),

streams as (
    select distinct stream from fetch_windows where stream like 'v2.%'
),

expected as (
    select streams.stream, slots.slot
    from streams, slots
    where slots.slot >= timestamp '2015-02-18 22:45:00'  -- GDELT 2.0's first slot
),

classified as (
    select
        e.stream,
        e.slot,
        case
            when f.status is not null then f.status
            when exists (select 1 from fetch_windows w
                         where w.stream = e.stream and e.slot >= w.window_start and e.slot < w.window_end
                           and e.slot <= w.newest_listed) then 'not listed'
            else 'not fetched'
        end as state
    from expected e
    left join fetched_files f on f.stream = e.stream and f.slot = e.slot
),

final as (
    select
        stream,
        count(*) as expected,
        count(*) filter (where state = 'loaded') as loaded,
        count(*) filter (where state = 'failed') as failed,
        count(*) filter (where state = 'not listed') as not_listed,
        count(*) filter (where state = 'not fetched') as not_fetched
    from classified
    group by stream
    order by stream
)

select * from final
