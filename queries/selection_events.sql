-- selection_events: the events behind a chart mark: a pair in a date window, optionally one
-- direction, quad class or CAMEO code, newest first, one page at a time. Raw event rows.
-- direction: a_to_b when the initiator (actor 1; the guest for 042/043) is country a, as the
-- Pair page's bars count them (pair_activity.sql).
-- @param a country                          first country (ISO 3166 alpha-3)
-- @param b country                          second country
-- @param start date                         first event date, YYYY-MM-DD
-- @param end date                           last event date, YYYY-MM-DD
-- @param direction enum(both,a_to_b,b_to_a) = both  events initiated by a (a_to_b), by b, or both
-- @param quad_classes ints(1,4) = all       quad classes to keep
-- @param root_codes ints(1,20) = all        CAMEO root codes to keep
-- @param event_code cameo = any             one CAMEO code (e.g. 042), or any
-- @param source_language language = any     only events reported in this source language (ISO 639-3, e.g. ara), or any
-- @param limit int(1,1000) = 100            rows per page
-- @param offset int(0,100000000) = 0        rows to skip (page x limit)
with selected as (
    select *, count(*) over () as total_rows
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date between $start and $end
      and ($direction = 'both'
           or (initiator(event_code, actor1_country, actor2_country) = $a) = ($direction = 'a_to_b'))
      and list_contains($quad_classes, quad_class)
      and list_contains($root_codes, event_root_code::integer)
      and ($event_code = 'any' or event_code = $event_code)
      and ($source_language = 'any' or event_id in (
          select m.event_id from mentions m where m.language = $source_language))
),

page as (
    select
        s.event_id, s.event_date,
        s.actor1_name, s.actor1_country, s.actor2_name, s.actor2_country,
        s.event_code, c.description as event_description, s.quad_class,
        s.goldstein, s.avg_tone, s.num_mentions, s.num_sources, s.action_geo_name, s.source_url,
        s.total_rows
    from selected s
    left join cameo_codes c on c.event_code = s.event_code
    order by s.event_date desc, s.event_id
    limit $limit offset $offset
),

titles as (  -- only the page's rows are looked up
    select url, any_value(title) as title
    from articles
    where url in (select source_url from page)
    group by url
),

final as (
    select p.* exclude (total_rows), t.title as article_title, p.total_rows
    from page p
    left join titles t on t.url = p.source_url
    order by p.event_date desc, p.event_id
)

select * from final
