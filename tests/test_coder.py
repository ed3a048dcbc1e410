"""The article coder (ingest/coder): the seed article, the rules its docstrings state, storage
through `python -m ingest articles`, the Pair and Articles pages, and its scores on the hand
labels in tests/coder_eval/."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.__main__ import main as ingest_main
from ingest.coder import dates, evaluate
from ingest.coder.coder import Article, code_article, mentions
from ingest.coder.words import tokenize
from lake import connection as lakes
from lake import reference

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
SEED_NAME = "libya-russia-2025-12-03.ar.txt"
SEED_TITLE = "ليبيا وروسيا تبحثان تعزيز الشراكة السياسية والاقتصادية"
# The seed file holds only the text: this metadata is made up for the tests.
SEED_URL = "https://www.alamsar.com/test-metadata/libya-russia-2025-12-03"
WEDNESDAY = dt.date(2025, 12, 3)


@pytest.fixture(scope="module")
def seed_text(shared_data: Path) -> str:
    path = shared_data.parent / "seeds" / SEED_NAME
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def seed_file(seed_text: str, tmp_path: Path) -> Path:
    """The seed as a plain-text drop: metadata lines, a blank line, the body. No language
    line, so the coder has to detect it."""
    path = tmp_path / "seed.txt"
    path.write_text(f"url: {SEED_URL}\ntitle: {SEED_TITLE}\noutlet: Al-Amsar\n"
                    f"published_at: 2025-12-03T09:28:00\n\n{seed_text}", encoding="utf-8")
    return path


def coded_rows(lake: Path) -> list[tuple]:
    con = lakes.connect(lake)
    try:
        return con.execute("select actor1_country, actor2_country, event_root_code, event_date, url, sentence "
                           "from lake.coded_events order by event_id").fetchall()
    finally:
        con.close()


# --- the seed article ---------------------------------------------------------------------------

@pytest.mark.shared
def test_the_seed_gives_one_cooperative_consultation_between_libya_and_russia_on_tuesday(seed_text: str) -> None:
    events = code_article(Article(SEED_URL, SEED_TITLE, seed_text, WEDNESDAY))
    assert len(events) == 1, [(e.actor1, e.actor2) for e in events]  # no third country
    event = events[0]
    assert {event.actor1, event.actor2} == {"LBY", "RUS"}
    assert event.root_code == "04" and event.quad_class == 1
    cameo = {c.event_code: c for c in reference.cameo_codes()}[event.event_code]
    assert event.goldstein == cameo.goldstein and cameo.root_code == "04"
    # "يوم الثلاثاء" in a Wednesday article is the day before.
    assert event.event_date == dt.date(2025, 12, 2) and event.date_basis == "relative"
    # Russia's ambassador initiated the meeting ("بحث سفير روسيا ... مع ...").
    assert (event.actor1, event.actor2, event.direction_known) == ("RUS", "LBY", True)
    assert seed_text[event.start:event.end] == event.sentence and "الثلاثاء" in event.sentence
    assert event.language == "ar" and event.url == SEED_URL


# --- the rules ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "expected"), [
    ("بحث السفير يوم الثلاثاء مع الوزير", dt.date(2025, 12, 2)),
    ("The ambassador met the minister on Tuesday.", dt.date(2025, 12, 2)),
    ("They met on Wednesday.", WEDNESDAY),  # the publication day itself
    ("They met on Monday.", dt.date(2025, 12, 1)),
    ("They will meet next Thursday.", dt.date(2025, 12, 4)),
    ("يلتقي الوزيران يوم الخميس المقبل", dt.date(2025, 12, 4)),
    ("التقى الوزيران أمس", dt.date(2025, 12, 2)),
    ("التقى الوزيران أول من أمس", dt.date(2025, 12, 1)),
    ("The talks of 28 November on Tuesday", dt.date(2025, 11, 28)),  # explicit dates win
    ("اجتمع الوزيران في ٢٠ نوفمبر ٢٠٢٥", dt.date(2025, 11, 20)),  # Arabic-Indic digits
    ("signed on December 31", dt.date(2024, 12, 31)),  # no year: the latest one not after publication
    ("وقعا الاتفاقية في 5 حزيران 2024", dt.date(2024, 6, 5)),  # Levantine month names
    ("The ministers met.", WEDNESDAY),
])
def test_dates_resolve_against_the_publication_date(sentence: str, expected: dt.date) -> None:
    assert dates.resolve(sentence, WEDNESDAY)[0] == expected


@pytest.mark.parametrize(("sentence", "when", "countries"), [
    ("Russia's ambassador met Libya's foreign minister.", WEDNESDAY, ["RUS", "LBY"]),
    ("بحث سفير روسيا لدى ليبيا سبل التعاون", WEDNESDAY, ["RUS", "LBY"]),
    ("Moscow and Tripoli signed an agreement.", WEDNESDAY, ["RUS", "LBY"]),
    ("وقعت موسكو وطرابلس اتفاقية", WEDNESDAY, ["RUS", "LBY"]),  # capitals, with the attached و
    ("التقى وزير الخارجية الليبي بالسفير الروسي", WEDNESDAY, ["LBY", "RUS"]),  # adjectives next to actor nouns
    ("The Libyan government thanked the Russian side.", WEDNESDAY, ["LBY", "RUS"]),
    ("Chinese steel and Mexican avocados flooded the market.", WEDNESDAY, []),  # adjectives, no actors
    ("تناولت المباحثات الأوضاع في سوريا والعراق واليمن", WEDNESDAY, []),  # places talked about
    ("وتناول اللقاء مع الوزير المصري موضوع العراق", WEDNESDAY, ["EGY"]),  # a topic, not a party
    ("عارض أردوغان العقوبات على برنامج طهران النووي", dt.date(2015, 7, 21), ["TUR"]),
    ("Trump criticized Beijing.", dt.date(2018, 6, 1), ["USA", "CHN"]),  # in office in 2018
    ("Trump criticized Beijing.", dt.date(2010, 6, 1), ["CHN"]),  # not in office in 2010
    ("The U.S. and the UAE talked.", WEDNESDAY, ["USA", "ARE"]),  # abbreviations, case-sensitive
    ("Let us talk.", WEDNESDAY, []),
    # Actor nouns are matched folded, as the tokens are ("الرئيس" is "الرييس" folded)
    ("قال نائب الرئيس العراقي إن السعودية تدعم الإرهاب", WEDNESDAY, ["IRQ", "SAU"]),
    ("دعم السلطة الفلسطينية", WEDNESDAY, ["PSE"]),
    ("دعم الشرعية باليمن", WEDNESDAY, []),  # ب written onto a name: "in Yemen", a place
    ("Moves in Beijing, Taipei and Washington worried them.", WEDNESDAY, []),  # a list of places
    ("Trump raised the Taiwan question.", dt.date(2018, 6, 1), ["USA"]),  # a topic named before its noun
    ("Russia issues a warning to Ukraine.", WEDNESDAY, ["RUS", "UKR"]),  # "issues" is a verb here
    ("أشادت مصر بالسعودية", WEDNESDAY, ["EGY", "SAU"]),
    ("Jordan's king met the US president.", WEDNESDAY, ["JOR", "USA"]),
])
def test_actors_are_found_by_name_adjective_capital_and_office(sentence: str, when: dt.date,
                                                              countries: list[str]) -> None:
    assert [m.country for m in mentions(tokenize(sentence), when)] == countries


@pytest.mark.parametrize(("body", "actors", "known"), [
    ("Russia criticized Libya over the election.", ("RUS", "LBY"), True),
    ("Libya was criticized by Russia over the election.", ("RUS", "LBY"), True),
    ("Libya and Russia discussed cooperation.", ("LBY", "RUS"), False),  # unknown: sorted
    ("انتقدت روسيا ليبيا بسبب الانتخابات", ("RUS", "LBY"), True),  # the verb first: its subject next
    ("ليبيا وروسيا تبحثان التعاون", ("LBY", "RUS"), False),
])
def test_direction_is_given_only_where_the_sentence_shows_it(body: str, actors: tuple[str, str], known: bool) -> None:
    (event,) = code_article(Article("https://example.org/a", None, body, WEDNESDAY))
    assert (event.actor1, event.actor2, event.direction_known) == (*actors, known)


@pytest.mark.parametrize("body", [
    "Russia and Libya.",  # no event word
    "Russia criticized the decision.",  # one country
    "The Chinese market grew while Russian exports fell.",  # adjectives without actor nouns
])
def test_no_event_without_two_actor_countries_and_an_event_word(body: str) -> None:
    assert code_article(Article("https://example.org/a", None, body, WEDNESDAY)) == []


def _pairs_of(body: str) -> set[tuple[str, str, str]]:
    return {(e.actor1, e.actor2, e.event_code) for e in code_article(Article("https://example.org/a", None, body, WEDNESDAY))}


@pytest.mark.parametrize(("body", "pairs"), [
    # The subject with every country of the list it acts on
    ("The US government imposed tariffs on Canada, Mexico and China.",
     {("USA", "CAN", "163"), ("USA", "MEX", "163"), ("USA", "CHN", "163")}),
    # A list with no actor beside it, or after an English verb, is not a pair of actors
    ("State officials met representatives from China, Mexico and Japan.", set()),
    ("The measure imposed tariffs on Canada and Mexico.", set()),
    # The countries a topic phrase is about are not parties: "trade war" is no war
    ("China's trade war with the U.S. was criticized by Japan.", set()),
    ("Japan criticized the trade war between the US and China.", set()),
    ("The nuclear deal with Iran was criticised by Israel.", set()),
    ("انتقدت إسرائيل الاتفاق النووي مع إيران", set()),
    # ...unless the phrase is the cue or its object, or a comma ends it
    ("The US launched a trade war against China.", {("USA", "CHN", "163")}),
    ("Iran signed a nuclear deal with Russia.", {("IRN", "RUS", "057")}),
    ("After the nuclear deal, Iran and the US held talks.", {("IRN", "USA", "040")}),
    # Reciprocal: the countries after "between", direction unknown (actor 1 sorted first)
    ("Talks between Russia and Ukraine resumed.", {("RUS", "UKR", "040")}),
    ("Talks between the US and China resumed.", {("CHN", "USA", "040")}),
    ("Foreign ministers of Egypt, Iraq and Syria met in Cairo.", set()),  # a list, no one acting on it
    ("نددت تركيا بإسرائيل", {("TUR", "ISR", "110")}),  # ب marks the verb's object here, not a place
    ("U.S. officials criticized China on Monday.", {("USA", "CHN", "110")}),  # "U.S." ends no sentence
    ("In Washington, President Trump and Japan's prime minister signed a trade deal.", {("JPN", "USA", "057")}),
    # Condolences and congratulations (CAMEO 018), and a reception (043)
    ("Egypt sent condolences to Turkey after the attack.", {("EGY", "TUR", "018")}),
    ("بعث العاهل السعودي برقية تهنئة إلى الرئيس المصري", {("SAU", "EGY", "018")}),
    ("جاء ذلك خلال استقبال الملك السعودي وزير الخارجية المصري", {("SAU", "EGY", "043")}),  # the host acts
    # A conditional clause reports nothing that happened; "significant" is no signing
    ("If China retaliated, the United States would suffer.", set()),
    ("إذا هاجمت إسرائيل إيران فستكون العواقب خطيرة", set()),
    ("China warned that if the US imposed tariffs, it would respond.", {("CHN", "USA", "130")}),
    ("Japan and China have significant interests.", set()),
    # Both countries of a hyphenated compound before a topic phrase are what it is about
    ("Japan criticized the US-China trade war.", set()),
    # A threat's object: the countries of the threatened trade war are its parties
    ("The US is threatening a trade war with China.", {("USA", "CHN", "130")}),
    # Appeals (CAMEO 02) and investigations (09)
    ("China appealed to India for support.", {("CHN", "IND", "020")}),
    ("The US government investigated China over its subsidies.", {("USA", "CHN", "090")}),
    ("ناشدت مصر إثيوبيا", {("EGY", "ETH", "020")}),
    # A weak cue: an event between two countries, none in a sentence naming three (below MIN_CONFIDENCE)
    # History recalled as background: a sentence whose years all precede the article's (2025)
    ("In 2003 the United States invaded Iraq.", set()),
    ("The United States invaded Iraq.", {("USA", "IRQ", "190")}),
    ("China criticized the United States over the 2015 nuclear deal.", {("CHN", "USA", "110")}),  # a name
    ("أرسل الملك السعودي ابنه لزيارة موسكو سنة ١٩٢٦م", set()),  # Eastern digits too
    ("The Egyptian minister received the Saudi envoy.", {("EGY", "SAU", "043")}),
    ("The Egyptian minister received the Saudi envoy and the Turkish envoy.", set()),
])
def test_lists_topics_and_weak_cues(body: str, pairs: set[tuple[str, str, str]]) -> None:
    assert _pairs_of(body) == pairs


def test_a_pair_of_countries_absent_from_the_lead_is_background() -> None:
    lead = ("Egypt and Saudi Arabia held talks in Jeddah on regional security. "
            "The Egyptian minister praised the Saudi government for its support. "
            "The two ministers agreed to meet again in Cairo next month. "
            "Officials described the meeting as warm and productive for both sides. ")
    background = "Years ago Iran criticized the United States over its sanctions."
    coded = {tuple(sorted((e.actor1, e.actor2))) for e in code_article(
        Article("https://example.org/a", "Egypt and Saudi Arabia hold talks", lead + background, WEDNESDAY))}
    assert coded == {("EGY", "SAU")}
    alone = code_article(Article("https://example.org/b", None, background, WEDNESDAY))
    assert {(e.actor1, e.actor2) for e in alone} == {("IRN", "USA")}  # the same sentence leads its own article


def test_the_document_tone_is_positive_for_warm_text_and_negative_for_hostile_text() -> None:
    warm = code_article(Article("https://e.org/1", None, "Russia praised Libya for constructive cooperation "
                                "and mutual support.", WEDNESDAY))[0]
    hostile = code_article(Article("https://e.org/2", None, "Russia condemned Libya over attacks and threats "
                                   "that escalate the crisis.", WEDNESDAY))[0]
    assert warm.tone > 0 > hostile.tone


# --- storage: python -m ingest articles ----------------------------------------------------------

@pytest.mark.shared
def test_ingesting_the_seed_stores_its_article_and_event_once(copy_of_sample_lake: Path, seed_file: Path,
                                                             capsys: pytest.CaptureFixture) -> None:
    before = len(coded_rows(copy_of_sample_lake))
    assert ingest_main(["--lake", str(copy_of_sample_lake), "articles", str(seed_file)]) == 0
    assert "1 coded events" in capsys.readouterr().out
    rows = coded_rows(copy_of_sample_lake)
    mine = [r for r in rows if r[4] == SEED_URL]
    assert [(r[0], r[1], r[2], r[3]) for r in mine] == [("RUS", "LBY", "04", dt.date(2025, 12, 2))]
    assert len(rows) == before + 1
    con = lakes.connect(copy_of_sample_lake)
    try:
        assert con.execute("select language from lake.articles where url = $u", {"u": SEED_URL}).fetchall() == [("ar",)]
        snapshot = lakes.current_snapshot(con)
    finally:
        con.close()
    # Again: nothing new, no new snapshot.
    assert ingest_main(["--lake", str(copy_of_sample_lake), "articles", str(seed_file)]) == 0
    assert "no new snapshot" in capsys.readouterr().out
    assert len(coded_rows(copy_of_sample_lake)) == before + 1
    con = lakes.connect(copy_of_sample_lake)
    try:
        assert lakes.current_snapshot(con) == snapshot
    finally:
        con.close()


@pytest.mark.shared
def test_no_code_stores_the_article_only(empty_lake: Path, seed_file: Path) -> None:
    assert ingest_main(["--lake", str(empty_lake), "articles", "--no-code", str(seed_file)]) == 0
    assert coded_rows(empty_lake) == []


@pytest.mark.parametrize(("text", "reason"), [
    ("title: no url here\n\nRussia criticized Libya.", "has no 'url:' line"),
    ("this is not metadata\n\nRussia criticized Libya.", "line 1 is not 'key: value'"),
    ("url: not-a-url\n\nRussia criticized Libya.", "url is not an http(s) URL"),
])
def test_a_bad_text_drop_is_rejected_in_one_line_and_changes_nothing(copy_of_sample_lake: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture, text: str,
                                                                    reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    before = coded_rows(copy_of_sample_lake)
    assert ingest_main(["--lake", str(copy_of_sample_lake), "articles", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert reason in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert coded_rows(copy_of_sample_lake) == before


# --- the pages ------------------------------------------------------------------------------------

@pytest.mark.shared
def test_the_pair_and_articles_pages_show_the_coded_event_and_its_sentence(
        copy_of_sample_lake: Path, seed_file: Path, seed_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ingest_main(["--lake", str(copy_of_sample_lake), "articles", str(seed_file)]) == 0
    (sentence,) = [r[5] for r in coded_rows(copy_of_sample_lake) if r[4] == SEED_URL]
    monkeypatch.setenv("BILATERAL_LAKE", str(copy_of_sample_lake))
    window = {"a": "LBY", "b": "RUS", "from": "2025-01-01", "to": "2025-12-31"}

    pair = AppTest.from_file(APP, default_timeout=60)
    pair.switch_page("dashboard/pages/pair.py")
    for key, value in window.items():
        pair.query_params[key] = value
    pair.run()
    assert not pair.exception
    assert "Coded from articles (1)" in [h.value for h in pair.subheader]
    # No GDELT rows in the window: the notice says so, and points at the coded event below
    assert [i.value for i in pair.info] == [
        "No GDELT events between Libya and Russia from 2025-01-01 to 2025-12-31 with these filters. "
        "Events coded from articles are shown and listed below."]
    (chart,) = pair.get("plotly_chart")  # the coded event on its own timeline
    traces = json.loads(chart.proto.spec)["data"]
    (diamonds,) = [t for t in traces if t.get("name") == "Coded from articles"]
    assert [x[:10] for x in diamonds["x"]] == ["2025-12-02"]
    assert not [t for t in traces if t["type"] == "bar"]
    shown = " ".join(getattr(h, "body", "") or "" for h in pair.get("html"))
    assert sentence[:60] in shown and 'dir="auto"' in shown  # right-to-left where the text is
    pair.toggle(key="pair_coded").set_value(False).run()  # hidden on request
    assert "Coded from articles (1)" not in [h.value for h in pair.subheader]
    assert [i.value for i in pair.info] == [
        "No GDELT events between Libya and Russia from 2025-01-01 to 2025-12-31 with these filters."]
    assert not pair.get("plotly_chart")  # nothing to draw
    assert pair.query_params["coded"] == ["hide"] or pair.query_params["coded"] == "hide"

    articles = AppTest.from_file(APP, default_timeout=60)
    articles.switch_page("dashboard/pages/articles.py")
    for key, value in {**window, "from": "2025-12-02", "to": "2025-12-02"}.items():
        articles.query_params[key] = value
    articles.run()
    assert not articles.exception
    shown = " ".join(getattr(h, "body", "") or "" for h in articles.get("html"))
    assert sentence[:60] in shown and SEED_TITLE in shown
    assert seed_text.splitlines()[-1][:60] in shown  # the article's body, in the drill-down


# --- the evaluation set ---------------------------------------------------------------------------

@pytest.mark.shared
def test_scores_on_the_hand_labels_are_the_ones_docs_coder_reports(shared_data: Path) -> None:
    """docs/coder.md's tables are the evaluator's output, so they cannot drift from the coder."""
    readme = (REPO / "docs" / "coder.md").read_text(encoding="utf-8")
    for labels in (evaluate.LABELS, evaluate.HELDOUT):
        table = evaluate.report(evaluate.score(shared_data, labels))
        assert table in readme, f"docs/coder.md's scores on {labels.name} are stale: run python -m ingest.coder.evaluate"


@pytest.mark.shared
def test_the_labels_match_the_shared_articles(shared_data: Path) -> None:
    pairs = evaluate.labelled_articles(shared_data)  # also checks each label's url against its article
    assert sum(label["corpus"] == "ar" for label, _ in pairs) >= 40
    assert sum(label["corpus"] == "en" for label, _ in pairs) >= 40
    seen = {(lb["corpus"], lb["line"]) for lb, _ in pairs}
    for other in (evaluate.HELDOUT, evaluate.TEST_EN, evaluate.TEST_EN2):  # four disjoint sets
        more = evaluate.labelled_articles(shared_data, other)
        assert not seen & {(lb["corpus"], lb["line"]) for lb, _ in more}
        seen |= {(lb["corpus"], lb["line"]) for lb, _ in more}
        pairs += more
    for label, _ in pairs:
        for event in label["events"]:
            assert event["pair"] == sorted(event["pair"]) and re.fullmatch(r"(0[1-9]|1\d|20)", event["root"])
