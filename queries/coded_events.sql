-- coded_events: events the article coder (ingest/coder) found between two countries, with the
-- sentence each came from and its article. Not GDELT rows: the Pair page shows them as their
-- own layer and never adds them to GDELT's counts.
-- @param a country                          first country (ISO 3166 alpha-3)
-- @param b country                          second country
-- @param start date                         first event date, YYYY-MM-DD
-- @param end date                           last event date, YYYY-MM-DD
-- @param limit int(1,10000) = 200           at most this many rows
with pair_coded as (
    select *
    from coded_events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date between $start and $end
),

final as (
    select
        e.event_id,
        e.event_date,
        e.date_basis,
        e.actor1_country,
        e.actor2_country,
        e.direction_known,
        e.event_code,
        c.description as event_description,
        e.event_root_code,
        e.quad_class,
        e.goldstein,
        e.confidence,
        e.sentence,
        e.field,
        e.sentence_start,
        e.sentence_end,
        e.url,
        a.title as article_title,
        a.body as article_body,
        a.outlet,
        a.published_at,
        coalesce(a.language, e.language) as language
    from pair_coded e
    left join cameo_codes c on c.event_code = e.event_code
    left join articles a on a.url = e.url
    order by e.event_date, e.confidence desc, e.event_id
    limit $limit
)

select * from final
