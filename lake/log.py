"""Logging for the long-running commands (`ingest watch`, `ingest fetch`): one line per
event on stderr, with a timestamp and a level, so a log file says when and how bad.

Results a command prints for people or pipes (a summary line, a table, CSV) stay on stdout;
only what happens along the way is logged. Modules log through `logging.getLogger(__name__)`;
the command line calls `configure()` once.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

# Our packages log at the chosen level; everyone else's only from WARNING up.
PACKAGES = ("lake", "ingest", "queries", "dashboard", "bilateral")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def level_for(verbosity: int) -> int:
    """-1 (--quiet): warnings and errors; 0: progress too; 1 (--verbose): debugging detail."""
    if verbosity < 0:
        return logging.WARNING
    return logging.INFO if verbosity == 0 else logging.DEBUG


class _Handler(logging.StreamHandler):
    """The handler configure() owns (so a second call replaces it, not adds one)."""


def configure(verbosity: int = 0, stream: TextIO | None = None) -> None:
    """Send log lines to stderr (or `stream`). Calling it again replaces the earlier setup."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in PACKAGES:
        logging.getLogger(name).setLevel(level_for(verbosity))
