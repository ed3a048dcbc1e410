-- pair_top_sources: the most cited articles (SOURCEURL) between two countries in a window,
-- with their outlet (the URL's host) and how many events and mentions point to them.
-- @param a country                 first country (ISO 3166 alpha-3)
-- @param b country                 second country
-- @param start date                first event date, YYYY-MM-DD
-- @param end date                  last event date, YYYY-MM-DD
-- @param limit int(1,100) = 5      how many articles
with pair_rows as (
    select source_url, num_mentions
    from events
    where pair_a = least($a, $b) and pair_b = greatest($a, $b)
      and pair_a <> pair_b
      and event_date between $start and $end
      and source_url like 'http%'  -- backfile rows carry no URL
),

final as (
    select
        p.source_url,
        regexp_extract(p.source_url, '^https?://(?:www\.)?([^/:]+)', 1) as outlet,
        any_value(a.title) as title,
        count(*) as events,
        sum(p.num_mentions) as mentions
    from pair_rows p
    left join articles a on a.url = p.source_url
    group by p.source_url
    order by events desc, mentions desc, p.source_url
    limit $limit
)

select * from final
