-- pair_timeline (both directions) from pair_month for the window's whole months, plus the raw
-- rows of the partial months at its edges: the same numbers as the events.
-- @when direction in both
-- @when grain in month,quarter,year
-- @edges
with whole_months as (
    select month as day, quad_class, events, goldstein_sum, tone_sum, tone_rows
    from pair_month
    where in_pair(pair_a, pair_b, $a, $b)
      -- whole months: from the first 1st on or after $start up to the 1st after the last whole month
      -- (inline, not a CTE: constant expressions let the scans skip files and row groups)
      and month >= (case when day($start) = 1 then $start else (date_trunc('month', $start) + interval 1 month)::date end)
      and month < (case when day(($end + interval 1 day)::date) = 1 then ($end + interval 1 day)::date else date_trunc('month', $end)::date end)
),

edge_days as (
    select event_date as day, quad_class, 1 as events, goldstein as goldstein_sum, avg_tone as tone_sum,
           (avg_tone is not null)::integer as tone_rows
    from events
    where in_pair(pair_a, pair_b, $a, $b)
      -- the two partial months as two plain ranges (an OR of ranges would not skip row groups)
      and ((event_date >= $start and event_date < least((case when day($start) = 1 then $start else (date_trunc('month', $start) + interval 1 month)::date end), ($end + interval 1 day)::date))
           or (event_date >= greatest((case when day(($end + interval 1 day)::date) = 1 then ($end + interval 1 day)::date else date_trunc('month', $end)::date end), $start) and event_date <= $end))
),

final as (
    select
        date_trunc($grain, day)::date as period,
        quad_class,
        sum(events)::bigint as events,
        sum(goldstein_sum) / sum(events) as goldstein_mean,
        sum(tone_sum) / nullif(sum(tone_rows), 0) as tone_mean
    from (select * from whole_months union all select * from edge_days)
    group by all
    order by period, quad_class
)

select * from final
