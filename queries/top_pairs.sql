-- top_pairs: the most active pairs of two different countries in a window, with their balance.
-- events counts raw event rows in either direction; conflict_share is the share in quad
-- classes 3-4 (verbal and material conflict).
-- @param start date                       first event date, YYYY-MM-DD
-- @param end date                         last event date, YYYY-MM-DD
-- @param limit int(1,1000) = 10           how many pairs
-- @param states_only enum(true,false) = true   leave out regions and groups (EUR, AFR...)
with dyadic as (
    select pair_a, pair_b, quad_class, goldstein, both_states(actor1_is_state, actor2_is_state) as both_states
    from events
    where pair_a <> pair_b
      and event_date between $start and $end
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
        count(*) as events,
        avg(d.goldstein) as goldstein_mean,
        avg(case when d.quad_class >= 3 then 1.0 else 0.0 end) as conflict_share
    from dyadic d
    left join names na on na.code = d.pair_a
    left join names nb on nb.code = d.pair_b
    where states_kept($states_only, d.both_states)
    group by all
    order by events desc, country_a, country_b
    limit $limit
)

select * from final
