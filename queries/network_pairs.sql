-- network_pairs: the edges of the country network in a window: one row per unordered pair of
-- two different countries, raw event rows in either direction, busiest first.
-- @param start date                                 first event date, YYYY-MM-DD
-- @param end date                                   last event date, YYYY-MM-DD
-- @param min_events int(1,1000000000) = 1           leave out pairs with fewer events
-- @param top int(1,5000) = 200                      keep at most this many pairs
-- @param quad_classes ints(1,4) = all               quad classes to keep
-- @param root_codes ints(1,20) = all                CAMEO root codes to keep
-- @param states_only enum(true,false) = true        leave out regions and groups (EUR, AFR...)
with dyadic as (
    select pair_a, pair_b, quad_class, goldstein
    from events
    where pair_a <> pair_b
      and event_date between $start and $end
      and list_contains($quad_classes, quad_class)
      and list_contains($root_codes, event_root_code::integer)
      and states_kept($states_only, both_states(actor1_is_state, actor2_is_state))
),

final as (
    select
        pair_a as country_a,
        pair_b as country_b,
        count(*) as events,
        avg(goldstein) as goldstein_mean,
        avg(case when quad_class >= 3 then 1.0 else 0.0 end) as conflict_share
    from dyadic
    group by all
    having count(*) >= $min_events
    order by events desc, country_a, country_b
    limit $top
)

select * from final
