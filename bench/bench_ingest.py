"""Ingest benchmark: 1,000,000 real GDELT 2.0 rows through `python -m ingest gdelt`, and the
first start (`python -m ingest sample`). Writes bench/RESULTS.md; see bench/README.md.

    .venv/bin/python bench/bench_ingest.py                  # full run (~5 min on a quiet machine)
    .venv/bin/python bench/bench_ingest.py --rows 100000 --reps 1 --no-write   # quick look
    .venv/bin/python bench/bench_ingest.py --report-only    # RESULTS.md from the last results.json

The input is real: every generated row is a copy of a row of a GDELT 2.0 export in
../shared/data (The GDELT Project, https://www.gdeltproject.org/), with only GLOBALEVENTID
and SOURCEURL changed so that every row is a distinct event. Each measured command runs in
its own process with a fresh lake; peak RSS is that process's own ru_maxrss (os.wait4).

Internal child modes: `--phases COMMAND LAKE FILE...` runs the real ingest.load.load()
unchanged, with the DuckDB connection wrapped so that every SQL statement is timed (and the
memory it leaves), and prints the breakdown as JSON; `--variants LAKE FILE` times other ways
to do the same work, to size possible fixes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

STARTED = time.perf_counter()

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"  # git-ignored
SHARED = REPO.parent / "shared" / "data"
RESULTS = BENCH / "RESULTS.md"

TARGET_ROWS_PER_S = 300_000
TARGET_RSS_BYTES = 2 * 1024**3
CHILD_ENV = {"BILATERAL_MEMORY_LIMIT": "4GB", "BILATERAL_THREADS": "2"}
FIRST_ID = 1_000_000_000  # above every real GDELT 2.0 id in the templates (410M-913M)
CHUNK = 20_000
SEED = 20251203

BEGIN, END = "<!-- bench:begin (written by bench_ingest.py) -->", "<!-- bench:end -->"


# ---------------------------------------------------------------------------------------
# 1. Input: resampled real GDELT 2.0 rows


def template_sources() -> list[Path]:
    return sorted((SHARED / "gdelt_v2_events").glob("*.CSV")) + sorted(
        (SHARED / "gdelt_v2_events").glob("*.CSV.zip")) + sorted(
        (SHARED / "gdelt_v2_fixtures").glob("aamend_events*.csv"))


def _lines_of(path: Path) -> list[str]:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            (member,) = archive.namelist()
            text = archive.read(member).decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line]


def load_templates() -> tuple[list[tuple[str, str]], dict[str, int]]:
    """Every 61-column row of the real files, as (fields 2..60 with tabs, SOURCEURL)."""
    templates: list[tuple[str, str]] = []
    used: dict[str, int] = {}
    for path in template_sources():
        rows = [line.split("\t") for line in _lines_of(path)]
        rows = [r for r in rows if len(r) == 61]  # aamend_events1*.csv are 1.0 (57/58 columns)
        if rows:
            used[path.name] = len(rows)
        templates += [("\t".join(r[1:60]) + "\t", r[60]) for r in rows]
    return templates, used


def generate(path: Path, rows: int) -> dict:
    """Write `rows` resampled real rows to `path`, CHUNK rows at a time."""
    templates, used = load_templates()
    rng = random.Random(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            picks = rng.choices(templates, k=n)
            out.write("".join(
                f"{FIRST_ID + i}\t{middle}{url}{'&' if '?' in url else '?'}r={i}\n"
                for i, (middle, url) in enumerate(picks, start)
            ))
    tmp.replace(path)
    meta = {"rows": rows, "seed": SEED, "templates": len(templates), "sources": used,
            "bytes": path.stat().st_size}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2))
    return meta


def input_file(rows: int, regenerate: bool) -> tuple[Path, dict]:
    path = OUT / f"bench_{rows}.export.CSV"
    meta_path = path.with_suffix(".json")
    if not regenerate and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("rows") == rows and meta.get("bytes") == path.stat().st_size:
            return path, meta
    t0 = time.perf_counter()
    meta = generate(path, rows)
    print(f"generated {path.relative_to(REPO)}: {rows:,} rows, {meta['bytes'] / 1e6:.0f} MB "
          f"from {meta['templates']:,} real rows in {time.perf_counter() - t0:.1f} s", flush=True)
    return path, meta


# ---------------------------------------------------------------------------------------
# 2. Measuring one child process


def cpu_pressure() -> float | None:
    """Share of the last 10 s in which some runnable task waited for a CPU (Linux PSI), in %."""
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return None
    return float(some.split("avg10=")[1].split()[0])


CALM = {"below": 20.0, "max_wait": 60.0}  # set from --wait-calm / --max-wait


def wait_for_calm() -> float:
    """On a shared machine, wait (up to max_wait s) until CPU pressure is below the threshold.
    Returns the seconds waited."""
    t0 = time.perf_counter()
    while CALM["below"] > 0 and time.perf_counter() - t0 < CALM["max_wait"]:
        pressure = cpu_pressure()
        if pressure is None or pressure < CALM["below"]:
            break
        time.sleep(2)
    return time.perf_counter() - t0


def run_child(args: list[str], log_dir: Path, env_extra: dict | None = None, check: bool = True,
              calm: bool = True) -> dict:
    """Run args; wall time and the child's own peak RSS (wait4)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    waited = wait_for_calm() if calm else 0.0
    # Run from bench/out/ (git-ignored): DuckDB spills to ./.tmp when memory runs short.
    env = {**os.environ, **CHILD_ENV, **(env_extra or {}),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("BILATERAL_PROGRESS", None)
    load_before, pressure_before = os.getloadavg()[0], cpu_pressure()
    with (log_dir / "stdout").open("wb") as out, (log_dir / "stderr").open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, cwd=OUT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = (log_dir / "stdout").read_text()
    if proc.returncode != 0 and check:
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}):\n{(log_dir / 'stderr').read_text()[-2000:]}")
    return {"wall_s": wall, "rss_bytes": usage.ru_maxrss * 1024, "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime, "load1_before": load_before,
            "cpu_pressure_before": pressure_before, "waited_for_calm_s": waited, "stdout": stdout,
            "returncode": proc.returncode,
            "stderr_tail": (log_dir / "stderr").read_text()[-300:].strip().splitlines()[-1:]}


def fresh_lake(name: str) -> Path:
    lake = OUT / "lakes" / name
    shutil.rmtree(lake, ignore_errors=True)
    return lake


def measure_gdelt(path: Path, rows: int, reps: int) -> list[dict]:
    runs = []
    for rep in range(reps):
        lake = fresh_lake(f"gdelt-{rep}")
        run = run_child([sys.executable, "-m", "ingest", "--lake", str(lake), "gdelt", str(path)],
                        OUT / "logs" / f"gdelt-{rep}")
        if f"added {rows:,} events" not in run["stdout"]:
            sys.exit(f"ingest did not add {rows:,} events: {run['stdout']}")
        run["rows_per_s"] = rows / run["wall_s"]
        runs.append(run)
        print(f"gdelt run {rep + 1}/{reps}: {run['wall_s']:.1f} s, {run['rows_per_s']:,.0f} rows/s, "
              f"peak RSS {run['rss_bytes'] / 2**20:,.0f} MiB ({_noise(run)})", flush=True)
        shutil.rmtree(lake, ignore_errors=True)
    return runs


def memory_sweep(path: Path, rows: int, limits: tuple[str, ...]) -> list[dict]:
    """One run per lower BILATERAL_MEMORY_LIMIT: does the load fit, and in how much RSS?"""
    runs = []
    for limit in limits:
        lake = fresh_lake(f"gdelt-{limit}")
        run = run_child([sys.executable, "-m", "ingest", "--lake", str(lake), "gdelt", str(path)],
                        OUT / "logs" / f"gdelt-{limit}", {"BILATERAL_MEMORY_LIMIT": limit}, check=False)
        run["limit"] = limit
        run["ok"] = run["returncode"] == 0 and f"added {rows:,} events" in run["stdout"]
        runs.append(run)
        print(f"gdelt with BILATERAL_MEMORY_LIMIT={limit}: {'ok' if run['ok'] else 'FAILED'} "
              f"{run['wall_s']:.1f} s, peak RSS {run['rss_bytes'] / 2**20:,.0f} MiB", flush=True)
        shutil.rmtree(lake, ignore_errors=True)
    return runs


def measure_sample(reps: int) -> list[dict]:
    runs = []
    for rep in range(reps):
        lake = fresh_lake(f"sample-{rep}")
        run = run_child([sys.executable, "-m", "ingest", "--lake", str(lake), "sample"],
                        OUT / "logs" / f"sample-{rep}")
        runs.append(run)
        print(f"sample run {rep + 1}/{reps}: {run['wall_s']:.1f} s, "
              f"peak RSS {run['rss_bytes'] / 2**20:,.0f} MiB ({_noise(run)})", flush=True)
        shutil.rmtree(lake, ignore_errors=True)
    return runs


def measure_imports(reps: int) -> list[float]:
    """Python start + the imports `python -m ingest gdelt` needs, without touching a lake."""
    code = "import ingest.__main__, ingest.load"
    times = []
    for rep in range(reps):
        run = run_child([sys.executable, "-c", code], OUT / "logs" / f"imports-{rep}", calm=False)
        times.append(run["wall_s"])
    return times


# ---------------------------------------------------------------------------------------
# 3. Phase profile: the real load(), every SQL statement timed

# (regex on the statement, phase label), first match wins. Covers both shapes of the
# ingest code seen so far (a staged text table, then a typed one; or one read-and-type
# pass). A statement no pattern knows is listed as "other SQL: <its start>".
PHASES = [
    (r"^ATTACH|^LOAD|^USE", "connect: load extensions, attach catalog"),
    (r"duckdb_tables\(\)", "create lake (or see it exists): schema + reference rows"),
    (r"^create table|^alter table|insert into (cameo_codes|countries)",
     "create lake (or see it exists): schema + reference rows"),
    (r"row_number\(\) over \(\) \+ \$skip as _row", "rejection path: re-read the file with row numbers"),
    (r"temp table staged .*read_csv\(\$path, columns = \{'line'",
     "stage: read_csv + split tab-separated lines -> staged text table"),
    (r"temp table staged .*read_csv", "stage: read_csv (quoted CSV) -> staged text table"),
    (r"temp table staged .*read_parquet", "stage: read_parquet -> staged text table"),
    (r"temp table staged_articles|^describe staged_articles", "articles: read JSONL/CSV/Parquet"),
    (r"temp table typed_\d+ as select .*string_split\(line", "read + split + type in one pass -> typed table"),
    (r"temp table typed_\d+ as select .*read_csv", "read + type in one pass (CSV) -> typed table"),
    (r"temp table typed_\d+ as select .*read_parquet", "read + type in one pass (Parquet) -> typed table"),
    (r"temp table typed_", "type: cast staged text -> typed table"),
    (r"_nfields not in", "field-count check"),
    (r"^select count\(\*\) from (staged|typed_\d+)$", "count rows read"),
    (r"check_no|end\)? is not null limit 1", "validate: row checks"),
    (r"temp (table|view) all_", "union files into all_<table>"),
    (r"having count\(distinct", "duplicates: within the batch"),
    (r"join lake\.events e", "duplicates: against the lake"),
    (r"^select count\(\*\)(, count\(distinct .*)? from all_", "insert: count rows (and distinct ids)"),
    (r"temp table new_events", "prepare: anti-join lake.events, dedupe, join countries -> new_events table"),
    (r"^select count\(\*\) from new_events", "prepare: count new rows"),
    (r"disabled_optimizers", "one pass: optimizer setting (reference tables as build side)"),
    (r"^insert into lake\.events select .* read_csv", "one pass: read + type + check + insert events (sort, write Parquet)"),
    (r"snapshot_id is null\) group by event_id", "one pass: any id written twice?"),
    (r"semi join", "one pass: any id stored before?"),
    (r"insert into lake\.(pair_month|day_volume|country_month)", "rollups: aggregate new events, insert"),
    (r"^\s*insert into lake\.events select \* from new_events", "insert events: sort, write Parquet"),
    (r"^\s*insert into lake\.events", "insert events: dedupe, join countries, sort, write Parquet"),
    (r"^\s*insert into lake\.", "insert mentions/articles: dedupe, sort, write Parquet"),
    (r"set_commit_message", "commit: message"),
    (r"^commit", "commit: catalog write"),
    (r"current_snapshot", "after commit: read snapshot id"),
    (r"^begin|^rollback", "begin/rollback"),
]


_MEMORY = {"hwm": 0}


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _note_memory(log: dict, label: str) -> None:
    """Per phase: how much it raised the process's peak RSS, and the RSS it left behind."""
    hwm, rss = _status_kib("VmHWM"), _status_kib("VmRSS")
    log[f"_peak+:{label}"] = log.get(f"_peak+:{label}", 0) + max(hwm - _MEMORY["hwm"], 0) * 1024
    _MEMORY["hwm"] = max(hwm, _MEMORY["hwm"])
    log[f"_rss:{label}"] = max(log.get(f"_rss:{label}", 0), rss * 1024)


class TimedConnection:
    """Wraps a DuckDBPyConnection: every execute/executemany/fetch is timed under a phase."""

    def __init__(self, con, log: dict[str, float]):
        self._con, self._log, self._last = con, log, "other SQL"

    def _phase(self, sql: str) -> str:
        text = " ".join(sql.split())
        return next((label for pattern, label in PHASES if re.search(pattern, text, re.I)),
                    f"other SQL: {text[:50]}")

    def _add(self, label: str, t0: float) -> None:
        self._log[label] = self._log.get(label, 0.0) + time.perf_counter() - t0
        _note_memory(self._log, label)

    def execute(self, sql, *params):
        self._last = self._phase(sql)
        t0 = time.perf_counter()
        self._con.execute(sql, *params)
        self._add(self._last, t0)
        return self

    def executemany(self, sql, *params):
        self._last = self._phase(sql)
        t0 = time.perf_counter()
        self._con.executemany(sql, *params)
        self._add(self._last, t0)
        return self

    def fetchone(self):
        t0 = time.perf_counter()
        row = self._con.fetchone()
        self._add(self._last, t0)
        return row

    def fetchall(self):
        t0 = time.perf_counter()
        rows = self._con.fetchall()
        self._add(self._last, t0)
        return rows

    def close(self):
        t0 = time.perf_counter()
        self._con.close()
        self._add("close connection (frees temp tables)", t0)

    def __getattr__(self, name):
        return getattr(self._con, name)


def phases_main(command: str, lake: Path, paths: list[str]) -> None:
    """Child process: run the real load() (or the sample build) with timings; print JSON."""
    imported_at = time.perf_counter()
    sys.path.insert(0, str(REPO))
    from ingest import files, layouts, load, sample
    from lake import connection as lakes

    imports_s = time.perf_counter() - imported_at
    start_to_imports_s = time.perf_counter() - STARTED
    logs: dict[str, dict[str, float]] = {}
    current: dict[str, float] = {}
    real_connect = lakes.connect

    def timed_connect(*args, **kwargs):
        t0 = time.perf_counter()
        con = real_connect(*args, **kwargs)
        current["connect: load extensions, attach catalog"] = (
            current.get("connect: load extensions, attach catalog", 0.0) + time.perf_counter() - t0)
        _note_memory(current, "connect: load extensions, attach catalog")
        return TimedConnection(con, current)

    def timed(module, name, label):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                current[label] = current.get(label, 0.0) + time.perf_counter() - t0
        setattr(module, name, wrapper)

    load.lakes.connect = timed_connect
    timed(files, "open_drop", "python: open file (unzip)")
    timed(files, "head_text", "python: sniff first 256 KiB")
    timed(layouts, "detect", "python: detect layout")

    totals = {}
    t_all = time.perf_counter()
    steps = sample.STEPS if command == "sample" else ((command, None),)
    for step, folder in steps:
        current = {}
        step_paths = sample.sample_files(folder) if folder else paths
        t0 = time.perf_counter()
        summary = load.load(step, step_paths, lake)
        totals[step] = time.perf_counter() - t0
        logs[step] = current
        logs[step]["_rows_read"] = summary.rows_read
        logs[step]["_files"] = len(step_paths)
    print(json.dumps({"imports_s": imports_s, "start_to_imports_s": start_to_imports_s,
                      "load_s": totals, "phases": logs, "total_s": time.perf_counter() - t_all}))


def profile(command: str, paths: list[str], reps: int) -> list[dict]:
    runs = []
    for rep in range(reps):
        lake = fresh_lake(f"phases-{command}-{rep}")
        run = run_child([sys.executable, str(Path(__file__).resolve()), "--phases", command, str(lake), *paths],
                        OUT / "logs" / f"phases-{command}-{rep}")
        result = json.loads(run["stdout"].strip().splitlines()[-1])
        result["wall_s"], result["rss_bytes"] = run["wall_s"], run["rss_bytes"]
        runs.append(result)
        print(f"{command} phase profile {rep + 1}/{reps}: {run['wall_s']:.1f} s", flush=True)
        shutil.rmtree(lake, ignore_errors=True)
    return runs


def fastest_phases(runs: list[dict], step: str) -> tuple[float, dict[str, float], dict]:
    """The load() total, phase times and memory notes of the least disturbed run (on a shared
    machine a per-phase median mixes calm and contended runs, and its parts do not add up)."""
    best = min(runs, key=lambda r: r["load_s"][step])
    phases = best["phases"][step]
    return (best["load_s"][step], {k: v for k, v in phases.items() if not k.startswith("_")},
            {k: v for k, v in phases.items() if k.startswith(("_peak+:", "_rss:"))})


def median_phases(runs: list[dict], step: str) -> dict[str, float]:
    labels = {k for r in runs for k in r["phases"][step] if not k.startswith("_")}
    return {k: statistics.median(r["phases"][step].get(k, 0.0) for r in runs) for k in labels}


# ---------------------------------------------------------------------------------------
# 4. Variants: the same work done other ways, to size the possible gains (no ingest
# code is changed; these statements reuse ingest's own typing expressions and checks).

INSERT_COLUMNS = """
    event_id, source, event_date,
    actor1_code, actor1_name, actor1_cameo_country, c1.code, c1.is_state, actor1_type,
    actor2_code, actor2_name, actor2_cameo_country, c2.code, c2.is_state, actor2_type,
    is_root_event, event_code, event_base_code, event_root_code, quad_class, goldstein,
    num_mentions, num_sources, num_articles, avg_tone,
    action_geo_type, action_geo_name, action_geo_country, action_geo_adm1,
    action_geo_lat, action_geo_long, action_geo_feature_id, date_added, source_url,
    least(c1.code, c2.code) as pair_a, greatest(c1.code, c2.code) as pair_b"""


def variants_main(lake: Path, path: str) -> None:
    """Child process: time leaner ways to read, check and insert one raw 2.0 file; print JSON."""
    sys.path.insert(0, str(REPO))
    from ingest import events, layouts, store
    from lake import connection as lakes

    con = lakes.connect(lake, read_only=False, create=True)
    store.ensure_schema(con)
    timings: list[tuple[str, str, float]] = []

    def timed(group: str, label: str, fn) -> None:
        t0 = time.perf_counter()
        fn()
        timings.append((group, label, time.perf_counter() - t0))

    def sql(text: str):
        return lambda: con.execute(text).fetchall()

    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in layouts.EVENTS_V2)
    quoted = path.replace("'", "''")
    read = (f"read_csv('{quoted}', columns = {{{columns}}}, header = false, delim = chr(9), quote = '', "
            "escape = '', auto_detect = false, strict_mode = true, null_padding = false)")
    typed_select = ("select 0 as _file, 0 as _line, 'gdelt2' as source, "
                    + ", ".join(f"{expr} as {name}" for name, expr in events.TYPED.items())
                    + ", " + ", ".join(f'"{c}"' for c in sorted({c for c, _, _ in events.CHECKS})) + f" from {read}")
    cases = " ".join(f"when {cond} then {i}" for i, (_, cond, _) in enumerate(events.CHECKS))
    joins = ("left join lake.countries c1 on c1.cameo_code = t.actor1_cameo_country "
             "left join lake.countries c2 on c2.cameo_code = t.actor2_cameo_country")

    native = dict.fromkeys(layouts.EVENTS_V2, "VARCHAR") | {
        "GLOBALEVENTID": "BIGINT", "SQLDATE": "DATE", "IsRootEvent": "TINYINT", "QuadClass": "TINYINT",
        "GoldsteinScale": "DOUBLE", "NumMentions": "INTEGER", "NumSources": "INTEGER", "NumArticles": "INTEGER",
        "AvgTone": "DOUBLE", "ActionGeo_Type": "TINYINT", "ActionGeo_Lat": "DOUBLE", "ActionGeo_Long": "DOUBLE",
        "DATEADDED": "TIMESTAMP"}
    native_columns = ", ".join(f"'{k}': '{v}'" for k, v in native.items())
    native_read = (f"read_csv('{quoted}', columns = {{{native_columns}}}, "
                   "header = false, delim = chr(9), quote = '', escape = '', auto_detect = false, "
                   "strict_mode = true, null_padding = false, dateformat = '%Y%m%d', "
                   "timestampformat = '%Y%m%d%H%M%S', store_rejects = true)")
    alt = "variants"
    timed(alt, "scan only: read_csv with 61 named tab columns, count(*)", sql(f"select count(*) from {read}"))
    timed(alt, "scan with DuckDB's own parsing of the 13 numeric/date columns (store_rejects keeps line "
          "numbers of bad values), count(*)", sql(f"select count(*), count(SQLDATE) from {native_read}"))
    timed(alt, "validate without a table: every check over a 61-column read_csv", sql(
        f"select count(check_no) from (select case {cases} end as check_no from ({typed_select}) t)"))
    timed(alt, "typed temp table from a 61-column read_csv (no string_split, no row_number)", sql(
        f"create or replace temp table typed_direct as {typed_select}"))
    con.execute("begin")
    timed(alt, "insert from that typed table: no dedupe, no anti-join, no ORDER BY (DuckLake still sorts)", sql(
        f"insert into lake.events select {INSERT_COLUMNS} from typed_direct t {joins}"))
    con.execute("rollback")
    con.execute("drop table typed_direct")
    con.execute("begin")
    timed(alt, "insert straight from read_csv: no temp table at all", sql(
        f"insert into lake.events select {INSERT_COLUMNS} from ({typed_select}) t {joins}"))
    con.execute("rollback")
    con.execute("begin")
    timed(alt, "one pass: insert straight from read_csv with every check inline (error() aborts the "
          "transaction; find the line only then)", sql(
              f"insert into lake.events select {INSERT_COLUMNS} from ({typed_select}) t {joins} "
              f"where case when (case {cases} end) is not null then error('a row fails a check') else true end"))
    con.execute("rollback")
    con.close()
    print(json.dumps({"timings": timings}))


def variants(path: Path, reps: int) -> list[dict]:
    runs = []
    for rep in range(reps):
        lake = fresh_lake(f"variants-{rep}")
        run = run_child([sys.executable, str(Path(__file__).resolve()), "--variants", str(lake), str(path)],
                        OUT / "logs" / f"variants-{rep}")
        result = json.loads(run["stdout"].strip().splitlines()[-1])
        result["rss_bytes"] = run["rss_bytes"]
        runs.append(result)
        print(f"variants {rep + 1}/{reps}: {run['wall_s']:.1f} s", flush=True)
        shutil.rmtree(lake, ignore_errors=True)
    return runs


# ---------------------------------------------------------------------------------------
# 5. Report


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    duckdb_version = subprocess.run([sys.executable, "-c", "import duckdb; print(duckdb.__version__)"],
                                    capture_output=True, text=True, check=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "ingest", "lake/connection.py"], cwd=REPO,
                           capture_output=True, text=True)
    code = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((REPO / "ingest").glob("*.py"))))
    return {"commit": head.stdout.strip() or "unknown",
            "ingest_changes": [line[3:] for line in dirty.stdout.splitlines()],
            "ingest_sha256": code.hexdigest()[:12], "nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)), "mem_gib": mem_kb / 2**20,
            "cpu": cpu, "kernel": platform.release(), "python": platform.python_version(),
            "duckdb": duckdb_version}


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def _noise(run: dict) -> str:
    pressure = run.get("cpu_pressure_before")
    return f"{run['load1_before']:.1f}" + ("" if pressure is None else f" / {pressure:.0f}%")


def _phase_table(phases: dict[str, float], total: float, memory: dict | None = None) -> list[str]:
    memory = memory or {}
    lines = ["| phase | s | share of load() | raised peak RSS by | RSS after |", "|---|---:|---:|---:|---:|"]
    for label, secs in sorted(phases.items(), key=lambda kv: -kv[1]):
        if secs >= 0.0005:
            peak, rss = memory.get(f"_peak+:{label}"), memory.get(f"_rss:{label}")
            lines.append(f"| {label} | {secs:.3f} | {100 * secs / total:.0f}% | "
                         f"{_mib(peak) if peak else ''} | {_mib(rss) if rss else ''} |")
    accounted = sum(phases.values())
    lines.append(f"| (Python between statements, not attributed) | {max(total - accounted, 0):.3f} | "
                 f"{100 * max(total - accounted, 0) / total:.0f}% | | |")
    lines.append(f"| **load() total** | **{total:.3f}** | 100% | | |")
    return lines


def report(m: dict, meta: dict, rows: int, gdelt: list[dict], sample: list[dict], imports: list[float],
           prof_gdelt: list[dict], prof_sample: list[dict], sweep: list[dict], var: list[dict]) -> str:
    wall = statistics.median(r["wall_s"] for r in gdelt)
    rate = rows / wall
    rss = statistics.median(r["rss_bytes"] for r in gdelt)
    s_wall = statistics.median(r["wall_s"] for r in sample)
    s_rss = statistics.median(r["rss_bytes"] for r in sample)
    calm = m.get("calm", CALM)
    rate_ok = rate >= TARGET_ROWS_PER_S
    rss_ok = rss <= TARGET_RSS_BYTES
    need = rows / TARGET_ROWS_PER_S
    out = [
        BEGIN,
        "",
        f"Measured {m.get('measured_at') or time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with "
        f"`{m.get('command', '.venv/bin/python bench/bench_ingest.py')}` (from the repo root).",
        "",
        "### Machine",
        "",
        f"- CPU: {m['cpu']}, `nproc` {m['nproc']} (usable {m['affinity']}); RAM {m['mem_gib']:.1f} GiB; "
        f"Linux {m['kernel']}. Shared and noisy: before each run the 1-minute load average and the CPU "
        "pressure (PSI `some avg10`: share of time a runnable task waited for a CPU) are listed; each run "
        f"first waited up to {calm['max_wait']:.0f} s for the pressure to fall below {calm['below']:.0f}%.",
        f"- Python {m['python']}, DuckDB {m['duckdb']} (DuckLake, SQLite catalog).",
        f"- Code: commit `{m['commit']}`"
        + (f" plus uncommitted changes to {', '.join(f'`{f}`' for f in m['ingest_changes'])}"
           if m["ingest_changes"] else "")
        + f" (sha256 of `ingest/*.py`: `{m['ingest_sha256']}`)."
        + ("" if m.get("ingest_sha256_after", m["ingest_sha256"]) == m["ingest_sha256"] else
           f" **The ingest code changed during the run** (now `{m['ingest_sha256_after']}`): "
           "runs may mix versions; run again."),
        f"- Child environment: `BILATERAL_MEMORY_LIMIT={CHILD_ENV['BILATERAL_MEMORY_LIMIT']}`, "
        f"`BILATERAL_THREADS={CHILD_ENV['BILATERAL_THREADS']}`.",
        "",
        "### Input",
        "",
        f"`bench/out/bench_{rows}.export.CSV`: {rows:,} rows, {meta['bytes'] / 1e6:,.0f} MB, raw GDELT 2.0 "
        f"layout (61 tab-separated columns, no header), resampled with seed {meta['seed']} from "
        f"{meta['templates']:,} real rows: "
        + ", ".join(f"`{k}` ({v:,})" for k, v in meta["sources"].items())
        + f". Every row keeps its real fields except GLOBALEVENTID ({FIRST_ID:,} + row number) and "
        "SOURCEURL (`?r=N` or `&r=N` appended), so all rows are distinct events.",
        "",
        f"### `python -m ingest --lake <fresh> gdelt <{rows:,}-row file>` ({len(gdelt)} runs, fresh lake each)",
        "",
        "| run | wall s | rows/s | peak RSS | user s | sys s | load avg / CPU pressure before |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    out += [f"| {i + 1} | {r['wall_s']:.2f} | {r['rows_per_s']:,.0f} | {_mib(r['rss_bytes'])} | "
            f"{r['user_s']:.1f} | {r['sys_s']:.1f} | {_noise(r)} |" for i, r in enumerate(gdelt)]
    cpu = statistics.median(r["user_s"] + r["sys_s"] for r in gdelt)
    out += [
        f"| **median** | **{wall:.2f}** | **{rate:,.0f}** | **{_mib(rss)}** | | | |",
        f"| best | {min(r['wall_s'] for r in gdelt):.2f} | {max(r['rows_per_s'] for r in gdelt):,.0f} | "
        f"{_mib(min(r['rss_bytes'] for r in gdelt))} | | | |",
        "",
        f"CPU time (user + sys) per run, median: {cpu:.1f} s for 2 threads, i.e. the load could not take "
        f"less than {cpu / 2:.1f} s wall on this machine even with both cores to itself "
        f"({rows / (cpu / 2):,.0f} rows/s at best).",
        "",
        f"- Throughput: **{rate:,.0f} rows/s** against a target of {TARGET_ROWS_PER_S:,}: "
        + (f"met ({rate / TARGET_ROWS_PER_S:.2f}x)." if rate_ok else
           f"**missed**, at {100 * rate / TARGET_ROWS_PER_S:.0f}% of target: the load takes {wall:.1f} s "
           f"where the target allows {need:.1f} s ({wall / need:.1f}x too slow)."),
        f"- Peak RSS: **{_mib(rss)}** against a limit of {_mib(TARGET_RSS_BYTES)}: "
        + ("met." if rss_ok else f"**missed** by {_mib(rss - TARGET_RSS_BYTES)}."),
        f"- The wall time includes Python start-up and imports (median {statistics.median(imports):.2f} s, "
        "measured alone) and creating the lake (see the breakdown).",
        "",
        "Sensitivity, one run each with a lower `BILATERAL_MEMORY_LIMIT` (DuckDB uses what the load needs "
        "up to that limit and spills to disk beyond it):",
        "",
        "| BILATERAL_MEMORY_LIMIT | result | wall s | peak RSS |",
        "|---|---|---:|---:|",
        *[f"| {r['limit']} | {'loaded' if r['ok'] else 'failed: ' + ' '.join(r['stderr_tail'])[:160]} | "
          f"{r['wall_s']:.2f} | {_mib(r['rss_bytes'])} |" for r in sweep],
        "",
        f"### First start: `python -m ingest --lake <fresh> sample` ({len(sample)} runs)",
        "",
        "| run | wall s | peak RSS | user s | sys s | load avg / CPU pressure before |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    out += [f"| {i + 1} | {r['wall_s']:.2f} | {_mib(r['rss_bytes'])} | {r['user_s']:.1f} | {r['sys_s']:.1f} | "
            f"{_noise(r)} |" for i, r in enumerate(sample)]
    out += [
        f"| **median** | **{s_wall:.2f}** | **{_mib(s_rss)}** | | | |",
        f"| best | {min(r['wall_s'] for r in sample):.2f} | {_mib(min(r['rss_bytes'] for r in sample))} | | | |",
        "",
        "The sample is 117,126 events from 32 files, 1,835 mention rows from 3 files and 191 articles from "
        "3 files (102 with text, which the coder reads): three commits.",
        "",
        f"### Where the time goes: {rows:,}-row `gdelt` load (fastest of {len(prof_gdelt)} profiled runs)",
        "",
        "The real `ingest.load.load()`, unchanged, with its DuckDB connection wrapped so each SQL statement "
        "is timed (`bench_ingest.py --phases`). Python start-up and imports are outside `load()`. The "
        "breakdown is that of the least disturbed run (smallest `load()` total), so its parts add up. "
        "*Raised peak RSS by*: how much the process's high-water mark (VmHWM) grew during the phase; "
        "*RSS after*: resident memory when the phase's last statement ended (temp tables still held). The "
        "`load()` totals of all runs: " + ", ".join(f"{r['load_s']['gdelt']:.2f}" for r in prof_gdelt) + " s.",
        "",
    ]
    g_total, g_phases, g_memory = fastest_phases(prof_gdelt, "gdelt")
    out += _phase_table(g_phases, g_total, g_memory)
    out += [
        "",
        f"Profiled process: median wall {statistics.median(r['wall_s'] for r in prof_gdelt):.2f} s, "
        f"peak RSS {_mib(statistics.median(r['rss_bytes'] for r in prof_gdelt))}; Python start + imports "
        f"{statistics.median(r['start_to_imports_s'] for r in prof_gdelt):.2f} s of it.",
        "",
        f"### Where the time goes: first start (fastest of {len(prof_sample)} profiled runs)",
        "",
    ]
    for step in ("gdelt", "mentions", "articles"):
        total, phases, memory = fastest_phases(prof_sample, step)
        first = prof_sample[0]["phases"][step]
        out += [f"**{step}** ({first['_files']} files, {first['_rows_read']:,} rows read): {total:.2f} s", ""]
        out += _phase_table(phases, total, memory)
        out.append("")
    out += [
        f"### Variants: the same work done other ways (best of {len(var)} runs)",
        "",
        f"Same {rows:,}-row file, fresh lake, ingest's own typing expressions (`events.TYPED`) and checks "
        "(`events.CHECKS`); inserts are rolled back (`bench_ingest.py --variants`). For sizing fixes, not a "
        "drop-in: the variants skip line numbers and duplicate handling.",
        "",
        "| variant | s |",
        "|---|---:|",
    ]
    labels = [label for _, label, _ in var[0]["timings"]]
    for label in labels:
        secs = min(t for r in var for _, lab, t in r["timings"] if lab == label)
        out.append(f"| {label} | {secs:.2f} |")
    out += ["", f"For comparison, the real `load()` above: {g_total:.2f} s (fastest profiled run).", "", END]
    return "\n".join(out)


def write_results(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else f"# Ingest benchmark results\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text += "\n" + section + "\n"
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5, help="runs per measurement (median reported)")
    parser.add_argument("--regenerate", action="store_true", help="write the input file again")
    parser.add_argument("--wait-calm", type=float, default=CALM["below"], metavar="PCT",
                        help="before each run wait until CPU pressure (PSI some avg10) is below PCT "
                        "(default %(default)s; 0: do not wait)")
    parser.add_argument("--max-wait", type=float, default=CALM["max_wait"], metavar="S",
                        help="longest wait for calm before a run, seconds (default %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite RESULTS.md from bench/out/results.json without measuring")
    parser.add_argument("--phases", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument("--variants", nargs=2, metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        command, lake, *paths = args.phases
        phases_main(command, Path(lake), paths)
        return
    if args.variants:
        variants_main(Path(args.variants[0]), args.variants[1])
        return
    if args.report_only:
        d = json.loads((OUT / "results.json").read_text())
        section = report(d["machine"], d["input"], d["input"]["rows"], d["gdelt"], d["sample"], d["imports_s"],
                         d["phases_gdelt"], d["phases_sample"], d["memory_sweep"], d["variants"])
        if args.no_write:
            print(section)
        else:
            write_results(section)
        return
    CALM["below"], CALM["max_wait"] = args.wait_calm, args.max_wait
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is missing: the benchmark resamples the real GDELT files there")
    path, meta = input_file(args.rows, args.regenerate)
    m = machine()
    m["calm"] = dict(CALM)
    m["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    m["command"] = " ".join([".venv/bin/python bench/bench_ingest.py", *sys.argv[1:]])
    imports = measure_imports(args.reps)
    gdelt = measure_gdelt(path, args.rows, args.reps)
    sweep = memory_sweep(path, args.rows, ("2GB", "1GB"))
    sample = measure_sample(args.reps)
    prof_gdelt = profile("gdelt", [str(path)], args.reps)
    prof_sample = profile("sample", [], args.reps)
    var = variants(path, min(args.reps, 3))
    m["ingest_sha256_after"] = machine()["ingest_sha256"]
    section = report(m, meta, args.rows, gdelt, sample, imports, prof_gdelt, prof_sample, sweep, var)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for target in (OUT / "results.json", OUT / f"results-{stamp}.json"):  # keep every run's figures
        target.write_text(json.dumps(
            {"machine": m, "input": meta, "gdelt": gdelt, "sample": sample, "imports_s": imports,
             "memory_sweep": sweep, "variants": var,
             "phases_gdelt": prof_gdelt, "phases_sample": prof_sample}, indent=2, default=str))
    if args.no_write:
        print(section)
    else:
        write_results(section)
        print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
