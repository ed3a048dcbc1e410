-- event_articles: the stored articles behind one event: its SOURCEURL and every mention's URL.
-- @param event_id int(0,9000000000000000000)   GLOBALEVENTID
with urls as (
    select source_url as url from events where event_id = $event_id and source_url is not null
    union
    select url from mentions where event_id = $event_id
),

final as (
    select a.url, a.title, a.outlet, a.published_at, a.language, a.body
    from articles a
    join urls using (url)
    order by a.published_at nulls last, a.url
)

select * from final
