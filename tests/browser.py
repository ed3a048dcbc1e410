"""What the browser tests share: Debian's Chromium driven by Playwright's Python package (never
`playwright install`), and `streamlit run app.py` on a given lake, always terminated.

On a laptop without Chromium or Playwright these tests skip; in CI (BILATERAL_CI set by
.ci/run) they fail instead, so that they cannot silently stop running.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # the script run is over


def need(what: str) -> None:
    """Skip on a developer machine, fail in CI."""
    if os.environ.get("BILATERAL_CI"):
        pytest.fail(f"{what}; CI must run the browser tests")
    pytest.skip(what)


def require_chromium() -> None:
    if not Path(CHROMIUM).is_file():
        need(f"{CHROMIUM} is missing (apt-get install chromium)")


def sync_playwright():
    """Playwright's sync_playwright, or a skip (a failure in CI) when the package is missing."""
    try:
        from playwright.sync_api import sync_playwright as playwright
    except ImportError:
        need("the playwright package is not installed (pip install -r requirements-dev.txt)")
    return playwright()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port with these environment variables (BILATERAL_LAKE...)."""
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=REPO, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
        )


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@contextmanager
def streamlit_server(lake: Path, log_dir: Path, env: dict[str, str] | None = None,
                     wait: float = 90) -> Iterator[str]:
    """The dashboard on `lake`; yields its base URL once /_stcore/health answers."""
    require_chromium()
    port = free_port()
    log = log_dir / "streamlit.log"
    proc = start_streamlit(port, {"BILATERAL_LAKE": str(lake), **(env or {})}, log)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + wait
        while not healthy(base):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer /_stcore/health in {wait:.0f} s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        stop(proc)
