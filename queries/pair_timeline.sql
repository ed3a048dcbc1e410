-- pair_timeline: events per period between two countries, split by quad class.
-- Counts raw event rows (every GDELT row, no deduplication). goldstein_mean and tone_mean
-- are plain means over those rows. Dates are inclusive and refer to the event date (SQLDATE).
-- Direction is GDELT's own: who is actor 1 in the row. pair_activity (the Pair page) instead
-- counts direction by initiator (the 042/043 rule: a visit hosted by b is a's visit); the two
-- differ only for 043 rows, and this query keeps GDELT's rows as recorded for export and checks.
-- @param a country                                        first country (ISO 3166 alpha-3)
-- @param b country                                        second country
-- @param start date                                       first event date, YYYY-MM-DD
-- @param end date                                         last event date, YYYY-MM-DD
-- @param grain enum(day,week,month,quarter,year) = month  period length
-- @param direction enum(a_to_b,b_to_a,both) = both        a_to_b: actor 1 is a and actor 2 is b
with pair_events as (
    select event_date, quad_class, goldstein, avg_tone
    from events
    where in_pair(pair_a, pair_b, $a, $b)  -- the sort key: few row groups read
      and event_date between $start and $end
      and (
          ($direction <> 'b_to_a' and actor1_country = $a and actor2_country = $b)
          or ($direction <> 'a_to_b' and actor1_country = $b and actor2_country = $a)
      )
),

final as (
    select
        date_trunc($grain, event_date)::date as period,
        quad_class,
        count(*) as events,
        avg(goldstein) as goldstein_mean,
        avg(avg_tone) as tone_mean
    from pair_events
    group by all
    order by period, quad_class
)

select * from final
