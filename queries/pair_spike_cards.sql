-- pair_spike_cards: what the Pair page's spike cards list, for every spike at once: per period,
-- the most frequent CAMEO event codes (section 'code') and the most cited articles (SOURCEURL,
-- section 'source'; backfile rows before April 2013 carry none) between two countries, counting
-- raw event rows in both directions. One pass over the pair's rows instead of two per card.
-- @param a country                           first country (ISO 3166 alpha-3)
-- @param b country                           second country
-- @param periods dates(24)                   first day of each period, YYYY-MM-DD,YYYY-MM-DD
-- @param start date                          first day of the earliest period (bounds the scan)
-- @param end date                            last day of the latest period
-- @param grain enum(day,week,month,quarter,year) = month   period length
-- @param limit int(1,20) = 5                 how many codes and articles per period
with pair_rows as (
    select date_trunc($grain, event_date)::date as period, event_code, source_url, num_mentions
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date between $start and $end  -- a plain range, so the scan skips row groups
      and list_contains($periods, date_trunc($grain, event_date)::date)
),

top_codes as (
    select period, event_code, count(*) as events
    from pair_rows
    group by period, event_code
    qualify row_number() over (partition by period order by events desc, event_code) <= $limit
),

top_sources as (
    select period, source_url, count(*) as events, sum(num_mentions) as mentions
    from pair_rows
    where source_url like 'http%'
    group by period, source_url
    qualify row_number() over (partition by period order by events desc, mentions desc, source_url) <= $limit
),

final as (
    select 'code' as section, c.period, c.event_code, d.description,
           null::varchar as source_url, null::varchar as outlet,
           c.events, null::bigint as mentions
    from top_codes c
    left join cameo_codes d on d.event_code = c.event_code
    union all
    select 'source', s.period, null, null, s.source_url,
           regexp_extract(s.source_url, '^https?://(?:www\.)?([^/:]+)', 1),
           s.events, s.mentions::bigint
    from top_sources s
)

select * from final
order by period, section, events desc, mentions desc nulls last, event_code, source_url
