-- feed_failures: files GDELT lists that the fetcher could not fetch, verify or load, newest
-- first, with the reason; each is tried again at the next fetch.
-- @param limit int(1,1000) = 100    at most this many files
with final as (
    select stream, slot, url, reason, attempts, fetched_at as last_tried
    from fetched_files
    where status = 'failed'
    order by slot desc, stream
    limit $limit
)

select * from final
