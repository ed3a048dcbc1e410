"""Scale benchmark: every page's query set at 1M, 10M and 100M events, against pandas in
memory and naive DuckDB over one unsorted Parquet file, plus the app's peak RSS in a browser.

    .venv/bin/python bench/bench_pages.py --lakes bench/lakes/1M bench/lakes/10M bench/lakes/100M
    .venv/bin/python bench/bench_pages.py --lakes bench/lakes/1M --quick --no-write   # a quick look

Make the lakes first with bench/generate.py (see bench/README.md, "Scale benchmark").

What is measured, per lake (every measured piece runs in its own process):
- Page query sets through queries.runner.run, with the query names and parameters the pages
  pass (dashboard/pages/*.py), including the Python work between them (spikes, the network
  layout). Warm: one connection, one discarded run, then --runs runs. Cold: a fresh process,
  a fresh lake.connection.connect (timed apart as "connect"), the first run; --cold-runs times.
  The OS file cache stays warm (it is never dropped on this shared machine).
- Single queries ("units") also run by the baselines, for ratios:
  (a) pandas: the lake's Parquet data files read with pandas.read_parquet (the columns the
      queries need) into one DataFrame, then filter + groupby; in a process capped with
      RLIMIT_AS (--pandas-cap);
  (b) naive DuckDB: the raw SQL of queries/*.sql (never the rollup twins) on a plain
      duckdb connection over one Parquet file of the lake's events in random order
      (bench/out/naive_<size>.parquet, written once per lake snapshot).
- The layout: which share of row groups / rows a pair query can skip, from the Parquet
  statistics, for the lake's files and for the naive file, and the bytes each actually reads.
- The app: `streamlit run app.py` on the lake with BILATERAL_MEMORY_LIMIT=1GB, every page
  opened in headless Chromium, VmHWM of the server process; opening a shared Pair link in a
  fresh Chromium until the chart is drawn; a rerun of the Pair page.
- Ingest throughput: read from bench/out/results.json (bench_ingest.py), else measured once.

Results: bench/out/pages_results.json (merged per lake size, so lakes may be measured in
separate runs) and the generated part of the `scale` block in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
OUT = BENCH / "out"  # git-ignored
RESULTS_MD = BENCH / "RESULTS.md"
RESULTS_JSON = OUT / "pages_results.json"
INGEST_JSON = OUT / "results.json"
INGEST_CSV = OUT / "bench_1000000.export.CSV"

BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"
GEN_BEGIN = "<!-- scale:generated:begin (written by bench_pages.py; the text after scale:generated:end is kept) -->"
GEN_END = "<!-- scale:generated:end -->"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

ALL_QUADS = [1, 2, 3, 4]
ALL_ROOTS = list(range(1, 21))
RARE_PAIR = ("ALB", "SRB")  # one row among the 117,126 real template rows: ~N/117k events
SEARCH_Q = "trade"

# Columns the pandas baseline reads: what pair_timeline and network_pairs need.
PANDAS_COLUMNS = ["pair_a", "pair_b", "event_date", "actor1_country", "actor2_country",
                  "actor1_is_state", "actor2_is_state", "quad_class", "goldstein", "avg_tone"]


# ---------------------------------------------------------------------------------------
# small helpers


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def cpu_pressure() -> float | None:
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return float(re.search(r"avg10=([\d.]+)", some).group(1))
    except (OSError, AttributeError):
        return None


def noise() -> dict:
    return {"load1": round(os.getloadavg()[0], 2), "cpu_pressure": cpu_pressure()}


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmHWM / VmRSS / VmPeak in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS", "VmPeak", "VmSize"):
            out[key] = int(value.split()[0]) * 1024
    return out


def rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def peak_rss_self() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def pct(values: list[float], q: float) -> float:
    """Percentile with linear interpolation (numpy's default)."""
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def stats(values: list[float]) -> dict:
    if not values:
        return {}
    return {"n": len(values), "median": statistics.median(values), "p95": pct(values, 95),
            "min": min(values), "max": max(values)}


def size_label(events: int) -> str:
    for unit, div in (("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if events >= div:
            v = events / div
            return f"{v:.0f}{unit}" if abs(v - round(v)) < 0.05 else f"{v:.1f}{unit}"
    return str(events)


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    v = seconds * 1000
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def mib(n: float | None) -> str:
    return "–" if n is None else f"{n / 2**20:,.0f} MiB"


def month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def jsonable(obj):
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(type(obj))


def run_json_child(args: list[str], env_extra: dict | None = None, timeout: float = 3600,
                   preexec=None) -> dict:
    """Run `python bench_pages.py --child ...` and return the JSON it prints last."""
    env = {**os.environ, **(env_extra or {})}
    before = noise()
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True,
                              text=True, env=env, timeout=timeout, cwd=REPO, preexec_fn=preexec)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s", "noise_before": before}
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout)[-1500:]
        signame = ""
        if proc.returncode < 0:
            signame = f" (signal {signal.Signals(-proc.returncode).name})"
        return {"ok": False, "returncode": proc.returncode, "error": f"exit {proc.returncode}{signame}: {tail}",
                "noise_before": before, "wall_s": wall}
    out = json.loads(lines[-1])
    out.setdefault("ok", True)
    out["noise_before"] = before
    out["wall_s"] = wall
    return out


# ---------------------------------------------------------------------------------------
# what the pages run


def lake_context(lake: Path, rare: tuple[str, str]) -> dict:
    """Dates, pairs and windows every measurement of one lake uses (read once, then closed)."""
    from lake import connection as lakes
    from queries import runner

    con = lakes.connect(lake)
    try:
        summary = runner.run(con, "lake_summary").iloc[0]
        first, last = summary["first_date"].date(), summary["last_date"].date()
        whole = (first.replace(day=1), month_end(last))
        top = runner.run(con, "top_pairs", {"start": whole[0], "end": whole[1], "limit": 1})
        busy = (top.iloc[0]["country_a"], top.iloc[0]["country_b"]) if len(top) else ("CHN", "USA")
        snapshot = lakes.current_snapshot(con)
        articles = con.execute("select count(*) from lake.articles").fetchone()[0]
        pairs = {}
        for name, (a, b) in (("busy", busy), ("rare", rare)):
            lo, hi = sorted((a, b))
            pairs[name] = con.execute(
                "select count(*) from lake.events where pair_a = $a and pair_b = $b", {"a": lo, "b": hi}).fetchone()[0]
    finally:
        con.close()
    year = last.year - 1 if last.year - 1 >= first.year else last.year
    return {
        "lake": str(lake), "events": int(summary["events"]), "dyadic_events": int(summary["dyadic_events"]),
        "pairs": int(summary["pairs"]), "first": first.isoformat(), "last": last.isoformat(),
        "snapshot": int(snapshot), "articles": int(articles),
        "busy": list(busy), "rare": list(rare), "pair_events": pairs,
        "year": year, "drill_month": dt.date(year, 6, 1).isoformat(),
        "files_bytes": sum(p.stat().st_size for p in current_files(lake)),
        "event_files_bytes": sum(p.stat().st_size for p in event_files(lake)),
    }


def event_files(lake: Path) -> list[Path]:
    return current_files(lake, "events")


def current_files(lake: Path, *tables: str) -> list[Path]:
    """The data files of the latest snapshot, from the catalog: the folder also keeps the files
    of older snapshots (a compaction's inputs stay for time travel), which would count twice."""
    from lake import connection as lakes

    con = lakes.connect(lake)
    try:
        tables = tables or tuple(r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'lake'").fetchall())
        found = []
        for table in tables:
            rows = con.execute("select data_file, delete_file from ducklake_list_files('lake', $t)", {"t": table}).fetchall()
            if any(delete for _, delete in rows):
                raise RuntimeError(f"{lake}: {table} has delete files; the baselines read data files whole")
            found += [Path(data) for data, _ in rows]
        return sorted(found)
    finally:
        con.close()


class Ctx:
    def __init__(self, d: dict):
        self.d = d
        self.first = dt.date.fromisoformat(d["first"])
        self.last = dt.date.fromisoformat(d["last"])
        self.busy = tuple(d["busy"])
        self.rare = tuple(d["rare"])
        self.year = d["year"]
        self.year_start, self.year_end = dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        self.drill_start = dt.date.fromisoformat(d["drill_month"])
        self.drill_end = month_end(self.drill_start)
        self.whole = (self.first.replace(day=1), month_end(self.last))

    def pair(self, which: str) -> tuple[str, str]:
        return self.busy if which == "busy" else self.rare

    def window(self, span: str) -> tuple[dt.date, dt.date]:
        """26y: what a Pair link without dates shows (every loaded date); 1y: one calendar year."""
        return (self.first, self.last) if span == "26y" else (self.year_start, self.year_end)


class Recorder:
    """Times each step of one page run: queries through runner.run, Python work in between."""

    def __init__(self, con):
        from queries import runner

        self.con = con
        self.runner = runner
        self.steps: list[list] = []  # [label, seconds]
        self.calls: list[tuple] = []  # (label, query name, params) of every query step

    def q(self, label: str, name: str, **params):
        t0 = time.perf_counter()
        df = self.runner.run(self.con, name, params)
        self.steps.append([label, time.perf_counter() - t0])
        self.calls.append((label, name, params))
        return df

    def py(self, label: str, fn):
        t0 = time.perf_counter()
        out = fn()
        self.steps.append([label, time.perf_counter() - t0])
        return out


def page_overview(r: Recorder, c: Ctx) -> None:
    """dashboard/pages/overview.py."""
    from dashboard import spikes

    summary = r.q("lake_summary", "lake_summary").iloc[0]
    first, last = summary["first_date"].date(), summary["last_date"].date()
    r.q("countries", "countries")
    end = month_end(last)
    start = add_months(last.replace(day=1), -11)
    prev_start = add_months(start, -12)
    prev_end = start - dt.timedelta(days=1)
    r.q("pair_movers", "pair_movers", start=start, end=end, prev_start=prev_start, prev_end=prev_end,
        min_events=5, limit=200)
    year_before = add_months(last.replace(day=1), -12)
    months = r.q("recent_pair_months", "recent_pair_months", start=year_before, end=end, min_events=10)

    r.py("python: spikes of the 100 busiest pairs", lambda: spikes.latest_spikes(months, last, pairs=100))
    r.q("top_pairs", "top_pairs", start=first.replace(day=1), end=end, limit=15, states_only="true")


def page_pair(r: Recorder, c: Ctx, which: str, span: str, share: bool = False) -> None:
    """dashboard/pages/pair.py opened from a link ?a=..&b=..&from=..&to=..&grain=month: the link
    names its pair (no default-pair lookup); "share of total" off and coded events shown, as
    the page defaults."""
    from dashboard import spikes
    from dashboard.pair_state import period_end

    a, b = c.pair(which)
    start, end = c.window(span)
    grain = "month"
    filters = {"quad_classes": ALL_QUADS, "root_codes": ALL_ROOTS}
    r.q("cameo_roots", "cameo_roots")
    r.q("countries", "countries")
    summary = r.q("lake_summary", "lake_summary").iloc[0]
    # (the compare options, top_pairs, are asked only once "Filters and comparison" is opened)
    r.q("pair_summary (now)", "pair_summary", a=a, b=b, start=start, end=end, **filters)
    length = end - start
    if start - dt.timedelta(days=1) >= summary["first_date"].date():  # else: no data to compare with
        r.q("pair_summary (before)", "pair_summary", a=a, b=b, start=start - length - dt.timedelta(days=1),
            end=start - dt.timedelta(days=1), **filters)
    activity = r.q("pair_activity", "pair_activity", a=a, b=b, start=start, end=end, grain=grain, count="raw",
                   **filters)
    if summary["coded_events"]:
        r.q("coded_events", "coded_events", a=a, b=b, start=start, end=end, limit=200)
    if share:
        r.q("volume_by_period", "volume_by_period", start=start, end=end, grain=grain)
    flagged = r.py("python: spikes", lambda: spikes.find_spikes(spikes.per_period(activity, start, end, grain))
                   if len(activity) else None)
    if flagged is not None and len(flagged):
        starts = sorted({spike.period.date() for spike in flagged.head(6).itertuples()})
        r.q(f"spike cards ({len(starts)})", "pair_spike_cards", a=a, b=b, periods=starts, start=starts[0],
            end=period_end(starts[-1], grain), grain=grain, limit=5)


def page_spike_card(r: Recorder, c: Ctx) -> None:
    """One spike card of the Pair page: its month's top codes and top articles."""
    a, b = c.busy
    r.q("pair_spike_cards", "pair_spike_cards", a=a, b=b, periods=[c.drill_start], start=c.drill_start,
        end=c.drill_end, grain="month", limit=5)


def page_network(r: Recorder, c: Ctx, default_view: bool = False) -> None:
    """dashboard/pages/network.py: one calendar year, top 200 (or, default_view, the page as
    opened without parameters: January 1st of the latest year to the latest date, top 80)."""
    from dashboard import network_layout as network

    r.q("countries", "countries")
    r.q("lake_summary", "lake_summary")
    r.q("cameo_roots", "cameo_roots")
    if default_view:
        start, end, top = dt.date(c.last.year, 1, 1), c.last, 80
    else:
        start, end, top = c.year_start, c.year_end, 200
    filters = {"quad_classes": ALL_QUADS, "root_codes": ALL_ROOTS, "states_only": "true"}
    edges = r.q("network_pairs", "network_pairs", start=start, end=end, min_events=3, top=top, **filters)

    def draw():
        graph = network.build_graph(edges)
        return network.force_layout(graph), network.communities(graph), network.node_events(edges)

    if len(edges):
        r.py("python: layout + communities", draw)
    length = end - start + dt.timedelta(days=1)
    r.q("pair_movers (movers tab)", "pair_movers", start=start, end=end, prev_start=start - length,
        prev_end=start - dt.timedelta(days=1), min_events=3, limit=20, states_only="true")


def page_drill(r: Recorder, c: Ctx, which: str) -> None:
    """The Pair page's drill-down of one clicked month bar (all quad classes)."""
    a, b = c.pair(which)
    drill = {"a": a, "b": b, "start": c.drill_start, "end": c.drill_end, "quad_classes": ALL_QUADS,
             "root_codes": ALL_ROOTS}
    r.q("pair_events", "pair_events", **drill, limit=500)  # the rows and their count (matching_rows)


def page_search(r: Recorder, c: Ctx) -> None:
    """dashboard/pages/articles.py with ?q=trade: the page's lookups, then dashboard.lake_access.search."""
    from queries import search as search_index

    r.q("countries", "countries")
    r.q("lake_summary", "lake_summary")
    r.q("article_languages", "article_languages")

    def searched():
        # dashboard.lake_access.search: the index check (a catalog read once built), then the query. The lock
        # ensure_index returns is not held around runner.run here: the runner takes it itself now.
        bound = r.runner.get("article_search").bind({"q": SEARCH_Q, "language": "any", "limit": 100})
        search_index.ensure_index(r.con)
        return r.runner.run(r.con, "article_search", bound)

    r.py("article_search (with ensure_index check)", searched)


# Single queries that the baselines run too: name -> (query, params builder)
def unit_params(c: Ctx) -> dict[str, tuple[str, dict]]:
    busy, rare = c.busy, c.rare
    w26, w1 = c.window("26y"), c.window("1y")
    net = {"start": c.year_start, "end": c.year_end, "min_events": 3, "top": 200, "quad_classes": ALL_QUADS,
           "root_codes": ALL_ROOTS, "states_only": "true"}
    drill = {"a": busy[0], "b": busy[1], "start": c.drill_start, "end": c.drill_end, "quad_classes": ALL_QUADS,
             "root_codes": ALL_ROOTS}
    return {
        "pair_timeline busy 26y": ("pair_timeline", {"a": busy[0], "b": busy[1], "start": w26[0], "end": w26[1],
                                                     "grain": "month"}),
        "pair_timeline busy 1y": ("pair_timeline", {"a": busy[0], "b": busy[1], "start": w1[0], "end": w1[1],
                                                    "grain": "month"}),
        "pair_timeline rare 26y": ("pair_timeline", {"a": rare[0], "b": rare[1], "start": w26[0], "end": w26[1],
                                                     "grain": "month"}),
        "pair_activity busy 26y": ("pair_activity", {"a": busy[0], "b": busy[1], "start": w26[0], "end": w26[1],
                                                     "grain": "month", "count": "raw", "quad_classes": ALL_QUADS,
                                                     "root_codes": ALL_ROOTS}),
        "network_pairs year top 200": ("network_pairs", net),
        "pair_summary busy month": ("pair_summary", drill),
        "pair_events busy month": ("pair_events", {**drill, "limit": 500}),
    }


def scenarios(c: Ctx) -> dict[str, callable]:
    """Every measured page view: name -> function(recorder)."""
    out = {
        "overview": lambda r: page_overview(r, c),
        "pair busy 26y": lambda r: page_pair(r, c, "busy", "26y"),
        "pair busy 1y": lambda r: page_pair(r, c, "busy", "1y"),
        "pair rare 26y": lambda r: page_pair(r, c, "rare", "26y"),
        "pair rare 1y": lambda r: page_pair(r, c, "rare", "1y"),
        "spike card busy": lambda r: page_spike_card(r, c),
        "network year": lambda r: page_network(r, c),
        "network default view": lambda r: page_network(r, c, default_view=True),
        "drill-down busy": lambda r: page_drill(r, c, "busy"),
        "drill-down rare": lambda r: page_drill(r, c, "rare"),
        "search": lambda r: page_search(r, c),
    }
    for name, (query, params) in unit_params(c).items():
        out[f"unit: {name}"] = (lambda r, query=query, params=params, name=name: r.q(name, query, **params))
    return out


# Subtotals (sum of some steps of a page run) that the targets are about.
SUBSETS = {
    "network year": {"network_pairs + layout": ["network_pairs", "python: layout + communities"]},
    "network default view": {"network_pairs + layout": ["network_pairs", "python: layout + communities"]},
    "search": {"search query": ["article_search (with ensure_index check)"]},
}
# The Pair page's queries that depend on the pair. The others (reference tables, the loaded
# dates, the compare options of a window) are the same for every pair, and the app caches
# them per snapshot (dashboard.lake_access.query): a second pair opened on a running server runs
# only these.
PAIR_OWN = ["pair_summary (now)", "pair_summary (before)", "pair_activity", "coded_events", "python: spikes",
            *(f"spike cards ({n})" for n in range(1, 7))]
for _view in ("pair busy 26y", "pair busy 1y", "pair rare 26y", "pair rare 1y"):
    SUBSETS[_view] = {"the pair's own queries": PAIR_OWN}


# ---------------------------------------------------------------------------------------
# children: they print one JSON line


def child_warm(ctx: dict, runs: int, only: list[str] | None) -> dict:
    from lake import connection as lakes
    from queries import search as search_index

    c = Ctx(ctx)
    t0 = time.perf_counter()
    con = lakes.connect(Path(ctx["lake"]))
    connect_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    search_index.ensure_index(con)
    index_s = time.perf_counter() - t0
    out: dict = {"connect_s": connect_s, "index_build_s": index_s, "scenarios": {}}
    calls: dict[str, tuple] = {}
    for name, fn in scenarios(c).items():
        if only and name not in only:
            continue
        fn(Recorder(con))  # warm-up, discarded
        runs_out, load = [], noise()
        for _ in range(runs):
            rec = Recorder(con)
            fn(rec)
            runs_out.append(rec.steps)
            for label, query, params in rec.calls:
                calls[f"{name} / {label}"] = (query, params)
        out["scenarios"][name] = {"runs": runs_out, "noise": load}
    t0 = time.perf_counter()
    for _ in range(max(3, runs)):
        lakes.current_snapshot(con)
    out["current_snapshot_s"] = (time.perf_counter() - t0) / max(3, runs)
    out["peak_rss"] = peak_rss_self()
    out["explain"] = explain_slowest(con, out["scenarios"], calls)
    con.close()
    return out


def explain_slowest(con, measured: dict, calls: dict, top: int = 3) -> list[dict]:
    """EXPLAIN ANALYZE (DuckDB's JSON profile) of the slowest distinct queries of the warm runs."""
    from queries import macros, runner

    medians = {}
    for name, sc in measured.items():
        per_label: dict[str, list[float]] = {}
        for run in sc["runs"]:
            for label, secs in run:
                per_label.setdefault(label, []).append(secs)
        for label, values in per_label.items():
            key = f"{name} / {label}"
            if key in calls:
                medians[key] = statistics.median(values)
    done, out = set(), []
    for key in sorted(medians, key=medians.get, reverse=True):
        query, params = calls[key]
        ident = (query, json.dumps(params, default=jsonable, sort_keys=True))
        if ident in done:
            continue
        done.add(ident)
        q = runner.get(query)
        bound = q.bind(params)
        twin = runner._twin(query)
        sql = twin.sql if twin and twin.answers(bound) else q.sql
        used = {k: v for k, v in bound.items() if f"${k}" in sql}
        prof = Path(tempfile.mkstemp(suffix=".json")[1])
        cur = con.cursor()
        macros.define(cur)
        try:
            cur.execute("USE lake")
            cur.execute("SET enable_profiling = 'json'")
            cur.execute(f"SET profiling_output = '{prof}'")
            cur.execute(sql, used).fetchall()
            cur.execute("RESET profiling_output")
            cur.execute("SET enable_profiling = 'query_tree'")
            cur.execute("PRAGMA disable_profiling")
            tree = json.loads(prof.read_text())
            text = cur.execute("EXPLAIN ANALYZE " + sql, used).fetchall()[0][1]
        finally:
            cur.close()
            prof.unlink(missing_ok=True)
        ops: list[dict] = []

        def walk(node, ops=ops):
            if node.get("operator_name"):
                info = node.get("extra_info") or {}
                ops.append({"operator": node["operator_name"], "seconds": node.get("operator_timing", 0.0),
                            "rows": node.get("operator_cardinality"),
                            "files": info.get("Total Files Read"), "table": info.get("Table")})
            for child in node.get("children", []):
                walk(child, ops)

        walk(tree)
        out.append({"step": key, "query": query, "path": "rollup" if twin and twin.answers(bound) else "events",
                    "median_s": medians[key], "profiled_s": tree.get("latency"),
                    "operators": sorted(ops, key=lambda o: -o["seconds"])[:5], "explain_analyze": text})
        if len(out) >= top:
            break
    return out


def child_cold(ctx: dict, scenario: str) -> dict:
    from lake import connection as lakes
    from queries import search as search_index

    c = Ctx(ctx)
    t0 = time.perf_counter()
    con = lakes.connect(Path(ctx["lake"]))
    connect_s = time.perf_counter() - t0
    out = {"connect_s": connect_s}
    if scenario == "search":
        t0 = time.perf_counter()
        search_index.ensure_index(con)
        out["index_build_s"] = time.perf_counter() - t0
    rec = Recorder(con)
    scenarios(c)[scenario](rec)
    out["steps"] = rec.steps
    out["peak_rss"] = peak_rss_self()
    con.close()
    return out


def child_cold_all(ctx: dict) -> dict:
    """--quick only: every page view once, each on a fresh connection, in one process."""
    from lake import connection as lakes
    from queries import search as search_index

    c = Ctx(ctx)
    out = {}
    for name, fn in scenarios(c).items():
        t0 = time.perf_counter()
        con = lakes.connect(Path(ctx["lake"]))
        got = {"connect_s": time.perf_counter() - t0}
        if name == "search":
            t0 = time.perf_counter()
            search_index.ensure_index(con)
            got["index_build_s"] = time.perf_counter() - t0
        rec = Recorder(con)
        fn(rec)
        got["steps"] = rec.steps
        got["peak_rss"] = peak_rss_self()
        con.close()
        out[name] = got
    return out


def naive_connect(ctx: dict, files: dict):
    import duckdb

    con = duckdb.connect(config={"memory_limit": os.environ.get("BILATERAL_MEMORY_LIMIT", "2GB"),
                                 "autoinstall_known_extensions": False, "autoload_known_extensions": False})
    for table, path in files.items():
        con.execute(f"create view {table} as select * from read_parquet('{path}')")
    return con


def naive_run(con, query: str, params: dict):
    from queries import macros, runner

    q = runner.get(query)
    bound = q.bind(params)
    used = {k: v for k, v in bound.items() if f"${k}" in q.sql}
    macros.define(con)
    return con.execute(q.sql, used).df()


def child_naive(ctx: dict, files: dict, runs: int, unit: str | None) -> dict:
    c = Ctx(ctx)
    units = unit_params(c)
    t0 = time.perf_counter()
    con = naive_connect(ctx, files)
    out = {"connect_s": time.perf_counter() - t0, "units": {}}
    for name, (query, params) in units.items():
        if unit and unit != "all-cold" and name != unit:
            continue
        if unit == "all-cold":  # --quick only: a fresh connection per query, one process
            con = naive_connect(ctx, files)
        times, rows = [], None
        for i in range(1 if unit else runs + 1):
            t0 = time.perf_counter()
            df = naive_run(con, query, params)
            if i or unit:
                times.append(time.perf_counter() - t0)
            rows = len(df)
        out["units"][name] = {"times": times, "rows": rows, "check": result_check(query, df)}
    out["peak_rss"] = peak_rss_self()
    return out


def result_check(query: str, df) -> float | None:
    """A number to compare between implementations: total events (or rows)."""
    if df is None:
        return None
    if "events" in df.columns:
        return float(df["events"].sum())
    return float(len(df))


def child_pandas(ctx: dict, runs: int, cap: int, load_files: int | None = None) -> dict:
    """pandas in memory; load_files: only load the first N data files (finding where it fails)."""
    if cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import pandas as pd

    c = Ctx(ctx)
    out: dict = {"columns": PANDAS_COLUMNS, "cap": cap}
    files = [str(p) for p in event_files(Path(ctx["lake"]))][:load_files]
    try:
        t0 = time.perf_counter()
        df = pd.read_parquet(files, columns=PANDAS_COLUMNS)
        df["event_date"] = pd.to_datetime(df["event_date"])  # DATE arrives as Python date objects
        out["load_s"] = time.perf_counter() - t0
    except MemoryError as err:
        out.update(ok=False, phase="load", error=f"MemoryError {err}"[:300], peak_rss=peak_rss_self())
        return out
    out["rows"] = len(df)
    out["frame_bytes"] = int(df.memory_usage(deep=True).sum())
    out["dtypes"] = {k: str(v) for k, v in df.dtypes.items()}
    out["rss_after_load"] = proc_status()["VmRSS"]
    if load_files is not None:
        out["peak_rss"] = peak_rss_self()
        return out

    def timeline(a, b, start, end):
        lo, hi = sorted((a, b))
        m = ((df["pair_a"] == lo) & (df["pair_b"] == hi) & (df["event_date"] >= pd.Timestamp(start))
             & (df["event_date"] <= pd.Timestamp(end))
             & (((df["actor1_country"] == a) & (df["actor2_country"] == b))
                | ((df["actor1_country"] == b) & (df["actor2_country"] == a))))
        sub = df.loc[m, ["event_date", "quad_class", "goldstein", "avg_tone"]]
        period = sub["event_date"].dt.to_period("M").dt.start_time.rename("period")
        return (sub.groupby([period, "quad_class"])
                .agg(events=("goldstein", "size"), goldstein_mean=("goldstein", "mean"),
                     tone_mean=("avg_tone", "mean")).reset_index())

    def network_year(start, end, top=200, min_events=3):
        states = df["actor1_is_state"].eq(True) & df["actor2_is_state"].eq(True)
        m = (df["pair_a"] != df["pair_b"]) & (df["event_date"] >= pd.Timestamp(start)) \
            & (df["event_date"] <= pd.Timestamp(end)) & states
        sub = df.loc[m, ["pair_a", "pair_b", "goldstein", "quad_class"]]
        sub = sub.assign(conflict=(sub["quad_class"] >= 3).astype(float))
        g = (sub.groupby(["pair_a", "pair_b"])
             .agg(events=("goldstein", "size"), goldstein_mean=("goldstein", "mean"),
                  conflict_share=("conflict", "mean")).reset_index())
        g = g[g["events"] >= min_events]
        return g.sort_values(["events", "pair_a", "pair_b"], ascending=[False, True, True]).head(top)

    w26, w1 = c.window("26y"), c.window("1y")
    units = {
        "pair_timeline busy 26y": lambda: timeline(*c.busy, *w26),
        "pair_timeline busy 1y": lambda: timeline(*c.busy, *w1),
        "pair_timeline rare 26y": lambda: timeline(*c.rare, *w26),
        "network_pairs year top 200": lambda: network_year(c.year_start, c.year_end),
    }
    out["units"] = {}
    try:
        for name, fn in units.items():
            first_t0 = time.perf_counter()
            res = fn()
            first = time.perf_counter() - first_t0
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            out["units"][name] = {"times": times, "first_s": first, "rows": len(res),
                                  "check": float(res["events"].sum())}
    except MemoryError as err:
        out.update(ok=False, phase="query", error=f"MemoryError {err}"[:300])
    out["peak_rss"] = peak_rss_self()
    return out


def child_layout(ctx: dict, naive_file: str | None) -> dict:
    """What a pair filter can skip (Parquet row-group statistics), and bytes read per query."""
    import duckdb

    c = Ctx(ctx)
    out: dict = {}
    sources = {"lake": [str(p) for p in event_files(Path(ctx["lake"]))]}
    if naive_file:
        sources["naive"] = [naive_file]
    con = duckdb.connect(config={"memory_limit": "1GB"})
    for kind, files in sources.items():
        rgs = con.execute("""
            select file_name, row_group_id, any_value(row_group_num_rows) as n,
                   max(stats_min_value) filter (where path_in_schema = 'pair_a') as a_min,
                   max(stats_max_value) filter (where path_in_schema = 'pair_a') as a_max,
                   max(stats_min_value) filter (where path_in_schema = 'pair_b') as b_min,
                   max(stats_max_value) filter (where path_in_schema = 'pair_b') as b_max
            from parquet_metadata($files) group by all
        """, {"files": files}).fetchall()
        total_rows = sum(r[2] for r in rgs)
        res = {"row_groups": len(rgs), "rows": total_rows, "files": len(files),
               "bytes": sum(os.path.getsize(f) for f in files)}
        for which in ("busy", "rare"):
            lo, hi = sorted(c.pair(which))
            hit = [r for r in rgs if r[3] is not None and r[3] <= lo <= r[4] and r[5] is not None
                   and r[5] <= hi <= r[6]]
            res[which] = {"row_groups": len(hit), "rows": sum(r[2] for r in hit)}
        out[kind] = res
    con.close()
    return out


def child_bytes(ctx: dict, kind: str, files: dict | None) -> dict:
    """Bytes read (rchar) by one pair_timeline query, DuckDB's file cache off, second run."""
    c = Ctx(ctx)
    query, params = unit_params(c)["pair_timeline busy 26y"]
    if kind == "lake":
        from lake import connection as lakes
        from queries import runner

        con = lakes.connect(Path(ctx["lake"]))
        con.execute("SET enable_external_file_cache = false")
        run = lambda: runner.run(con, query, params)  # noqa: E731
        baseline = lambda: con.execute("select count(*) from lake.cameo_codes").fetchall()  # noqa: E731
    else:
        con = naive_connect(ctx, files)
        con.execute("SET enable_external_file_cache = false")
        run = lambda: naive_run(con, query, params)  # noqa: E731
        baseline = lambda: None  # noqa: E731
    run()
    r0 = rchar()
    baseline()
    catalog = rchar() - r0
    r0 = rchar()
    run()
    return {"rchar": rchar() - r0, "catalog_rchar": catalog}


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", required=True)
    parser.add_argument("--ctx", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--scenario")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--files")
    parser.add_argument("--cap", type=int, default=0)
    parser.add_argument("--load-files", type=int)
    args = parser.parse_args(argv)
    ctx = json.loads(Path(args.ctx).read_text())
    files = json.loads(args.files) if args.files else None
    if args.child == "warm":
        out = child_warm(ctx, args.runs, args.only)
    elif args.child == "cold":
        out = child_cold(ctx, args.scenario)
    elif args.child == "cold-all":
        out = child_cold_all(ctx)
    elif args.child == "naive":
        out = child_naive(ctx, files, args.runs, args.scenario)
    elif args.child == "pandas":
        out = child_pandas(ctx, args.runs, args.cap, args.load_files)
    elif args.child == "layout":
        out = child_layout(ctx, files["events"] if files else None)
    elif args.child == "bytes":
        out = child_bytes(ctx, args.scenario, files)
    else:
        raise SystemExit(f"unknown child {args.child}")
    print(json.dumps(out, default=jsonable))


# ---------------------------------------------------------------------------------------
# the parent: per lake


def summarise_runs(runs: list[list], subsets: dict[str, list[str]]) -> dict:
    totals = [sum(s for _, s in run) for run in runs]
    labels: dict[str, list[float]] = {}
    for run in runs:
        for label, secs in run:
            labels.setdefault(label, []).append(secs)
    out = {"total": stats(totals), "steps": {k: stats(v) for k, v in labels.items()},
           "queries": len(runs[0]) if runs else 0}
    for name, members in subsets.items():
        vals = [sum(s for label, s in run if label in members) for run in runs]
        out.setdefault("subsets", {})[name] = stats(vals)
    return out


def naive_files(ctx: dict, label: str, log, scratch: Path = OUT) -> dict:
    """The lake's events in random order as one Parquet file (plus cameo_codes, articles), once
    per lake snapshot."""
    scratch.mkdir(parents=True, exist_ok=True)
    files = {t: scratch / f"naive_{label}{'' if t == 'events' else '_' + t}.parquet"
             for t in ("events", "cameo_codes", "articles")}
    meta = scratch / f"naive_{label}.json"
    key = {"lake": ctx["lake"], "snapshot": ctx["snapshot"], "events": ctx["events"]}
    if meta.exists() and json.loads(meta.read_text()) == key and all(p.exists() for p in files.values()):
        return {k: str(v) for k, v in files.items()}
    log(f"  writing the naive file {files['events'].name} (events in random order)…")
    code = f"""
import sys; sys.path.insert(0, {str(REPO)!r})
from pathlib import Path
from lake import connection as lakes
con = lakes.connect(Path({ctx['lake']!r}), memory_limit={os.environ.get('BILATERAL_NAIVE_MEMORY', '6GB')!r})
con.execute("set preserve_insertion_order = false")
con.execute("set enable_progress_bar = false")
con.execute("set temp_directory = '{scratch / 'naive_tmp'}'")
con.execute("copy (select * from lake.events order by hash(event_id)) to '{files['events']}.tmp' (format parquet)")
con.execute("copy (select * from lake.cameo_codes) to '{files['cameo_codes']}' (format parquet)")
con.execute("copy (select * from lake.articles) to '{files['articles']}' (format parquet)")
"""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    os.replace(f"{files['events']}.tmp", files["events"])
    shutil.rmtree(scratch / "naive_tmp", ignore_errors=True)
    meta.write_text(json.dumps(key))
    log(f"  naive file written in {time.perf_counter() - t0:.0f} s")
    return {k: str(v) for k, v in files.items()}


def measure_lake(lake: Path, args, log) -> dict:
    env = {"BILATERAL_MEMORY_LIMIT": args.memory_limit}
    os.environ["BILATERAL_MEMORY_LIMIT"] = args.memory_limit
    ctx = lake_context(lake, tuple(args.rare.split("-")))
    label = size_label(ctx["events"])
    log(f"== {lake}: {ctx['events']:,} events ({label}), busiest pair {'–'.join(ctx['busy'])} "
        f"({ctx['pair_events']['busy']:,} events), rare pair {'–'.join(ctx['rare'])} ({ctx['pair_events']['rare']:,})")
    ctx_file = Path(tempfile.mkstemp(prefix="bench_ctx_", suffix=".json")[1])
    ctx_file.write_text(json.dumps(ctx))
    result: dict = {"label": label, "context": ctx, "measured": now_utc(), "memory_limit": args.memory_limit,
                    "runs": args.runs, "cold_runs": args.cold_runs}
    try:
        names = list(scenarios(Ctx(ctx)))
        parts = set(args.parts)
        result["parts"] = {}
        if "warm" in parts:
            result["parts"]["warm"] = now_utc()
            log(f"  warm: {len(names)} page views × {args.runs} runs on one connection")
            warm = run_json_child(["--child", "warm", "--ctx", str(ctx_file), "--runs", str(args.runs)], env)
            if not warm.get("ok", True) or "scenarios" not in warm:
                raise RuntimeError(f"warm run failed: {warm.get('error')}")
            result["warm"] = {name: {**summarise_runs(sc["runs"], SUBSETS.get(name, {})), "noise": sc["noise"]}
                              for name, sc in warm["scenarios"].items()}
            result["warm_process"] = {k: warm[k] for k in ("connect_s", "index_build_s", "current_snapshot_s",
                                                           "peak_rss", "noise_before")}
            result["explain"] = warm["explain"]
        if "cold" in parts:
            result["parts"]["cold"] = now_utc()
            cold_raw: dict[str, list[dict]] = {name: [] for name in names}
            if args.quick:
                log("  cold (--quick): every page view once, each on a fresh connection, in one fresh process")
                got = run_json_child(["--child", "cold-all", "--ctx", str(ctx_file)], env)
                if "overview" not in got:
                    raise RuntimeError(f"cold run failed: {got.get('error')}")
                for name in names:
                    cold_raw[name].append({**got[name], "noise_before": got["noise_before"]})
            else:
                log(f"  cold: {len(names)} page views × {args.cold_runs} fresh processes "
                    f"(search × {min(args.cold_runs, args.search_cold_runs)}: each builds the index)")
                for name in names:
                    n = min(args.cold_runs, args.search_cold_runs) if name == "search" else args.cold_runs
                    for _ in range(n):
                        got = run_json_child(["--child", "cold", "--ctx", str(ctx_file), "--scenario", name], env)
                        if "steps" not in got:
                            raise RuntimeError(f"cold {name} failed: {got.get('error')}")
                        cold_raw[name].append(got)
            cold: dict = {}
            for name, gots in cold_raw.items():
                index = [g["index_build_s"] for g in gots if "index_build_s" in g]
                cold[name] = {**summarise_runs([g["steps"] for g in gots], SUBSETS.get(name, {})),
                              "connect": stats([g["connect_s"] for g in gots]),
                              "peak_rss_max": max(g["peak_rss"] for g in gots),
                              "load1": stats([g["noise_before"]["load1"] for g in gots])}
                if index:
                    cold[name]["index_build"] = stats(index)
            result["cold"] = cold
        # baselines
        if args.baselines and "baselines" in parts:
            result["parts"]["baselines"] = now_utc()
            files = naive_files(ctx, label, log, args.scratch)
            log(f"  naive DuckDB: {len(unit_params(Ctx(ctx)))} queries, warm × {args.runs}, cold × {args.cold_runs}")
            nw = run_json_child(["--child", "naive", "--ctx", str(ctx_file), "--runs", str(args.runs),
                                 "--files", json.dumps(files)], env)
            naive = {"warm": {}, "cold": {}, "peak_rss": nw.get("peak_rss"), "noise_before": nw.get("noise_before"),
                     "file_bytes": os.path.getsize(files["events"]), "error": nw.get("error")}
            if args.quick:
                got = run_json_child(["--child", "naive", "--ctx", str(ctx_file), "--scenario", "all-cold",
                                      "--files", json.dumps(files)], env)
                quick_cold = got.get("units", {})
            for name, u in nw.get("units", {}).items():
                naive["warm"][name] = {**stats(u["times"]), "check": u["check"], "rows": u["rows"]}
                if args.quick:
                    times = quick_cold.get(name, {}).get("times", [])
                else:
                    times = []
                    for _ in range(args.cold_runs):
                        got = run_json_child(["--child", "naive", "--ctx", str(ctx_file), "--scenario", name,
                                              "--files", json.dumps(files)], env)
                        if "units" in got:
                            times.append(got["units"][name]["times"][0])
                naive["cold"][name] = stats(times)
            result["naive"] = naive
            log(f"  pandas: read_parquet of {len(event_files(lake))} files, capped at {args.pandas_cap / 2**30:.0f} GiB")
            pd_out = run_json_child(["--child", "pandas", "--ctx", str(ctx_file), "--runs", str(args.runs),
                                     "--cap", str(args.pandas_cap)], env, timeout=7200)
            pd_res = {k: v for k, v in pd_out.items() if k != "units"}
            pd_res["units"] = {name: {**stats(u["times"]), "first_s": u["first_s"], "check": u["check"],
                                      "rows": u["rows"]} for name, u in pd_out.get("units", {}).items()}
            if pd_res.get("ok") is False:
                pd_res["search"] = pandas_limit(ctx_file, args, env, log)
            result["pandas"] = pd_res
            log("  layout: row groups a pair filter can skip; bytes read per pair query")
            result["layout"] = run_json_child(["--child", "layout", "--ctx", str(ctx_file),
                                               "--files", json.dumps(files)], env)
            result["bytes"] = {
                "lake": run_json_child(["--child", "bytes", "--ctx", str(ctx_file), "--scenario", "lake"], env),
                "naive": run_json_child(["--child", "bytes", "--ctx", str(ctx_file), "--scenario", "naive",
                                         "--files", json.dumps(files)], env),
            }
        if args.browser and "app" in parts:
            result["parts"]["app"] = now_utc()
            log("  app: streamlit + headless Chromium")
            result["app"] = measure_app(lake, ctx, args, log)
    finally:
        ctx_file.unlink(missing_ok=True)
    return result


def pandas_limit(ctx_file: Path, args, env: dict, log) -> list[dict]:
    """pandas did not fit: load fewer and fewer of the lake's data files to find where it does."""
    n = len(event_files(Path(json.loads(ctx_file.read_text())["lake"])))
    tries = []
    k = n // 2
    while k >= 1:
        got = run_json_child(["--child", "pandas", "--ctx", str(ctx_file), "--cap", str(args.pandas_cap),
                              "--load-files", str(k)], env, timeout=3600)
        ok = got.get("ok", True) and "rows" in got
        tries.append({"files": k, "ok": ok, "rows": got.get("rows"), "peak_rss": got.get("peak_rss"),
                      "load_s": got.get("load_s"), "frame_bytes": got.get("frame_bytes"),
                      "error": None if ok else (got.get("error") or "")[:200]})
        log(f"    pandas with {k} of {n} files: " + (f"{got['rows']:,} rows, peak RSS {mib(got.get('peak_rss'))}"
                                                      if ok else "failed"))
        if ok:
            break
        k //= 2
    return tries


# ---------------------------------------------------------------------------------------
# the app in a browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_app(lake: Path, ctx: dict, args, log) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"streamlit_{size_label(ctx['events'])}.log"
    env = {**os.environ, "BILATERAL_LAKE": str(lake), "BILATERAL_MEMORY_LIMIT": args.app_memory_limit}
    with log_path.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                 "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    res: dict = {"memory_limit": args.app_memory_limit, "pages": [], "noise_before": noise()}
    a, b = ctx["busy"]
    year = ctx["year"]
    pair_full = f"/pair?a={a}&b={b}&from={ctx['first']}&to={ctx['last']}&grain=month"
    pair_year = f"/pair?a={a}&b={b}&from={year}-01-01&to={year}-12-31&grain=month"
    bars = ".js-plotly-plot .barlayer .point path"
    pages = [
        ("Overview", "/", ".js-plotly-plot"),
        ("Pair (busiest, all dates)", pair_full, bars),
        ("Pair (busiest, one year)", pair_year, bars),
        ("Network", "/network", ".js-plotly-plot .scatterlayer .trace .point"),
        ("Network (one year, top 200)", f"/network?from={year}-01-01&to={year}-12-31&top=200",
         ".js-plotly-plot .scatterlayer .trace .point"),
        ("Articles (search q=trade)", f"/articles?q={SEARCH_Q}", None),
        ("Brief", f"/brief?a={a}&b={b}", ".js-plotly-plot"),
    ]
    try:
        t0 = time.perf_counter()
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited {proc.returncode}: {log_path.read_text()[-1500:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("streamlit did not answer /_stcore/health in 120 s")
            time.sleep(0.3)
        res["server_start_s"] = time.perf_counter() - t0
        res["rss_idle"] = proc_status(proc.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                for name, path, selector in pages:
                    t0 = time.perf_counter()
                    page.goto(base + path)
                    ok, err = wait_page(page, selector)
                    secs = time.perf_counter() - t0
                    status = proc_status(proc.pid)
                    exc = page.locator("[data-testid='stException']").all_inner_texts()
                    res["pages"].append({"page": name, "path": path, "seconds": secs, "ok": ok and not exc,
                                         "error": err or (exc[0][:300] if exc else None),
                                         "vmhwm": status["VmHWM"], "vmrss": status["VmRSS"]})
                    log(f"    {name}: {secs:.1f} s, VmHWM {mib(status['VmHWM'])}" + ("" if ok and not exc else
                                                                                    f" PROBLEM {err or exc[0][:200]}"))
                # a rerun of the Pair page (press r): every query a st.cache_data hit
                page.goto(base + pair_year)
                wait_page(page, bars)
                res["rerun_pair_s"] = rerun_times(page, args.browser_runs)
            finally:
                browser.close()
            # a shared link opened in a fresh browser, warm server (each link opened once above)
            res["shared_link"] = {}
            for name, path in (("one year", pair_year), ("all dates", pair_full)):
                draws, launches, phases = [], [], []
                for _ in range(args.browser_runs):
                    t0 = time.perf_counter()
                    fresh = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    try:
                        t1 = time.perf_counter()
                        pg = fresh.new_page(viewport={"width": 1400, "height": 1000})
                        pg.add_init_script(WATCH_INIT_JS)
                        pg.goto(base + path)
                        pg.locator(bars).first.wait_for(timeout=120_000)
                        draws.append(time.perf_counter() - t1)
                        launches.append(t1 - t0)
                        phases.append(pg.evaluate(PHASES_JS))
                    finally:
                        fresh.close()
                res["shared_link"][name] = {"path": path, "open_to_chart": stats(draws),
                                            "browser_launch": stats(launches),
                                            "phases": {k: stats([ph[k] / (1 if k == "transfer_bytes" else 1000)
                                                                  for ph in phases if ph.get(k) is not None])
                                                       for k in (phases[0] if phases else {})}}
                log(f"    shared Pair link ({name}) in a fresh Chromium: median "
                    f"{statistics.median(draws):.2f} s to the chart (+ {statistics.median(launches):.2f} s launch)")
        status = proc_status(proc.pid)
        before = [p["vmhwm"] for p in res["pages"] if not p["page"].startswith("Articles")]
        arts = [i for i, p in enumerate(res["pages"]) if p["page"].startswith("Articles")]
        res["vmhwm_before_search"] = res["pages"][arts[0] - 1]["vmhwm"] if arts and arts[0] else max(before)
        res["vmhwm"] = status["VmHWM"]
        res["vmrss_end"] = status["VmRSS"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
    return res


def wait_page(page, selector: str | None, timeout_s: float = 180) -> tuple[bool, str | None]:
    """Until the page's own mark is drawn (if any) and the script has finished running."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        if selector:
            page.locator(selector).first.wait_for(timeout=timeout_s * 1000)
        page.locator("[data-testid='stApp']").wait_for(timeout=timeout_s * 1000)
        page.wait_for_timeout(100)
        page.locator(IDLE).wait_for(timeout=timeout_s * 1000)
        return True, None
    except PlaywrightTimeout as err:
        return False, str(err).splitlines()[0]


# In a fresh page: when the page loaded, when the script first ran and finished, when the chart drew
# (ms since navigation start), and how many bytes the page transferred.
WATCH_INIT_JS = """
window.__benchScript = [];
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return;
  const state = app.getAttribute('data-test-script-state');
  const last = window.__benchScript[window.__benchScript.length - 1];
  if (!last || last[0] !== state) window.__benchScript.push([state, performance.now()]);
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""
PHASES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0] || {};
  const s = window.__benchScript || [];
  const run = s.find(([state]) => state === 'running');
  const idle = run ? s.find(([state, t]) => state === 'notRunning' && t > run[1]) : null;
  const bytes = performance.getEntriesByType('resource').reduce((n, r) => n + (r.transferSize || 0), 0)
                + (nav.transferSize || 0);
  return {dom_content_loaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
          script_started: run ? run[1] : null, script_finished: idle ? idle[1] : null,
          chart: performance.now(), transfer_bytes: bytes};
}"""
WATCH_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__benchStates = [];
  new MutationObserver(() => window.__benchStates.push(
      [app.getAttribute('data-test-script-state'), performance.now()]))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RERUN_DONE_JS = """t0 => {
  const s = (window.__benchStates || []).filter(([_, t]) => t >= t0);
  const run = s.findIndex(([state]) => state === 'running');
  const done = run < 0 ? -1 : s.findIndex(([state], i) => i > run && state === 'notRunning');
  return done < 0 ? null : s[done][1] - t0;
}"""


def rerun_times(page, n: int) -> dict:
    """Press R (Streamlit's rerun shortcut: the whole script runs again, every query a cache hit)
    and time until the script is idle again, from the page's own state changes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(WATCH_JS)
    times = []
    for _ in range(n):
        page.locator(IDLE).wait_for(timeout=60_000)
        page.locator("h1").first.click()  # focus the page, not an input
        page.wait_for_timeout(300)
        t0 = page.evaluate("performance.now()")
        page.keyboard.press("r")
        try:
            handle = page.wait_for_function(RERUN_DONE_JS, arg=t0, timeout=60_000, polling=50)
            times.append(handle.json_value() / 1000)
        except PlaywrightTimeout:
            continue
    return stats(times)


# ---------------------------------------------------------------------------------------
# ingest throughput


def ingest_throughput(log) -> dict:
    if INGEST_JSON.exists():
        try:
            data = json.loads(INGEST_JSON.read_text())
            runs = [r for r in data.get("gdelt", []) if r.get("returncode") == 0 and r.get("rows_per_s")]
            if runs:
                return {"source": "bench/out/results.json (bench_ingest.py)", "runs": len(runs),
                        "rows": data.get("input", {}).get("rows"),
                        "rows_per_s_median": statistics.median(r["rows_per_s"] for r in runs),
                        "rows_per_s_best": max(r["rows_per_s"] for r in runs),
                        "rss_median": statistics.median(r["rss_bytes"] for r in runs)}
        except (ValueError, KeyError, TypeError):
            pass
    if not INGEST_CSV.exists():
        return {"source": "not measured: no bench/out/results.json and no bench/out/bench_1000000.export.CSV "
                          "(run bench/bench_ingest.py)"}
    log("  ingest: python -m ingest gdelt on bench/out/bench_1000000.export.CSV (once)")
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "ingest", "--lake", f"{tmp}/lake", "gdelt", str(INGEST_CSV)],
                              cwd=REPO, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    rows = sum(1 for _ in INGEST_CSV.open("rb"))
    return {"source": "measured once by bench_pages.py", "runs": 1, "rows": rows, "ok": proc.returncode == 0,
            "rows_per_s_median": rows / wall, "rows_per_s_best": rows / wall}


# ---------------------------------------------------------------------------------------
# report


def code_hash() -> str:
    """sha256 (12 hex) of the product code the pages run: queries/, dashboard/, ingest/rollups.py, app.py."""
    import hashlib

    h = hashlib.sha256()
    paths = sorted([*REPO.glob("queries/**/*.py"), *REPO.glob("queries/**/*.sql"), *REPO.glob("dashboard/**/*.py"),
                    REPO / "ingest" / "rollups.py", REPO / "app.py"])
    for path in paths:
        if path.is_file():
            h.update(str(path.relative_to(REPO)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def machine() -> dict:
    import duckdb

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "?", False
    return {"cpu": cpu, "nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)), "mem": mem,
            "kernel": platform.release(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "commit": commit, "dirty": dirty}


def _order(labels):
    return sorted(labels, key=lambda lab: float(re.sub(r"[^\d.]", "", lab) or 0)
                  * {"k": 1e3, "M": 1e6, "B": 1e9}.get(lab[-1], 1))


def _g(d: dict | None, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def ratio(base: float | None, ours: float | None) -> str:
    if not base or not ours:
        return "–"
    r = base / ours
    return f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×"


PAGE_ROWS = [
    ("Overview", "overview", None),
    ("Pair view, busiest pair, all dates (26 y)", "pair busy 26y", None),
    ("Pair view, busiest pair, one year", "pair busy 1y", None),
    ("Pair view, rare pair, all dates", "pair rare 26y", None),
    ("Pair view, rare pair, one year", "pair rare 1y", None),
    ("… busiest pair, all dates: the pair's own queries (a second pair; the shared ones cached)", "pair busy 26y",
     "the pair's own queries"),
    ("… busiest pair, one year: the pair's own queries", "pair busy 1y", "the pair's own queries"),
    ("… rare pair, all dates: the pair's own queries", "pair rare 26y", "the pair's own queries"),
    ("Spike card (pair_spike_cards, one month)", "spike card busy", None),
    ("Network, one year, top 200: network_pairs + layout", "network year", "network_pairs + layout"),
    ("Network page, one year (all its queries + layout)", "network year", None),
    ("Network page as opened (Jan 1 to latest date, top 80)", "network default view", None),
    ("Drill-down, busiest pair, one month", "drill-down busy", None),
    ("Drill-down, rare pair, one month", "drill-down rare", None),
    ("Search: article_search q=trade", "search", "search query"),
    ("Articles page with search (all its queries)", "search", None),
]

UNIT_ROWS = [
    ("pair_timeline busy 26y", "pair_timeline, busiest pair, all dates"),
    ("pair_timeline busy 1y", "pair_timeline, busiest pair, one year"),
    ("pair_timeline rare 26y", "pair_timeline, rare pair, all dates"),
    ("pair_activity busy 26y", "pair_activity (the Pair page's chart), busiest, all dates"),
    ("network_pairs year top 200", "network_pairs, one year, top 200 (no layout)"),
    ("pair_summary busy month", "pair_summary, busiest pair, one month"),
    ("pair_events busy month", "pair_events, busiest pair, one month"),
]


def page_value(res: dict, mode: str, key: str, subset: str | None, stat: str = "median"):
    node = _g(res, mode, key)
    if node is None:
        return None
    return _g(node, "subsets", subset, stat) if subset else _g(node, "total", stat)


def targets(all_res: dict, ingest: dict) -> list[tuple]:
    """(target, size, limit, measured, met?) rows; measured None when not measured."""
    rows = []

    def add(what, label, limit, value, fmt, lower_is_better=True, note=""):
        met = None if value is None else (value <= limit if lower_is_better else value >= limit)
        rows.append((what, label, limit, value, fmt, met, note))

    def res_of(label):
        return all_res.get(label, {})

    for label in ("100M",):
        r = res_of(label)
        add("Pair timeline p50 (issue 7): the named query pair_timeline, busiest pair, all dates, warm", label,
            0.100, _g(r, "warm", "unit: pair_timeline busy 26y", "total", "median"), "s")
        add("… the query the Pair page draws its timeline from, pair_activity (count=raw), same pair and dates",
            label, 0.100, _g(r, "warm", "unit: pair_activity busy 26y", "total", "median"), "s")
        add("… pair_timeline for the busiest pair over one year", label, 0.100,
            _g(r, "warm", "unit: pair_timeline busy 1y", "total", "median"), "s")
        add("Network one year, top 200, layout included (issue 7, warm median)", label, 1.0,
            page_value(r, "warm", "network year", "network_pairs + layout"), "s")
        add("Drill-down: pair_events (the rows and their count), one month (issue 7, warm median)", label, 0.050,
            page_value(r, "warm", "drill-down busy", None), "s")
        add("App process peak RSS (issue 7; VmHWM, every page opened)", label, 1.5 * 2**30,
            _g(r, "app", "vmhwm"), "bytes")
        nv = _g(r, "naive", "warm", "pair_timeline busy 26y", "median")
        ours = _g(r, "warm", "unit: pair_timeline busy 26y", "total", "median")
        add("≥ 10× faster than naive DuckDB (pair_timeline, busiest, all dates, warm)", label, 10,
            (nv / ours) if nv and ours else None, "x", lower_is_better=False)
        app_rss, pd_rss = _g(r, "app", "vmhwm"), _g(r, "pandas", "peak_rss")
        pandas_failed = _g(r, "pandas", "ok") is False
        add("≥ 20× less memory than pandas (pandas peak RSS / app VmHWM)", label, 20,
            (pd_rss / app_rss) if app_rss and pd_rss and not pandas_failed else None, "x", lower_is_better=False,
            note="pandas did not fit (see below)" if pandas_failed else "")
        before = _g(r, "app", "vmhwm_before_search")
        add("… the same, app before its first search (article index not yet attached)", label, 20,
            (pd_rss / before) if before and pd_rss and not pandas_failed else None, "x", lower_is_better=False)
    add("Ingest of GDELT CSV (issue 7 and 2; 1M-row file, median)", "1M file", 300_000,
        ingest.get("rows_per_s_median"), "rows/s", lower_is_better=False)
    r = res_of("10M")
    add("All queries of one Pair page view (issue 3; busiest pair, one year, warm median)", "10M", 0.150,
        page_value(r, "warm", "pair busy 1y", None), "s")
    add("All queries of one Pair page view (issue 3; busiest pair, all dates, warm median)", "10M", 0.150,
        page_value(r, "warm", "pair busy 26y", None), "s")
    add("… the same, the pair's own queries only (shared queries cached per snapshot by the app)", "10M", 0.150,
        page_value(r, "warm", "pair busy 26y", "the pair's own queries"), "s")
    add("Full rerun of the Pair page (issue 3; press R in the browser, median)", "10M", 0.500,
        _g(r, "app", "rerun_pair_s", "median"), "s")
    add("Pair query at 100M (issue 3; pair_activity as above, measured alone)", "100M", 0.100,
        _g(res_of("100M"), "warm", "unit: pair_activity busy 26y", "total", "median"), "s")
    add("Network one year, top 200, layout included (issue 4, warm median)", "10M", 0.500,
        page_value(r, "warm", "network year", "network_pairs + layout"), "s")
    add("Network one year at 100M (issue 4)", "100M", 1.0,
        page_value(res_of("100M"), "warm", "network year", "network_pairs + layout"), "s")
    add(f"Drill-down (issue 5; warm median; {_g(r, 'context', 'articles') or '?':,} articles)"
        if isinstance(_g(r, 'context', 'articles'), int) else "Drill-down (issue 5; warm median)", "10M", 0.100,
        page_value(r, "warm", "drill-down busy", None), "s")
    add("Search (issue 5; article_search q=trade, warm median)", "10M", 0.200,
        page_value(r, "warm", "search", "search query"), "s")
    add("Shared Pair link, fresh Chromium, warm server, until the chart is drawn (issue 6, median)", "10M", 2.0,
        _g(r, "app", "shared_link", "one year", "open_to_chart", "median"), "s",
        note="link: busiest pair, one year; browser launch not included")
    return rows


def fmt_value(value, fmt):
    if value is None:
        return "not measured"
    if fmt == "s":
        return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s"
    if fmt == "bytes":
        return mib(value)
    if fmt == "x":
        return f"{value:,.1f}×"
    return f"{value:,.0f} {fmt}"


def render(data: dict) -> str:
    m = data["machine"]
    res = data["lakes"]
    labels = _order(list(res))
    ingest = data.get("ingest", {})
    L = []
    L.append(f"Generated by `bench/bench_pages.py`; last run {data['written']}. Lakes: "
             + ", ".join(f"{lab} measured {res[lab]['measured']}" for lab in labels) + ".")
    L.append("")
    L.append("### Machine")
    L.append("")
    L.append(f"- CPU: {m['cpu']}, {m['nproc']} cores (usable {m['affinity']}); RAM {m['mem'] / 2**30:.1f} GiB; "
             f"Linux {m['kernel']}; Python {m['python']}, DuckDB {m['duckdb']} (DuckLake, SQLite catalog); "
             f"code `{m['commit']}`{' with uncommitted changes' if m['dirty'] else ''}.")
    L.append("- Shared and noisy: other processes (test suites, other benchmarks) ran at the same time. The "
             "1-minute load average is given with each measurement; on 2 cores anything above 2 means queued work.")
    mls = sorted({res[lab]["memory_limit"] for lab in labels})
    L.append(f"- Query processes: `BILATERAL_MEMORY_LIMIT={'/'.join(mls)}`, DuckDB's default 2 threads. "
             f"App: `BILATERAL_MEMORY_LIMIT={_g(res[labels[-1]], 'app', 'memory_limit') or '1GB'}`.")
    L.append("")
    L.append("### The lakes")
    L.append("")
    L.append("| size | events | between two countries | pairs | dates | Parquet (events) | files | row groups "
             "| busiest pair | rare pair | articles |")
    L.append("|---|---:|---:|---:|---|---:|---:|---:|---|---|---:|")
    for lab in labels:
        c = res[lab]["context"]
        lay = _g(res[lab], "layout", "lake") or {}
        L.append(f"| {lab} | {c['events']:,} | {c['dyadic_events']:,} | {c['pairs']:,} | {c['first']} – {c['last']} "
                 f"| {mib(c['event_files_bytes'])} | {lay.get('files', '–')} | {lay.get('row_groups', '–')} "
                 f"| {'–'.join(c['busy'])} ({c['pair_events']['busy']:,}) "
                 f"| {'–'.join(c['rare'])} ({c['pair_events']['rare']:,}) | {c['articles']:,} |")
    codes = {lab: res[lab].get("code", {}) for lab in labels}
    L.append("")
    L.append("Product code measured (sha256 of queries/, dashboard/, ingest/rollups.py, app.py): " + ", ".join(
        f"{lab} `{c.get('before', '?')}`" + (f" **changed during the run** (to `{c['after']}`)"
                                             if c.get("after") and c.get("after") != c.get("before") else "")
        for lab, c in codes.items()) + ". Other sessions were editing the product while this ran.")
    L.append("")
    L.append("### Page views: median / p95 in ms (warm: same connection; cold: first run in a fresh process)")
    L.append("")
    head = "| page view | " + " | ".join(f"{lab} warm | {lab} cold" for lab in labels) + " |"
    L.append(head)
    L.append("|---|" + "---:|---:|" * len(labels))
    for title, key, subset in PAGE_ROWS:
        cells = []
        for lab in labels:
            for mode in ("warm", "cold"):
                med = page_value(res[lab], mode, key, subset)
                p95 = page_value(res[lab], mode, key, subset, "p95")
                cells.append("–" if med is None else f"{ms(med)} / {ms(p95)}")
        nq = _g(res[labels[-1]], "warm", key, "queries")
        L.append(f"| {title}{f' ({nq} steps)' if nq and not subset else ''} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("Load average (1 min) during the warm runs: " + "; ".join(
        f"{lab} {min(v['noise']['load1'] for v in res[lab]['warm'].values()):.1f}–"
        f"{max(v['noise']['load1'] for v in res[lab]['warm'].values()):.1f}" for lab in labels if res[lab].get("warm"))
             + ". During the cold runs: " + "; ".join(
        f"{lab} median {statistics.median(v['load1']['median'] for v in res[lab]['cold'].values()):.1f}"
        for lab in labels if res[lab].get("cold")) + ".")
    L.append("")
    L.append("Cold runs pay a fresh `lake.connection.connect` first (load the extensions, attach the catalog), "
             "not included above: median " + ", ".join(
                 f"{lab} {ms(_g(res[lab], 'cold', 'overview', 'connect', 'median'))} ms" for lab in labels) + ". "
             "The search index (`queries.search.ensure_index`, once per process and articles version: attaches "
             "the file the ingest wrote beside the lake, or builds the index in memory where there is none): "
             + ", ".join(f"{lab} {ms(_g(res[lab], 'warm_process', 'index_build_s'))} ms" for lab in labels)
             + " (warm process), cold median " + ", ".join(
                 f"{lab} {ms(_g(res[lab], 'cold', 'search', 'index_build', 'median'))} ms" for lab in labels)
             + f" (n = {_g(res[labels[-1]], 'cold', 'search', 'total', 'n')} cold runs of the search view: each "
             "opens the index anew). `dashboard.lake_access.begin_run` reads the current snapshot id from the catalog once per page run (before 8294b71: on every query call), "
             "cache hit or not: " + ", ".join(
                 f"{lab} {ms(_g(res[lab], 'warm_process', 'current_snapshot_s'))} ms" for lab in labels) + " per call.")
    L.append("")
    # per-step breakdown of the heaviest views at the biggest size
    big = labels[-1]
    L.append(f"### Where the time of a page view goes, {big}, warm (median ms per step)")
    L.append("")
    for key in ("overview", "pair busy 26y", "pair busy 1y", "network year", "network default view", "search"):
        steps = _g(res[big], "warm", key, "steps")
        if not steps:
            continue
        parts = ", ".join(f"{label} {ms(s['median'])}" for label, s in steps.items())
        L.append(f"- **{key}**: {parts}.")
    L.append("")
    # baselines
    L.append("### Against the baselines: single queries, warm median ms (ratio = baseline / ours)")
    L.append("")
    L.append("Ours: `queries.runner.run` on the lake (rollups where the runner uses them). Naive DuckDB: the same "
             "SQL file, raw events, on one Parquet file of the events in random order (`order by hash(event_id)`), "
             "plain `duckdb.connect`. pandas: `pandas.read_parquet` of the lake's event files, columns "
             f"{', '.join('`' + c + '`' for c in PANDAS_COLUMNS)} (event_date then `pd.to_datetime`), boolean-mask "
             "filter and `groupby`.")
    L.append("")
    L.append("| query | size | ours warm | ours cold | naive warm | naive cold | ours vs naive (warm / cold) "
             "| pandas | ours vs pandas |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for key, title in UNIT_ROWS:
        for lab in labels:
            r = res[lab]
            ow = _g(r, "warm", f"unit: {key}", "total", "median")
            oc = _g(r, "cold", f"unit: {key}", "total", "median")
            nw = _g(r, "naive", "warm", key, "median")
            nc = _g(r, "naive", "cold", key, "median")
            pdm = _g(r, "pandas", "units", key, "median")
            pandas_cell = ms(pdm) if pdm is not None else (
                "did not fit" if _g(r, "pandas", "ok") is False else "–")
            L.append(f"| {title} | {lab} | {ms(ow)} | {ms(oc)} | {ms(nw)} | {ms(nc)} | {ratio(nw, ow)} / "
                     f"{ratio(nc, oc)} | {pandas_cell} | {ratio(pdm, ow)} |")
    L.append("")
    L.append("Same answers: " + "; ".join(agreement(res[lab], lab) for lab in labels) + ".")
    L.append("")
    L.append("### Memory")
    L.append("")
    L.append("| size | app VmHWM (all pages opened) | app VmHWM before the search index | app RSS at the end "
             "| query process peak RSS (warm runs) | naive DuckDB process | pandas: load | pandas: DataFrame "
             "| pandas peak RSS | pandas / app |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for lab in labels:
        r = res[lab]
        p = r.get("pandas", {})
        if p.get("ok") is False:
            pandas_cells = (f"failed ({p.get('phase')}: {(p.get('error') or '')[:80]}) | – | "
                            f"{mib(p.get('peak_rss'))} | –")
        elif p:
            pandas_cells = (f"{p.get('load_s', 0):.1f} s | {mib(p.get('frame_bytes'))} | {mib(p.get('peak_rss'))} | "
                            f"{ratio(p.get('peak_rss'), _g(r, 'app', 'vmhwm'))}")
        else:
            pandas_cells = "– | – | – | –"
        L.append(f"| {lab} | {mib(_g(r, 'app', 'vmhwm'))} | {mib(_g(r, 'app', 'vmhwm_before_search'))} "
                 f"| {mib(_g(r, 'app', 'vmrss_end'))} "
                 f"| {mib(_g(r, 'warm_process', 'peak_rss'))} | {mib(_g(r, 'naive', 'peak_rss'))} | {pandas_cells} |")
    caps = {_g(res[lab], "pandas", "cap") for lab in labels} - {None}
    L.append("")
    L.append(f"pandas runs in a process capped with `RLIMIT_AS` = {', '.join(mib(c) for c in caps) or '–'}. "
             + " ".join(pandas_note(res[lab], lab) for lab in labels))
    L.append("")
    L += render_app(res, labels)
    # layout
    L.append("### The layout: what a pair query reads")
    L.append("")
    L.append("From the Parquet row-group statistics (min/max of `pair_a` and `pair_b`): the row groups a filter "
             "`pair_a = A and pair_b = B` cannot skip; and the bytes one pair_timeline query (busiest pair, all "
             "dates) actually read (`rchar` of the process, DuckDB's file cache off, second run; ours includes "
             "the SQLite catalog reads, listed apart).")
    L.append("")
    L.append("| size | file | row groups | busiest pair: row groups read (rows) | rare pair: row groups read (rows) "
             "| bytes read by one pair query | of the file |")
    L.append("|---|---|---:|---:|---:|---:|---:|")
    for lab in labels:
        lay = res[lab].get("layout") or {}
        by = res[lab].get("bytes") or {}
        for kind, title in (("lake", "lake (sorted by pair, date)"), ("naive", "naive (random order)")):
            x = lay.get(kind)
            if not x:
                continue
            rd = _g(by, kind, "rchar")
            cat = _g(by, kind, "catalog_rchar") if kind == "lake" else None
            data_read = (rd - (cat or 0)) if rd is not None else None
            L.append(f"| {lab} | {title} | {x['row_groups']:,} | {x['busy']['row_groups']:,} of {x['row_groups']:,} "
                     f"({x['busy']['rows'] / max(1, x['rows']):.1%} of rows) | {x['rare']['row_groups']:,} "
                     f"({x['rare']['rows'] / max(1, x['rows']):.1%}) | {mib(rd)}"
                     + (f" (catalog {cat / 2**20:.1f} MiB)" if cat else "")
                     + f" | {(data_read / x['bytes']):.1%} |" if data_read is not None else " | – |")
    L.append("")
    # growth
    L.append("### How cost grows with size (warm medians, ms)")
    L.append("")
    if len(labels) >= 2:
        L.append("| page view | " + " | ".join(labels) + f" | {labels[-1]} / {labels[0]} |")
        L.append("|---|" + "---:|" * (len(labels) + 1))
        for title, key, subset in PAGE_ROWS:
            vals = [page_value(res[lab], "warm", key, subset) for lab in labels]
            L.append(f"| {title} | " + " | ".join(ms(v) for v in vals) + f" | {ratio(vals[-1], vals[0])} |")
        for key, title in UNIT_ROWS:
            vals = [_g(res[lab], "warm", f"unit: {key}", "total", "median") for lab in labels]
            L.append(f"| ours: {title} | " + " | ".join(ms(v) for v in vals) + f" | {ratio(vals[-1], vals[0])} |")
            for base in ("naive", "pandas"):
                vals = [_g(res[lab], base, "warm" if base == "naive" else "units", key, "median") for lab in labels]
                if any(v is not None for v in vals):
                    L.append(f"| {base}: {title} | " + " | ".join(ms(v) for v in vals)
                             + f" | {ratio(vals[-1], vals[0])} |")
        L.append("")
        c0, c1 = res[labels[0]]["context"]["events"], res[labels[-1]]["context"]["events"]
        L.append(f"Data grew {c1 / c0:,.0f}× from {labels[0]} to {labels[-1]}.")
    else:
        L.append("(one lake size measured)")
    L.append("")
    # explain
    L.append(f"### The slowest queries, {big} (DuckDB profile of one warm run)")
    L.append("")
    for e in _g(res[big], "explain") or []:
        ops = "; ".join(f"{o['operator']} {o['seconds'] * 1000:.0f} ms, {o['rows'] or 0:,} rows"
                        + (f", {o['files']} files" if o.get("files") else "") for o in e["operators"][:4])
        L.append(f"- **{e['step']}** (`{e['query']}` from {e['path']}): median {ms(e['median_s'])} ms; profiled "
                 f"{ms(e['profiled_s'])} ms; top operators: {ops}.")
    L.append("")
    L.append("The full EXPLAIN ANALYZE texts are in `bench/out/explain_<size>.txt`.")
    L.append("")
    # targets
    L.append("### Targets")
    L.append("")
    L.append("| target | size | limit | measured | |")
    L.append("|---|---|---:|---:|---|")
    for what, label, limit, value, fmt, met, note in targets(res, ingest):
        verdict = "not measured" if met is None else "**met**" if met else "**missed**"
        if met is False and value is not None and fmt in ("s", "bytes"):
            verdict += f" ({value / limit:.1f}× the limit)"
        if met is False and value is not None and fmt in ("x", "rows/s"):
            verdict += f" ({value / limit:.0%} of the target)"
        L.append(f"| {what} | {label} | {fmt_value(limit, fmt)} | {fmt_value(value, fmt)} | {verdict}"
                 + (f"; {note}" if note else "") + " |")
    L.append("")
    if ingest:
        L.append(f"Ingest: {ingest.get('source')}"
                 + (f", {ingest.get('runs')} runs of {ingest.get('rows'):,} rows, median "
                    f"{ingest.get('rows_per_s_median'):,.0f} rows/s (best {ingest.get('rows_per_s_best'):,.0f})"
                    if ingest.get("rows_per_s_median") else "") + ".")
    return "\n".join(L)


def render_app(res: dict, labels: list[str]) -> list[str]:
    L = ["### The app in a browser", ""]
    measured = [lab for lab in labels if _g(res[lab], "app", "pages")]
    if not measured:
        return L + ["Not measured in this run (`--quick` or `--no-browser`).", ""]
    names = [p["page"] for p in res[measured[-1]]["app"]["pages"]]
    L.append("| size | " + " | ".join(names) + " | server start |")
    L.append("|---|" + "---:|" * (len(names) + 1))
    for lab in measured:
        app = res[lab]["app"]
        cells = [f"{p['seconds']:.1f} s" + ("" if p["ok"] else " (error)") for p in app["pages"]]
        L.append(f"| {lab} | " + " | ".join(cells) + f" | {app.get('server_start_s', 0):.1f} s |")
    L.append("")
    L.append("First visit of each page in one headless Chromium, in this order, until its chart is drawn and the "
             "script is idle (cold Streamlit caches; includes Streamlit and Plotly rendering).")
    errors = [f"{lab} {p['page']}: {p['error']}" for lab in measured for p in res[lab]["app"]["pages"] if not p["ok"]]
    if errors:
        L.append("Errors: " + "; ".join(errors) + ".")
    L.append("")
    for lab in measured:
        app = res[lab]["app"]
        parts = []
        for name, s in (app.get("shared_link") or {}).items():
            o = s["open_to_chart"]
            ph = {k: v.get("median") for k, v in (s.get("phases") or {}).items()}
            detail = ""
            if ph.get("script_started") is not None:
                detail = (f" (since navigation start: page loaded {ph.get('load') or 0:.2f} s, script started "
                          f"{ph['script_started']:.2f} s, finished {ph.get('script_finished') or 0:.2f} s, chart "
                          f"{ph.get('chart') or 0:.2f} s; {(ph.get('transfer_bytes') or 0) / 2**20:.1f} MiB transferred)")
            parts.append(f"{name} (`{s['path']}`): median {o['median']:.2f} s, p95 {o['p95']:.2f} s over {o['n']} "
                         f"opens, plus {s['browser_launch']['median']:.2f} s to launch Chromium{detail}")
        rr = app.get("rerun_pair_s") or {}
        L.append(f"- {lab}: shared Pair link in a fresh Chromium, warm server: " + "; ".join(parts)
                 + (f". Rerun of the Pair page (key R, all queries cached): median {rr['median'] * 1000:.0f} ms, "
                    f"p95 {rr['p95'] * 1000:.0f} ms" if rr else "")
                 + f". Load average before: {app['noise_before']['load1']:.1f}.")
    L.append("")
    return L


def agreement(r: dict, label: str) -> str:
    """Did the baselines count the same events as ours (compare_checks)?"""
    checks = r.get("checks", {})
    if not checks:
        return f"{label}: not compared"
    mism = [f"{k} (theirs {v['theirs']:,.0f}, ours {v['ours']:,.0f})" for k, v in checks.items() if not v["same"]]
    return f"{label}: " + (f"naive and pandas give the same totals as ours on all {len(checks)} compared results"
                           if not mism else "MISMATCH " + ", ".join(mism))


def pandas_note(r: dict, label: str) -> str:
    p = r.get("pandas")
    if not p:
        return ""
    if p.get("ok") is False:
        return (f"At {label} pandas failed during {p.get('phase')} ({(p.get('error') or '')[:120]}); peak RSS "
                f"before failing {mib(p.get('peak_rss'))}.")
    return (f"At {label}: {p.get('rows', 0):,} rows loaded in {p.get('load_s', 0):.1f} s, "
            f"DataFrame {mib(p.get('frame_bytes'))}, peak RSS {mib(p.get('peak_rss'))}.")


def compare_checks(result: dict, ours_checks: dict) -> None:
    """Record whether naive / pandas counted the same events as ours, per unit."""
    checks = {}
    for key, _ in UNIT_ROWS:
        mine = ours_checks.get(key)
        for base, node in (("naive", _g(result, "naive", "warm", key)), ("pandas", _g(result, "pandas", "units", key))):
            if node is None or mine is None:
                continue
            if base == "pandas" and key.startswith("network"):
                same = node.get("rows") == mine["rows"] and abs(node["check"] - mine["check"]) < 0.5
            else:
                same = abs(node["check"] - mine["check"]) < 0.5
            checks[f"{base} {key}"] = {"same": same, "theirs": node["check"], "ours": mine["check"]}
    result["checks"] = checks


def ours_unit_checks(ctx: dict) -> dict:
    from lake import connection as lakes
    from queries import runner

    c = Ctx(ctx)
    con = lakes.connect(Path(ctx["lake"]))
    try:
        out = {}
        for name, (query, params) in unit_params(c).items():
            df = runner.run(con, query, params)
            out[name] = {"check": result_check(query, df), "rows": len(df)}
        return out
    finally:
        con.close()


def write_results_md(section: str) -> None:
    text = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else "# Benchmark results\n"
    generated = f"{GEN_BEGIN}\n\n{section}\n\n{GEN_END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        block, tail = rest.split(END, 1)
        if GEN_BEGIN in block and GEN_END in block:
            pre, after = block.split(GEN_BEGIN, 1)
            _, post = after.split(GEN_END, 1)
            block = pre + generated + post
        else:
            block = f"\n{generated}\n{block}"
        text = head + BEGIN + block + END + tail
    else:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n\n## Scale benchmark: pages at 1M, 10M and 100M events\n\n" \
            f"{generated}\n\n{END}\n"
    RESULTS_MD.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------


def main() -> None:
    if "--child" in sys.argv:
        child_main(sys.argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lakes", nargs="+", type=Path, help="lake directories (bench/generate.py)")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: write the RESULTS.md block again from bench/out/pages_results.json")
    parser.add_argument("--runs", type=int, default=20, help="warm runs per page view (default 20)")
    parser.add_argument("--cold-runs", type=int, help="fresh-process runs per page view (default: --runs)")
    parser.add_argument("--search-cold-runs", type=int, default=5,
                        help="fresh-process runs of the search view, each of which builds the index (default 5)")
    parser.add_argument("--browser-runs", type=int, default=5, help="shared-link opens and reruns (default 5)")
    parser.add_argument("--memory-limit", default="2GB", help="BILATERAL_MEMORY_LIMIT of the query processes")
    parser.add_argument("--app-memory-limit", default="1GB", help="BILATERAL_MEMORY_LIMIT of the app")
    parser.add_argument("--pandas-cap", type=float, help="RLIMIT_AS of the pandas process, GiB (default: 20, or "
                        "less when less memory is available, leaving 2 GiB to the other processes)")
    parser.add_argument("--rare", default="-".join(RARE_PAIR), help="the rare pair, e.g. ALB-SRB")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: 3 warm runs, cold runs in one process (a fresh connection per page "
                             "view), no browser, no ingest")
    parser.add_argument("--parts", nargs="+", default=["warm", "cold", "baselines", "app"],
                        choices=["warm", "cold", "baselines", "app"],
                        help="measure only these parts; the other figures of a lake already in "
                             "bench/out/pages_results.json are kept")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--no-baselines", dest="baselines", action="store_false")
    parser.add_argument("--no-write", action="store_true", help="print only; write neither RESULTS.md nor "
                        "bench/out/pages_results.json")
    parser.add_argument("--json", type=Path, help="also write this run's results here")
    parser.add_argument("--scratch", type=Path, default=OUT,
                        help="where the naive baseline's Parquet files go (default bench/out, git-ignored)")
    args = parser.parse_args()
    if args.render:
        data = json.loads(RESULTS_JSON.read_text())
        if INGEST_JSON.exists():  # bench_ingest.py may have run since: take its latest figures
            data["ingest"] = ingest_throughput(print)
        write_results_md(render(data))
        print(f"wrote the scale block of {RESULTS_MD.relative_to(REPO)} from {RESULTS_JSON.relative_to(REPO)}")
        return
    if not args.lakes:
        parser.error("give --lakes (or --render)")
    if args.quick:
        args.runs, args.browser_runs, args.browser = min(args.runs, 3), 2, False
        args.cold_runs = 1
    args.cold_runs = args.cold_runs or args.runs
    if args.pandas_cap is None:
        available = next(int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemAvailable:"))
        args.pandas_cap = min(20 * 2**30, available - 2 * 2**30)
    else:
        args.pandas_cap = int(args.pandas_cap * 2**30)
    if args.browser and not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} is missing: the browser part is skipped", file=sys.stderr)
        args.browser = False

    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s, load {os.getloadavg()[0]:4.1f}] {msg}", flush=True)

    ingest = ingest_throughput(log) if not args.quick else {}
    run_results: dict[str, dict] = {}
    failed = []
    code_before = code_hash()
    for lake in args.lakes:
        lake = lake.resolve()
        try:
            res = measure_lake(lake, args, log)
        except Exception:
            traceback.print_exc()
            failed.append(str(lake))
            continue
        res["code"] = {"before": code_before, "after": code_hash()}
        if not args.no_write and RESULTS_JSON.exists():  # keep the parts of this lake not measured now
            old = json.loads(RESULTS_JSON.read_text()).get("lakes", {}).get(res["label"])
            if old and old["context"].get("snapshot") == res["context"]["snapshot"]:
                res = {**old, **res, "parts": {**old.get("parts", {}), **res["parts"]}}
        if "naive" in res and "warm" in res:
            compare_checks(res, ours_unit_checks(res["context"]))
        run_results[res["label"]] = res
        data = {"machine": machine(), "written": now_utc(), "ingest": ingest, "lakes": dict(run_results)}
        if not args.no_write:  # after every lake, so a long run keeps what it measured
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / f"explain_{res['label']}.txt").write_text(
                "\n\n".join(f"## {e['step']}\n{e['explain_analyze']}" for e in res.get("explain", [])))
            if RESULTS_JSON.exists():
                old = json.loads(RESULTS_JSON.read_text())
                data["lakes"] = {**old.get("lakes", {}), **run_results}
                if not ingest:
                    data["ingest"] = old.get("ingest", {})
            RESULTS_JSON.write_text(json.dumps(data, indent=1, default=jsonable))
            try:
                write_results_md(render(data))
            except Exception:  # the figures are in the JSON; `--render` writes the block again
                traceback.print_exc()
            log(f"wrote {RESULTS_JSON.relative_to(REPO)} and the scale block of {RESULTS_MD.relative_to(REPO)}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "written": now_utc(), "ingest": ingest,
                                         "lakes": run_results, "failed": failed}, indent=1, default=jsonable))
    if args.no_write and run_results:
        print(render({"machine": machine(), "written": now_utc(), "ingest": ingest, "lakes": run_results}))
    bad = [f"{lab} {k}" for lab, r in run_results.items() for k, v in r.get("checks", {}).items()
           if not v["same"]]
    if bad:
        print("baselines disagree with ours: " + ", ".join(bad), file=sys.stderr)
    if failed:
        raise SystemExit(f"benchmark failed for: {', '.join(failed)}")
    log("done")


if __name__ == "__main__":
    main()
