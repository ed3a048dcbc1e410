-- network_edges from pair_month: exact when start/end are month boundaries.
with final as (
    select
        pair_a as country_a,
        pair_b as country_b,
        sum(events)::bigint as events,
        sum(goldstein_sum) / sum(events) as goldstein_mean
    from pair_month
    where month between $start and $end
    group by all
    having sum(events) >= $min_events
    order by events desc, country_a, country_b
)

select * from final
