-- pair_coverage: who reports a pair: mentions of its events by outlet and language, with first
-- reports (mentioned in the slot the event was added) against later echoes.
-- @param a country                  first country (ISO 3166 alpha-3)
-- @param b country                  second country
-- @param start date                 first event date, YYYY-MM-DD
-- @param end date                   last event date, YYYY-MM-DD
-- @param limit int(1,1000) = 30     at most this many outlet/language rows
with pair_events as (
    select event_id, date_added
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date between $start and $end
),

final as (
    select
        m.source_name as outlet,
        m.language,
        count(*) as mentions,
        count(*) filter (where m.mention_time <= e.date_added) as first_reports,
        count(*) filter (where m.mention_time > e.date_added) as echoes,
        count(distinct m.event_id) as events
    from mentions m
    join pair_events e using (event_id)
    group by all
    order by mentions desc, outlet
    limit $limit
)

select * from final
