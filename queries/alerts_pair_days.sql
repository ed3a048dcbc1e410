-- alerts_pair_days: what the alert rules (alerts/rules.py) judge, per day with events between
-- two countries: raw event rows (as the Pair page counts them), those of verbal conflict
-- (quad 3) and material conflict (quad 4), and the sum of their Goldstein scores.
-- Days without events have no row; the rules count them as 0.
-- @param a country                                   first country (ISO 3166 alpha-3)
-- @param b country                                   second country
-- @param start date                                  first event date, YYYY-MM-DD
-- @param end date                                    last event date, YYYY-MM-DD
-- @param direction enum(a_to_b,b_to_a,both) = both   a_to_b: actor 1 is a and actor 2 is b
with pair_rows as (
    select event_date, quad_class, goldstein
    from events
    where in_pair(pair_a, pair_b, $a, $b)  -- the sort key: few row groups read
      and event_date between $start and $end
      and (
          ($direction <> 'b_to_a' and actor1_country = $a and actor2_country = $b)
          or ($direction <> 'a_to_b' and actor1_country = $b and actor2_country = $a)
      )
),

final as (
    select
        event_date as day,
        count(*) as events,
        count(*) filter (where quad_class = 3) as quad3,
        count(*) filter (where quad_class = 4) as quad4,
        coalesce(sum(goldstein), 0) as goldstein_sum,
        count(goldstein) as goldstein_events  -- rows with a Goldstein score
    from pair_rows
    group by event_date
    order by event_date
)

select * from final
