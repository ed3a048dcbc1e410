"""python -m ingest: the data team's command line. See README.md, "For data teams"."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import duckdb
from rich.console import Console

from alerts.after_load import run_after_load
from ingest import alerts_command, fetch_command
from ingest import status as status_report
from ingest.errors import BusyLake, Rejected
from lake.connection import LakeError, lake_dir, settings_for
from lake.log import configure as configure_logging

LOADERS = {
    "gdelt": "GDELT event files: raw 2.0 (61 cols) or 1.0 (58/57) exports, BigQuery/R CSV; .zip/.gz ok",
    "mentions": "GDELT 2.0 mentions: raw 16-column files or CSV exports with a header",
    "articles": "articles (JSONL, CSV, or .txt with key: value lines on top) with url, title, outlet, "
                "published_at, language, body; their events are coded (see --no-code)",
    "parquet": "Parquet drops of events, mentions or articles, recognised by their columns",
}


LOADER_EXAMPLES = {
    "gdelt": "gdelt 20251203151500.export.CSV.zip 20251203153000.export.CSV.zip",
    "mentions": "mentions 20251203151500.mentions.CSV.zip",
    "articles": "articles feed.jsonl",
    "parquet": "parquet drop/events-2025-12.parquet",
}
# Commands that write data into a lake (and so would create one at a mistyped path).
WRITES = (*LOADERS, "watch", "migrate")


def _lake_first(argv: list[str]) -> list[str]:
    """`--lake DIR` is accepted after the subcommand too (`ingest gdelt --lake DIR FILE`): it is
    moved before it, where the parser reads it. Nothing after a `--` is touched."""
    argv = list(argv)
    for i, token in enumerate(argv):
        if token == "--":
            break
        if i > 0 and (token == "--lake" or token.startswith("--lake=")) and not argv[0].startswith("--lake"):
            taken = argv[i:i + 2] if token == "--lake" else [token]
            del argv[i:i + len(taken)]
            return taken + argv
    return argv


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Load data into the Bilateral lake.")
    parser.add_argument("--lake", help="lake directory (default: $BILATERAL_LAKE or data/lake)")
    loudness = parser.add_mutually_exclusive_group()  # log lines go to stderr, with time and level
    loudness.add_argument("-v", "--verbose", action="store_true", help="log debugging detail too")
    loudness.add_argument("-q", "--quiet", action="store_true", help="log only warnings and errors")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in LOADERS.items():
        cmd = commands.add_parser(name, help=help_text, description=help_text + ". One commit: all or nothing.",
                                  epilog=f"example: python -m ingest --lake data/lake {LOADER_EXAMPLES[name]}",
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.add_argument("files", nargs="+", metavar="FILE")
        if name == "articles":
            cmd.add_argument("--no-code", action="store_true",
                             help="store the articles without coding events from them")
    status = commands.add_parser("status", help="snapshots, row counts and date range")
    status.add_argument("--format", choices=["table", "json"], default="table")
    commands.add_parser("sample", help="build the lake from the embedded sample in data/sample/")
    watch = commands.add_parser("watch", help="load files as they appear in a drop folder")
    watch.add_argument("folder", metavar="DIR")
    watch.add_argument("--interval", type=float, default=2.0, help="seconds between looks (default 2)")
    watch.add_argument("--once", action="store_true", help="load what is there, then stop")
    export = commands.add_parser("export", help="write one snapshot's tables as plain Parquet + manifest.json")
    export.add_argument("--snapshot", type=int, required=True, metavar="N", help="snapshot id (see: status)")
    export.add_argument("--to", required=True, metavar="DIR", help="a new or empty directory")
    migrate = commands.add_parser("migrate", help="copy a SQLite lake's tables into the configured (new) lake")
    migrate.add_argument("--from", dest="source", required=True, metavar="DIR", help="the SQLite lake directory")
    fetch_command.add_parser(commands)
    alerts_command.add_parser(commands)
    compact = commands.add_parser("compact", help="rewrite the events in pair and date order (after many loads: "
                                                  "faster pair queries)")
    compact.add_argument("--memory-limit", metavar="SIZE", type=_memory_size,
                         help="DuckDB memory limit, e.g. 6GB (default: $BILATERAL_MEMORY_LIMIT or 4GB)")
    commands.add_parser("index", help="write the article search index beside the lake (loads of articles do this "
                                      "themselves; for lakes loaded by an older version)")
    return parser


def _memory_size(text: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text.strip(), re.IGNORECASE):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; give a number and a unit, e.g. 6GB")
    return text.strip()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(_lake_first(sys.argv[1:] if argv is None else argv))
    configure_logging(1 if args.verbose else -1 if args.quiet else 0)
    lake = lake_dir(args.lake)
    console = Console(stderr=True)
    if args.command in WRITES and not lake.exists() and not lake.parent.is_dir():
        # A new lake is made only in a folder that exists: a mistyped path is not a new lake.
        print(f"error: no lake at {lake}, and its folder {lake.parent} does not exist; check --lake "
              f"(or create the folder to start a new lake there)", file=sys.stderr)
        return 2
    try:
        if args.command == "status":
            report = status_report.collect(lake)
            if args.format == "json":
                print(json.dumps(report, indent=2, default=str))
            else:
                status_report.render(report, Console())
            return 0
        if args.command == "fetch":
            return fetch_command.run(args, lake, console)
        if args.command == "alerts":
            return alerts_command.run(args, lake)
        if args.command == "watch":
            from ingest.watch import watch

            watch(Path(args.folder), lake, interval=max(args.interval, 0.05), once=args.once, console=console)
            return 0
        if args.command == "sample":
            from ingest.sample import build_sample

            for summary in build_sample(lake, console):
                print(summary.line())
            return 0
        if args.command == "compact":
            from ingest.compact import compact

            done = compact(lake, memory_limit=args.memory_limit)
            if done["snapshot"] is None:
                print(f"already compact: {done['rows']:,} events, nothing loaded since; nothing to do")
            else:
                print(f"compacted {done['rows']:,} events from {done['files_before']} file(s) into "
                      f"{done['files_after']}; snapshot {done['snapshot']}")
            return 0
        if args.command == "index":
            from lake import connection as lakes
            from queries import search

            con = lakes.connect(lake)
            try:
                written = search.write_index_file(con)
            finally:
                con.close()
            print(f"search index: {written}" if written else
                  "this lake's catalog is shared (PostgreSQL): each dashboard server builds its index in memory")
            return 0
        if args.command == "export":
            from ingest.export import export_snapshot

            manifest = export_snapshot(lake, args.snapshot, Path(args.to))
            rows = ", ".join(f"{t['rows']:,} {name}" for name, t in manifest["tables"].items())
            print(f"exported snapshot {args.snapshot} ({manifest['snapshot_time']}) to {args.to}: {rows}")
            return 0
        if args.command == "migrate":
            from ingest.migrate import copy_lake

            copied = copy_lake(Path(args.source), lake)
            print(f"copied {', '.join(f'{n:,} {t}' for t, n in copied.items())} into {settings_for(lake).describe()}")
            return 0
        from ingest.load import load_or_record

        summary = load_or_record(args.command, args.files, lake, console, code=not getattr(args, "no_code", False))
        print(summary.line(), flush=True)
        if summary.snapshot is not None and summary.added.get("events"):
            run_after_load(lake)  # never fails the load: a failed run or delivery is a warning in the log
        return 0
    except Rejected as rejection:
        print(f"rejected: {rejection} (nothing was committed)", file=sys.stderr)
        return 1
    except LakeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BusyLake as busy:
        print(f"error: the commit failed ({busy}); nothing was committed; run the command again", file=sys.stderr)
        return 3
    except duckdb.Error as err:  # e.g. the catalog stayed locked by readers through every retry
        reason = _redacted(lake, str(err).strip().splitlines()[0][:300])
        print(f"error: the commit failed ({reason}); nothing was committed; run the command again", file=sys.stderr)
        return 3


def _redacted(lake: Path, text: str) -> str:
    """Defence in depth: no DuckDB or server message should carry a password; make sure."""
    try:
        return settings_for(lake).redact(text)
    except LakeError:
        return text


if __name__ == "__main__":
    sys.exit(main())
