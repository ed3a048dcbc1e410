-- pair_movers: pairs whose volume or net cooperation changed most between a window and the
-- window before it (the caller passes both; equal lengths). Raw event rows, both directions.
-- @param start date                                 first date of the current window
-- @param end date                                   last date of the current window
-- @param prev_start date                            first date of the previous window
-- @param prev_end date                              last date of the previous window
-- @param min_events int(1,1000000000) = 5           pairs with fewer events in both windows are left out
-- @param limit int(1,1000) = 20                     how many pairs
-- @param states_only enum(true,false) = true        leave out regions and groups
with dyadic as (
    select pair_a, pair_b, goldstein, event_date >= $start as is_now
    from events
    where pair_a <> pair_b
      and (event_date between $start and $end or event_date between $prev_start and $prev_end)
      and states_kept($states_only, both_states(actor1_is_state, actor2_is_state))
),

by_pair as (
    select
        pair_a as country_a,
        pair_b as country_b,
        count(*) filter (where is_now) as events_now,
        count(*) filter (where not is_now) as events_before,
        avg(goldstein) filter (where is_now) as goldstein_now,
        avg(goldstein) filter (where not is_now) as goldstein_before
    from dyadic
    group by all
),

final as (
    select
        *,
        events_now - events_before as events_change,
        goldstein_now - goldstein_before as goldstein_change
    from by_pair
    where greatest(events_now, events_before) >= $min_events
    order by abs(events_now - events_before) desc, country_a, country_b
    limit $limit
)

select * from final
