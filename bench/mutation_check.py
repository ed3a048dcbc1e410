"""Mutation check of the core: apply one realistic small bug at a time to the SQL, the ingest
checks or the spike rule, run the tests that should notice, and list the bugs no test caught.

    .venv/bin/python bench/mutation_check.py            # every mutant
    .venv/bin/python bench/mutation_check.py M1 M4      # some of them
    .venv/bin/python bench/mutation_check.py --list

Each mutant replaces one exact piece of text in one file (the script stops if the text is not
there exactly once, so a mutant cannot silently stop applying), runs `pytest -x` on its chosen
tests with a time limit, and restores the file in a `finally`. A mutant survives when its tests
pass. A file with uncommitted changes is skipped unless --force: someone may be editing it.
Exit status: 0 when no mutant survived, 1 otherwise. Results go in bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"
TIMEOUT = 1200  # seconds per mutant's test run


@dataclass(frozen=True)
class Mutant:
    key: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest arguments (files, -k ...)


SUMMARY_TESTS = ("tests/test_pair_counts.py", "tests/test_pair_summary.py", "tests/test_queries.py")
WINDOW_TESTS = ("tests/test_pair_window_edges.py", "tests/test_rollups.py", "tests/test_queries.py")
SPIKE_TESTS = ("tests/test_spike_rule.py", "tests/test_pair_logic.py")
INGEST_TESTS = ("tests/test_ingest_checks.py", "tests/test_hostile_input.py", "tests/test_ingest_rules.py")

MUTANTS = (
    # The four of issue 20, which survived on main before these tests.
    Mutant("M1", "corroborated count counts every event (num_sources > 0)", "queries/pair_summary.sql",
           "count(*) filter (where num_sources > 1)", "count(*) filter (where num_sources > 0)", SUMMARY_TESTS),
    Mutant("M2", "pair_timeline's rollup twin drops the window's last day (< $end)", "queries/rollup/pair_timeline.sql",
           "and event_date <= $end))", "and event_date < $end))", WINDOW_TESTS),
    Mutant("M3", "spike threshold 3.5 -> 3.0", "queries/spikes.py",
           "WINDOW, MIN_HISTORY, THRESHOLD, MIN_EVENTS = 12, 4, 3.5, 5",
           "WINDOW, MIN_HISTORY, THRESHOLD, MIN_EVENTS = 12, 4, 3.0, 5", SPIKE_TESTS),
    Mutant("M4", "ingest: the NumSources check deleted", "ingest/events.py",
           '    ("NumSources", stage.not_whole("NumSources", "num_sources"), "is not a whole number"),\n', "",
           INGEST_TESTS),
    # More of the same kinds.
    Mutant("M5", "pair_activity: corroborated keeps single-source rows (>= 1)", "queries/pair_activity.sql",
           "where $count <> 'corroborated' or num_sources > 1", "where $count <> 'corroborated' or num_sources >= 1",
           ("tests/test_pair_counts.py", "tests/test_queries.py")),
    Mutant("M6", "the 042/043 rule forgotten: the host initiates its 043", "queries/shared/macros.sql",
           "case when event_code = '043' then actor2 else actor1 end", "actor1",
           ("tests/test_sql_fragments.py", "tests/test_pair_counts.py", "tests/test_rollups.py")),
    Mutant("M7", "conflict share counts quad class 4 only (> 3)", "queries/pair_summary.sql",
           "avg(case when quad_class >= 3 then 1.0 else 0.0 end)", "avg(case when quad_class > 3 then 1.0 else 0.0 end)",
           SUMMARY_TESTS),
    Mutant("M8", "pair_activity's rollup twin drops the window's first day (> $start)", "queries/rollup/pair_activity.sql",
           "and ((event_date >= $start and", "and ((event_date > $start and",
           ("tests/test_pair_window_edges.py", "tests/test_rollups.py", "tests/test_queries.py")),
    Mutant("M9", "pair filter lets a pair's reverse order through only (no least/greatest)", "queries/shared/macros.sql",
           "pair_a = least(a, b) and pair_b = greatest(a, b)", "pair_a = a and pair_b = b",
           ("tests/test_sql_fragments.py", "tests/test_pair_counts.py")),
    Mutant("M10", "ingest: AvgTone range -10..10 (real tones reach past 10)", "ingest/events.py",
           "or avg_tone not between -100 and 100", "or avg_tone not between -10 and 10", INGEST_TESTS),
    Mutant("M11", "ingest: the DATEADDED check deleted", "ingest/events.py",
           '    ("DATEADDED", "date_added is null and nullif(trim(\\"DATEADDED\\"), \'\') is not null",\n'
           '     "is not a date (YYYYMMDD or YYYYMMDDHHMMSS)"),\n', "", INGEST_TESTS),
    Mutant("M12", "ingest: the EventBaseCode check deleted", "ingest/events.py",
           '    ("EventBaseCode", "event_base_code is not null and not starts_with(event_code, event_base_code)",\n'
           '     "is not the start of EventCode"),\n', "", INGEST_TESTS),
    Mutant("M13", "spike spread floor without the +1 (a quiet pair spikes on two events)", "queries/spikes.py",
           "np.sqrt(baseline + 1))", "np.sqrt(baseline))", SPIKE_TESTS),
    Mutant("M14", "spike: fewer periods of history needed (4 -> 3)", "queries/spikes.py",
           "WINDOW, MIN_HISTORY, THRESHOLD, MIN_EVENTS = 12, 4, 3.5, 5",
           "WINDOW, MIN_HISTORY, THRESHOLD, MIN_EVENTS = 12, 3, 3.5, 5", SPIKE_TESTS),
)


def dirty(path: str) -> bool:
    return subprocess.run(["git", "diff", "--quiet", "HEAD", "--", path], cwd=REPO).returncode != 0


def run_one(mutant: Mutant, skip: set[str]) -> str:
    """'killed', 'survived', or why it was not run."""
    target = REPO / mutant.path
    tests = [t for t in mutant.tests if t.startswith("-") or t not in skip and (REPO / t).exists()]
    original = target.read_text(encoding="utf-8")
    if original.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.key}: the text to mutate is in {mutant.path} {original.count(mutant.old)} times, "
                         "not once; update the mutant")
    target.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
    try:
        done = subprocess.run([str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                              cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "killed (timeout)"
    finally:
        target.write_text(original, encoding="utf-8")
    if done.returncode == 0:
        return "survived"
    if done.returncode == 1:
        return "killed"
    return f"error (pytest exit {done.returncode}): {done.stdout.strip().splitlines()[-1:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("keys", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--force", action="store_true", help="mutate files with uncommitted changes too")
    parser.add_argument("--without", action="append", default=[], metavar="TEST_FILE",
                        help="leave this test file out (to measure what it adds)")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.keys or m.key in args.keys]
    if args.list:
        for m in chosen:
            print(f"{m.key}\t{m.path}\t{m.what}")
        return 0
    survivors = []
    for mutant in chosen:
        if dirty(mutant.path) and not args.force:
            print(f"{mutant.key}\tskipped: {mutant.path} has uncommitted changes", flush=True)
            continue
        started = time.monotonic()
        result = run_one(mutant, set(args.without))
        print(f"{mutant.key}\t{result}\t{time.monotonic() - started:.0f} s\t{mutant.what}", flush=True)
        if result == "survived":
            survivors.append(mutant.key)
    print(f"survivors: {', '.join(survivors) or 'none'}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
