-- pair_top_events: the most reported events between two countries in a window (by mentions),
-- with their CAMEO description, source URL and the stored article's title where there is one.
-- @param a country                 first country (ISO 3166 alpha-3)
-- @param b country                 second country
-- @param start date                first event date, YYYY-MM-DD
-- @param end date                  last event date, YYYY-MM-DD
-- @param limit int(1,100) = 5      how many events
with pair_events as (
    select *
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date between $start and $end
),

final as (
    select
        e.event_id, e.event_date, e.actor1_name, e.actor1_country, e.actor2_name, e.actor2_country,
        e.event_code, c.description as event_description, e.quad_class, e.goldstein,
        e.num_mentions, e.num_sources, e.source_url, a.title as article_title
    from pair_events e
    left join cameo_codes c on c.event_code = e.event_code
    left join articles a on a.url = e.source_url
    order by e.num_mentions desc nulls last, e.num_sources desc nulls last, e.event_date desc, e.event_id
    limit $limit
)

select * from final
