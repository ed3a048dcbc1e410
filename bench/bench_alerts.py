"""`alerts run` over 1,000 watched pairs (issue 18: target <= 5 s, <= 1 GB RSS).

The lake is read, never written: the bench makes a directory whose catalog and data files are
links to the lake's, so the application database (app.sqlite, which `alerts run` writes) lands
in bench/out/alerts-lake/, not in the lake. The watches are the lake's busiest pairs (as many as
it has, up to --watches), topped up with pairs of real countries that have no events, each with
all five rules on a weekly grain and no recipient (delivery is network time, not measured here).

Runs `python -m ingest alerts run` as its own process, as a load would: the first run (records
what fired) and a rerun (everything fired before: the steady state after each load), each
under /usr/bin/time -v for wall time and peak RSS.

    .venv/bin/python bench/bench_alerts.py --lake bench/lakes/10M
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from alerts import appdb  # noqa: E402
from lake import connection as lakes  # noqa: E402
from lake.reference import countries  # noqa: E402

OUT = REPO / "bench" / "out"
PYTHON = sys.executable
RULES = {"spike": {}, "conflict_jump": {"points": 15.0, "quads": "4"}, "goldstein_drop": {"drop": 2.0},
         "first_code": {}, "silence": {"days": 14.0}}


def linked_lake(lake: Path, where: Path) -> Path:
    """A lake directory of links to `lake`'s catalog and files, with its own app.sqlite."""
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    for item in lake.iterdir():
        if item.name.startswith("app.sqlite"):
            continue
        (where / item.name).symlink_to(item.resolve())
    return where


def pairs(lake: Path, wanted: int) -> tuple[list[tuple[str, str]], int, int]:
    """The busiest `wanted` pairs of two different countries, then pairs without events.
    Returns (pairs, how many have events, events in the lake)."""
    con = lakes.connect(lake)
    try:
        busy = con.execute("select pair_a, pair_b from lake.events where pair_a <> pair_b "
                           "and length(pair_a) = 3 and length(pair_b) = 3 "
                           "group by all order by count(*) desc limit $n", {"n": wanted}).fetchall()
        total = con.execute("select count(*) from lake.events").fetchone()[0]
    finally:
        con.close()
    found = [(a, b) for a, b in busy]
    seen = set(found)
    states = sorted({c.code for c in countries() if c.is_state})
    for i, a in enumerate(states):
        for b in states[i + 1:]:
            if len(found) >= wanted:
                return found, len(busy), total
            if (a, b) not in seen:
                found.append((a, b))
    return found, len(busy), total


def timed(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and the last line of stdout, under /usr/bin/time -v."""
    began = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ))
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    rss = int(match.group(1)) if match else 0
    return wall, rss, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True, help="a lake (read, never written)")
    parser.add_argument("--watches", type=int, default=1000)
    parser.add_argument("--grain", default="week", choices=["day", "week", "month"])
    args = parser.parse_args()
    lake = linked_lake(args.lake.resolve(), OUT / "alerts-lake")
    chosen, with_events, events = pairs(lake, args.watches)
    db = appdb.open_db(lake)
    try:
        for a, b in chosen:
            db.add_watch(a, b, directed=False, rules=RULES, grain=args.grain, emails=[], webhook=None, owner="bench")
    finally:
        db.close()
    command = [PYTHON, "-m", "ingest", "--lake", str(lake), "-q", "alerts", "run"]
    first = timed(command)
    again = timed(command)
    load = os.getloadavg()[0]
    print(f"""
### `alerts run` over {len(chosen):,} watched pairs (bench/bench_alerts.py, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)

Lake: `{args.lake}` ({events:,} events); {with_events:,} of the watched pairs have events, the
others none. Every watch has all five rules on a {args.grain}ly grain and no recipient.

| run | wall | peak RSS | says |
|---|---:|---:|---|
| first (records what fired) | {first[0]:.1f} s | {first[1] / 1024:,.0f} MiB | {first[2]} |
| rerun (all fired before) | {again[0]:.1f} s | {again[1] / 1024:,.0f} MiB | {again[2]} |

Target: ≤ 5 s and ≤ 1 GB RSS. Load average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores.
""")


if __name__ == "__main__":
    main()
