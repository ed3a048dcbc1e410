-- feed_gaps: the 15-minute slots of a window that are not loaded, per stream, with why: the file
-- failed (and the reason), GDELT's list does not have it, or no fetch has looked yet.
-- @param start date                 first day, YYYY-MM-DD (UTC)
-- @param end date                   last day, YYYY-MM-DD (UTC), included
-- @param limit int(1,10000) = 500   at most this many slots, oldest first
with slots as (
    select unnest(generate_series($start::timestamp, $end::timestamp + interval 1 day - interval 15 minute,
                                  interval 15 minute)) as slot
),

streams as (
    select distinct stream from fetch_windows where stream like 'v2.%'
),

final as (
    select
        s.stream,
        slots.slot,
        case
            when f.status = 'failed' then 'failed'
            when exists (select 1 from fetch_windows w
                         where w.stream = s.stream and slots.slot >= w.window_start and slots.slot < w.window_end
                           and slots.slot <= w.newest_listed) then 'not listed by GDELT'
            else 'not fetched yet'
        end as state,
        f.reason,
        f.attempts,
        f.url
    from streams s
    cross join slots
    left join fetched_files f on f.stream = s.stream and f.slot = slots.slot
    where slots.slot >= timestamp '2015-02-18 22:45:00'  -- GDELT 2.0's first slot
      and (f.status is null or f.status = 'failed')
    order by slots.slot, s.stream
    limit $limit
)

select * from final
