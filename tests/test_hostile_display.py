"""Odd and hostile input on screen (issue 22, items 6 and 7), on the sample lake's real rows:
no traceback at the date limits or for a missing title, and no text from the data or the URL
rendered as Markdown (an image there would make every visitor's browser fetch its URL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.brief_html import event_line, to_html
from dashboard.highlight import md, text
from dashboard.url import FIRST_DAY, LAST_DAY, previous_window
from tests.test_brief_html import GENERATED, build_brief

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PIXEL = "![x](http://127.0.0.1:9/pixel.png)"


@pytest.fixture
def page(sample_lake: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))

    def open_page(path: str, **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        at.switch_page(path)
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    return open_page


def _no_error(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error], [e.value for e in at.error]


# --- 6. no traceback at the limits ---------------------------------------------------------------

@pytest.mark.parametrize(("window", "button"), [
    (("2200-01-01", "2200-12-31"), "net_next"), (("1979-01-01", "1979-12-31"), "net_prev"),
    (("2200-06-01", "2200-12-20"), "net_next"), (("1979-01-10", "1979-03-01"), "net_prev"),
])
def test_network_window_buttons_at_the_date_limits(page, window: tuple[str, str], button: str) -> None:
    at = page("dashboard/pages/network.py", **{"from": window[0], "to": window[1]})
    _no_error(at)
    step = at.button(key=button)
    if step.disabled:  # at the very limit there is nothing to step to
        assert window[0] == str(FIRST_DAY) or window[1] == str(LAST_DAY)
        return
    step.click().run()
    _no_error(at)
    assert at.date_input(key="net_range").value == tuple(dt.date.fromisoformat(d) for d in window)
    first, last = at.date_input(key="net_range").value
    assert first >= FIRST_DAY and last <= LAST_DAY


def test_network_over_the_whole_range_has_a_previous_window(page) -> None:
    at = page("dashboard/pages/network.py", **{"from": "1979-01-01", "to": "2200-12-31"})
    _no_error(at)


def test_pair_page_over_a_century_from_the_first_day(page) -> None:
    at = page("dashboard/pages/pair.py", a="GEO", b="RUS", **{"from": "1979-01-01", "to": "2078-12-31"})
    _no_error(at)


def test_previous_window_never_starts_before_the_queries_first_year() -> None:
    assert previous_window(dt.date(1979, 1, 1), dt.date(2200, 12, 31))[0] == dt.date(1900, 1, 1)
    assert previous_window(dt.date(2014, 1, 1), dt.date(2014, 12, 31)) == (dt.date(2013, 1, 1), dt.date(2013, 12, 31))


def test_brief_with_titled_and_untitled_articles(sample_con) -> None:
    brief = build_brief(sample_con, "GEO", "RUS", dt.date(2012, 1, 1), dt.date(2012, 12, 31))
    top = brief.top_events.copy()
    assert len(top) >= 2
    # What pandas makes of a column with some titles missing: NaN, which is truthy.
    top["article_title"] = pd.Series(["Talks in Tbilisi"] + [float("nan")] * (len(top) - 1), dtype=object)
    top.loc[top.index[-1], "actor1_name"] = float("nan")
    html = to_html(brief.__class__(**{**brief.__dict__, "top_events": top}), GENERATED)
    assert "Talks in Tbilisi" in html and ">nan<" not in html
    assert "nan" not in event_line(next(top.tail(1).itertuples()))


def test_brief_page_runs(page) -> None:
    at = page("dashboard/pages/brief.py", a="GEO", b="RUS", **{"from": "2012-01-01", "to": "2012-12-31"})
    _no_error(at)


# --- 7. data text is plain text -------------------------------------------------------------------

@pytest.mark.parametrize("value", [PIXEL, "[link](https://example.org)", ":red[x] $x^2$ *b* `c` <img src=x>",
                                   "https://example.org/a_b", "line one\n# heading"])
def test_md_shows_exactly_the_characters(value: str) -> None:
    import markdown_it  # Streamlit's frontend uses a CommonMark parser; markdown-it is one too

    rendered = markdown_it.MarkdownIt("commonmark").enable("linkify").render(md(value))
    assert "<img" not in rendered and "<a " not in rendered and "<h1" not in rendered
    assert "<em>" not in rendered and "<code>" not in rendered


def test_missing_values_are_missing() -> None:
    assert text(float("nan"), "?") == "?" and text(None) == "" and text(pd.NA, "x") == "x"
    assert md(float("nan"), "Article") == "Article"


def test_hostile_url_values_are_shown_escaped(page) -> None:
    at = page("dashboard/pages/pair.py", a=PIXEL, b="RUS")
    _no_error(at)
    shown = [w.value for w in at.warning]
    assert shown and all("![x](" not in value for value in shown)
    assert any(md(PIXEL)[:20] in value for value in shown)
