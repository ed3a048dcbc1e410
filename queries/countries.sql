-- countries: every actor country in the events, with its name and how many events involve it.
-- An event between two actors of the same country counts once for it. Read from the
-- country_month rollup (ingest/rollups.py), which holds exactly these counts.
with involved as (
    select code, sum(events) as events from country_month group by code
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
        involved.events::bigint as events
    from involved
    left join names using (code)
    order by events desc, code
)

select * from final
