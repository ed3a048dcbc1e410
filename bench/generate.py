"""Generate a lake of N realistic events for the scale benchmarks, resampled from real rows.

Every generated event is a copy of a real GDELT event from the embedded sample (117,126 rows
from ../shared/data, see data/sample/README.md): same actors, pair, CAMEO code, quad class,
Goldstein, tone, mentions and place, so the pair skew and every distribution are the real
ones. What changes: a unique event id (10^12 + n), a unique source URL (#r<n> appended), and
the year, drawn from 2000-2025, so the rows spread over 26 years (month and day are kept,
days past the 28th are clamped).

The rows go straight into the lake with the ingest's own layout and rollups (sorted by pair,
then date; ingest/rollups.py), in batches of --batch rows, one commit each: the same files a
refresh through `python -m ingest` would write, without paying for parsing CSV N times. The
ingest path itself is measured separately (bench_ingest.py).

    .venv/bin/python bench/generate.py --rows 10000000 --lake bench/lakes/10M
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rich.progress import Progress  # noqa: E402

from ingest import rollups, store  # noqa: E402
from ingest.sample import build_sample  # noqa: E402
from lake import connection as lakes  # noqa: E402
from queries import search  # noqa: E402

TEMPLATES = REPO / "bench" / "lakes" / "templates"
FIRST_YEAR, YEARS = 2000, 26


def templates_lake() -> Path:
    """A lake of the real sample, built once, to draw rows from."""
    if not lakes.lake_exists(TEMPLATES):
        list(build_sample(TEMPLATES))
    return TEMPLATES


def generate(rows: int, lake: Path, batch: int = 5_000_000, articles: int = 100_000, seed: int = 1) -> None:
    con = lakes.connect(lake, read_only=False, create=True,
                        memory_limit=os.environ.get("BILATERAL_MEMORY_LIMIT", "6GB"))
    con.execute("set preserve_insertion_order = false")
    store.ensure_schema(con)
    have = con.execute("select count(*) from lake.events").fetchone()[0]
    if have:
        raise SystemExit(f"{lake} already holds {have:,} events; give a new --lake")
    source = templates_lake()
    con.execute(f"attach 'ducklake:sqlite:{source / lakes.CATALOG_FILE}' as templates "
                f"(data_path '{source / lakes.DATA_DIR}/', override_data_path true, read_only)")
    con.execute("create temp table template as select row_number() over (order by event_id, source) - 1 as k, * "
                "from templates.events")
    count = con.execute("select count(*) from template").fetchone()[0]
    columns = [r[0] for r in con.execute("describe lake.events").fetchall()]
    changed = {
        "event_id": "1000000000000 + i",
        "source": "'gdelt2'",
        "event_date": f"make_date({FIRST_YEAR} + (hash(i, {seed}) % {YEARS})::integer, month(t.event_date), "
                      "least(day(t.event_date), 28))",
        "date_added": f"make_timestamp({FIRST_YEAR} + (hash(i, {seed}) % {YEARS})::integer, month(t.event_date), "
                      "least(day(t.event_date), 28), 0, 0, 0)",
        "source_url": "coalesce(t.source_url, 'https://example.invalid/gdelt-backfile') || '#r' || i",
    }
    select = ", ".join(f"{changed[c]} as {c}" if c in changed else f"t.{c}" for c in columns)
    with Progress() as progress:
        task = progress.add_task(f"generating {rows:,} events", total=rows)
        for lo in range(0, rows, batch):
            hi = min(rows, lo + batch)
            con.execute(f"create or replace temp table batch as select {select} from range({lo}, {hi}) r(i) "
                        f"join template t on t.k = hash(i, {seed + 1}) % {count}")
            con.execute("begin")
            con.execute("insert into lake.events select * from batch order by pair_a, pair_b, event_date")
            rollups.add(con, "batch")
            store.set_commit_message(con, f"bench: +{hi - lo:,} generated events",
                                     {"command": "bench", "added": {"events": hi - lo}})
            con.execute("commit")
            progress.update(task, completed=hi)
        if articles:
            con.execute("create or replace temp table article_template as "
                        "select row_number() over (order by url) - 1 as k, * from templates.articles")
            n = con.execute("select count(*) from article_template").fetchone()[0]
            con.execute("begin")
            con.execute(f"insert into lake.articles select a.url || '?r=' || i, a.title, a.outlet, a.published_at, "
                        f"a.language, a.body from range({articles}) r(i) join article_template a on a.k = i % {n}")
            store.set_commit_message(con, f"bench: +{articles:,} generated articles",
                                     {"command": "bench", "added": {"articles": articles}})
            con.execute("commit")
            search.write_index_file(con)  # as a load of articles does
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=5_000_000)
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    generate(args.rows, args.lake.resolve(), args.batch, args.articles)
    seconds = time.perf_counter() - started
    print(f"generated {args.rows:,} events in {seconds:.0f} s ({args.rows / seconds:,.0f} rows/s) into {args.lake}")


if __name__ == "__main__":
    main()
