"""A window's first and last days count, also when a rollup twin answers (queries/rollup/): the
window starts or ends mid-month on a day that has events, and the totals equal the rows counted
here in plain SQL."""

from __future__ import annotations

import datetime as dt

import pytest

from queries import runner

PAIR = {"a": "GEO", "b": "RUS"}

IN_WINDOW = """
    select count(*) from lake.events
    where ((actor1_country = $a and actor2_country = $b) or (actor1_country = $b and actor2_country = $a))
      and event_date >= $start and event_date <= $end
"""


@pytest.fixture(scope="module")
def busy_mid_month_day(sample_lake) -> dt.date:
    """The pair's day with the most events that is neither a month's first nor its last day."""
    from lake import connection as lakes

    con = lakes.connect(sample_lake)
    try:
        return con.execute("""
            select event_date from lake.events
            where ((actor1_country = $a and actor2_country = $b) or (actor1_country = $b and actor2_country = $a))
              and day(event_date) between 2 and 27
            group by event_date order by count(*) desc, event_date limit 1
        """, PAIR).fetchone()[0]
    finally:
        con.close()


def windows(day: dt.date) -> list[tuple[dt.date, dt.date]]:
    year_start, year_end = dt.date(day.year - 1, 1, 1), dt.date(day.year + 1, 12, 31)
    return [(year_start, day), (day, year_end), (day, day)]


@pytest.mark.parametrize("name", ["pair_timeline", "pair_activity"])
@pytest.mark.parametrize("edge", ["ends on the day", "starts on the day", "is the day"])
def test_the_edge_day_counts(sample_con, busy_mid_month_day, name: str, edge: str) -> None:
    start, end = windows(busy_mid_month_day)[["ends on the day", "starts on the day", "is the day"].index(edge)]
    params = {**PAIR, "start": start, "end": end, "grain": "month"}
    expected = sample_con.execute(IN_WINDOW, {**PAIR, "start": start, "end": end}).fetchone()[0]
    twin = runner._twin(name)
    assert twin is not None and twin.answers(runner.get(name).bind(params)), "the rollup twin answers"
    assert int(runner.run(sample_con, name, params)["events"].sum()) == expected
    day_alone = sample_con.execute(IN_WINDOW, {**PAIR, "start": busy_mid_month_day,
                                               "end": busy_mid_month_day}).fetchone()[0]
    assert day_alone > 0
