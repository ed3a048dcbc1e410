-- feed_freshness: how current the lake is with GDELT's feed, per stream that `ingest fetch`
-- has followed: the newest 15-minute slot loaded, the newest GDELT listed when the fetcher last
-- looked, when that was, and the files that failed. No rows on a lake that never fetched.
with loaded as (
    select stream, max(slot) as newest_slot, count(*) as files, sum(rows)::bigint as rows
    from fetched_files
    where status = 'loaded'
    group by stream
),

failed as (
    select stream, count(*) as failed_files
    from fetched_files
    where status = 'failed'
    group by stream
),

looked as (
    select stream, max(newest_listed) as newest_listed, max(fetched_at) as last_fetch
    from fetch_windows
    group by stream
),

final as (
    select
        coalesce(loaded.stream, failed.stream) as stream,
        loaded.newest_slot,
        loaded.newest_slot + interval 15 minute as data_to,  -- a slot holds the 15 minutes after it
        looked.newest_listed,
        looked.last_fetch,
        coalesce(loaded.files, 0) as loaded_files,
        coalesce(loaded.rows, 0) as loaded_rows,
        coalesce(failed.failed_files, 0) as failed_files
    from loaded
    full join failed using (stream)
    left join looked on looked.stream = coalesce(loaded.stream, failed.stream)
    order by stream
)

select * from final
