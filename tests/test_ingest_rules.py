"""Normalisation rules of ingest, checked on real GDELT rows: country codes, the CAMEO
lookup, BigQuery's dropped leading zeros, mentions and their language, articles."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from ingest import store
from ingest.errors import Rejected
from ingest.load import load
from lake import connection as lakes
from lake.reference import cameo_codes

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
CAMEO_EVENTCODES = REPO / "data" / "reference" / "CAMEO.eventcodes.txt"
USA_CHN = "gdelt_v1_usa_chn_2018/usa_chn_events_2018-01_to_2018-06.csv"

# GDELT 2.0 export columns (0-based field positions in a raw 61-column line).
A1_CODE, A1_NAME, A1_COUNTRY, A2_COUNTRY = 5, 6, 7, 17


def gz_text(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8")


def query(lake: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = lakes.connect(lake)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def rules_blank_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake with the schema and reference tables only, built once."""
    lake = tmp_path_factory.mktemp("blank_rules") / "lake"
    con = lakes.connect(lake, read_only=False, create=True)
    try:
        store.ensure_schema(con)
    finally:
        con.close()
    return lake


@pytest.fixture
def blank_lake(rules_blank_template: Path, tmp_path: Path) -> Path:
    lake = tmp_path / "blank_lake"
    shutil.copytree(rules_blank_template, lake)
    return lake


# ---------------------------------------------------------------- 4. country codes


def _georgia_lines_with_spaced_arm() -> tuple[str, list[str], list[str]]:
    """Header line, and the unchanged lines, of the real february13 rows (R write.csv, row-name
    column first) whose Actor2Code is ' ARM' with GDELT's leading space."""
    lines = gz_text(SAMPLE / "events" / "february13.csv.gz").splitlines()
    header = next(csv.reader([lines[0]]))
    a2 = header.index("Actor2Code") + 1  # +1: the unnamed row-name column
    return lines[0], [x for x in lines[1:] if next(csv.reader([x]))[a2] == " ARM"], header


def _r_csv_line(fields: list[str]) -> str:
    """One line as R's write.csv writes it: fields quoted, NA bare."""
    return ",".join("NA" if f == "NA" else '"' + f.replace('"', '""') + '"' for f in fields)


def test_actor_code_with_leading_space_is_stored_stripped(blank_lake: Path, tmp_path: Path) -> None:
    header_line, lines, _ = _georgia_lines_with_spaced_arm()
    assert len(lines) == 14 and all('" ARM"' in x for x in lines)
    drop = tmp_path / "february13_arm.csv"
    drop.write_text("\n".join([header_line, *lines]) + "\n", encoding="utf-8")
    load("gdelt", [str(drop)], blank_lake)
    assert query(blank_lake, "select actor2_code, count(*) from events group by 1") == [("ARM", 14)]


def test_actor_country_with_leading_space_is_stored_stripped(blank_lake: Path, tmp_path: Path) -> None:
    header_line, lines, header = _georgia_lines_with_spaced_arm()
    country = header.index("Actor2CountryCode") + 1
    edited = []
    for line in lines:
        fields = next(csv.reader([line]))
        assert fields[country] == "ARM"
        fields[country] = " ARM"
        edited.append(_r_csv_line(fields))
    drop = tmp_path / "february13_arm.csv"
    drop.write_text("\n".join([header_line, *edited]) + "\n", encoding="utf-8")
    load("gdelt", [str(drop)], blank_lake)
    assert query(blank_lake, "select actor2_cameo_country, actor2_country, actor2_is_state, count(*) "
                             "from events group by all") == [("ARM", "ARM", True, 14)]


def _v2_row_with_two_countries() -> list[str]:
    for line in gz_text(SAMPLE / "events" / "aamend_events.csv.gz").splitlines():
        f = line.split("\t")
        if f[A1_COUNTRY] and f[A2_COUNTRY] and f[A1_COUNTRY] != f[A2_COUNTRY]:
            return f
    raise AssertionError("no two-country row in aamend_events")


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u3000"], ids=["space", "no-break-space", "ideographic-space"])
def test_url_and_place_name_with_surrounding_spaces_are_stored_stripped(space: str, blank_lake: Path,
                                                                         tmp_path: Path) -> None:
    f = _v2_row_with_two_countries()
    url, place = f[60], f[52]
    f[60], f[52] = f"{space}{url}{space}", f"{place}{space}"
    drop = tmp_path / "20150218230000.export.CSV"
    drop.write_text("\t".join(f) + "\n", encoding="utf-8")
    load("gdelt", [str(drop)], blank_lake)
    assert query(blank_lake, "select source_url, action_geo_name from events") == [(url, place)]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u3000"], ids=["space", "no-break-space", "ideographic-space"])
def test_numbers_and_dates_with_surrounding_spaces_keep_their_values(space: str, blank_lake: Path,
                                                                    tmp_path: Path) -> None:
    """GLOBALEVENTID, SQLDATE, IsRootEvent, GoldsteinScale, NumMentions, ActionGeo_Lat and
    DATEADDED padded with spaces of any kind read as the unpadded values."""
    f = _v2_row_with_two_countries()
    plain = f.copy()
    for column in (0, 1, 25, 30, 31, 56, 59):
        f[column] = f"{space}{f[column]}{space}"
    padded_drop, plain_drop = tmp_path / "20150218230000.export.CSV", tmp_path / "plain" / "20150218230000.export.CSV"
    plain_drop.parent.mkdir()
    padded_drop.write_text("\t".join(f) + "\n", encoding="utf-8")
    plain_drop.write_text("\t".join(plain) + "\n", encoding="utf-8")
    columns = ("event_id, event_date, is_root_event, goldstein, num_mentions, action_geo_lat, date_added")
    load("gdelt", [str(padded_drop)], blank_lake)
    padded = query(blank_lake, f"select {columns} from events")
    other = blank_lake.parent / "plain-lake"
    load("gdelt", [str(plain_drop)], other)
    assert padded == query(other, f"select {columns} from events")
    assert None not in padded[0][:5]


def test_cameo_rom_is_stored_as_iso_rou_keeping_cameo_code(blank_lake: Path, tmp_path: Path) -> None:
    f = _v2_row_with_two_countries()
    f[A1_CODE], f[A1_NAME], f[A1_COUNTRY] = "ROM", "ROMANIA", "ROM"
    drop = tmp_path / "20150218230000.export.CSV"
    drop.write_text("\t".join(f) + "\n", encoding="utf-8")
    load("gdelt", [str(drop)], blank_lake)
    ((cameo, iso, is_state, pair_a, pair_b),) = query(
        blank_lake, "select actor1_cameo_country, actor1_country, actor1_is_state, pair_a, pair_b from events")
    assert (cameo, iso, is_state) == ("ROM", "ROU", True)
    assert sorted([pair_a, pair_b]) == sorted(["ROU", f[A2_COUNTRY]])


def test_region_eur_is_stored_as_not_a_state(blank_lake: Path, tmp_path: Path) -> None:
    lines = [x for x in gz_text(SAMPLE / "events" / "aamend_events.csv.gz").splitlines()
             if "EUR" in (x.split("\t")[A1_COUNTRY], x.split("\t")[A2_COUNTRY])]
    assert lines, "aamend_events has real EUR actors"
    drop = tmp_path / "20150218230000.export.CSV"
    drop.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    load("gdelt", [str(drop)], blank_lake)
    found = query(blank_lake, """
        select country, is_state from (
            select actor1_country as country, actor1_is_state as is_state, actor1_cameo_country as cameo from events
            union all
            select actor2_country, actor2_is_state, actor2_cameo_country from events)
        where cameo = 'EUR' group by all""")
    assert found == [("EUR", False)]


# ---------------------------------------------------------------- 5. CAMEO lookup


def _fused_1056() -> re.Match[str]:
    """GDELT's lookup line for 1056, which also carries code 106, parsed from the raw file."""
    raw = CAMEO_EVENTCODES.read_text(encoding="utf-8").splitlines()
    line = next(x for x in raw if x.startswith("1056\t")).rstrip("\r")
    fused = re.fullmatch(r"1056\t(.*?)106:\[(-?\d+(?:\.\d+)?)\]\s*(.*)", line)
    assert fused, f"the lookup no longer fuses 106 onto 1056: {line!r}"
    assert not any(x.startswith("106\t") for x in raw)
    return fused


def test_cameo_106_has_its_own_description() -> None:
    codes = {c.event_code: c for c in cameo_codes()}
    assert codes["106"].description == _fused_1056()[3].strip() == "Demand withdrawal"


def test_cameo_1056_description_excludes_fused_106() -> None:
    codes = {c.event_code: c for c in cameo_codes()}
    assert codes["1056"].description == _fused_1056()[1].strip()
    assert "106" not in codes["1056"].description


def test_cameo_106_takes_goldstein_from_fused_line() -> None:
    codes = {c.event_code: c for c in cameo_codes()}
    assert codes["106"].goldstein == float(_fused_1056()[2]) == -5.0


def test_cameo_codes_cover_every_code_of_raw_lookup() -> None:
    raw = CAMEO_EVENTCODES.read_text(encoding="utf-8").splitlines()[1:]
    raw_codes = {x.split("\t", 1)[0] for x in raw if x.strip()} | {"106"}
    assert {c.event_code for c in cameo_codes()} == raw_codes


@pytest.mark.shared
def test_cameo_codes_match_the_correctly_split_lookup(shared_data: Path) -> None:
    fixed = (shared_data / "cameo" / "CAMEO.eventcodes.undp-fixed.txt").read_text(encoding="utf-8")
    expected = dict(x.split("\t", 1) for x in fixed.splitlines()[1:] if x.strip())
    assert {c.event_code: c.description for c in cameo_codes()} == {k: v.strip() for k, v in expected.items()}


def test_lake_cameo_table_holds_106_and_1056(sample_con) -> None:
    rows = dict(sample_con.execute(
        "select event_code, description from cameo_codes where event_code in ('106', '1056')").fetchall())
    assert rows == {"106": "Demand withdrawal", "1056": "Demand de-escalation of military engagement"}


# ---------------------------------------------------------------- 6. BigQuery exports drop leading zeros


@pytest.fixture(scope="module")
def usa_chn(shared_data: Path, rules_blank_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """The whole BigQuery USA-China export loaded into a fresh lake, and its raw records."""
    lake = tmp_path_factory.mktemp("usa_chn") / "lake"
    shutil.copytree(rules_blank_template, lake)
    path = shared_data / USA_CHN
    load("gdelt", [str(path)], lake)
    with path.open(newline="", encoding="utf-8") as f:
        records = list(csv.reader(f))
    return lake, records


@pytest.mark.shared
def test_bigquery_event_codes_start_with_root_code(usa_chn) -> None:
    lake, _ = usa_chn
    assert query(lake, "select count(*) from events where not starts_with(event_code, event_root_code)") == [(0,)]


@pytest.mark.shared
def test_bigquery_root_codes_are_two_digits(usa_chn) -> None:
    lake, records = usa_chn
    roots = {r[0] for r in query(lake, "select distinct event_root_code from events")}
    assert any(len(r[28]) == 1 for r in records), "the raw export has one-digit roots"
    assert roots and all(re.fullmatch(r"\d\d", r) for r in roots), roots


@pytest.mark.shared
def test_bigquery_event_counts_per_root_match_raw(usa_chn) -> None:
    lake, records = usa_chn
    expected = Counter(r[28].zfill(2) for r in records)
    assert dict(query(lake, "select event_root_code, count(*) from events group by 1")) == dict(expected)


@pytest.mark.shared
def test_bigquery_event_codes_get_their_zero_back(usa_chn) -> None:
    lake, records = usa_chn
    expected = Counter(("0" + r[26]) if len(r[28]) == 1 else r[26] for r in records)
    assert dict(query(lake, "select event_code, count(*) from events group by 1")) == dict(expected)


# ---------------------------------------------------------------- 7. mentions


def mention_records(path: Path) -> list[dict[str, str]]:
    """Mentions rows as dicts of GDELT's (lower-case) names, read with the csv module."""
    text = gz_text(path)
    names = [
        "globaleventid", "eventtimedate", "mentiontimedate", "mentiontype", "mentionsourcename",
        "mentionidentifier", "sentenceid", "actor1charoffset", "actor2charoffset", "actioncharoffset",
        "inrawtext", "confidence", "mentiondoclen", "mentiondoctone", "mentiondoctranslationinfo", "extras",
    ]
    if "\t" in text.split("\n", 1)[0]:
        rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    else:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == names
        rows = rows[1:]
    assert all(len(r) == 16 for r in rows)
    return [dict(zip(names, r, strict=True)) for r in rows]


MENTION_FILES = ["aamend_mentions.csv.gz", "aamend_mentionsT.csv.gz", "gdeltpyr_mentionssamp.csv.gz"]


@pytest.mark.parametrize("name", MENTION_FILES)
def test_mentions_file_reads_exact_row_count(name: str, blank_lake: Path) -> None:
    path = SAMPLE / "mentions" / name
    assert load("mentions", [str(path)], blank_lake).rows_read == len(mention_records(path))


MENTION_KEY_BUG = (
    "BUG: mentions.insert_new keeps one row per (event_id, url, mention_time), but real GDELT files "
    "hold distinct mentions sharing that key (same article, other SentenceID / char offsets / "
    "Confidence): 1 row of aamend_mentions, 1 of aamend_mentionsT and 20 of gdeltpyr_mentionssamp "
    "are dropped as 'duplicates' (these are the sample's 22 'repeated' rows; no row repeats across files)."
)


@pytest.mark.parametrize("name", MENTION_FILES)
def test_mentions_file_stores_every_row(name: str, blank_lake: Path) -> None:
    path = SAMPLE / "mentions" / name
    load("mentions", [str(path)], blank_lake)
    assert query(blank_lake, "select count(*) from mentions") == [(len(mention_records(path)),)]


def test_two_mentions_of_one_event_in_one_article_are_both_stored(blank_lake: Path, tmp_path: Path) -> None:
    lines = gz_text(SAMPLE / "mentions" / "aamend_mentions.csv.gz").splitlines()
    pair = [x for x in lines if x.startswith("913070631\t")]
    assert len(pair) == 2 and pair[0] != pair[1]  # same article and slot, Actor1/Actor2 offsets swapped
    drop = tmp_path / "20200318104500.mentions.CSV"
    drop.write_text("".join(x + "\n" for x in pair), encoding="utf-8")
    load("mentions", [str(drop)], blank_lake)
    assert query(blank_lake, "select count(*) from mentions") == [(2,)]


def test_mentions_files_share_no_rows() -> None:
    """The sample's 1,835 -> 1,813 mentions are not repeats across files: no key is in two files."""
    keys = [{_raw_key(r) for r in mention_records(SAMPLE / "mentions" / n)} for n in MENTION_FILES]
    assert keys[0] & keys[1] == keys[0] & keys[2] == keys[1] & keys[2] == set()


@pytest.fixture(scope="module")
def mentions_lake(rules_blank_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("mentions") / "lake"
    shutil.copytree(rules_blank_template, lake)
    load("mentions", [str(SAMPLE / "mentions" / n) for n in MENTION_FILES], lake)
    return lake


def _stored_languages(lake: Path) -> dict[tuple[int, str, str], str]:
    return {(e, u, t.strftime("%Y%m%d%H%M%S")): lang for e, u, t, lang in
            query(lake, "select event_id, url, mention_time, language from mentions")}


def _raw_key(r: dict[str, str]) -> tuple[int, str, str]:
    return int(r["globaleventid"]), r["mentionidentifier"], r["mentiontimedate"]


@pytest.mark.parametrize("name", ["aamend_mentionsT.csv.gz", "gdeltpyr_mentionssamp.csv.gz"])
def test_mentions_translated_from_arabic_get_language_ara(name: str, mentions_lake: Path) -> None:
    stored = _stored_languages(mentions_lake)
    arabic = [_raw_key(r) for r in mention_records(SAMPLE / "mentions" / name)
              if "srclc:ara" in r["mentiondoctranslationinfo"]]
    assert arabic
    assert {stored[k] for k in arabic} == {"ara"}


def test_mentions_without_translation_info_get_language_eng(mentions_lake: Path) -> None:
    stored = _stored_languages(mentions_lake)
    untranslated = [_raw_key(r) for name in MENTION_FILES for r in mention_records(SAMPLE / "mentions" / name)
                    if not r["mentiondoctranslationinfo"].strip()]
    assert len(untranslated) >= 100
    assert {stored[k] for k in untranslated} == {"eng"}


# ---------------------------------------------------------------- 8. articles


ARTICLE_COLUMNS = ["url", "title", "outlet", "published_at", "language", "body"]


def sample_articles(n: int, name: str = "en_wikinews_relations.jsonl.gz") -> list[dict]:
    """n real articles from the embedded sample, cut to the articles contract: by default Wikinews
    (CC BY 2.5: title, outlet, multi-paragraph body); en_us_china_trade_2018_metadata.jsonl.gz
    has url, date and language only (no outlet, no text)."""
    lines = gz_text(SAMPLE / "articles" / name).splitlines()
    return [{c: json.loads(x)[c] for c in ARTICLE_COLUMNS} for x in lines[:n]]


def write_jsonl(path: Path, articles: list[dict]) -> Path:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return path


def write_articles_csv(path: Path, articles: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ARTICLE_COLUMNS)
        writer.writeheader()
        writer.writerows(articles)
    return path


def _stored_articles(lake: Path) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in query(lake, "select url, language, body from articles")}


def test_articles_jsonl_loads(blank_lake: Path, tmp_path: Path) -> None:
    articles = sample_articles(8)
    load("articles", [str(write_jsonl(tmp_path / "feed.jsonl", articles))], blank_lake)
    assert _stored_articles(blank_lake) == {a["url"]: (a["language"], a["body"]) for a in articles}


def test_articles_csv_loads(blank_lake: Path, tmp_path: Path) -> None:
    articles = sample_articles(8)
    load("articles", [str(write_articles_csv(tmp_path / "feed.csv", articles))], blank_lake)
    assert _stored_articles(blank_lake) == {a["url"]: (a["language"], a["body"]) for a in articles}


def test_articles_outlet_defaults_to_url_domain(blank_lake: Path, tmp_path: Path) -> None:
    articles = sample_articles(8, "en_us_china_trade_2018_metadata.jsonl.gz")
    assert all(a["outlet"] is None for a in articles)
    load("articles", [str(write_jsonl(tmp_path / "feed.jsonl", articles))], blank_lake)
    expected = {a["url"]: re.match(r"https?://(?:www\.)?([^/]+)", a["url"])[1] for a in articles}
    assert dict(query(blank_lake, "select url, outlet from articles")) == expected


@pytest.mark.shared
def test_arabic_articles_csv_with_multiline_bodies_loads(shared_data: Path, blank_lake: Path,
                                                         tmp_path: Path) -> None:
    source = shared_data / "articles" / "ar_saudinewsnet_bilateral_2015-07-21_to_2015-07-31.jsonl"
    originals = [json.loads(x) for x in source.read_text(encoding="utf-8").splitlines()[:12]]
    articles = [{"url": o["url"], "title": o["title"], "outlet": o["source"], "published_at": o["date_extracted"],
                 "language": "ar", "body": o["content"]} for o in originals]
    assert any("\n" in a["body"] for a in articles)
    load("articles", [str(write_articles_csv(tmp_path / "ar.csv", articles))], blank_lake)
    # Bodies are stored trimmed: some SaudiNewsNet bodies start or end with a space.
    assert _stored_articles(blank_lake) == {a["url"]: ("ar", a["body"].strip()) for a in articles}


@pytest.mark.parametrize(("fmt", "line"), [("jsonl", 3), ("csv", 4)])
def test_article_with_bad_url_is_rejected_with_its_line(fmt: str, line: int, blank_lake: Path,
                                                        tmp_path: Path) -> None:
    articles = sample_articles(6)
    articles[2]["url"] = re.sub(r"^https?://", "htp://", articles[2]["url"])  # third article
    drop = (write_jsonl if fmt == "jsonl" else write_articles_csv)(tmp_path / f"feed.{fmt}", articles)
    with pytest.raises(Rejected) as rejected:
        load("articles", [str(drop)], blank_lake)
    assert (rejected.value.file, rejected.value.line, rejected.value.column) == (str(drop), line, "url")
    assert f"line {line}, column url" in str(rejected.value)
    assert query(blank_lake, "select count(*) from articles") == [(0,)]


def test_reloading_articles_adds_nothing(blank_lake: Path, tmp_path: Path) -> None:
    drop = write_jsonl(tmp_path / "feed.jsonl", sample_articles(8))
    first = load("articles", [str(drop)], blank_lake)
    second = load("articles", [str(drop)], blank_lake)
    assert first.added["articles"] == 8  # and the events coded from their bodies
    assert first.added.get("coded events", 0) == query(blank_lake, "select count(*) from coded_events")[0][0] > 0
    assert (second.added, second.duplicates, second.snapshot) == ({}, 8, None)
    assert query(blank_lake, "select count(*) from articles") == [(8,)]
