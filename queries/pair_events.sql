-- pair_events: the event rows between two countries, in either direction, by date, and how many
-- rows match in all (matching_rows, the same on every row: the page shows the first `limit`).
-- @param a country                          first country (ISO 3166 alpha-3)
-- @param b country                          second country
-- @param start date                         first event date, YYYY-MM-DD
-- @param end date                           last event date, YYYY-MM-DD
-- @param limit int(1,100000) = 1000         at most this many rows
-- @param quad_classes ints(1,4) = all       quad classes to keep
-- @param root_codes ints(1,20) = all        CAMEO root codes to keep
with matching as (
    select *
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date between $start and $end
      and list_contains($quad_classes, quad_class)
      and list_contains($root_codes, event_root_code::integer)
),

pair_events as (
    -- the page of rows first (limit before the joins): only these rows' other columns are read
    select event_id, event_date, actor1_country, actor1_name, actor2_country, actor2_name, event_code,
           quad_class, goldstein, avg_tone, num_mentions, num_sources, action_geo_name, source_url
    from matching
    order by event_date, event_id
    limit $limit
),

total as (
    select count(*) as matching_rows from matching
),

titles as (
    select url, any_value(title) as title
    from articles
    where url in (select source_url from pair_events)
    group by url
),

final as (
    select
        e.event_id,
        e.event_date,
        e.actor1_country,
        e.actor1_name,
        e.actor2_country,
        e.actor2_name,
        e.event_code,
        c.description as event_description,
        e.quad_class,
        e.goldstein,
        e.avg_tone,
        e.num_mentions,
        e.num_sources,
        e.action_geo_name,
        e.source_url,
        t.title as article_title,
        total.matching_rows
    from pair_events e
    cross join total
    left join cameo_codes c on c.event_code = e.event_code
    left join titles t on t.url = e.source_url
    order by e.event_date, e.event_id
)

select * from final
