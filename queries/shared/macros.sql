-- Rules the queries share, each defined once. The query runner (queries/runner.py) creates these
-- macros on every cursor before it runs a query, and the ingest builds the rollups with them
-- (ingest/rollups.py). DuckDB expands a macro in place, so a filter written with one still lets
-- the scan skip files and row groups exactly like the same filter written out.

-- in_pair: an event between countries a and b, in either direction, never a country with itself.
-- pair_a, pair_b (least and greatest of the two actors' countries) are the events' sort key.
create or replace temp macro in_pair(pair_a, pair_b, a, b) as
    pair_a = least(a, b) and pair_b = greatest(a, b) and pair_a <> pair_b;

-- The 042/043 rule: 043 "host a visit" by B is 042 "make a visit" by A, so a visit reported from
-- either side is one interaction, and its initiator is the guest.
create or replace temp macro interaction_code(event_code) as
    case when event_code = '043' then '042' else event_code end;

-- initiator: actor 1, except for 043 (the host is actor 1; the guest, actor 2, initiates).
create or replace temp macro initiator(event_code, actor1, actor2) as
    case when event_code = '043' then actor2 else actor1 end;

-- target: the other side of the interaction.
create or replace temp macro target(event_code, actor1, actor2) as
    case when event_code = '043' then actor1 else actor2 end;

-- The state-actor rule: both actors are states, not regions or groupings (EUR, AFR, WST...);
-- an actor without a country is not a state.
create or replace temp macro both_states(actor1_is_state, actor2_is_state) as
    coalesce(actor1_is_state and actor2_is_state, false);

-- states_kept: the $states_only switch ('true': only events between two states).
create or replace temp macro states_kept(states_only, between_states) as
    states_only = 'false' or between_states;
