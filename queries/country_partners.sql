-- country_partners: every country one country interacts with in a window, busiest first,
-- with the balance of those interactions. Raw event rows, both directions.
-- @param country country                            the focus country (ISO 3166 alpha-3)
-- @param start date                                 first event date, YYYY-MM-DD
-- @param end date                                   last event date, YYYY-MM-DD
-- @param limit int(1,500) = 25                      how many partners
-- @param states_only enum(true,false) = true        leave out regions and groups
with dyadic as (
    select
        case when pair_a = $country then pair_b else pair_a end as partner,
        quad_class,
        goldstein
    from events
    where pair_a <> pair_b
      and (pair_a = $country or pair_b = $country)
      and event_date between $start and $end
      and states_kept($states_only, both_states(actor1_is_state, actor2_is_state))
),

final as (
    select
        partner,
        count(*) as events,
        avg(goldstein) as goldstein_mean,
        avg(case when quad_class >= 3 then 1.0 else 0.0 end) as conflict_share
    from dyadic
    group by all
    order by events desc, partner
    limit $limit
)

select * from final
