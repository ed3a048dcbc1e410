-- event_mentions: every GDELT mention of one event: outlet, time, confidence, tone, language,
-- and whether it is the first report (mentioned in the slot the event was added) or a later echo.
-- @param event_id int(0,9000000000000000000)   GLOBALEVENTID
with event_added as (
    select min(date_added) as date_added from events where event_id = $event_id
),

final as (
    select
        m.source_name as outlet,
        m.mention_time,
        m.confidence,
        m.doc_tone,
        m.language,
        m.mention_time <= (select date_added from event_added) as first_report,
        m.mention_type,
        m.url
    from mentions m
    where m.event_id = $event_id
    order by m.mention_time, m.source_name
)

select * from final
