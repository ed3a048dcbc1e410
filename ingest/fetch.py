"""python -m ingest fetch: keep the lake current from GDELT's own feed, or backfill a range.

One fetch: read GDELT's lists, plan which files the lake lacks, then for each batch (one
stream's files of one day; one GDELT 1.0 file) download and verify every file, load the batch
with the same validation as `ingest gdelt` / `ingest mentions`, and commit its rows together
with their rows in the manifest table `fetched_files`, as one snapshot. A file that cannot be
fetched or is rejected is recorded as failed with its reason; the rest go on, and the command
exits non-zero at the end so a scheduler notices. Killed at any moment and run again, a fetch
ends with the lake an uninterrupted run gives: loaded files are skipped by the manifest,
verified downloads are reused from the cache, and the loads skip rows already stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import shutil
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from alerts.after_load import run_after_load
from ingest import download, gdelt_feed, store
from ingest.errors import Rejected
from ingest.gdelt_feed import ListedFile
from ingest.load import Summary, load
from lake import connection as lakes

log = logging.getLogger("bilateral.fetch")

DEFAULT_DAYS = 7  # a lake that never fetched starts this far back, not with a multi-year download
FETCH_DIR = "fetch"  # beside the lake: the download cache, the cached master lists, the lock
DOWNLOADERS = 4  # files downloaded at once
MAX_ATTEMPTS = 8  # fetches that try a failed file before it is left as failed (the Data page lists it)
MERGE_AFTER = 200  # data files of events (or mentions) above which a fetch merges adjacent ones
ASSUMED_RATE = 5e6  # bytes/s for --dry-run's time estimate (download and load of GDELT zips here)


class FetchError(Exception):
    """Something stops the whole fetch (lists unreadable, another fetch running); one line."""


@dataclass
class Plan:
    start: dict[str, dt.datetime]  # per stream: the first slot wanted
    end: dt.datetime
    files: list[ListedFile]  # to fetch, oldest first
    unlisted: int  # 15-minute slots in the window GDELT's lists do not have
    bad_lines: list[str] = field(default_factory=list)
    newest_listed: dt.datetime | None = None

    @property
    def bytes(self) -> int:
        return sum(f.size or 0 for f in self.files)


@dataclass
class Report:
    plan: Plan
    loaded: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    added: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bytes_downloaded: int = 0
    snapshots: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        added = ", ".join(f"{n:,} {t}" for t, n in self.added.items() if n) or "nothing new"
        rate = f" ({self.added.get('events', 0) / self.seconds:,.0f} events/s)" if self.seconds > 0.5 else ""
        failed = f"; {len(self.failed)} failed (see: ingest status, or the Data page)" if self.failed else ""
        return (f"fetched {self.loaded} file(s), {self.bytes_downloaded / 1e6:,.1f} MB downloaded; added {added}; "
                f"{len(self.snapshots)} snapshot(s) in {self.seconds:,.1f}s{rate}{failed}")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def file_streams(streams: list[str]) -> list[str]:
    return [s for name in streams for s in gdelt_feed.FILE_STREAMS[name]]


# ---------------------------------------------------------------- the manifest

@dataclass(frozen=True)
class Record:
    """What the manifest holds of one file."""
    status: str
    attempts: int
    listed: ListedFile


def _manifest(con: duckdb.DuckDBPyConnection) -> dict[str, Record]:
    """url -> record of every file the lake has a record of."""
    rows = con.execute("select url, status, attempts, stream, slot, size, md5 from lake.fetched_files").fetchall()
    return {url: Record(status, attempts, ListedFile(slot, stream, url, size, md5))
            for url, status, attempts, stream, slot, size, md5 in rows}


def newest_recorded(con: duckdb.DuckDBPyConnection) -> dict[str, dt.datetime]:
    """Per stream, the newest slot the lake has loaded (or knows GDELT did not list)."""
    rows = con.execute("select stream, max(slot) from lake.fetched_files where status = 'loaded' "
                       "group by stream").fetchall()
    return dict(rows)


def _manifest_rows(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> None:
    """Inside a load's transaction: replace these urls' records with the new ones."""
    if not entries:
        return
    urls = [e["url"] for e in entries]
    con.execute("delete from lake.fetched_files where url in (select unnest($urls))", {"urls": urls})
    snapshot = lakes.current_snapshot(con) + 1  # the snapshot this transaction's commit will be
    columns = ("url", "stream", "slot", "size", "md5", "rows", "status", "reason", "attempts")
    params = {c: [e.get(c) for e in entries] for c in columns}
    con.execute(
        "insert into lake.fetched_files select unnest($url), unnest($stream), unnest($slot), unnest($size), "
        "unnest($md5), unnest($rows), unnest($status), unnest($reason), unnest($attempts), $snapshot, "
        "now()::timestamptz at time zone 'UTC'",
        {**params, "snapshot": snapshot})


def _entry(listed: ListedFile, status: str, attempts: int, rows: int | None = None,
           reason: str | None = None) -> dict:
    return {"url": listed.url, "stream": listed.stream, "slot": listed.slot, "size": listed.size,
            "md5": listed.md5, "rows": rows, "status": status, "reason": reason, "attempts": attempts}


def _window_rows(con: duckdb.DuckDBPyConnection, windows: list[tuple[str, dt.datetime, dt.datetime]],
                 newest_listed: dt.datetime | None) -> None:
    """Inside a load's transaction: the windows this batch looked at (see schema.sql)."""
    if windows:
        con.execute(
            "insert into lake.fetch_windows select unnest($stream), unnest($start), unnest($end), $newest, "
            "now()::timestamptz at time zone 'UTC'",
            {"stream": [w[0] for w in windows], "start": [w[1] for w in windows], "end": [w[2] for w in windows],
             "newest": newest_listed})


# ---------------------------------------------------------------- planning

def _read_v2_lists(http: httpx.Client, base: str, cache: Path | None, translation: bool, first: dt.datetime,
                   ) -> tuple[list[ListedFile], list[str]]:
    """GDELT's files from `first` on. lastupdate.txt lists only the newest slot: enough when that
    is all the lake lacks. Otherwise the master list, which is large (100+ MB for all of GDELT
    2.0) and only ever grows: it is kept in the cache and brought up to date with a range request
    for the bytes after it."""
    last_path, master_path = gdelt_feed.list_urls(translation)
    last = gdelt_feed.parse_v2_list(download.fetch_text(http, base + last_path))
    if last[0] and min(f.slot for f in last[0]) <= first:
        return last
    if cache is None:  # a dry run on a lake that does not exist yet: write nothing
        files, bad = gdelt_feed.parse_v2_list(download.fetch_text(http, base + master_path))
        return files, bad
    cached = cache / Path(master_path).name
    if not download.append_range(http, base + master_path, cached):
        text = download.fetch_text(http, base + master_path)
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(cached)
    files, bad = gdelt_feed.parse_v2_list(cached.read_text(encoding="utf-8", errors="replace"))
    return sorted(set(files) | set(last[0])), bad  # the newest slot may not be in the master list yet


def _starts(recorded: dict[str, dt.datetime], wanted: list[str], start: dt.datetime | None) -> dict[str, dt.datetime]:
    """Per stream, the first slot to fetch: `start` if given; else after the newest slot the lake
    holds, but never more than DEFAULT_DAYS back: a plain fetch on a lake that last fetched long
    ago (or never) does not start a multi-year download by surprise; it says how to fill the gap."""
    if start is not None:
        return dict.fromkeys(wanted, start)
    floor = (utc_now() - dt.timedelta(days=DEFAULT_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = {}
    for stream in wanted:
        after = recorded[stream] + gdelt_feed.SLOT if stream in recorded else None
        if after is not None and after < floor:
            log.warning("%s: the lake's newest file is from %s; fetching the last %d days. To fill the gap: "
                        "python -m ingest fetch --from %s", stream, f"{recorded[stream]:%Y-%m-%d %H:%M}",
                        DEFAULT_DAYS, f"{after:%Y-%m-%d}")
        starts[stream] = max(after or floor, floor)
    return starts


def plan(manifest: dict[str, Record], recorded: dict[str, dt.datetime], http: httpx.Client, lake: Path,
         streams: list[str], start: dt.datetime | None, end: dt.datetime | None) -> Plan:
    """Which listed files the lake lacks in the window (see _starts), and the failed files it
    should try again."""
    base = gdelt_feed.base_url()
    end = end or utc_now() + gdelt_feed.SLOT
    # GDELT 1.0 is closed history: only an explicit --from before GDELT 2.0 reaches it.
    wanted = [s for s in file_streams(streams)
              if s != "v1.events" or (start is not None and start < gdelt_feed.V2_START)]
    starts = _starts(recorded, wanted, start)
    cache = lake / FETCH_DIR if lake.exists() else None
    listed: list[ListedFile] = []
    bad: list[str] = []
    for translation in (False, True):
        family = [s for s in wanted if s.startswith("v2.") and ("translation" in s) == translation]
        if not family:
            continue
        files, bad_lines = _read_v2_lists(http, base, cache, translation, min(starts[s] for s in family))
        listed += [f for f in files if f.stream in family]
        bad += bad_lines
    if "v1.events" in wanted:
        md5sums = download.fetch_text(http, base + "events/md5sums")
        try:
            sizes = download.fetch_text(http, base + "events/filesizes")
        except download.DownloadFailed:
            sizes = None  # MD5 alone still proves the file
        files, bad_lines = gdelt_feed.parse_v1_lists(md5sums, sizes, base)
        listed += files
        bad += bad_lines
    loaded = {url for url, record in manifest.items() if record.status == "loaded"}
    todo = {f for f in listed if f.url not in loaded and gdelt_feed.covers(f, starts[f.stream], end)}
    # Failed files are tried again from the manifest's own record (url, size, MD5): a list that
    # no longer shows them (lastupdate.txt) must not make them forgotten; MAX_ATTEMPTS at most.
    todo |= {r.listed for r in manifest.values()
             if r.status == "failed" and r.attempts < MAX_ATTEMPTS and r.listed.stream in file_streams(streams)}
    todo = sorted({f.url: f for f in todo}.values())
    newest = max((f.slot for f in listed if f.stream.startswith("v2.")), default=None)
    unlisted = 0
    if newest is not None:
        have = {(f.stream, f.slot) for f in listed}
        for s in wanted:
            if s.startswith("v2."):
                slots = gdelt_feed.expected_slots(starts[s], min(end, newest + gdelt_feed.SLOT))
                unlisted += sum((s, slot) not in have for slot in slots)
    return Plan(starts, end, todo, unlisted, bad, newest)


# ---------------------------------------------------------------- loading

def _batches(files: list[ListedFile]) -> list[list[ListedFile]]:
    """One stream's files of one day per batch (events before mentions); one 1.0 file each."""
    groups: dict[tuple, list[ListedFile]] = defaultdict(list)
    order = {s: i for i, s in enumerate(gdelt_feed.COMMAND_OF_STREAM)}
    for f in files:
        key = (f.slot, f.url) if f.stream == "v1.events" else (dt.datetime.combine(f.day, dt.time()), "")
        groups[(key[0], order[f.stream], key[1], f.stream)].append(f)
    return [sorted(groups[k]) for k in sorted(groups)]


def _unzip_into(zipped: Path, out) -> int:
    """Append a GDELT zip's one member to the open file `out`, ending with a newline; returns
    its lines (the rows read: GDELT's raw files have no header and no blank lines)."""
    with zipfile.ZipFile(zipped) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            raise Rejected(zipped.name, f"the zip holds {len(members)} files; a GDELT zip holds exactly one")
        lines, last = 0, b"\n"
        with archive.open(members[0]) as src:
            while chunk := src.read(1 << 22):
                out.write(chunk)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        if last != b"\n":
            out.write(b"\n")
            lines += 1
        return lines


@dataclass
class _Part:
    """One file's lines inside a batch's combined file."""
    listed: ListedFile
    first_line: int  # 1-based line of the combined file where this file begins
    rows: int


def _combine(batch: list[ListedFile], paths: dict[str, Path], target: Path,
             failures: list[tuple[ListedFile, str]]) -> list[_Part]:
    """One plain file of every verified file of the batch, in slot order: DuckDB reads one file
    of 100k rows many times faster than 96 files of 1k (each file costs a scan's setup)."""
    parts: list[_Part] = []
    line = 1
    with target.open("wb") as out:
        for f in batch:
            if f.url not in paths:
                continue
            start = out.tell()
            try:
                rows = _unzip_into(paths[f.url], out)
            except (zipfile.BadZipFile, Rejected, OSError, EOFError) as err:
                out.seek(start)
                out.truncate()
                failures.append((f, f"not a readable GDELT zip ({str(err)[:100]})"))
                continue
            parts.append(_Part(f, line, rows))
            line += rows
    return parts


def _part_of(parts: list[_Part], line: int | None) -> _Part | None:
    found = [p for p in parts if line is not None and p.first_line <= line < p.first_line + p.rows]
    return found[0] if found else None


def _load_batch(con: duckdb.DuckDBPyConnection, lake: Path, batch: list[ListedFile], paths: dict[str, Path],
                failed: list[tuple[ListedFile, str]], window: tuple[str, dt.datetime, dt.datetime],
                newest_listed: dt.datetime | None, attempts_so_far: dict[str, int], report: Report,
                console: Console) -> None:
    """Load one batch's verified files and commit them with their manifest rows (and the
    batch's failures and the window it covered) as one snapshot. A file the checks reject is
    moved to the failures and the rest of the batch is loaded without it."""
    command = gdelt_feed.COMMAND_OF_STREAM[batch[0].stream] if batch else "gdelt"
    failures = list(failed)
    with tempfile_dir(lake) as work:
        first = batch[0] if batch else None
        combined = work / (f"{first.stream}-{first.slot:%Y%m%d%H%M%S}.CSV" if first else "empty.CSV")
        parts = _combine(batch, paths, combined, failures)
        while True:
            entries = [_entry(p.listed, "loaded", attempts_so_far.get(p.listed.url, 0) + 1, p.rows) for p in parts]
            entries += [_entry(f, "failed", attempts_so_far.get(f.url, 0) + 1, reason=reason) for f, reason in failures]

            def write_manifest(con: duckdb.DuckDBPyConnection, summary: Summary, entries=entries) -> bool:
                _manifest_rows(con, entries)
                _window_rows(con, [window], newest_listed)
                return True

            try:
                if parts:
                    summary = load(command, [str(combined)], lake, console, before_commit=write_manifest, con=con)
                else:
                    summary = _commit_manifest_only(con, entries, window, newest_listed)
            except Rejected as rejection:
                bad = _part_of(parts, rejection.line)
                if bad is None:  # not a row's fault (e.g. the layout): every file of the batch shares it
                    bad = parts[0]
                    reason = Rejected(bad.listed.name, rejection.problem, column=rejection.column, hint=rejection.hint)
                else:
                    reason = Rejected(bad.listed.name, rejection.problem, line=rejection.line - bad.first_line + 1,
                                      column=rejection.column, hint=rejection.hint)
                store.record_rejection(lake, "fetch", [bad.listed.url], str(reason))
                failures.append((bad.listed, f"rejected: {reason}"))
                log.warning("rejected %s", reason)
                parts = _combine([p.listed for p in parts if p is not bad], paths, combined, failures)
                continue
            break
    for p in parts:
        paths[p.listed.url].unlink(missing_ok=True)  # loaded: the cache copy has done its job
    report.loaded += len(parts)
    report.failed += [(f.name, reason) for f, reason in failures]
    for table, n in summary.added.items():
        report.added[table] += n
    if summary.snapshot is not None:
        report.snapshots.append(summary.snapshot)


@contextlib.contextmanager
def tempfile_dir(lake: Path) -> Iterator[Path]:
    work = lake / FETCH_DIR / "unpacked"
    shutil.rmtree(work, ignore_errors=True)  # a killed fetch's leftovers
    work.mkdir(parents=True)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _commit_manifest_only(con: duckdb.DuckDBPyConnection, entries: list[dict],
                          window: tuple[str, dt.datetime, dt.datetime], newest_listed: dt.datetime | None) -> Summary:
    """A batch with nothing to load (every file failed): record the failures."""
    summary = Summary("fetch", [])
    with store.one_commit(con, f"fetch: {len(entries)} file record(s), nothing loaded", command="fetch"):
        _manifest_rows(con, entries)
        _window_rows(con, [window], newest_listed)
        store.mark_commit(con)
    summary.snapshot = lakes.current_snapshot(con)
    return summary


# ---------------------------------------------------------------- the command

@contextlib.contextmanager
def _lock(lake: Path) -> Iterator[None]:
    """One fetch per lake at a time (a timer and a --follow would otherwise load twice)."""
    path = lake / FETCH_DIR / "lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as err:
        raise FetchError(f"cannot use {lake} as the lake directory ({err.strerror}); check --lake") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FetchError(f"another fetch is running on this lake (lock: {path}); let it finish") from None
        yield


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                    TextColumn("{task.fields[events]:,} events"), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


def open_lake(lake: Path) -> duckdb.DuckDBPyConnection:
    con = lakes.connect(lake, read_only=False, create=True)
    store.ensure_schema(con)
    return con


def fetch(lake: Path, streams: list[str], start: dt.datetime | None = None, end: dt.datetime | None = None,
          dry_run: bool = False, console: Console | None = None, stop: threading.Event | None = None,
          merge_after: int = MERGE_AFTER) -> Report:
    """One fetch (see the module's docstring). Raises FetchError when nothing can start."""
    console = console or Console(stderr=True)
    began = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if not dry_run:
            stack.enter_context(_lock(lake))
        http = stack.enter_context(download.client())
        manifest: dict[str, Record] = {}
        recorded: dict[str, dt.datetime] = {}
        con = None
        if not dry_run or lakes.lake_exists(lake):  # a dry run creates no lake
            con = open_lake(lake)
            stack.callback(con.close)
            manifest, recorded = _manifest(con), newest_recorded(con)
        try:
            todo = plan(manifest, recorded, http, lake, streams, start, end)
        except gdelt_feed.FeedError as err:
            raise FetchError(str(err)) from None
        except download.DownloadFailed as err:
            raise FetchError(f"could not read GDELT's file list from {gdelt_feed.base_url()}: {err}") from None
        report = Report(todo)
        for line in todo.bad_lines[:5]:
            log.warning("skipped an unreadable line of GDELT's list: %s", line)
        if dry_run or con is None:
            return report
        _prune_cache(lake / FETCH_DIR / "files", {f.name for f in todo.files})
        _run_batches(con, lake, http, todo, manifest, report, console, stop)
        if merge_after and report.snapshots and not (stop is not None and stop.is_set()):
            _merge_if_spread(con, merge_after)
    report.seconds = time.perf_counter() - began
    if report.added.get("events") and not (stop is not None and stop.is_set()):
        # The lock is released and the lake closed: judge the watches (never fails the fetch; a
        # stopped fetch leaves it to the next one or `alerts run`).
        run_after_load(lake)
    return report


def _merge_if_spread(con: duckdb.DuckDBPyConnection, most_files: int) -> None:
    """Following GDELT commits small files every 15 minutes, and every pair query then opens all
    of them (measured on 30M events: pair_activity 36-42 ms spread, 30-32 ms compacted). Past
    `most_files` data files, DuckLake merges adjacent ones: one snapshot, older snapshots still
    read what they read (no rewrite of the whole table, unlike `ingest compact`)."""
    for table in ("events", "mentions"):
        spread = con.execute("select count(*) from ducklake_list_files($lake, $table)",
                             {"lake": lakes.LAKE_ALIAS, "table": table}).fetchone()[0]
        if spread <= most_files:
            continue
        with lakes.commit_gate(con):
            merged = con.execute("call ducklake_merge_adjacent_files($lake, $table)",
                                 {"lake": lakes.LAKE_ALIAS, "table": table}).fetchall()
        after = con.execute("select count(*) from ducklake_list_files($lake, $table)",
                            {"lake": lakes.LAKE_ALIAS, "table": table}).fetchone()[0]
        log.info("merged %s: %d data files -> %d (%d merge(s))", table, spread, after, len(merged))


def _prune_cache(cache: Path, wanted: set[str]) -> None:
    """Drop what a killed fetch left in the cache that this one will not use: files it loaded
    before it could delete them, and cut-short .part downloads."""
    if cache.is_dir():
        for path in cache.iterdir():
            if path.name not in wanted:
                path.unlink(missing_ok=True)


def _run_batches(con: duckdb.DuckDBPyConnection, lake: Path, http: httpx.Client, todo: Plan,
                 manifest: dict[str, Record], report: Report, console: Console,
                 stop: threading.Event | None) -> None:
    """Download and load the plan's batches in order. The next batch downloads (on threads)
    while this one loads, so the network and DuckDB work at the same time."""
    cache = lake / FETCH_DIR / "files"
    attempts_so_far = {url: record.attempts for url, record in manifest.items()}
    batches = _batches(todo.files)
    # A stream's last batch also records the whole window the fetch looked at, so that days
    # with no listed file at all read as "not listed by GDELT", not "not fetched".
    last_of_stream = {b[0].stream: i for i, b in enumerate(batches)}

    def get(f: ListedFile) -> download.Fetched:
        return download.download(http, download_url_of(f), cache / f.name, f.size, f.md5)

    pool = ThreadPoolExecutor(DOWNLOADERS, thread_name_prefix="fetch")
    try:
        _download_and_load(con, lake, todo, batches, last_of_stream, get, pool, attempts_so_far, report, console, stop)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a stop or an error: no more downloads start


def _download_and_load(con: duckdb.DuckDBPyConnection, lake: Path, todo: Plan, batches: list[list[ListedFile]],
                       last_of_stream: dict[str, int], get: Callable[[ListedFile], download.Fetched],
                       pool: ThreadPoolExecutor, attempts_so_far: dict[str, int], report: Report, console: Console,
                       stop: threading.Event | None) -> None:
    cache = lake / FETCH_DIR / "files"
    with _progress(console) as progress:
        task = progress.add_task("fetching GDELT", total=todo.bytes, events=0)
        pending = [pool.submit(get, f) for f in batches[0]] if batches else []
        for index, batch in enumerate(batches):
            futures = pending
            if index + 1 < len(batches) and not (stop is not None and stop.is_set()):
                pending = [pool.submit(get, f) for f in batches[index + 1]]
            else:
                pending = []
            paths: dict[str, Path] = {}
            failed: list[tuple[ListedFile, str]] = []
            for f, future in zip(batch, futures, strict=True):
                try:
                    got = future.result()
                except download.DownloadFailed as err:
                    failed.append((f, str(err)))
                    log.warning("failed %s: %s", f.name, err)
                    progress.advance(task, f.size or 0)
                    continue
                except OSError as err:  # the cache cannot be written (disk full, permissions)
                    raise FetchError(f"cannot write the download cache {cache} ({err.strerror}); "
                                     "nothing of this batch was loaded") from None
                else:
                    paths[f.url] = got.path
                    report.bytes_downloaded += got.size if got.downloaded else 0
                progress.advance(task, f.size or 0)
            if stop is not None and stop.is_set():
                break  # downloads in the cache are reused by the next fetch
            before = dict(report.added)
            whole = last_of_stream[batch[0].stream] == index and batch[0].stream != "v1.events"
            window = _whole_window(batch[0].stream, todo) if whole else _window_of(batch, todo)
            _load_batch(con, lake, batch, paths, failed, window, todo.newest_listed, attempts_so_far, report, console)
            progress.update(task, events=report.added.get("events", 0))
            if not console.is_terminal:
                added = {t: n - before.get(t, 0) for t, n in report.added.items() if n - before.get(t, 0)}
                log.info("%s %s: %d file(s), added %s", batch[0].stream, batch[0].day, len(batch),
                         ", ".join(f"{n:,} {t}" for t, n in added.items()) or "nothing new")


def _window_of(batch: list[ListedFile], todo: Plan) -> tuple[str, dt.datetime, dt.datetime]:
    """The part of the fetch's window this batch covers: its day (or its 1.0 file's period),
    cut to the window and to the newest slot GDELT listed."""
    first = batch[0]
    if first.stream == "v1.events":
        return first.stream, first.slot, gdelt_feed.v1_period_end(first)
    day = dt.datetime.combine(first.day, dt.time())
    lo = max(day, todo.start[first.stream])
    hi = min(day + dt.timedelta(days=1), todo.end, (todo.newest_listed or todo.end) + gdelt_feed.SLOT)
    if lo >= hi:  # a failed file of an earlier fetch, tried again: the day an earlier fetch looked at
        return first.stream, day, day + dt.timedelta(days=1)
    return first.stream, lo, max(hi, first.slot + gdelt_feed.SLOT)


def _whole_window(stream: str, todo: Plan) -> tuple[str, dt.datetime, dt.datetime]:
    end = min(todo.end, (todo.newest_listed or todo.end) + gdelt_feed.SLOT)
    return stream, todo.start[stream], max(end, todo.start[stream])


def download_url_of(listed: ListedFile) -> str:
    return gdelt_feed.download_url(listed, gdelt_feed.base_url())


def describe_plan(plan_: Plan) -> list[str]:
    """--dry-run's lines: what would be fetched, how big, how long."""
    by_stream: dict[str, list[ListedFile]] = defaultdict(list)
    for f in plan_.files:
        by_stream[f.stream].append(f)
    lines = []
    for stream, files in sorted(by_stream.items()):
        size = sum(f.size or 0 for f in files)
        lines.append(f"{stream}: {len(files):,} file(s), {size / 1e6:,.1f} MB, "
                     f"{files[0].slot:%Y-%m-%d %H:%M} .. {files[-1].slot:%Y-%m-%d %H:%M} UTC")
    if not plan_.files:
        lines.append("nothing to fetch: the lake has every file GDELT lists in the window")
    else:
        minutes = plan_.bytes / ASSUMED_RATE / 60
        lines.append(f"total: {len(plan_.files):,} file(s), {plan_.bytes / 1e6:,.1f} MB, "
                     f"about {minutes:,.0f} min at {ASSUMED_RATE / 1e6:.0f} MB/s")
    if plan_.unlisted:
        lines.append(f"{plan_.unlisted:,} 15-minute slot(s) in the window are not in GDELT's lists")
    return lines
