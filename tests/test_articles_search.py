"""Full-text search over stored articles (queries/search.py + queries/article_search.sql).

The Arabic seed article (../shared/seeds) must be found by its words and their spelling
variants; English sample articles (open-licence Wikinews and kremlin.ru text) by any casing;
articles no event cites are searched too;
the language filter holds; the index follows new snapshots; hostile search text is refused
or searched, never executed.

Connections that have had an index built are kept open until the process ends: closing one
lets CPython give its id to a later connection, and queries/search.py (which remembers built
indexes by id(connection)) would then skip building that connection's index. That bug has its
own strict-xfail test below (test_a_new_connection_that_reuses_an_old_id_gets_its_own_index).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import lake_access as dashboard_data
from ingest.load import load
from lake import connection as lakes
from lake.sandbox import SandboxedLake
from queries import search
from queries.runner import QueryError, run

REPO = Path(__file__).resolve().parent.parent
SAMPLE_ARTICLES = REPO / "data" / "sample" / "articles"

SEED_NAME = "libya-russia-2025-12-03.ar.txt"
SEED_TITLE = "ليبيا وروسيا تبحثان تعزيز الشراكة السياسية والاقتصادية"
# Test metadata: the seed file holds only the text, so this URL is made up for the test.
SEED_URL = "https://www.alamsar.com/test-metadata/libya-russia-2025-12-03"

_KEEP_OPEN: list[duckdb.DuckDBPyConnection | SandboxedLake] = []  # see the module docstring


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def indexed(lake: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection on `lake` with the search index built; kept open (see above)."""
    con = lakes.connect(lake)
    _KEEP_OPEN.append(con)
    search.ensure_index(con)
    return con


def found(con: duckdb.DuckDBPyConnection, q: str, **params: object) -> pd.DataFrame:
    return run(con, "article_search", {"q": q, "limit": 1000, **params})


def urls(con: duckdb.DuckDBPyConnection, q: str, **params: object) -> set[str]:
    return set(found(con, q, **params)["url"])


def english_sample() -> list[dict]:
    """Every article row of the embedded sample (all English), read from its files."""
    rows = []
    for path in sorted(SAMPLE_ARTICLES.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            rows.extend(json.loads(line) for line in f)
    return rows


def english_with_word(word: str, flags: int = 0) -> set[str]:
    """The urls of sample articles whose title or body (what the index holds) has `word`."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", flags)
    return {a["url"] for a in english_sample() if pattern.search(f"{a['title'] or ''} {a['body'] or ''}")}


SAMPLE_ARTICLE_COUNT = len({a["url"] for a in english_sample()})  # the url is the key


# --- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_text(shared_data: Path) -> str:
    path = shared_data.parent / "seeds" / SEED_NAME
    if not path.is_file():
        pytest.skip(f"{path} is not present (only the team's machines and CI have it)")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seeded(sample_lake: Path, seed_text: str, tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A copy of the sample lake (as copy_of_sample_lake makes, but one per module, since these
    tests only read) plus the seed article loaded through the CLI's load(); index built."""
    base = tmp_path_factory.mktemp("seeded")
    lake = base / "lake"
    shutil.copytree(sample_lake, lake)
    feed = write_jsonl(base / "seed.jsonl", [{
        "url": SEED_URL, "title": SEED_TITLE, "outlet": "Al-Amsar", "published_at": "2025-12-03T09:28:00",
        "language": "ar", "body": seed_text,
    }])
    assert load("articles", [str(feed)], lake).added == {"articles": 1, "coded events": 1}
    return indexed(lake)


@pytest.fixture(scope="module")
def sample_search(sample_lake: Path) -> duckdb.DuckDBPyConnection:
    return indexed(sample_lake)


# --- (1) the Arabic seed article ------------------------------------------------------------------

@pytest.mark.shared
def test_seed_title_is_the_headline_of_the_seed_text(seed_text: str) -> None:
    assert SEED_TITLE in seed_text.splitlines()


@pytest.mark.shared
@pytest.mark.parametrize(
    ("q", "not_literally_in_text"),
    [
        ("ليبيا", None),
        ("الخارجيه", "الخارجيه"),  # haa for taa marbuta: the text has الخارجية
        ("اكد", " اكد "),  # bare alef: the text has أكد
        ("لِيـبـيَا", "لِيـبـيَا"),  # harakat and tatweel
        pytest.param("موسكو", None),
    ],
)
def test_seed_article_is_found_by_arabic_words_and_spelling_variants(
    seeded, seed_text: str, q: str, not_literally_in_text: str | None
) -> None:
    if not_literally_in_text:
        assert not_literally_in_text not in f" {seed_text} ", "the variant must not be spelled so in the text"
    assert SEED_URL in urls(seeded, q)


@pytest.mark.shared
def test_found_seed_row_carries_its_metadata(seeded) -> None:
    row = found(seeded, "ليبيا").set_index("url").loc[SEED_URL]
    assert (row["title"], row["outlet"], row["language"]) == (SEED_TITLE, "Al-Amsar", "ar")
    assert row["published_at"] == pd.Timestamp("2025-12-03 09:28:00")
    assert row["score"] > 0


@pytest.mark.shared
@pytest.mark.parametrize("q", ["الرياضة", "tariffs", "كرة القدم"])
def test_seed_article_is_not_found_by_unrelated_words(seeded, seed_text: str, q: str) -> None:
    assert all(word not in seed_text for word in q.split())
    assert SEED_URL not in urls(seeded, q)


@pytest.mark.parametrize("q", ["pompeo", "POMPEO", "Pompeo", "pOmPeO"])
def test_english_word_finds_exactly_the_sample_articles_with_it_in_any_case(sample_search, q: str) -> None:
    expected = english_with_word("Pompeo", re.IGNORECASE)
    assert expected == english_with_word("Pompeo"), "the data spells it capitalised only"
    assert len(expected) == 7  # 6 Wikinews, 1 kremlin.ru
    assert urls(sample_search, q) == expected


# --- (2) articles that no event cites -------------------------------------------------------------

def test_articles_that_no_event_cites_are_found(sample_search) -> None:
    expected = english_with_word("Merkel", re.IGNORECASE)
    assert len(expected) == 6
    cited = sample_search.execute(
        "select count(*) from (select source_url as url from events union select url from mentions) "
        "where url in (select unnest($urls))", {"urls": sorted(expected)}
    ).fetchone()[0]
    assert cited == 0, "precondition: no event or mention cites these articles"
    assert urls(sample_search, "merkel") == expected


@pytest.mark.shared
def test_seed_article_is_cited_by_no_event_and_still_found(seeded) -> None:
    cited = seeded.execute(
        "select count(*) from events where source_url = $u", {"u": SEED_URL}
    ).fetchone()[0] + seeded.execute("select count(*) from mentions where url = $u", {"u": SEED_URL}).fetchone()[0]
    assert cited == 0
    assert SEED_URL in urls(seeded, "طرابلس")


# --- (3) the language filter ----------------------------------------------------------------------

@pytest.mark.shared
@pytest.mark.parametrize(("language", "languages"), [("any", {"ar", "en"}), ("ar", {"ar"}), ("en", {"en"})])
def test_language_filter_keeps_only_that_language(seeded, language: str, languages: set[str]) -> None:
    result = found(seeded, "ليبيا pompeo", language=language)
    assert set(result["language"]) == languages
    assert (SEED_URL in set(result["url"])) == ("ar" in languages)
    assert len(result[result["language"] == "en"]) == (len(english_with_word("Pompeo")) if "en" in languages else 0)


def test_language_filter_with_no_article_in_that_language_finds_nothing(sample_search) -> None:
    assert not found(sample_search, "pompeo").empty
    assert found(sample_search, "pompeo", language="ar").empty


# --- (4) the index follows new snapshots ----------------------------------------------------------

def new_article_feed(tmp_path: Path, word: str) -> tuple[str, Path]:
    url = f"https://example.org/bilateral-test/{word}"  # made-up test article
    return url, write_jsonl(tmp_path / f"{word}.jsonl", [{
        "url": url, "title": f"A {word} summit", "outlet": "Test", "published_at": "2025-12-04T10:00:00",
        "language": "en", "body": f"Delegates from Libya and Russia met at a {word} summit.",
    }])


def shifted_sample_events(tmp_path: Path) -> Path:
    """A real GDELT 2.0 file of the sample under new ids, so that a load adds rows."""
    shifted = tmp_path / "shifted.export.CSV"
    with gzip.open(REPO / "data" / "sample" / "events" / "20171126081500.export.CSV.gz", "rt",
                   encoding="utf-8") as f, shifted.open("w", encoding="utf-8") as out:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            fields[0] = str(int(fields[0]) + 10**10)
            out.write("\t".join(fields) + "\n")
    return shifted


def test_index_is_rebuilt_when_a_new_snapshot_lands(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    con = indexed(copy_of_sample_lake)
    url, feed = new_article_feed(tmp_path, "quokkaesque")
    assert url not in urls(con, "quokkaesque")
    summary = load("articles", [str(feed)], copy_of_sample_lake)
    assert summary.added["articles"] == 1 and summary.snapshot is not None
    search.ensure_index(con)  # the same, long-lived connection, as the dashboard holds it
    assert urls(con, "quokkaesque") == {url}
    assert len(found(con, "merkel")) == len(english_with_word("Merkel")), "the old articles are still indexed"


def test_a_load_of_events_alone_keeps_the_index(copy_of_sample_lake: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Rebuilding takes ~13 s per 100,000 articles: only a snapshot that changes the articles pays."""
    con = indexed(copy_of_sample_lake)
    folded = []
    monkeypatch.setattr(search, "search_form", lambda text: folded.append(text) or text.lower())
    summary = load("gdelt", [str(shifted_sample_events(tmp_path))], copy_of_sample_lake)
    assert summary.added["events"] > 0 and summary.snapshot is not None
    search.ensure_index(con)
    assert folded == [], "a load of events alone must not rebuild the article index"
    assert len(found(con, "merkel")) == len(english_with_word("Merkel"))

    url, feed = new_article_feed(tmp_path, "numbatish")
    load("articles", [str(feed)], copy_of_sample_lake)
    search.ensure_index(con)
    assert len(folded) == SAMPLE_ARTICLE_COUNT + 1, "new articles: every article is indexed again (by the ingest, into its file)"
    assert urls(con, "numbatish") == {url}


def index_files(lake: Path) -> list[str]:
    return sorted(p.name for p in (lake / search.INDEX_FOLDER).iterdir())


def attached_index(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select path, readonly from duckdb_databases() where database_name = $name", {"name": search.INDEX_DB}
    ).fetchall()


def test_an_articles_load_writes_the_index_file_the_dashboard_attaches(copy_of_sample_lake: Path,
                                                                        tmp_path: Path) -> None:
    before = index_files(copy_of_sample_lake)
    url, feed = new_article_feed(tmp_path, "echidnalike")
    summary = load("articles", [str(feed)], copy_of_sample_lake)
    written = copy_of_sample_lake / search.INDEX_FOLDER / f"articles-{summary.snapshot}.duckdb"
    # The new version's file only: the older one removed, no temporary file left behind.
    assert index_files(copy_of_sample_lake) == [written.name] != before
    con = lakes.connect(copy_of_sample_lake, sandbox=True)  # as the dashboard opens it
    _KEEP_OPEN.append(con)
    search.ensure_index(con)
    assert attached_index(con) == [(str(written), True)]
    assert urls(con, "echidnalike") == {url}
    assert len(found(con, "merkel")) == len(english_with_word("Merkel"))


def test_without_the_index_file_the_same_index_is_built_in_memory(copy_of_sample_lake: Path) -> None:
    from_file = indexed(copy_of_sample_lake)
    assert attached_index(from_file)[0][1] is True
    for written in (copy_of_sample_lake / search.INDEX_FOLDER).iterdir():
        written.unlink()  # a lake loaded by an older version, or a crash before the file landed
    in_memory = indexed(copy_of_sample_lake)
    assert attached_index(in_memory)[0][1] is False
    for q in ["merkel", "foreign minister", "sanctions", "Moscow pipeline", "the"]:
        pd.testing.assert_frame_equal(found(from_file, q), found(in_memory, q))


def test_the_index_command_writes_the_file_for_an_older_lake(copy_of_sample_lake: Path) -> None:
    written = copy_of_sample_lake / search.INDEX_FOLDER / index_files(copy_of_sample_lake)[0]
    written.unlink()
    done = subprocess.run([sys.executable, "-m", "ingest", "--lake", str(copy_of_sample_lake), "index"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"search index: {written}"
    assert index_files(copy_of_sample_lake) == [written.name]
    con = indexed(copy_of_sample_lake)
    assert attached_index(con) == [(str(written), True)] and len(found(con, "merkel")) == len(english_with_word("Merkel"))


def test_a_damaged_index_file_is_replaced_by_one_built_in_memory(copy_of_sample_lake: Path) -> None:
    (written,) = (copy_of_sample_lake / search.INDEX_FOLDER).iterdir()
    written.write_bytes(written.read_bytes()[:5000])  # truncated: DuckDB cannot attach it
    con = lakes.connect(copy_of_sample_lake, sandbox=True)
    _KEEP_OPEN.append(con)
    search.ensure_index(con)
    assert attached_index(con)[0][1] is False and len(found(con, "merkel")) == len(english_with_word("Merkel"))


def test_a_load_of_events_alone_writes_no_new_index_file(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    before = index_files(copy_of_sample_lake)
    summary = load("gdelt", [str(shifted_sample_events(tmp_path))], copy_of_sample_lake)
    assert summary.added["events"] > 0
    assert index_files(copy_of_sample_lake) == before


def test_a_reader_that_searched_does_not_block_the_next_ingest(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    con = indexed(copy_of_sample_lake)
    assert len(found(con, "merkel")) == len(english_with_word("Merkel"))
    search.ensure_index(con)  # the second search: the index is current, only the snapshot is checked
    assert len(found(con, "merkel")) == len(english_with_word("Merkel"))
    _, feed = new_article_feed(tmp_path, "wombatlike")
    assert load("articles", [str(feed)], copy_of_sample_lake).added["articles"] == 1


def test_unchanged_snapshot_keeps_the_index(sample_search) -> None:
    before = sample_search.execute("select count(*) from article_index.main.article_search").fetchone()[0]
    search.ensure_index(sample_search)
    assert sample_search.execute("select count(*) from article_index.main.article_search").fetchone()[0] == before == SAMPLE_ARTICLE_COUNT


_REUSE_SCRIPT = """
import sys
from pathlib import Path
from lake import connection as lakes
from queries import search
from queries.runner import run
lake = Path(sys.argv[1])
closed = set()  # ids of indexed connections that were closed since
for _ in range(25):
    con = lakes.connect(lake)
    if id(con) in closed:  # CPython gave a new connection a closed one's address
        search.ensure_index(con)
        try:
            print(len(run(con, "article_search", {"q": "merkel"})))
        except Exception as err:
            print(type(err).__name__, str(err).splitlines()[0])
        raise SystemExit(0)
    search.ensure_index(con)
    closed.add(id(con))
    con.close()
    del con
# No id came back in 25 tries: a fresh connection must still get its own, working index.
con = lakes.connect(lake)
search.ensure_index(con)
print(len(run(con, "article_search", {"q": "merkel"})), "no-reuse")
"""


def test_a_new_connection_that_reuses_an_old_id_gets_its_own_index(sample_lake: Path) -> None:
    # In a fresh interpreter, where a freed id is soon reused (pytest's heap is too busy for that).
    out = subprocess.run([sys.executable, "-c", _REUSE_SCRIPT, str(sample_lake)], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    n = len(english_with_word("Merkel"))
    assert out.stdout.strip() in (f"{n}", f"{n} no-reuse")  # the latter when CPython reused no id this time


def test_article_search_runs_from_the_command_line(sample_lake: Path, capsys: pytest.CaptureFixture) -> None:
    from queries.__main__ import main

    code = main(["article_search", "--q", "merkel", "--limit", "1000", "--format", "json", "--lake", str(sample_lake)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert {row["url"] for row in json.loads(out)} == english_with_word("Merkel")


# --- (5) hostile search text ----------------------------------------------------------------------

@pytest.fixture
def dashboard_search(copy_of_sample_lake: Path, monkeypatch: pytest.MonkeyPatch):
    """dashboard.lake_access.search (the page's path, through the guarded connection) on a private
    copy of the sample lake; returns a plain connection to check the tables with."""
    con = lakes.connect(copy_of_sample_lake)
    _KEEP_OPEN.append(con)
    guarded = SandboxedLake(copy_of_sample_lake)
    _KEEP_OPEN.append(guarded)
    monkeypatch.setattr(dashboard_data, "connection", lambda: guarded)
    return con


def assert_tables_intact(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("select count(*) from articles").fetchone()[0] == SAMPLE_ARTICLE_COUNT
    assert con.execute("select count(*) from events").fetchone()[0] == 117_126
    assert lakes.current_snapshot(con) == 4, "nothing was written (4 is the sample lake's last snapshot)"


@pytest.mark.parametrize("q", [
    "'; drop table articles; --",
    "\"); DROP TABLE articles; SELECT (\"",
    "<script>alert(1)</script>",
    "a* OR 1=1 (",
    "tariffs\x00",
    "ليبيا'; --",
])
def test_hostile_text_is_searched_as_words(dashboard_search, q: str) -> None:
    result = dashboard_data.search("article_search", q=q, language="any", limit=100)
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["url", "title", "outlet", "published_at", "language", "body", "score"]
    assert_tables_intact(dashboard_search)


@pytest.mark.parametrize("q", ["", "   ", "!!! ... ?? -- ;; '' \"\" ()", "؟ ، ؛ «»", "ـــ", "\u064e\u0651", "\u200f\u200e"])
def test_text_without_a_word_is_refused(dashboard_search, q: str) -> None:
    with pytest.raises(QueryError) as refused:
        run(dashboard_search, "article_search", {"q": q})
    assert "\n" not in str(refused.value)
    assert dashboard_data.search("article_search", q=q, language="any", limit=100) is None
    assert_tables_intact(dashboard_search)


def test_ten_thousand_characters_are_refused_in_one_line(dashboard_search) -> None:
    q = ("tariffs " * 1250)[:10_000]
    assert len(q) == 10_000
    with pytest.raises(QueryError, match="too long") as refused:
        run(dashboard_search, "article_search", {"q": q})
    assert "\n" not in str(refused.value)
    assert dashboard_data.search("article_search", q=q, language="any", limit=100) is None
    assert_tables_intact(dashboard_search)


def test_two_hundred_characters_are_searched(dashboard_search) -> None:
    q = ("tariffs " * 25)[:200]
    result = dashboard_data.search("article_search", q=q, language="any", limit=1000)
    assert set(result["url"]) == urls(dashboard_search, "tariffs")


def test_articles_are_written_in_row_groups_of_16384(copy_of_sample_lake: Path, tmp_path: Path) -> None:
    """The drill-down reads the whole url column to find titles: row groups of 16,384 rows let
    DuckDB's threads share it. 20,000 copies of the sample's real articles, each under its own
    URL, make one load's file."""
    real = [{k: a[k] for k in ("url", "title", "outlet", "published_at", "language", "body")}
            for a in english_sample()]
    copies = [{**real[i % len(real)], "url": f"{real[i % len(real)]['url']}#copy-{i}"} for i in range(20_000)]
    summary = load("articles", [str(write_jsonl(tmp_path / "copies.jsonl", copies))], copy_of_sample_lake, code=False)
    assert summary.added == {"articles": 20_000}
    con = lakes.connect(copy_of_sample_lake)
    try:
        files = [row[0] for row in con.execute("select data_file from ducklake_list_files('lake', 'articles')").fetchall()]
        groups = con.execute(
            "select file_name, list(row_group_num_rows order by row_group_id) from parquet_metadata($files) "
            "where path_in_schema = 'url' group by file_name", {"files": files}).fetchall()
    finally:
        con.close()
    assert sorted(g for _, g in groups) == [[SAMPLE_ARTICLE_COUNT], [16_384, 20_000 - 16_384]]
