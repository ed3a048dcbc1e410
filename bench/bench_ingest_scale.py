"""Does `ingest gdelt` slow down with batch size? 1M and 10M rows in one command, many files.

    .venv/bin/python bench/bench_ingest_scale.py [--files 100] [--rows-per-file 100000]

Input: FILES raw GDELT 2.0 files of ROWS_PER_FILE rows each, every row a real GDELT 2.0 row of the
embedded sample with a new GLOBALEVENTID and SOURCEURL (the GDELT Project,
https://www.gdeltproject.org/), written once to bench/out/scale/. Then, each into a fresh lake
and under /usr/bin/time: `python -m ingest gdelt` of the first tenth of the files (1M rows) and
of all of them (10M rows). Target: 10M takes at most 10x the time of 1M, at RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fetch import OUT, PYTHON, real_event_rows, timed  # noqa: E402


def build(folder: Path, files: int, rows: int, seed: int = 3) -> list[Path]:
    marker = folder / f"built-{files}-{rows}-{seed}"
    paths = [folder / f"{i:03d}.export.CSV" for i in range(files)]
    if marker.exists():
        return paths
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    real = real_event_rows()
    next_id = 2_000_000_000
    for path in paths:
        with path.open("w") as out:
            for _ in range(rows):
                row = list(rng.choice(real))
                row[0] = str(next_id)
                row[60] = f"{row[60]}#s{next_id}"
                next_id += 1
                out.write("\t".join(row) + "\n")
    marker.write_text("")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--rows-per-file", type=int, default=100_000)
    args = parser.parse_args()
    paths = build(OUT / "scale", args.files, args.rows_per_file)
    results = {}
    for count in (args.files // 10, args.files):
        lake = OUT / "scale-lake"
        shutil.rmtree(lake, ignore_errors=True)
        wall, rss, out = timed([PYTHON, "-m", "ingest", "--lake", str(lake), "gdelt", *map(str, paths[:count])],
                               dict(os.environ))
        results[count] = (wall, rss)
        print(f"{count * args.rows_per_file:,} rows: {wall:.1f} s, {rss / 1024:,.0f} MiB; {out.strip()}",
              file=sys.stderr)
    small, large = results[args.files // 10], results[args.files]
    print(f"""
### `ingest gdelt` of many files in one command (bench/bench_ingest_scale.py, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)

| rows (files) | wall | rows/s | peak RSS |
|---|---:|---:|---:|
| {args.files // 10 * args.rows_per_file:,} ({args.files // 10}) | {small[0]:.1f} s | {args.files // 10 * args.rows_per_file / small[0]:,.0f} | {small[1] / 1024:,.0f} MiB |
| {args.files * args.rows_per_file:,} ({args.files}) | {large[0]:.1f} s | {args.files * args.rows_per_file / large[0]:,.0f} | {large[1] / 1024:,.0f} MiB |

Ratio 10M / 1M: **{large[0] / small[0]:.1f}x** (target ≤ 10x); peak RSS {large[1] / 1024:,.0f} MiB (target ≤ 2 GB).
Load average at the end: {os.getloadavg()[0]:.1f}.
""")


if __name__ == "__main__":
    main()
