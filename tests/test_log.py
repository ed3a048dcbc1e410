"""lake/log.py: long-running commands log one line per event with time, level and source."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

from lake import log

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (INFO|WARNING|DEBUG) ingest\.watch: .+$")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Leave logging as pytest had it: no handler of ours, no levels set."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, log._Handler)]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    for name in log.PACKAGES:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _logged(verbosity: int) -> list[str]:
    out = io.StringIO()
    log.configure(verbosity, stream=out)
    logger = logging.getLogger("ingest.watch")
    logger.debug("detail")
    logger.info("loaded a file")
    logger.warning("rejected a file")
    logging.getLogger("some_library").info("chatter")  # not ours: only its warnings show
    return out.getvalue().splitlines()


def test_lines_carry_time_level_and_source() -> None:
    lines = _logged(0)
    assert len(lines) == 2 and all(LINE.match(line) for line in lines), lines
    assert [line.split()[1] for line in lines] == ["INFO", "WARNING"]


def test_quiet_keeps_warnings_only() -> None:
    assert [line.split()[1] for line in _logged(-1)] == ["WARNING"]


def test_verbose_adds_debug() -> None:
    assert [line.split()[1] for line in _logged(1)] == ["DEBUG", "INFO", "WARNING"]


def test_configure_twice_keeps_one_handler() -> None:
    log.configure(0)
    log.configure(1)
    log.configure(0)
    assert sum(isinstance(h, log._Handler) for h in logging.getLogger().handlers) == 1
