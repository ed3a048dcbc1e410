-- top_pairs from pair_month: exact when start/end are month boundaries.
with dyadic as (
    select * from pair_month
    where month between $start and $end
      and states_kept($states_only, both_states)
),

names as (
    select code, min(name) as name from countries group by code
),

final as (
    select
        d.pair_a as country_a,
        na.name as name_a,
        d.pair_b as country_b,
        nb.name as name_b,
        sum(d.events) as events,
        sum(d.goldstein_sum) / sum(d.events) as goldstein_mean,
        sum(d.events) filter (where d.quad_class >= 3) / sum(d.events) as conflict_share
    from dyadic d
    left join names na on na.code = d.pair_a
    left join names nb on nb.code = d.pair_b
    group by all
    order by events desc, country_a, country_b
    limit $limit
)

select country_a, name_a, country_b, name_b, events::bigint as events, goldstein_mean,
       coalesce(conflict_share, 0)::double as conflict_share
from final
