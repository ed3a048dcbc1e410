"""`alerts run` after a committed load: `ingest gdelt` and `parquet` (ingest/__main__.py), each
poll of `ingest watch` (ingest/watch.py) and each `ingest fetch` (ingest/fetch.py) call
run_after_load() once their commit that added events has landed.

The load has landed whatever happens here: this never raises, a failing run or delivery is one
warning line in the log (settings' passwords redacted), and what failed to send is retried at
the next run. Cheap without watches: a lake without the application database, or with no watch
in it, costs one file check or one SQLite query, and no lake query and no pandas import.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from alerts.appdb import path_for

if TYPE_CHECKING:
    from alerts.engine import RunReport

log = logging.getLogger("bilateral.alerts")


def has_watches(lake: Path) -> bool:
    """Whether the lake's application database holds a watch; never creates it."""
    path = path_for(lake)
    if not path.is_file():
        return False
    con = sqlite3.connect(path, timeout=30)
    try:
        return bool(con.execute("select exists (select 1 from watches)").fetchone()[0])
    except sqlite3.OperationalError as err:
        if "no such table" in str(err):  # created but never written to
            return False
        raise
    finally:
        con.close()


def run_after_load(lake: Path) -> RunReport | None:
    """Judge every watch's latest complete period on the lake as it is now and send what fired
    (or failed before). None when there is no watch or the run failed (logged, never raised)."""
    try:
        if not has_watches(lake):
            return None
        from alerts import engine  # pandas and the queries: only when someone watches

        report = engine.run(lake)
    except Exception as err:  # noqa: BLE001 - the load is committed; an alert run must never fail it
        log.warning("the alert run after this load failed (the load is committed; the next load or "
                    "`python -m ingest alerts run` tries again): %s", _redacted(lake, err))
        return None
    sent = ", ".join(f"{n} {status}" for status, n in report.delivered.items() if n) or "nothing to send"
    log.info("alerts: snapshot %s, data to %s: %d new alert(s); deliveries: %s", report.snapshot, report.as_of,
             report.fired, sent)
    for error in report.errors:
        log.warning("alerts: %s", error)
    return report


def _redacted(lake: Path, err: Exception) -> str:
    """One line, without the catalog's or the SMTP server's password."""
    text = f"{type(err).__name__}: {err}".strip().splitlines()[0][:300]
    try:
        from alerts.delivery import smtp_settings
        from lake.connection import settings_for

        text = smtp_settings().redact(settings_for(lake).redact(text))
    except Exception:  # noqa: BLE001, S110 - bad settings: keep the line as it is, still one line
        pass
    return text
