-- countries: every actor country in the events, with its name and how many events involve it.
-- An event between two actors of the same country counts once for it.
with involved as (
    select unnest(list_distinct([actor1_country, actor2_country])) as code
    from events
),

names as (
    select code, min(name) as name, bool_or(is_state) as is_state
    from countries
    group by code
),

final as (
    select
        involved.code,
        coalesce(names.name, involved.code) as name,
        coalesce(names.is_state, false) as is_state,
        count(*) as events
    from involved
    left join names using (code)
    where involved.code is not null
    group by all
    order by events desc, code
)

select * from final
