-- network_pairs from pair_month: exact when start/end are month boundaries.
with dyadic as (
    select * from pair_month
    where month between $start and $end
      and list_contains($quad_classes, quad_class)
      and list_contains($root_codes, root_code::integer)
      and states_kept($states_only, both_states)
),

final as (
    select
        pair_a as country_a,
        pair_b as country_b,
        sum(events)::bigint as events,
        sum(goldstein_sum) / sum(events) as goldstein_mean,
        coalesce(sum(events) filter (where quad_class >= 3), 0) / sum(events) as conflict_share
    from dyadic
    group by all
    having sum(events) >= $min_events
    order by events desc, country_a, country_b
    limit $top
)

select * from final
