-- pair_top_codes: the most frequent CAMEO event codes between two countries in a window.
-- @param a country                 first country (ISO 3166 alpha-3)
-- @param b country                 second country
-- @param start date                first event date, YYYY-MM-DD
-- @param end date                  last event date, YYYY-MM-DD
-- @param limit int(1,100) = 5      how many codes
with pair_rows as (
    select event_code, quad_class
    from events
    where pair_a = least($a, $b) and pair_b = greatest($a, $b)
      and pair_a <> pair_b
      and event_date between $start and $end
),

final as (
    select p.event_code, c.description, p.quad_class, count(*) as events
    from pair_rows p
    left join cameo_codes c on c.event_code = p.event_code
    group by all
    order by events desc, p.event_code
    limit $limit
)

select * from final
