"""Scale-out benchmark: the same lake on the SQLite default and on PostgreSQL + S3 (moto).

Copies a generated lake (bench/generate.py) into a PostgreSQL catalog with its data on a
local moto S3 server, then measures on both:
- cold query time (first run in a fresh process, connecting included) and warm (median of 5);
- ingest throughput: `python -m ingest gdelt` of the first --ingest-rows rows of --input;
- read latency while that ingest runs and commits (a reader looping pair_timeline).

PostgreSQL and moto are started on 127.0.0.1 (tests/services.py) and stopped at the end.
moto is an in-memory Python S3 server, not S3: S3 figures here are a lower bound on overhead
per request and say nothing about network latency to a real bucket.

    .venv/bin/python bench/bench_scaleout.py --source-lake bench/lakes/10M \\
        --input bench/out/bench_1000000.export.CSV --ingest-rows 200000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.services import MotoS3, Postgres, lake_env  # noqa: E402

QUERIES = {  # name -> params: the Pair page's main query, the Overview's, a network, a summary
    "pair_timeline": {"a": "USA", "b": "CHN", "start": "2000-01-01", "end": "2025-12-31", "grain": "month"},
    "pair_summary": {"a": "RUS", "b": "UKR", "start": "2010-01-05", "end": "2020-06-20"},
    "top_pairs": {"start": "2020-01-01", "end": "2020-12-31"},
    "top_pairs_days": {"start": "2020-01-05", "end": "2020-12-20"},
    "network_edges": {"start": "2019-01-05", "end": "2019-12-20"},
    "lake_summary": {},
}

TIMER = """
import json, statistics, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
t0 = time.perf_counter()
from lake import connection as lakes
from queries import runner
con = lakes.connect(Path({lake!r}), memory_limit="2GB")
connect_ms = (time.perf_counter() - t0) * 1000
name, params = {name!r}, {params!r}
query = name.removesuffix("_days")
t = time.perf_counter(); runner.run(con, query, params); cold = (time.perf_counter() - t) * 1000
warm = []
for _ in range(5):
    t = time.perf_counter(); runner.run(con, query, params); warm.append((time.perf_counter() - t) * 1000)
print(json.dumps({{"connect_ms": connect_ms, "cold_ms": cold, "warm_ms": statistics.median(warm)}}))
"""

READER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from lake import connection as lakes
from queries import runner
con = lakes.connect(Path({lake!r}), memory_limit="1GB")
params = {{"a": "USA", "b": "CHN", "start": "2000-01-01", "end": "2025-12-31", "grain": "month"}}
runner.run(con, "pair_timeline", params)  # cold read out of the way
print("ready", flush=True)
stop = time.time() + {seconds}
while time.time() < stop:
    t = time.perf_counter()
    try:
        runner.run(con, "pair_timeline", params); ok = True
    except Exception as err:
        ok = False
    print(json.dumps({{"at": time.time(), "ms": (time.perf_counter() - t) * 1000, "ok": ok}}), flush=True)
"""


def _python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=1800)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return done.stdout


def copy_to_postgres_s3(source: Path, target: Path, env: dict[str, str]) -> float:
    """`python -m ingest migrate`'s copy: every table of the source lake, one commit."""
    from ingest.migrate import copy_lake
    from tests.conftest import lake_settings

    started = time.perf_counter()
    with lake_settings(env):
        copy_lake(source, target, memory_limit="4GB")
    return time.perf_counter() - started


def query_times(lake: Path, env: dict[str, str]) -> dict[str, dict]:
    return {name: json.loads(_python(TIMER.format(repo=str(REPO), lake=str(lake), name=name, params=params), env))
            for name, params in QUERIES.items()}


def ingest_while_reading(lake: Path, env: dict[str, str], drop: Path, rows: int) -> dict:
    reader = subprocess.Popen([sys.executable, "-c", READER.format(repo=str(REPO), lake=str(lake), seconds=600)],
                              env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
    reads_text = [reader.stdout.readline()]  # "ready": warm, so the baseline is of warm reads
    time.sleep(8)  # a baseline of reads before the ingest starts
    started = time.time()
    done = subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "gdelt", str(drop)], cwd=REPO,
                          env={**os.environ, **env, "BILATERAL_MEMORY_LIMIT": "4GB"}, capture_output=True, text=True)
    ended = time.time()
    time.sleep(3)
    reader.terminate()
    out, _ = reader.communicate()
    reads = [json.loads(line) for line in [*reads_text, *out.splitlines()] if line.startswith("{")]
    before = [r["ms"] for r in reads if r["at"] < started]
    during = [r["ms"] for r in reads if started <= r["at"] <= ended]

    def summary(values: list[float]) -> dict:
        values = sorted(values)
        return {"reads": len(values), "median_ms": statistics.median(values) if values else None,
                "p95_ms": values[int(0.95 * (len(values) - 1))] if values else None,
                "max_ms": values[-1] if values else None}

    return {"ingest_exit": done.returncode, "ingest_line": (done.stdout or done.stderr).strip()[-300:],
            "ingest_s": ended - started, "rows_per_s": rows / (ended - started),
            "failed_reads": sum(not r["ok"] for r in reads), "reads_before": summary(before),
            "reads_during": summary(during)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-lake", type=Path, default=REPO / "bench" / "lakes" / "10M")
    parser.add_argument("--input", type=Path, default=REPO / "bench" / "out" / "bench_1000000.export.CSV")
    parser.add_argument("--ingest-rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "scaleout.json")
    args = parser.parse_args()
    os.environ.setdefault("BILATERAL_THREADS", "2")
    work = Path(tempfile.mkdtemp(prefix="bilateral-scaleout-"))
    pg, s3 = Postgres.start(), MotoS3.start()
    try:
        s3.create_bucket("bilateral")
        env_pg = lake_env(pg, s3, "bench")
        sqlite_lake, pg_lake = work / "sqlite", work / "pg"
        print(f"copying {args.source_lake} (SQLite, {_size(args.source_lake)}) ...", file=sys.stderr)
        shutil.copytree(args.source_lake, sqlite_lake)
        copy_s = copy_to_postgres_s3(sqlite_lake, pg_lake, env_pg)
        results: dict = {"source": str(args.source_lake), "copy_to_postgres_s3_s": copy_s, "lakes": {}}
        drop = work / "ingest.export.CSV"
        with args.input.open() as src, drop.open("w") as dst:
            for n, line in enumerate(src):
                if n == args.ingest_rows:
                    break
                dst.write(line)
        for name, lake, env in (("sqlite", sqlite_lake, {}), ("postgres_s3", pg_lake, env_pg)):
            print(f"{name}: queries ...", file=sys.stderr)
            results["lakes"][name] = {"queries": query_times(lake, env)}
            print(f"{name}: ingest while reading ...", file=sys.stderr)
            results["lakes"][name]["ingest"] = ingest_while_reading(lake, env, drop, args.ingest_rows)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
        print(json.dumps(results, indent=2))
    finally:
        pg.stop()
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _size(path: Path) -> str:
    return f"{sum(f.stat().st_size for f in path.rglob('*') if f.is_file()) / 2**20:,.0f} MiB"


if __name__ == "__main__":
    sys.exit(main())
