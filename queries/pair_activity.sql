-- pair_activity: events per period, direction and quad class between two countries,
-- counted three ways. count=raw: every GDELT event row. count=dedup: one per interaction;
-- rows with the same date, actors, event code and action location count once, and a
-- "host a visit" (043) counts as the guest's "make a visit" (042), so a reciprocal pair is
-- one interaction. count=corroborated: raw rows reported by more than one source.
-- direction: a_to_b when the initiator (actor 1; the guest for 042/043) is country a. Unlike
-- pair_timeline, which keeps GDELT's actor 1 as recorded: here a visit is one interaction of the
-- guest's, whichever side reported it (the two differ only for 043 rows).
-- @param a country                                        first country (ISO 3166 alpha-3)
-- @param b country                                        second country
-- @param start date                                       first event date, YYYY-MM-DD
-- @param end date                                         last event date, YYYY-MM-DD
-- @param grain enum(day,week,month,quarter,year) = month  period length
-- @param count enum(raw,dedup,corroborated) = raw         what is counted
-- @param quad_classes ints(1,4) = all                     quad classes to keep, e.g. 3,4
-- @param root_codes ints(1,20) = all                      CAMEO root codes to keep, e.g. 4,5
with pair_rows as (
    select
        *,
        -- 043 "host a visit" by B is 042 "make a visit" by A: swap to the guest's view
        interaction_code(event_code) as interaction_code,
        initiator(event_code, actor1_country, actor2_country) as initiator_country,
        initiator(event_code, actor1_code, actor2_code) as initiator_code,
        target(event_code, actor1_code, actor2_code) as target_code
    from events
    where in_pair(pair_a, pair_b, $a, $b)  -- the sort key: few row groups read
      and event_date between $start and $end
      and list_contains($quad_classes, quad_class)
      and list_contains($root_codes, event_root_code::integer)
),

counted as (
    select * from pair_rows
    where $count <> 'corroborated' or num_sources > 1
    qualify $count <> 'dedup' or row_number() over (
        partition by event_date, initiator_code, target_code, initiator_country, interaction_code,
            coalesce(action_geo_feature_id, action_geo_name, '')
        order by event_id
    ) = 1
),

final as (
    select
        date_trunc($grain, event_date)::date as period,
        case when initiator_country = $a then 'a_to_b' else 'b_to_a' end as direction,
        quad_class,
        count(*) as events,
        avg(goldstein) as goldstein_mean,
        avg(avg_tone) as tone_mean
    from counted
    group by all
    order by period, direction, quad_class
)

select * from final
