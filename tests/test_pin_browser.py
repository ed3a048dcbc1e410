"""In a real browser: a link pinned to a data snapshot keeps showing that snapshot after new
data is loaded, says newer data exists and links to it; the unpinned link shows the new data.

`streamlit run app.py` on a private copy of the sample lake, Debian's Chromium (never a
Playwright-downloaded browser), and the ingest CLI as the data team runs it, while the
server keeps running. The story runs once; the tests check what each step showed.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from lake import connection as lakes
from queries.runner import run
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    streamlit_server,
    sync_playwright,
)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
SAMPLE_EXPORT = REPO / "data" / "sample" / "events" / "20171126081500.export.CSV.gz"


def shifted_export(folder: Path) -> Path:
    """A real GDELT 2.0 export (raw, tab-separated) whose event ids are all new: id + 10**10."""
    out = folder / "20171126081500.shifted.export.CSV"
    with gzip.open(SAMPLE_EXPORT, "rt", encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            event_id, rest = line.split("\t", 1)
            dst.write(f"{int(event_id) + 10**10}\t{rest}")
    return out


def lake_state(lake: Path) -> tuple[int, int]:
    con = lakes.connect(lake)
    try:
        return lakes.current_snapshot(con), int(run(con, "lake_summary").iloc[0]["events"])
    finally:
        con.close()


@pytest.fixture(scope="module")
def lake(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("pin") / "lake"
    shutil.copytree(sample_lake, copy)
    return copy


@pytest.fixture(scope="module")
def server(lake: Path, tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run app.py` on the lake copy; always terminated."""
    with streamlit_server(lake, tmp_path_factory.mktemp("streamlit")) as base:
        yield base


def events_shown(page) -> str:
    """The Overview's Events metric once the script run is over."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(r"^\s*Events\s*$")))
    metric.first.wait_for(timeout=60_000)
    page.locator(IDLE).wait_for(timeout=60_000)
    assert metric.count() == 1
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def banner(page) -> list[str]:
    """The pin banner's paragraph(s): 'Pinned: data to YYYY-MM-DD, loaded ..., snapshot N, as pinned in this link.'"""
    return page.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text="Pinned: ").all_inner_texts()


@pytest.fixture(scope="module")
def story(server: str, lake: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    pinned, events_before = lake_state(lake)
    seen: dict = {"pinned": pinned, "events_before": events_before}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            # 1. The pinned link, before anything new is loaded.
            page.goto(f"{server}/?snapshot={pinned}")
            seen["pinned_before"] = events_shown(page)
            seen["banner_before"] = banner(page)
            seen["newer_before"] = page.get_by_role("link", name=re.compile("Newer data available")).count()
            page.screenshot(path="/tmp/pin_1_pinned_before.png")

            # 2. The data team loads one more real file, with the server running.
            cli = subprocess.run(
                [sys.executable, "-m", "ingest", "--lake", str(lake), "gdelt",
                 str(shifted_export(tmp_path_factory.mktemp("drop")))],
                cwd=REPO, capture_output=True, text=True, timeout=300,
            )
            seen["cli"] = cli
            seen["latest"], seen["events_after"] = lake_state(lake)

            # 3. The same pinned link, reloaded.
            page.reload()
            newer = page.get_by_role("link", name=re.compile("Newer data available"))
            with contextlib.suppress(Exception):  # if it never shows, the assertions below say so
                newer.wait_for(timeout=60_000)
            seen["pinned_after"] = events_shown(page)
            seen["url_after"] = page.url
            seen["banner_after"] = banner(page)
            seen["newer_links"] = [t.splitlines()[-1].strip() for t in newer.all_inner_texts()]  # minus the icon
            seen["newer_hrefs"] = [newer.nth(i).get_attribute("href") for i in range(newer.count())]
            page.screenshot(path="/tmp/pin_2_pinned_after_ingest.png")

            # 4. Following that link.
            if newer.count():
                newer.first.click()
                page.wait_for_url(lambda url: "snapshot=" not in url, timeout=30_000)
                seen["followed"] = events_shown(page)
                seen["followed_url"] = page.url
                page.screenshot(path="/tmp/pin_3_followed_link.png")

            # 5. The unpinned link, in a fresh tab.
            latest = browser.new_page(viewport={"width": 1400, "height": 1000})
            latest.goto(f"{server}/")
            seen["latest_shown"] = events_shown(latest)
            seen["latest_banner"] = len(banner(latest))
            seen["latest_caption"] = latest.get_by_text(re.compile(r"loaded .* UTC, snapshot \d+")).all_inner_texts()
            latest.screenshot(path="/tmp/pin_4_latest.png")
        finally:
            browser.close()
    return seen


def test_the_ingest_cli_committed_a_new_snapshot(story: dict) -> None:
    assert story["cli"].returncode == 0, story["cli"].stderr
    assert story["latest"] == story["pinned"] + 1
    assert story["events_after"] > story["events_before"]


def test_pinned_page_shows_the_pinned_count(story: dict) -> None:
    assert story["pinned_before"] == f"{story['events_before']:,}"
    assert len(story["banner_before"]) == 1 and f"snapshot {story['pinned']}" in story["banner_before"][0]
    assert story["newer_before"] == 0


def test_pinned_page_shows_the_same_count_after_new_data(story: dict) -> None:
    assert story["pinned_after"] == story["pinned_before"]
    assert parse_qs(urlparse(story["url_after"]).query)["snapshot"] == [str(story["pinned"])]
    assert len(story["banner_after"]) == 1 and f"snapshot {story['pinned']}" in story["banner_after"][0]


def test_pinned_page_offers_the_newer_data(story: dict) -> None:
    assert story["newer_links"] == [f"Newer data available (snapshot {story['latest']}) — open latest"]
    (href,) = story["newer_hrefs"]
    assert "snapshot" not in parse_qs(urlparse(href).query)


def test_following_the_newer_link_shows_the_new_count(story: dict) -> None:
    assert story.get("followed") == f"{story['events_after']:,}"
    assert "snapshot" not in parse_qs(urlparse(story["followed_url"]).query)


def test_latest_page_shows_the_new_count(story: dict) -> None:
    assert story["latest_shown"] == f"{story['events_after']:,}"
    assert story["latest_banner"] == 0
    assert story["latest_caption"] and f"snapshot {story['latest']}." in story["latest_caption"][0]
