"""Source languages: GDELT's translingual mentions name the language each source wrote in; the Pair
page splits a pair's coverage by it and the Articles page filters events by it."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from queries.runner import QueryError, run

REPO = Path(__file__).resolve().parent.parent
MENTIONS = REPO / "data" / "sample" / "mentions"
APP = str(REPO / "app.py")


def raw_mentions() -> list[tuple[int, str]]:
    """(event id, source language) of every mention row in the sample's raw files, read with csv."""
    rows = []
    for path in sorted(MENTIONS.glob("*.gz")):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        delimiter = "," if text.startswith("globaleventid,") else "\t"
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        for row in reader:
            if not row or row[0] == "globaleventid":
                continue
            info = row[14] if len(row) > 14 else ""
            language = info.split(";")[0].removeprefix("srclc:") if info.startswith("srclc:") else "eng"
            rows.append((int(row[0]), language))
    return rows


@pytest.fixture(scope="module")
def pair_with_translations(sample_lake):
    """A pair of the sample whose events have mentions in a language other than English."""
    from lake import connection as lakes

    con = lakes.connect(sample_lake)
    try:
        events = con.execute("select event_id, pair_a, pair_b, event_date from lake.events "
                             "where pair_a <> pair_b").fetchall()
    finally:
        con.close()
    by_id = {e[0]: e for e in events}
    translated = [(by_id[i], lang) for i, lang in raw_mentions() if i in by_id and lang != "eng"]
    assert translated, "the sample has translated mentions of dyadic events"
    (event_id, a, b, day), language = translated[0]
    ids = {e[0] for e in events if (e[1], e[2]) == (a, b)}
    return {"a": a, "b": b, "start": f"{day:%Y-%m-%d}", "end": f"{day:%Y-%m-%d}", "language": language,
            "ids": {e[0] for e in events if (e[1], e[2]) == (a, b) and e[3] == day}, "all_ids": ids}


def test_pair_languages_count_the_raw_mentions(sample_con, pair_with_translations):
    p = pair_with_translations
    got = run(sample_con, "pair_languages", {k: p[k] for k in ("a", "b", "start", "end")})
    expected: dict[str, int] = {}
    for event_id, language in raw_mentions():
        if event_id in p["ids"]:
            expected[language] = expected.get(language, 0) + 1
    assert dict(zip(got["language"], got["mentions"], strict=True)) == expected
    assert got["share"].sum() == pytest.approx(1.0)
    assert set(got.loc[got["translated"], "language"]) == set(expected) - {"eng"}


def test_selection_events_keep_only_events_reported_in_that_language(sample_con, pair_with_translations):
    p = pair_with_translations
    window = {k: p[k] for k in ("a", "b", "start", "end")}
    for language in (p["language"], "eng", "deu"):
        got = run(sample_con, "selection_events", {**window, "source_language": language, "limit": 1000})
        expected = {i for i, lang in raw_mentions() if lang == language and i in p["ids"]}
        assert set(got["event_id"]) == expected
        assert expected or language != p["language"]


@pytest.mark.parametrize("bad", ["arabic", "a1b", "'; drop"])
def test_a_bad_language_code_is_one_line(sample_con, pair_with_translations, bad):
    p = pair_with_translations
    with pytest.raises(QueryError, match="is not a 3-letter language code"):
        run(sample_con, "selection_events", {k: p[k] for k in ("a", "b", "start", "end")} | {"source_language": bad})


def test_pair_page_says_how_much_coverage_is_translated(sample_lake, pair_with_translations, monkeypatch):
    p = pair_with_translations
    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"a": p["a"], "b": p["b"], "from": p["start"], "to": p["end"]}.items():
        at.query_params[key] = value
    at.switch_page("dashboard/pages/pair.py").run()
    assert not at.exception
    counts: dict[str, int] = {}
    for event_id, language in raw_mentions():
        if event_id in p["ids"]:
            counts[language] = counts.get(language, 0) + 1
    share = 1 - counts.get("eng", 0) / sum(counts.values())
    caption = next(c.value for c in at.caption if c.value.startswith("Sources by language:"))
    assert f"{share:.0%} of the {sum(counts.values()):,} GDELT mentions" in caption


def test_articles_page_filters_by_source_language(sample_lake, pair_with_translations, monkeypatch):
    from dashboard.languages import language_name

    p = pair_with_translations
    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"a": p["a"], "b": p["b"], "from": p["start"], "to": p["end"], "lang": p["language"]}.items():
        at.query_params[key] = value
    at.switch_page("dashboard/pages/articles.py").run()
    assert not at.exception
    expected = {i for i, lang in raw_mentions() if lang == p["language"] and i in p["ids"]}
    caption = next(c.value for c in at.caption if "raw event rows" in c.value)
    assert caption.startswith(f"{len(expected):,} raw event rows (both directions), reported by "
                              f"{language_name(p['language'])}-language sources")
