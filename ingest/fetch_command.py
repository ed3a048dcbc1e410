"""`python -m ingest fetch`: its arguments, one fetch or a --follow loop, and what it prints."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import signal
import sys
import threading
from pathlib import Path

import duckdb
from rich.console import Console

from ingest import fetch, gdelt_feed
from ingest.errors import BusyLake
from lake.connection import LakeError

log = logging.getLogger("bilateral.fetch")

EARLIEST = dt.datetime(1979, 1, 1)

EXAMPLES = """examples:
  python -m ingest fetch                          # what GDELT published since the lake's newest file
                                                  # (the last 7 days on a lake that never fetched)
  python -m ingest fetch --from 2025-11-01 --to 2025-12-07 --dry-run
  python -m ingest fetch --from 2025-11-01 --to 2025-12-07
  python -m ingest fetch --streams events,mentions --follow --every 15m
exit status: 0 all fetched; 4 some files failed (recorded, the rest loaded); 1-3 nothing could start"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser(
        "fetch", help="download GDELT's newest files (or a range), verify and load them",
        description="Keep the lake current from GDELT's own file lists (base URL: $BILATERAL_GDELT_URL, "
                    f"default {gdelt_feed.DEFAULT_BASE_URL}). Every file is checked against the listed size "
                    "and MD5, loaded with the same checks as `ingest gdelt`, and recorded in the lake's "
                    "fetched_files table; one day of one stream per commit.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.add_argument("--from", dest="start", type=_when, metavar="DATE",
                     help="first day (YYYY-MM-DD, or YYYY-MM-DDTHH:MM UTC); default: after the newest file held")
    cmd.add_argument("--to", dest="end", type=_when, metavar="DATE", help="last day, included (default: now)")
    cmd.add_argument("--streams", type=_streams, default=list(gdelt_feed.STREAMS),
                     help="comma-separated: events, mentions, translation (default: all three; "
                          "events before 2015-02-19 come from GDELT 1.0)")
    cmd.add_argument("--dry-run", action="store_true", help="say what would be fetched (files, MB, time); change nothing")
    cmd.add_argument("--follow", action="store_true", help="keep fetching every --every until stopped (SIGTERM/Ctrl-C)")
    cmd.add_argument("--every", type=_duration, default=15 * 60.0, metavar="DURATION",
                     help="with --follow: time between fetches, e.g. 15m, 1h, 90s (default 15m)")
    cmd.add_argument("--merge-after", type=_file_count, default=fetch.MERGE_AFTER, metavar="FILES",
                     help="merge adjacent data files once events or mentions are spread over more than this many "
                          f"(default {fetch.MERGE_AFTER}; 0: never). Keeps pair queries fast on a followed lake")


def _file_count(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of files; give e.g. 200 (0: never merge)")
    return int(text)


def _when(text: str) -> dt.datetime:
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
        try:
            value = dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        if value < EARLIEST:
            raise argparse.ArgumentTypeError(f"{text!r} is before GDELT's first events (1979-01-01)")
        if value.year > 2100:
            raise argparse.ArgumentTypeError(f"{text!r} is too far in the future; give a day up to today")
        return value
    raise argparse.ArgumentTypeError(f"{text!r} is not a date; give YYYY-MM-DD, e.g. 2025-11-01")


def _streams(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in gdelt_feed.STREAMS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown stream {', '.join(unknown) or '(none)'}; "
                                         f"choose from {', '.join(gdelt_feed.STREAMS)}")
    return list(dict.fromkeys(names))


def _duration(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration; give e.g. 15m, 1h or 90s")
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 60}[match.group(2)]
    if seconds < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is shorter than a second; GDELT publishes every 15 minutes")
    return seconds


def run(args: argparse.Namespace, lake: Path, console: Console) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    end = args.end + dt.timedelta(days=1) if args.end and args.end.time() == dt.time() else args.end
    if args.start and end and args.start >= end:
        print("error: --from is after --to; give the earlier day first", file=sys.stderr)
        return 2
    if args.follow:
        return _follow(args, lake, console, end)
    return _once(args, lake, console, end)


def _once(args: argparse.Namespace, lake: Path, console: Console, end: dt.datetime | None,
          stop: threading.Event | None = None) -> int:
    try:
        report = fetch.fetch(lake, args.streams, args.start, end, dry_run=args.dry_run, console=console, stop=stop,
                             merge_after=args.merge_after)
    except fetch.FetchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.dry_run:
        for line in fetch.describe_plan(report.plan):
            print(line)
        if args.start is None:
            print("to go further back: python -m ingest fetch --from YYYY-MM-DD --dry-run (GDELT 2.0 from "
                  "2015-02-19, GDELT 1.0 events from 1979)")
        return 0
    print(report.line())
    for name, reason in report.failed[:20]:
        print(f"failed: {name}: {reason}", file=sys.stderr)
    return 4 if report.failed else 0


def _follow(args: argparse.Namespace, lake: Path, console: Console, end: dt.datetime | None) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("%s received: stopping after the current batch", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("following GDELT every %.0fs into %s; SIGTERM or Ctrl-C to stop", args.every, lake)
    while not stop.is_set():
        try:
            code = _once(args, lake, console, end, stop)
        except (LakeError, BusyLake, duckdb.Error) as err:  # one bad cycle does not end the follower
            log.warning("this fetch failed (%s); trying again in %.0fs", str(err).splitlines()[0][:200], args.every)
            code = 3
        if code == 1:
            log.warning("this fetch could not start; trying again in %.0fs", args.every)
        stop.wait(args.every)
    log.info("stopped")
    return 0

