"""The coder's dictionaries: country forms (CLDR names from babel plus gazetteer.csv), officials
in office (people.csv), event cues (cues.csv) and tone words (tone.csv). Each is loaded once
per process.

Actor words: an adjective names an actor only next to an actor noun ("the Egyptian foreign
minister", "وزير الخارجية المصري"), not on its own ("Chinese steel", "الأزمة اليمنية"); a name
or capital right after "in"/"في"/"about"/"حول"/"بشأن" is a place or topic, not an actor."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pycountry
from babel import Locale

from ingest.coder.words import canonical, phrase_key, tokenize
from lake import reference
from queries.text import fold

HERE = Path(__file__).parent
LANGUAGES = ("en", "ar")
# CLDR names that are not one country, or that read as ordinary words in news copy ("Jordan" is
# kept: in world news the country is far the commoner sense).
_SKIP_CLDR = {"en": {"chad", "georgia", "guinea", "turkey", "niger"}, "ar": set()}


def _rows(name: str) -> list[dict[str, str]]:
    lines = (line for line in (HERE / name).read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    return list(csv.DictReader(lines))


@dataclass(frozen=True)
class Gazetteer:
    phrases: dict[tuple[str, ...], tuple[str, str]]  # folded words -> (ISO alpha-3, kind)
    abbreviations: dict[tuple[str, ...], str]  # words as written (case-sensitive) -> ISO alpha-3
    people: dict[tuple[str, ...], list[tuple[str, dt.date, dt.date]]]  # name -> (country, in office from, to)
    longest: int
    first_words: frozenset[str]  # a token none of whose forms is here starts no country name


@functools.cache
def gazetteer() -> Gazetteer:
    phrases: dict[tuple[str, ...], tuple[str, str]] = {}
    abbreviations: dict[tuple[str, ...], str] = {}
    people: dict[tuple[str, ...], list[tuple[str, dt.date, dt.date]]] = {}
    for lang in LANGUAGES:
        for alpha2, name in Locale(lang).territories.items():
            country = pycountry.countries.get(alpha_2=alpha2) if len(alpha2) == 2 else None
            if country is None:
                continue  # regions such as 001 or EU, and codes CLDR has but ISO does not
            for variant in re.split(r"\s*[()]\s*", name):  # "Myanmar (Burma)" -> both
                if variant and canonical(variant) not in _SKIP_CLDR[lang]:
                    phrases.setdefault(phrase_key(variant), (country.alpha_3, "name"))
    for row in _rows("gazetteer.csv"):
        for form in row["forms"].split("|"):
            if row["kind"] == "abbreviation":
                abbreviations[tuple(t.raw for t in tokenize(form))] = row["iso3"]
                continue
            key = phrase_key(form)
            phrases[key] = (row["iso3"], row["kind"])  # curated forms win over CLDR
            if row["kind"] == "adjective":
                phrases.update({k: (row["iso3"], "adjective") for k in _adjective_forms(key, row["lang"])})
    for row in _rows("people.csv"):
        start = dt.date.fromisoformat(row["from"])
        end = dt.date.fromisoformat(row["to"]) if row["to"] else dt.date.max
        for name in row["names"].split("|"):
            people.setdefault(phrase_key(name), []).append((row["iso3"], start, end))
    keys = [*phrases, *abbreviations, *people]
    longest = max(len(k) for k in keys)
    first_words = frozenset(k[0] for k in keys)
    return Gazetteer(phrases, abbreviations, people, longest, first_words)


def _adjective_forms(key: tuple[str, ...], lang: str) -> list[tuple[str, ...]]:
    # The last word inflects: "كوري جنوبي" -> "كوريه جنوبيه"; "Russian" -> "Russians".
    if lang == "en":
        return [key[:-1] + (key[-1] + "s",)]
    endings = ("ه", "ون", "ين", "ان")
    return [tuple(w + e for w in key) for e in endings]


def _folded(words: list[str]) -> frozenset[str]:
    # Tokens are matched folded (words.py): "رئيس" is matched as "رييس", "مسؤول" as "مسوول".
    return frozenset(fold(w) for w in words)


# For Arabic the forms left after stripping proclitics are matched too.
ACTOR_NOUNS = _folded("""
government governments administration minister ministers ministry president presidents premier
ambassador ambassadors embassy envoy envoys forces troops army navy military officials official
delegation delegations leader leaders leadership king prince emir authorities diplomat diplomats
spokesman spokeswoman spokesperson side counterpart counterparts foreign prime secretary regime
negotiators negotiator lawmakers parliament cabinet state authority
حكومه حكومات اداره وزير وزيرا وزراء وزاره رئيس رئاسه سفير سفيرا سفراء سفاره مبعوث قوات جيش
سلطه مسؤول مسؤولون مسؤولين وفد وفدا قياده زعيم ملك امير سلطات دبلوماسي دبلوماسيون نظير نظيره الجانب
جانب المتحدث متحدث عهد ولي نظام برلمان الخارجيه خارجيه الدفاع دفاع البحريه بحريه سلاح طيران
القوات الجيش الحكومه الرئيس السفير السفاره الوفد الملك الامير السلطات الوزير الوزراء العاهل عاهل
""".split())
# CAMEO codes a threat or plan to sanction, coerce or attack as a threat (13: 1312 "threaten
# with sanctions", 138 "threaten with military force"), not as the act: these words in the
# sentence turn a root 16-20 cue into 130.
MODAL_WORDS = _folded("""
will would could may might threaten threatens threatened threatening propose proposes proposed
consider considers considering plan plans planned planning vow vows vowed warn warns warned
سوف قد يهدد تهدد هدد يعتزم تعتزم ستفرض سيفرض ستفرضها يلوح تلوح
""".split())
PLACE_WORDS = _folded("in about regarding في حول بشأن داخل".split())
# A country named right after one of these nouns is what is talked about ("موضوع العراق" the
# subject of Iraq, "وحده العراق" Iraq's unity, "برنامج طهران النووي"), not a party to the event.
# Folded, without the article (Token.key).
TOPIC_WORDS = _folded("""
موضوع ملف شان قضيه مساله برنامج وحده قدره ازمه تجاه امن استقرار سياده مستقبل اوضاع شوون اراضي حدود
""".split())

# English names its topics before the noun, after "the": "the Taiwan question", "the Iran issue".
TOPIC_WORDS_AFTER = frozenset("question issue problem dossier".split())
# Verbs whose object Arabic writes with ب ("نددت تركيا بإسرائيل", "أشادت مصر بالسعودية"): in a
# sentence with one of them, a country with ب on it may be that object, not a place. Prefixes.
BI_VERBS = tuple(_folded("""
ندد يندد تندد اشاد يشيد تشيد رحب يرحب ترحب اعترف يعترف تعترف اتصل يتصل تتصل التقى يلتقي تلتقي
اجتمع يجتمع تجتمع طالب يطالب تطالب هدد يهدد تهدد اتهم يتهم تتهم استنجد يستنجد اعتذر يعتذر
""".split()))

# "the trade war between China and the US", "الاتفاق النووي مع إيران": what follows is the topic's.
TOPIC_LINKS = _folded("between with against بين مع".split())


# What a clause opened by one of these reports has not happened: no cue in it counts.
CONDITIONALS = _folded("if unless whether اذا لو".split())


# cues.csv's code for phrases whose words are no cue ("trade war" is a topic, not a war).
NOT_AN_EVENT = "none"


@dataclass(frozen=True)
class Cue:
    code: str  # CAMEO event code
    root: str
    words: tuple[str, ...]  # canonical words; a trailing * is a prefix match
    strength: float


@functools.cache
def cues() -> dict[str, list[Cue]]:
    roots = {c.event_code: c.root_code for c in reference.cameo_codes()}
    by_lang: dict[str, list[Cue]] = {lang: [] for lang in LANGUAGES}
    for row in _rows("cues.csv"):
        words = tuple(canonical(w.rstrip("*")) + ("*" if w.endswith("*") else "") for w in row["pattern"].split())
        root = "" if row["code"] == NOT_AN_EVENT else roots[row["code"]]
        by_lang[row["lang"]].append(Cue(row["code"], root, words, float(row["strength"])))
    return by_lang


@functools.cache
def cues_by_first_word(lang: str) -> tuple[dict[str, list[Cue]], dict[str, list[Cue]]]:
    """(exact first word -> cues, first-word prefix -> cues): a token is checked against the
    cues that can start at it, not all of them."""
    exact: dict[str, list[Cue]] = {}
    prefix: dict[str, list[Cue]] = {}
    for cue in cues()[lang]:
        first = cue.words[0]
        if first.endswith("*"):
            prefix.setdefault(first[:-1], []).append(cue)
        else:
            exact.setdefault(first, []).append(cue)
    return exact, prefix


@functools.cache
def tone_words() -> dict[str, dict[str, tuple[frozenset[str], tuple[str, ...]]]]:
    """lang -> polarity -> (exact words, prefixes)."""
    out: dict[str, dict[str, tuple[frozenset[str], tuple[str, ...]]]] = {}
    for row in _rows("tone.csv"):
        words = [canonical(w.rstrip("*")) + ("*" if w.endswith("*") else "") for w in row["words"].split("|")]
        exact = frozenset(w for w in words if not w.endswith("*"))
        prefixes = tuple(w[:-1] for w in words if w.endswith("*"))
        out.setdefault(row["lang"], {})[row["polarity"]] = (exact, prefixes)
    return out


@functools.cache
def event_codes() -> dict[str, reference.CameoCode]:
    return {c.event_code: c for c in reference.cameo_codes()}
