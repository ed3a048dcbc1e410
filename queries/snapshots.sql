-- snapshots: the lake's commit history: when, what each commit did, and the rows it added.
-- Every ingest is one commit; commit_extra_info holds the ingest summary as JSON.
with final as (
    select
        snapshot_id as snapshot,
        snapshot_time,
        coalesce(commit_message, array_to_string(map_keys(changes), ', ')) as commit,
        json_extract(commit_extra_info, '$.added.events')::bigint as events_added,
        json_extract(commit_extra_info, '$.added.mentions')::bigint as mentions_added,
        json_extract(commit_extra_info, '$.added.articles')::bigint as articles_added,
        json_extract(commit_extra_info, '$.duplicates')::bigint as duplicates_skipped
    from snapshots()
    order by snapshot_id desc
)

select * from final
