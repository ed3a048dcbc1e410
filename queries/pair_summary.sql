-- pair_summary: headline numbers for two countries in a window, both directions, raw rows.
-- conflict_share is the share of events in quad classes 3-4; last_event is the latest SQLDATE.
-- @param a country                      first country (ISO 3166 alpha-3)
-- @param b country                      second country
-- @param start date                     first event date, YYYY-MM-DD
-- @param end date                       last event date, YYYY-MM-DD
-- @param quad_classes ints(1,4) = all   quad classes to keep
-- @param root_codes ints(1,20) = all    CAMEO root codes to keep
with pair_rows as (
    select event_date, quad_class, goldstein, avg_tone, num_sources
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      and event_date between $start and $end
      and list_contains($quad_classes, quad_class)
      and list_contains($root_codes, event_root_code::integer)
),

final as (
    select
        count(*) as events,
        count(*) filter (where num_sources > 1) as corroborated_events,
        avg(goldstein) as goldstein_mean,
        avg(avg_tone) as tone_mean,
        avg(case when quad_class >= 3 then 1.0 else 0.0 end) as conflict_share,
        min(event_date) as first_event,
        max(event_date) as last_event
    from pair_rows
)

select * from final
