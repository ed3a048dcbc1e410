"""pair_summary's headline numbers against the events counted here in plain SQL of their own:
all rows, corroborated rows (reported by two or more sources) and conflict rows (quad 3 or 4)."""

from __future__ import annotations

import pytest

from queries.runner import run

WINDOWS = [("GEO", "RUS", "2012-01-01", "2012-12-31"), ("USA", "CHN", "2018-01-01", "2018-06-30"),
           ("RUS", "UKR", "1979-01-01", "2030-12-31")]

COUNTED = """
    select count(*),
           count(*) filter (where num_sources >= 2),
           count(*) filter (where quad_class in (3, 4))
    from lake.events
    where ((actor1_country = $a and actor2_country = $b) or (actor1_country = $b and actor2_country = $a))
      and event_date >= $start and event_date <= $end
"""


@pytest.mark.parametrize(("a", "b", "start", "end"), WINDOWS)
def test_counts_match_the_rows(sample_con, a: str, b: str, start: str, end: str) -> None:
    events, corroborated, conflict = sample_con.execute(
        COUNTED, {"a": a, "b": b, "start": start, "end": end}).fetchone()
    got = run(sample_con, "pair_summary", {"a": a, "b": b, "start": start, "end": end}).iloc[0]
    assert got["events"] == events
    assert got["corroborated_events"] == corroborated
    assert got["conflict_share"] * events == pytest.approx(conflict)


def test_the_windows_tell_the_rules_apart(sample_con) -> None:
    """Each rule matters on these windows: single-source rows and quad class 3 rows exist."""
    a, b, start, end = WINDOWS[0]
    single, verbal_conflict = sample_con.execute(
        COUNTED.replace("num_sources >= 2", "num_sources = 1").replace("quad_class in (3, 4)", "quad_class = 3"),
        {"a": a, "b": b, "start": start, "end": end}).fetchone()[1:]
    assert single > 0 and verbal_conflict > 0
