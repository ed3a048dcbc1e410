-- recent_pair_months: events and conflict events per month for every pair of two states with
-- enough events in a window: the series the Overview scans for spikes in the latest month.
-- @param start date                          first event date, YYYY-MM-DD
-- @param end date                            last event date, YYYY-MM-DD
-- @param min_events int(1,1000000000) = 10   pairs with fewer events in the window are left out
with dyadic as (
    select pair_a, pair_b, date_trunc('month', event_date)::date as period, quad_class
    from events
    where pair_a <> pair_b
      and event_date between $start and $end
      and both_states(actor1_is_state, actor2_is_state)
),

busy as (
    select pair_a, pair_b from dyadic group by all having count(*) >= $min_events
),

final as (
    select d.pair_a as country_a, d.pair_b as country_b, d.period, d.quad_class, count(*) as events
    from dyadic d
    join busy using (pair_a, pair_b)
    group by all
    order by country_a, country_b, period, quad_class
)

select * from final
