-- event_detail: one event with its CAMEO description and its actors' country names.
-- @param event_id int(0,9000000000000000000)   GLOBALEVENTID
with final as (
    select
        e.*,
        c.description as event_description,
        n1.name as actor1_country_name,
        n2.name as actor2_country_name
    from events e
    left join cameo_codes c on c.event_code = e.event_code
    left join (select code, min(name) as name from countries group by code) n1 on n1.code = e.actor1_country
    left join (select code, min(name) as name from countries group by code) n2 on n2.code = e.actor2_country
    where e.event_id = $event_id
    order by e.source, e.event_date
)

select * from final
