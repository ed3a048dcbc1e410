-- pair_languages: in which languages a pair's events were reported: GDELT 2.0 mentions of the
-- pair's events in a window, by the source's language ('eng' for GDELT's English stream; other
-- languages come from its translingual stream, machine-translated by GDELT), with each
-- language's share of the mentions and the events it reported.
-- @param a country                  first country (ISO 3166 alpha-3)
-- @param b country                  second country
-- @param start date                 first event date, YYYY-MM-DD
-- @param end date                   last event date, YYYY-MM-DD
with pair_events as (
    select event_id
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date between $start and $end
),

by_language as (
    select
        m.language,
        count(*) as mentions,
        count(distinct m.event_id) as events
    from mentions m
    semi join pair_events e on e.event_id = m.event_id
    group by m.language
),

final as (
    select
        language,
        mentions,
        events,
        mentions / sum(mentions) over () as share,
        language <> 'eng' as translated
    from by_language
    order by mentions desc, language
)

select * from final
