"""The queries' shared rules live once, in queries/shared/macros.sql, and mean what they say.

No query repeats the pair filter, the 042/043 rule or the state-actor rule in its own words;
each macro is checked against the rule written out by hand on rows chosen to hit its edges.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from queries import macros

QUERIES = Path(__file__).resolve().parent.parent / "queries"
INGEST = Path(__file__).resolve().parent.parent / "ingest"

# The rules as they were pasted before they became macros.
COPIES = {
    "pair filter (use in_pair)": re.compile(r"least\(\s*\$a\s*,\s*\$b\s*\)|greatest\(\s*\$a\s*,\s*\$b\s*\)"),
    "042/043 rule (use interaction_code, initiator, target)": re.compile(r"event_code\s*=\s*'043'"),
    "state-actor rule (use both_states, states_kept)": re.compile(r"actor1_is_state\s+and\s+actor2_is_state"),
}


def sql_files() -> list[Path]:
    return sorted([*QUERIES.glob("*.sql"), *QUERIES.glob("rollup/*.sql"), INGEST / "rollups.py"])


@pytest.mark.parametrize("path", sql_files(), ids=lambda p: p.name)
def test_no_query_repeats_a_shared_rule(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())  # comments may name the rule
    assert [rule for rule, pattern in COPIES.items() if pattern.search(code)] == []


@pytest.fixture
def con():
    con = duckdb.connect()
    macros.define(con)
    yield con
    con.close()


@pytest.mark.parametrize(
    ("pair_a", "pair_b", "a", "b", "expected"),
    [
        ("CHN", "USA", "USA", "CHN", True),  # either order of the two countries
        ("CHN", "USA", "CHN", "USA", True),
        ("CHN", "USA", "CHN", "RUS", False),
        ("USA", "USA", "USA", "USA", False),  # a country with itself is not a pair
        (None, None, "USA", "CHN", None),  # no countries: not in the pair (where treats null as false)
    ],
)
def test_in_pair(con, pair_a, pair_b, a, b, expected) -> None:
    got = con.execute("select in_pair($pa::varchar, $pb::varchar, $a, $b)",
                      {"pa": pair_a, "pb": pair_b, "a": a, "b": b}).fetchone()[0]
    assert got is expected


@pytest.mark.parametrize(
    ("code", "interaction", "initiator", "target"),
    [("043", "042", "GUEST", "HOST"), ("042", "042", "HOST", "GUEST"), ("0431", "0431", "HOST", "GUEST"),
     ("190", "190", "HOST", "GUEST")],
)
def test_the_042_043_rule(con, code, interaction, initiator, target) -> None:
    # actor 1 is HOST, actor 2 is GUEST: only 043 "host a visit" turns round to the guest's view
    row = con.execute("select interaction_code($c), initiator($c, 'HOST', 'GUEST'), target($c, 'HOST', 'GUEST')",
                      {"c": code}).fetchone()
    assert row == (interaction, initiator, target)


@pytest.mark.parametrize(
    ("s1", "s2", "both", "kept_all", "kept_states"),
    [(True, True, True, True, True), (True, False, False, True, False), (None, True, False, True, False),
     (None, None, False, True, False)],
)
def test_the_state_actor_rule(con, s1, s2, both, kept_all, kept_states) -> None:
    row = con.execute("select both_states($s1::boolean, $s2::boolean), "
                      "states_kept('false', both_states($s1::boolean, $s2::boolean)), "
                      "states_kept('true', both_states($s1::boolean, $s2::boolean))",
                      {"s1": s1, "s2": s2}).fetchone()
    assert row == (both, kept_all, kept_states)
