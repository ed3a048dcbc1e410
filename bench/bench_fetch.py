"""Benchmark of `ingest fetch` against a local stand-in for GDELT's data host.

    .venv/bin/python bench/bench_fetch.py [--days 30] [--per-day 100000]

1. Builds DAYS days of GDELT 2.0 15-minute files (export + mentions, ~PER_DAY events a day, as
   GDELT publishes now), resampled from real rows: every event is a real GDELT 2.0 event of the
   embedded sample (data/sample/events/2015..2019 exports) with a new GLOBALEVENTID and the
   slot's date; every mention a real mention row pointing at one of the slot's events. Zipped,
   listed in masterfilelist.txt with their sizes and MD5s, served by `python -m http.server` on
   127.0.0.1 (a separate process). Cached in bench/out/feed/ between runs.
2. Backfill: `python -m ingest fetch --from D1 --to DN --streams events,mentions` into a fresh
   lake, under /usr/bin/time: events/s end to end (download included) and peak RSS.
3. Following: three more slots published one at a time, each fetched by `fetch()` in one warm
   process (what --follow does): CPU seconds per slot (process time, all threads).

Prints a Markdown block for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import io
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable
FIRST_DAY = dt.date(2025, 11, 1)
MENTIONS_PER_EVENT = 2.5  # GDELT 2.0 slots of late 2025: about 2-3 mention rows per event row


def real_event_rows() -> list[list[str]]:
    rows = []
    for name in ("20151027220000.export.CSV.gz", "20171126081500.export.CSV.gz"):
        rows += [line.split("\t") for line in gzip.decompress((REPO / "data/sample/events" / name).read_bytes())
                 .decode().splitlines() if line]
    with zipfile.ZipFile(REPO / "data/sample/events/20190121220000.export.CSV.zip") as archive:
        rows += [line.split("\t") for line in archive.read(archive.namelist()[0]).decode().splitlines() if line]
    return [r for r in rows if len(r) == 61]


def real_mention_rows() -> list[list[str]]:
    rows = [line.split("\t") for line in gzip.decompress((REPO / "data/sample/mentions/aamend_mentions.csv.gz")
                                                         .read_bytes()).decode().splitlines() if line]
    return [r for r in rows if len(r) == 16]


def build_feed(root: Path, days: int, per_day: int, seed: int = 7) -> dict:
    """The files and master list; returns totals. Reuses a complete earlier build."""
    marker = root / f"built-{days}-{per_day}-{seed}"
    if marker.exists():
        return eval(marker.read_text())  # noqa: S307 (our own dict literal)
    shutil.rmtree(root, ignore_errors=True)
    (root / "gdeltv2").mkdir(parents=True)
    rng = random.Random(seed)
    events, mentions = real_event_rows(), real_mention_rows()
    per_slot = per_day // 96
    next_id = 1_300_000_000
    lines, total_events, total_mentions, total_bytes = [], 0, 0, 0
    slots = [dt.datetime.combine(FIRST_DAY, dt.time()) + dt.timedelta(minutes=15 * i) for i in range(days * 96 + 3)]
    for slot in slots:
        stamp = f"{slot:%Y%m%d%H%M%S}"
        day = f"{slot:%Y%m%d}"
        out = io.StringIO()
        ids = []
        for _ in range(per_slot):
            row = list(rng.choice(events))
            row[0] = str(next_id)
            ids.append(next_id)
            next_id += 1
            row[1], row[2], row[3] = day, day[:6], day[:4]
            row[4] = f"{slot.year + (slot.timetuple().tm_yday - 1) / 365:.4f}"
            row[59] = stamp
            out.write("\t".join(row) + "\n")
        m_out = io.StringIO()
        for _ in range(int(per_slot * MENTIONS_PER_EVENT)):
            row = list(rng.choice(mentions))
            row[0] = str(rng.choice(ids))
            row[1] = row[2] = stamp
            row[5] = row[5] + f"#b{rng.randrange(10**9)}"  # distinct articles
            m_out.write("\t".join(row) + "\n")
        for kind, text in (("export", out.getvalue()), ("mentions", m_out.getvalue())):
            name = f"{stamp}.{kind}.CSV.zip"
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(name.removesuffix(".zip"), text)
            body = buffer.getvalue()
            (root / "gdeltv2" / name).write_bytes(body)
            lines.append((slot, f"{len(body)} {hashlib.md5(body).hexdigest()} "
                                f"http://data.gdeltproject.org/gdeltv2/{name}"))
            total_bytes += len(body)
        total_events += per_slot
        total_mentions += int(per_slot * MENTIONS_PER_EVENT)
    (root / "all-lines.txt").write_text("\n".join(f"{s:%Y%m%d%H%M%S}|{line}" for s, line in lines) + "\n")
    totals = {"days": days, "events": per_slot * days * 96, "mentions": int(per_slot * MENTIONS_PER_EVENT) * days * 96,
              "bytes": sum(int(line.split()[0]) for s, line in lines if s.date() < FIRST_DAY + dt.timedelta(days))}
    marker.write_text(repr(totals))
    return totals


def publish(root: Path, up_to: dt.datetime) -> None:
    """Write the lists as GDELT would have them at `up_to`: every slot until then."""
    lines = [line.split("|", 1) for line in (root / "all-lines.txt").read_text().splitlines() if line]
    listed = [text for stamp, text in lines if dt.datetime.strptime(stamp, "%Y%m%d%H%M%S") <= up_to]
    (root / "gdeltv2" / "masterfilelist.txt").write_text("".join(f"{t}\n" for t in listed))
    newest = listed[-1].rsplit("/", 1)[-1][:14]
    (root / "gdeltv2" / "lastupdate.txt").write_text("".join(f"{t}\n" for t in listed if newest in t))


def serve(root: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}/"


def timed(command: list[str], env: dict) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and stdout of a command run under /usr/bin/time -v."""
    began = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], env=env, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return wall, rss, done.stdout


FOLLOW = """
import resource, sys, time, datetime as dt
from pathlib import Path
from rich.console import Console
sys.path.insert(0, {repo!r})
from ingest import fetch
lake = Path({lake!r})
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
start = dt.datetime.fromisoformat({start!r})  # the first slot after the backfill (GDELT 2025 is older than 7 days)
fetch.fetch(lake, {streams!r}, start, console=Console(stderr=True), merge_after=0)  # warm: nothing new yet
for i in range(3):
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # the next slot is published
    before, wall = cpu(), time.perf_counter()
    report = fetch.fetch(lake, {streams!r}, start, console=Console(stderr=True), merge_after=0)
    print(f"slot {{i}}: {{cpu() - before:.2f}} cpu-s {{time.perf_counter() - wall:.2f}} s {{dict(report.added)}}", flush=True)
"""


FLOOR = """
import duckdb, glob, sys, time, zipfile, io, os
files = sorted(glob.glob({root!r} + "/gdeltv2/*.export.CSV.zip"))[:{count}]
began = time.perf_counter()
os.makedirs({tmp!r}, exist_ok=True)
plain = []
for path in files:  # unzip, as the fetcher must
    with zipfile.ZipFile(path) as archive:
        target = os.path.join({tmp!r}, os.path.basename(path)[:-4])
        with open(target, "wb") as out:
            out.write(archive.read(archive.namelist()[0]))
        plain.append(target)
con = duckdb.connect()
con.execute("set enable_progress_bar = false")
rows = con.execute("create table events as select * from read_csv($files, delim='\\t', header=false, all_varchar=true)",
                   {{"files": plain}}).fetchone()[0]
print(rows, time.perf_counter() - began)
"""


def floor(root: Path, count: int) -> tuple[int, float]:
    """The same export files unzipped and read by DuckDB into a plain table, no checks, no lake:
    what this machine does at best right now."""
    tmp = OUT / "feed-floor"
    shutil.rmtree(tmp, ignore_errors=True)
    done = subprocess.run([PYTHON, "-c", FLOOR.format(root=str(root), count=count, tmp=str(tmp))],
                          capture_output=True, text=True, check=True)
    shutil.rmtree(tmp, ignore_errors=True)
    rows, seconds = done.stdout.strip().splitlines()[-1].split()
    return int(rows), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=100_000)
    parser.add_argument("--streams", default="events,mentions", help="what the backfill fetches")
    args = parser.parse_args()
    root = OUT / "feed"
    print(f"building {args.days} days of 15-minute files ...", file=sys.stderr)
    began = time.perf_counter()
    totals = build_feed(root, args.days, args.per_day)
    print(f"built in {time.perf_counter() - began:.0f}s: {totals}", file=sys.stderr)
    last = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=args.days), dt.time()) - dt.timedelta(minutes=15)
    publish(root, last)
    server, url = serve(root)
    lake = OUT / "feed-lake"
    shutil.rmtree(lake, ignore_errors=True)
    env = {**os.environ, "BILATERAL_GDELT_URL": url}
    try:
        to = FIRST_DAY + dt.timedelta(days=args.days - 1)
        wall, rss, out = timed([PYTHON, "-m", "ingest", "--lake", str(lake), "--quiet", "fetch", "--from",
                                FIRST_DAY.isoformat(), "--to", to.isoformat(), "--streams", args.streams], env)
        floor_rows, floor_seconds = floor(root, args.days * 96)
        print(out.strip(), file=sys.stderr)
        follow = subprocess.Popen([PYTHON, "-c", FOLLOW.format(repo=str(REPO), lake=str(lake), streams=args.streams.split(","),
                                                  start=(last + dt.timedelta(minutes=15)).isoformat())], env=env, cwd=REPO,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        cpu = []
        for i in range(3):
            assert follow.stdout.readline().strip() == "ready"
            publish(root, last + dt.timedelta(minutes=15 * (i + 1)))
            follow.stdin.write("\n")
            follow.stdin.flush()
            line = follow.stdout.readline().strip()
            print(line, file=sys.stderr)
            cpu.append(float(line.split()[2]))
        follow.wait(timeout=60)
    finally:
        server.terminate()
    rate = totals["events"] / wall
    mentions_rate = (f" ({(totals['events'] + totals['mentions']) / wall:,.0f} rows/s with mentions)"
                     if "mentions" in args.streams else "")
    print(f"""
### `ingest fetch`: {args.days}-day backfill and following (bench/bench_fetch.py, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)

Input: {totals['events']:,} events and {totals['mentions']:,} mentions in {args.days * 96 * 2:,} GDELT 2.0 zips
({totals['bytes'] / 1e6:,.0f} MB), resampled from real GDELT 2.0 rows, served on 127.0.0.1; the backfill
fetches `{args.streams}`, and so does the following part.
Load average at start: {os.getloadavg()[0]:.1f}.

| what | measured | target |
|---|---:|---|
| Backfill of `--streams {args.streams}`: download + verify + load + manifest, end to end | {wall:,.1f} s, **{rate:,.0f} events/s**{mentions_rate} | ≥ 200,000 events/s |
| Floor, side by side: the same export zips unzipped and read by DuckDB into a plain table (no checks, no lake, no download) | {floor_seconds:,.1f} s, {floor_rows / floor_seconds:,.0f} events/s | |
| Backfill peak RSS | {rss / 1024:,.0f} MiB | ≤ 1.5 GB |
| Following: CPU per new 15-minute slot (events + mentions + rollups + manifest; warm process) | {', '.join(f'{c:.2f}' for c in cpu)} CPU-s | ≤ 5 CPU-s |
""")


if __name__ == "__main__":
    main()
