-- pair_movers from pair_month: exact when all four dates are month boundaries.
with by_pair as (
    select
        pair_a as country_a,
        pair_b as country_b,
        coalesce(sum(events) filter (where month between $start and $end), 0)::bigint as events_now,
        coalesce(sum(events) filter (where month between $prev_start and $prev_end), 0)::bigint as events_before,
        sum(goldstein_sum) filter (where month between $start and $end)
            / sum(events) filter (where month between $start and $end) as goldstein_now,
        sum(goldstein_sum) filter (where month between $prev_start and $prev_end)
            / sum(events) filter (where month between $prev_start and $prev_end) as goldstein_before
    from pair_month
    where (month between $start and $end or month between $prev_start and $prev_end)
      and states_kept($states_only, both_states)
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
