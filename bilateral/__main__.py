"""bilateral: one command for the three things the project does.

    bilateral ingest ...   same as python -m ingest ...   (load data; the data team's CLI)
    bilateral query ...    same as python -m queries ...  (run a named query)
    bilateral serve ...    streamlit run the dashboard; extra arguments go to Streamlit

This module only dispatches; nothing imports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The dashboard's launcher, beside the dashboard package in a clone and when installed.
APP = Path(__file__).resolve().parent.parent / "bilateral_app.py"

# The Streamlit settings of .streamlit/config.toml (tests/test_packaging.py keeps the two in
# step). `streamlit run` reads that file only from the directory it starts in, so `serve`
# passes these as flags when that directory has none of its own.
STREAMLIT_SETTINGS = {
    "server.enableXsrfProtection": "true",
    "server.enableCORS": "true",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "viewer",
}

COMMANDS = {
    "ingest": "load data into the lake (same as python -m ingest; see: bilateral ingest --help)",
    "query": "run a named query (same as python -m queries; see: bilateral query --help)",
    "serve": "start the dashboard (streamlit run); extra arguments go to Streamlit, e.g. --server.port 8502",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bilateral",
        description="Bilateral: relations between pairs of countries from news event data.",
        epilog="Each command has its own --help. The lake is --lake DIR, else $BILATERAL_LAKE, "
        "else data/lake in a clone (~/.local/share/bilateral/lake when installed).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        commands.add_parser(name, help=help_text, add_help=False)
    return parser


def _version() -> str:
    try:
        return version("bilateral")
    except PackageNotFoundError:  # run from a clone that was never installed
        return "(not installed)"


def ingest(argv: list[str]) -> int:
    from ingest.__main__ import main

    return main(argv)


def query(argv: list[str]) -> int:
    from queries.__main__ import main

    return main(argv)


def serve(argv: list[str]) -> int:
    """Check there is a lake (or the sample to build one from), then hand over to Streamlit."""
    from ingest.sample import NO_SAMPLE, sample_available
    from lake.connection import LakeError, lake_dir, lake_exists, settings_for

    lake = lake_dir()
    try:
        settings = settings_for(lake)
        exists = lake_exists(settings)
    except LakeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not exists and not sample_available():
        print(f"error: no lake yet at {settings.describe()}: {NO_SAMPLE}", file=sys.stderr)
        return 2
    from streamlit.web import cli as streamlit_cli

    flags = (
        []
        if (Path.cwd() / ".streamlit" / "config.toml").is_file()
        else [f"--{name}={value}" for name, value in STREAMLIT_SETTINGS.items()]
    )
    # Flags before the script, the caller's arguments after: on a repeated option the last one wins.
    return streamlit_cli.main(["run", *flags, str(APP), *argv], prog_name="bilateral serve")


RUNNERS: dict[str, Callable[[list[str]], int]] = {"ingest": ingest, "query": query, "serve": serve}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in RUNNERS:
        _parser().parse_args(argv)  # --help, --version, or a one-line usage error; all exit here
        return 2
    try:
        return RUNNERS[argv[0]](argv[1:])
    except BrokenPipeError:  # output piped into head: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
