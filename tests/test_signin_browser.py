"""Sign-in end to end (issue 19): Debian's Chromium, `streamlit run` on a copy of the sample lake
with a secrets.toml holding [auth], and oidc-provider-mock as the identity provider, both on
127.0.0.1. The app is started from a temporary folder holding .streamlit/secrets.toml (Streamlit
reads the secrets of its working directory), with the app's path absolute.

A shared link asked for before sign-in is the page shown after it (same path, same query params);
Sign out returns to the sign-in screen; an address outside the allow-list gets one sentence; a
saved view reopens in a fresh browser context as the same user with the same numbers and is
not shown to another user; neither secret appears in any page or log line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    free_port,
    healthy,
    need,
    require_chromium,
    stop,
    sync_playwright,
)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
CLIENT_SECRET = "client-secret-PLUGH-7f3a9c1e5b"
COOKIE_SECRET = "cookie-secret-XYZZY-2d8e4b6a0c"
USERS = [
    {"sub": "alice", "email": "alice@example.org", "name": "Alice Analyst"},
    {"sub": "bob", "email": "bob@example.org", "name": "Bob Boss"},
    {"sub": "mallory", "email": "mallory@elsewhere.test", "name": "Mallory"},
]
SHARED_LINK = "/pair?a=USA&b=CHN&from=2018-01-01&to=2018-06-30"


def _wait_until(check, what: str, log: Path, proc: subprocess.Popen, wait: float = 90) -> None:
    deadline = time.monotonic() + wait
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not start in {wait:.0f} s: {log.read_text()[-2000:]}")
        time.sleep(0.3)


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    require_chromium()
    if shutil.which("oidc-provider-mock", path=str(Path(sys.executable).parent)) is None:
        need("oidc-provider-mock is not installed (pip install -r requirements-dev.txt)")
    root = tmp_path_factory.mktemp("signin")
    lake = root / "lake"
    shutil.copytree(sample_lake, lake)
    idp_port, app_port = free_port(), free_port()
    folder = root / "run"
    (folder / ".streamlit").mkdir(parents=True)
    (folder / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{COOKIE_SECRET}"\n'
        'client_id = "bilateral-test"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"\n'
        "\n[bilateral.access]\n"
        'allowed = ["example.org"]\n'
        'admins = ["alice@example.org"]\n')
    idp_log, app_log = root / "idp.log", root / "streamlit.log"
    idp_args = [str(Path(sys.executable).parent / "oidc-provider-mock"), "--port", str(idp_port)]
    for user in USERS:
        idp_args += ["--user-claims", json.dumps(user)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILATERAL_")}
    with idp_log.open("w") as out:
        idp = subprocess.Popen(idp_args, stdout=out, stderr=subprocess.STDOUT, env=env)
    app = None
    try:
        _wait_until(lambda: _answers(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration"),
                    "oidc-provider-mock", idp_log, idp)
        with app_log.open("w") as out:
            app = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
                 "--server.port", str(app_port), "--server.address", "127.0.0.1",
                 "--browser.gatherUsageStats", "false", "--logger.level", "debug"],
                cwd=folder, env={**env, "BILATERAL_LAKE": str(lake), "PYTHONPATH": str(REPO)},
                stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{app_port}"
        _wait_until(lambda: healthy(base), "streamlit", app_log, app)
        yield {"base": base, "lake": lake, "logs": [idp_log, app_log]}
    finally:
        if app is not None:
            stop(app)
        stop(idp)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


PAGES_SEEN: list[str] = []  # every page's HTML, checked for the secrets at the end


def settle(page) -> None:
    page.wait_for_selector(IDLE, timeout=90_000)
    time.sleep(0.5)
    page.wait_for_selector(IDLE, timeout=90_000)
    PAGES_SEEN.append(page.content())


def sign_in(page, base: str, path: str, user: str) -> None:
    """Open base+path, see only the sign-in screen, sign in as `user` at the provider."""
    page.goto(base + path)
    button = page.get_by_role("button", name="Sign in")
    button.wait_for(timeout=90_000)
    settle(page)
    assert page.locator('[data-testid="stMetric"]').count() == 0  # nothing of the data before sign-in
    button.click()
    page.get_by_role("button", name=user, exact=True).wait_for(timeout=30_000)
    PAGES_SEEN.append(page.content())
    page.get_by_role("button", name=user, exact=True).click()
    page.wait_for_url(f"{base}/**", timeout=30_000)
    settle(page)


def metrics(page) -> dict[str, str]:
    found = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        found[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return found


def test_shared_link_survives_sign_in_and_sign_out_returns_to_it(server: dict, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server["base"], SHARED_LINK, "alice")
    page.wait_for_url("**/pair?**", timeout=30_000)
    settle(page)
    landed = urlparse(page.url)
    assert landed.path == "/pair"
    asked = parse_qs(urlparse(SHARED_LINK).query)
    assert {k: v for k, v in parse_qs(landed.query).items() if k in asked} == asked
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Signed in as Alice Analyst (alice@example.org) · admin" in sidebar
    assert metrics(page), "the Pair page's numbers are shown"
    assert "bilateral_next" not in {c["name"] for c in context.cookies()}  # the carried URL is used up

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click(timeout=30_000)  # the provider's own sign-out
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    settle(page)
    assert "_streamlit_user" not in {c["name"] for c in context.cookies()}
    assert page.locator('[data-testid="stMetric"]').count() == 0
    context.close()


def test_address_outside_the_allow_list_gets_one_sentence(server: dict, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server["base"], "/", "mallory")
    alert = page.locator('[data-testid="stAlert"]')
    alert.wait_for(timeout=30_000)
    assert "mallory@elsewhere.test is not on this server's list of people who may enter" in alert.inner_text()
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert "Events" not in main and "Busiest pairs" not in main
    page.goto(server["base"] + SHARED_LINK)  # a direct link: the same sentence, no data
    settle(page)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert "is not on this server's list" in page.locator('[data-testid="stAlert"]').inner_text()
    context.close()


def test_saved_view_round_trips_and_stays_private(server: dict, browser) -> None:
    name = "USA and China, H1 2018"
    first = browser.new_context()
    page = first.new_page()
    sign_in(page, server["base"], SHARED_LINK, "alice")
    page.wait_for_url("**/pair?**", timeout=30_000)
    settle(page)
    saved_numbers = metrics(page)
    assert saved_numbers
    page.get_by_role("button", name="Share this view").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Note (optional)").fill("for the Monday meeting")
    page.get_by_role("button", name="Save this view").click()
    page.get_by_text("Saved as").wait_for(timeout=30_000)  # a toast: the popover closes on sending
    settle(page)
    first.close()

    again = browser.new_context()  # a fresh browser: no cookie, no session
    page = again.new_page()
    sign_in(page, server["base"], "/", "alice")
    page.get_by_text("Your views").wait_for(timeout=30_000)
    page.get_by_role("link", name=name).click()
    page.wait_for_url("**/pair?**", timeout=30_000)
    settle(page)
    assert parse_qs(urlparse(page.url).query)["a"] == ["USA"]
    assert metrics(page) == saved_numbers
    again.close()

    other = browser.new_context()
    page = other.new_page()
    sign_in(page, server["base"], "/", "bob")
    assert "Signed in as Bob Boss (bob@example.org) · viewer" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert page.get_by_role("link", name=name).count() == 0
    assert name not in page.content()
    other.close()


def test_no_secret_in_any_page_or_log(server: dict) -> None:
    assert PAGES_SEEN, "run with the tests above"
    for html in PAGES_SEEN:
        assert CLIENT_SECRET not in html and COOKIE_SECRET not in html
    for log in server["logs"]:
        text = log.read_text()
        assert text, log
        assert CLIENT_SECRET not in text and COOKIE_SECRET not in text, log
