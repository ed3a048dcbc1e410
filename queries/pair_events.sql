-- pair_events: the event rows between two countries, in either direction, by date.
-- @param a country                          first country (ISO 3166 alpha-3)
-- @param b country                          second country
-- @param start date                         first event date, YYYY-MM-DD
-- @param end date                           last event date, YYYY-MM-DD
-- @param limit int(1,100000) = 1000         at most this many rows
-- @param quad_classes ints(1,4) = all       quad classes to keep
-- @param root_codes ints(1,20) = all        CAMEO root codes to keep
with pair_events as (
    select *
    from events
    where pair_a = least($a, $b) and pair_b = greatest($a, $b)
      and pair_a <> pair_b
      and event_date between $start and $end
      and list_contains($quad_classes, quad_class)
      and list_contains($root_codes, event_root_code::integer)
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
        a.title as article_title
    from pair_events e
    left join cameo_codes c on c.event_code = e.event_code
    left join articles a on a.url = e.source_url
    order by e.event_date, e.event_id
    limit $limit
)

select * from final
