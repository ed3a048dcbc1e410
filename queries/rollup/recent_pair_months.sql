-- recent_pair_months from pair_month: exact when start/end are month boundaries.
with dyadic as (
    select * from pair_month where month between $start and $end and both_states
),

busy as (
    select pair_a, pair_b from dyadic group by all having sum(events) >= $min_events
),

final as (
    select d.pair_a as country_a, d.pair_b as country_b, d.month as period, d.quad_class,
           sum(d.events)::bigint as events
    from dyadic d
    join busy using (pair_a, pair_b)
    group by all
    order by country_a, country_b, period, quad_class
)

select * from final
