-- network_edges: one row per unordered pair of two different actor countries in a window.
-- country_a < country_b; events counts raw event rows in either direction.
-- @param start date                         first event date, YYYY-MM-DD
-- @param end date                           last event date, YYYY-MM-DD
-- @param min_events int(1,1000000000) = 1   leave out pairs with fewer events
with dyadic as (
    select pair_a, pair_b, goldstein
    from events
    where pair_a <> pair_b  -- null unless both actors have a country
      and event_date between $start and $end
),

final as (
    select
        pair_a as country_a,
        pair_b as country_b,
        count(*) as events,
        avg(goldstein) as goldstein_mean
    from dyadic
    group by all
    having count(*) >= $min_events
    order by events desc, country_a, country_b
)

select * from final
