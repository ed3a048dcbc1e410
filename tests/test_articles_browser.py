"""In a real browser: an article whose title and body carry markup is shown as text on the
Articles page's search tab, never run, and Arabic text is laid out right-to-left.

Drives Debian's Chromium (never a Playwright-downloaded browser) against `streamlit run` on a
copy of the sample lake with one hostile article loaded. The page is opened once; the tests
then check what it showed.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from ingest.load import load
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    streamlit_server,
    sync_playwright,
)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = Path("/tmp/articles_xss.png")

TITLE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">**bold**'
ARABIC = "بحث سفير روسيا لدى ليبيا سبل تعزيز التعاون بين طرابلس وموسكو."
BODY = (f"{ARABIC}\n<script>window.__xss=3</script><img src=x onerror=\"window.__xss=4\"> **bold** _em_ "
        "[link](javascript:window.__xss=5) <iframe src=\"javascript:window.parent.__xss=6\"></iframe>")
# Test metadata, made up. The ")![...](...)" tail tries to break out of a Markdown link.
URL = "https://example.org/bilateral-test/xss-article)![injected](https://example.org/injected.png"
WORD = "onerror"  # in the title and the body, in no sample article


@pytest.fixture(scope="module")
def hostile_lake(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the sample lake (as copy_of_sample_lake makes, once for the module)
    with the hostile article loaded through the CLI's load()."""
    base = tmp_path_factory.mktemp("hostile")
    lake = base / "lake"
    shutil.copytree(sample_lake, lake)
    feed = base / "hostile.jsonl"
    feed.write_text(json.dumps({"url": URL, "title": TITLE, "outlet": "Bilateral test", "language": "ar",
                                "published_at": "2025-12-03T09:28:00", "body": BODY}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    assert load("articles", [str(feed)], lake).added["articles"] == 1  # its text also yields a coded event
    return lake


@pytest.fixture(scope="module")
def server(hostile_lake: Path, tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run app.py` on the hostile lake; always terminated."""
    with streamlit_server(hostile_lake, tmp_path_factory.mktemp("streamlit")) as base:
        yield base


@dataclass(frozen=True)
class Shown:
    title_visible: bool  # the title's literal "<script>…" is on screen as text
    body_visible: bool
    xss: str  # typeof window.__xss after the page settled
    images_src_x: int  # <img> elements whose src attribute is "x", in every frame
    scripts_with_xss: int  # <script> elements whose text sets window.__xss
    arabic_direction: str  # computed CSS direction of the element holding the Arabic sentence
    open_original_hrefs: list[str]  # href of every "Open original" link
    injected_images: int  # <img> elements pointing at the URL's injected image


@pytest.fixture(scope="module")
def shown(server: str) -> Shown:
    """Open /articles?q=onerror, click the "Search articles" tab, wait for the result, screenshot."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(f"{server}/articles?q={quote(WORD)}")
            tab = page.get_by_role("tab", name="Search articles")
            tab.wait_for(timeout=60_000)
            tab.click()
            page.get_by_text("1 article match").wait_for(timeout=60_000)
            title = page.get_by_text("<script>window.__xss=1</script>")
            body = page.get_by_text("<script>window.__xss=3</script>")
            body.first.wait_for(timeout=30_000)
            page.wait_for_timeout(1_000)  # let any injected handler (onerror of a broken image) fire
            arabic = page.get_by_text(ARABIC, exact=False).last
            arabic.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOT))
            images = sum(frame.locator('img[src="x"]').count() for frame in page.frames)
            scripts = sum(frame.evaluate(
                "() => [...document.querySelectorAll('script')].filter(s => s.text.includes('__xss')).length")
                for frame in page.frames)
            return Shown(
                title_visible=title.first.is_visible(),
                body_visible=body.first.is_visible(),
                xss=page.evaluate("() => typeof window.__xss"),
                images_src_x=images,
                scripts_with_xss=scripts,
                arabic_direction=arabic.evaluate("el => getComputedStyle(el).direction"),
                open_original_hrefs=page.get_by_role("link", name="Open original").evaluate_all(
                    "els => els.map(a => a.getAttribute('href'))"),
                injected_images=page.locator('img[src*="injected.png"]').count(),
            )
        finally:
            browser.close()


def test_title_markup_is_shown_as_text(shown: Shown) -> None:
    assert shown.title_visible


def test_body_markup_is_shown_as_text(shown: Shown) -> None:
    assert shown.body_visible


def test_no_script_from_the_article_ran(shown: Shown) -> None:
    assert shown.xss == "undefined"


def test_no_script_element_from_the_article_exists(shown: Shown) -> None:
    assert shown.scripts_with_xss == 0


def test_no_image_from_the_article_exists(shown: Shown) -> None:
    assert shown.images_src_x == 0


def test_arabic_text_is_laid_out_right_to_left(shown: Shown) -> None:
    assert shown.arabic_direction == "rtl"


def test_open_original_links_to_the_stored_url_and_nothing_else(shown: Shown) -> None:
    assert shown.open_original_hrefs == [URL]
    assert shown.injected_images == 0
