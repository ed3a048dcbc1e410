-- alerts_first_codes: CAMEO event codes that a pair shows for the first time in the lake on or
-- after $start (up to $end): the `first_code` alert rule (alerts/rules.py). pair_first is the
-- pair's first event date, so a pair that is new altogether is not reported code by code.
-- @param a country                                   first country (ISO 3166 alpha-3)
-- @param b country                                   second country
-- @param start date                                  first day a new code counts, YYYY-MM-DD
-- @param end date                                    last event date read, YYYY-MM-DD
-- @param direction enum(a_to_b,b_to_a,both) = both   a_to_b: actor 1 is a and actor 2 is b
with pair_rows as (
    select event_date, event_code
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date <= $end  -- no lower bound: "first" means first in the whole lake
      and (
          ($direction <> 'b_to_a' and actor1_country = $a and actor2_country = $b)
          or ($direction <> 'a_to_b' and actor1_country = $b and actor2_country = $a)
      )
),

firsts as (
    select event_code, min(event_date) as first_date, count(*) filter (where event_date >= $start) as events
    from pair_rows
    group by event_code
),

final as (
    select f.event_code, d.description, f.first_date, f.events,
           (select min(event_date) from pair_rows) as pair_first
    from firsts f
    left join cameo_codes d on d.event_code = f.event_code
    where f.first_date >= $start
)

select * from final
order by first_date, event_code
