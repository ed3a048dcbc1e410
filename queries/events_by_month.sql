-- events_by_month: event rows per month of event date and GDELT source, for date coverage.
with final as (
    select date_trunc('month', event_date)::date as month, source, count(*) as events
    from events
    group by all
    order by month, source
)

select * from final
