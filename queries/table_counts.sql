-- table_counts: rows in each table of the lake.
with final as (
    select 'events' as table_name, count(*) as rows from events
    union all
    select 'mentions', count(*) from mentions
    union all
    select 'articles', count(*) from articles
)

select * from final
