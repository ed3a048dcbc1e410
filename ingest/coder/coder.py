"""Code one article into country-pair events.

A sentence gives an event when it names two different countries (by name, adjective, capital,
seat of government or an official's title such as "Russia's ambassador") and holds an event
cue (cues.csv). Its strongest cue decides the CAMEO code. Per article, each pair of countries
gets one event: the one of its best sentence (strongest cue; then the lead before the rest;
then a sentence whose initiator is clear; then the earlier one).

Not actors: a place ("in Syria"; "باليمن" unless a verb that takes ب, such as "ندد", came
before), a topic ("موضوع العراق", "the Taiwan question"), and the countries a topic phrase is
about ("the trade war between China and the US", "الاتفاق النووي مع إيران": cues.csv's "none"
rows, whose words are no cue either) unless the phrase is part of the cue ("launched a trade
war against China") or what a cooperative cue acts on ("signed a nuclear deal with Russia").
A list of countries that is the subject or the object with no other country acting on it
("met representatives from China, Mexico and Japan", "imposed tariffs on Canada and Mexico")
gives no pair; countries listed after "between" are all parties, direction unknown. A pair
neither of whose countries acts in the title or the lead is background, not coded.

Direction: in "X <cue> ... Y" (English and Arabic SVO) and "<cue> X ... Y" (Arabic VSO) X is
the initiator, unless X and Y are joined by "and"/"و" ("Libya and Russia discussed") or "by"
marks a passive; then the direction is unknown and actor 1 is the alphabetically first. With
more than two countries, the subject pairs with the next country and the rest of its list
("tariffs on Canada, Mexico and China").

A sanction, coercion or attack that is only threatened, planned or in the future ("will impose
tariffs", "ستفرض عقوبات") is coded 130 threaten, as CAMEO does.

Confidence (0..1) = cue strength × 0.75 when the sentence names more than two countries ×
0.9 outside the title and the first three sentences (of six words or more: datelines and
bylines do not count). It ranks events; it is not a probability. Nothing below MIN_CONFIDENCE is
coded, nor a sentence that says it happened in a year before the article's ("in 2003"): history.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, replace

import py3langid

from ingest.coder import dates, lexicon
from ingest.coder.words import Token, is_arabic, tokenize
from queries.text import fold

VERSION = "coder-1"
LEAD_SENTENCES = 3
# An event below this confidence is not coded: a weak cue (0.5-0.55, a word with other senses
# such as "received" or "حرب") outside the lead, or in a sentence that also names a third country.
MIN_CONFIDENCE = 0.5
# A year the sentence says something happened in ("عام 2003", "سنة 1926", "in 1964"), before the
# year of publication: history recalled as background, not news. A year that only names a thing
# ("the 2015 nuclear deal") does not count.
_YEAR = re.compile(r"(?:\b[Ii]n|عام|سنه)\s+((?:19|20)\d\d)(?![\d/.-])")
# Scraped text often glues sentences together ("...a trade war.China will"): a full stop
# between a lower-case word and a capital ends a sentence too.
_SENTENCE_END = re.compile(r"(?<=[.!?؟;؛])\s+|\n+|(?:(?<=[a-z]{2}[.!?])|(?<=[a-z][\"”][.!?]))(?=[\"“]?[A-Z])")
# A full stop that ends an abbreviation or an initial, not a sentence.
_ABBREVIATION_END = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Lt|Col|Jr|Sr|No|vs|approx))\.$")
_PASSIVE = {"by"}


@dataclass(frozen=True)
class Article:
    url: str
    title: str | None
    body: str | None
    published: dt.date | None
    language: str | None = None


@dataclass(frozen=True)
class Mention:
    country: str
    first: int  # token indexes, inclusive..exclusive
    last: int


@dataclass(frozen=True)
class CodedEvent:
    event_id: int
    url: str
    event_date: dt.date | None  # None when the article has no publication date
    date_basis: str  # explicit | relative | published | unknown
    actor1: str
    actor2: str
    direction_known: bool
    event_code: str
    root_code: str
    quad_class: int
    goldstein: float
    tone: float  # the article's document tone
    field: str  # title | body
    sentence: str
    start: int  # character offsets of the sentence in its field
    end: int
    confidence: float
    cue: str
    language: str


def detect_language(text: str) -> str:
    """ISO 639-1 code, from py3langid's model (shipped inside the package: nothing downloaded)."""
    return py3langid.classify(text[:5000])[0]


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of a text, without surrounding blanks."""
    spans, start = [], 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        if piece.strip():
            left = start + len(piece) - len(piece.lstrip())
            if spans and _ABBREVIATION_END.search(text, 0, spans[-1][1]) and "\n" not in text[spans[-1][1]:left]:
                left = spans.pop()[0]  # "U.S. officials", "Mr. Smith": one sentence
            spans.append((left, start + len(piece.rstrip())))
        if match:
            start = match.end()
    return spans


def mentions(tokens: list[Token], when: dt.date | None = None) -> list[Mention]:
    """The countries a sentence names as actors, in order (see lexicon's docstring)."""
    gaz = lexicon.gazetteer()
    found: list[Mention] = []
    last_place: Mention | None = None  # "in Syria, Iraq and Yemen": the list stays places
    i = 0
    while i < len(tokens):
        hit, attached = None, ""
        if tokens[i].raw not in gaz.first_words and gaz.first_words.isdisjoint(tokens[i].forms):
            i += 1
            continue
        for n in range(min(gaz.longest, len(tokens) - i), 0, -1):
            window = tokens[i:i + n]
            country, kind = gaz.abbreviations.get(tuple(t.raw for t in window)), "abbreviation"
            if country is None:
                # The first word may carry proclitics; the others at most the article.
                for first in window[0].forms:
                    key = (first, *(t.key for t in window[1:]))
                    country, kind = gaz.phrases.get(key, (None, ""))
                    if country is None and key in gaz.people:
                        country = next((c for c, start, end in gaz.people[key]
                                        if when is None or start <= when <= end), None)
                        kind = "person"
                    if country:
                        attached = window[0].forms[0][:len(window[0].forms[0]) - len(first)]
                        break
            if country:
                hit = (Mention(country, i, i + n), kind)
                break
        if hit is None:
            i += 1
            continue
        mention, kind = hit
        # "باليمن", "بتونس": in Yemen, in Tunis; unless a verb that takes its object with ب came before
        in_place = attached.removesuffix("ال").endswith("ب") and not any(
            f.startswith(lexicon.BI_VERBS) for t in tokens[:mention.first] for f in t.forms)
        if kind in ("name", "capital") and (in_place or _is_place(tokens, mention)
                                             or _in_place_list(tokens, mention, last_place, found)):
            last_place = mention
        elif kind != "adjective" or _next_to_actor_noun(tokens, mention):
            found.append(mention)
        i = mention.last
    return found


def _is_place(tokens: list[Token], mention: Mention) -> bool:
    """Named as a place ("in Syria") or as the topic ("موضوع العراق", "the Taiwan question"): not an actor."""
    if (mention.last < len(tokens) and tokens[mention.last].forms[0] in lexicon.TOPIC_WORDS_AFTER
            and mention.first > 0 and tokens[mention.first - 1].forms[0] == "the"):
        return True
    if mention.first == 0:
        return False
    before = tokens[mention.first - 1]
    return before.forms[0] in lexicon.PLACE_WORDS or not lexicon.TOPIC_WORDS.isdisjoint((before.key, *before.forms))


def _in_place_list(tokens: list[Token], mention: Mention, last_place: Mention | None,
                   found: list[Mention]) -> bool:
    """Listed after a place ("in Syria, Iraq and Yemen", "in Beijing, Taipei and Washington":
    a name the gazetteer does not know may stand between, but no actor)."""
    if last_place is None or (found and found[-1].first > last_place.first):
        return False
    between = tokens[last_place.last:mention.first]
    if [t.forms[0] for t in between] in _LIST_GLUE:
        return True
    return not is_arabic(tokens[mention.first].raw) and len(between) <= 3 and all(
        (t.raw[:1].isupper() and t.forms[0] not in lexicon.ACTOR_NOUNS) or t.forms[0] in ("and", "or")
        for t in between)


def _next_to_actor_noun(tokens: list[Token], mention: Mention) -> bool:
    """Arabic adjectives follow their noun ("وزير الخارجية المصري"), English ones precede it."""
    if is_arabic(tokens[mention.first].raw):
        near = tokens[max(0, mention.first - 2):mention.first]
    else:
        near = tokens[mention.last:mention.last + 2]
    return any(not lexicon.ACTOR_NOUNS.isdisjoint(t.forms) for t in near)


_ARTICLES = frozenset({"a", "an", "the"})


def _cue_end(tokens: list[Token], i: int, cue: lexicon.Cue) -> int | None:
    """Where the cue's words end if they start at token i, else None. An English article may
    stand between them ("launched a trade war" matches "launch* trade war")."""
    at = i
    for n, word in enumerate(cue.words):
        if n and at < len(tokens) and tokens[at].forms[0] in _ARTICLES and word not in _ARTICLES:
            at += 1
        if at >= len(tokens):
            return None
        forms = tokens[at].forms
        if not (any(f.startswith(word[:-1]) for f in forms) if word.endswith("*") else word in forms):
            return None
        at += 1
    return at


def _cues_starting_at(token: Token, lang: str) -> tuple[lexicon.Cue, ...]:
    return _cues_for_forms(token.forms, lang)


@functools.lru_cache(maxsize=100_000)
def _cues_for_forms(forms: tuple[str, ...], lang: str) -> tuple[lexicon.Cue, ...]:
    """The cues that may start at a word: cached, as the topic and cue scans both ask for every
    token, and news repeats its words."""
    exact, prefix = lexicon.cues_by_first_word(lang)
    found: list[lexicon.Cue] = []
    for form in forms:
        found += exact.get(form, [])
        for n in range(1, len(form) + 1):
            found += prefix.get(form[:n], [])
    return tuple(found)


def topic_spans(tokens: list[Token], lang: str) -> list[tuple[int, int]]:
    """Token spans of the phrases that name a topic, not an event ("trade war", "الاتفاق النووي")."""
    spans = []
    for i, token in enumerate(tokens):
        for cue in _cues_starting_at(token, lang):
            if cue.code == lexicon.NOT_AN_EVENT and (end := _cue_end(tokens, i, cue)):
                spans.append((i, end))
    return spans


def conditional_spans(tokens: list[Token], text: str) -> list[tuple[int, int]]:
    """Token spans of conditional clauses, from "if"/"إذا" to the next comma or the end: what
    they report has not happened ("if it were to retaliate", "إذا هاجمت إسرائيل إيران")."""
    spans = []
    for i, token in enumerate(tokens):
        if not lexicon.CONDITIONALS.isdisjoint(token.forms[:1]):
            end = next((j for j in range(i + 1, len(tokens))
                        if re.search(r"[,;:،؛]", text[tokens[j - 1].end:tokens[j].start])), len(tokens))
            spans.append((i, end))
    return spans


def best_cue(tokens: list[Token], lang: str, topics: list[tuple[int, int]] | None = None,
             masked: list[tuple[int, int]] = ()) -> tuple[lexicon.Cue, int, int] | None:
    """The strongest cue of a sentence, where it starts and ends; none starts inside a topic
    phrase or a `masked` span."""
    topics = topic_spans(tokens, lang) if topics is None else topics
    best = None
    for i, token in enumerate(tokens):
        if any(start <= i < end for start, end in (*topics, *masked)):
            continue
        for cue in _cues_starting_at(token, lang):
            stronger = best is None or cue.strength > best[0].strength
            if cue.code != lexicon.NOT_AN_EVENT and stronger and (end := _cue_end(tokens, i, cue)):
                best = (cue, i, end)
    return best


def _governed(topics: list[tuple[int, int]], cue: lexicon.Cue, cue_at: int, cue_end: int,
              tokens: list[Token]) -> list[tuple[int, int]]:
    """The topic phrases that stay topics: not part of the cue ("launched a trade war against
    China"), and not what a cooperative cue or a threat acts on ("signed a nuclear deal with
    Russia", "threatening a trade war with China": the phrase's other party is the act's;
    "criticized the trade war between the US and China" stays a topic)."""
    def object_of_cue(start: int) -> bool:
        return (("03" <= cue.root <= "08" or cue.root == "13") and cue_end <= start <= cue_end + 1
                and all(t.forms[0] in _ARTICLES for t in tokens[cue_end:start]))
    return [(start, end) for start, end in topics
            if not (start < cue_end and end > cue_at) and not object_of_cue(start)]


def _outside_topics(found: list[Mention], tokens: list[Token], topics: list[tuple[int, int]],
                    text: str) -> list[Mention]:
    """Drop the countries a topic phrase is about: right before it ("China's trade war", "Iran
    nuclear deal"), or after it and "with"/"between"/"against"/"مع"/"بين" ("the trade war between
    China and the US", "الاتفاق النووي مع إيران"), with the rest of their list. A comma or other
    punctuation between ends the phrase ("After the nuclear deal, Iran and the US met")."""
    def joined(a: int, b: int) -> bool:  # no punctuation between tokens a < b (apostrophes aside)
        return not re.search(r"[^\w\s'’]", text[tokens[a].end:tokens[b].start])

    about: set[int] = set()
    for start, end in topics:
        for k, m in enumerate(found):
            before = m.last == start and joined(m.last - 1, start)
            possessive = m.last == start - 1 and tokens[m.last].raw == "s" and joined(m.last, start)
            if before or possessive:
                about.add(k)
                for j in range(k, 0, -1):  # "the US-China trade war": both
                    if found[j - 1].last != found[j].first or text[tokens[found[j - 1].last - 1].end:
                                                                   tokens[found[j].first].start] not in "-–":
                        break
                    about.add(j - 1)
            elif (end < m.first <= end + 2 and tokens[end].forms[0] in lexicon.TOPIC_LINKS
                  and all(t.forms[0] in _ARTICLES for t in tokens[end + 1:m.first])
                  and joined(end - 1, end) and joined(end, m.first)):
                about.add(k)
                for j, other in enumerate(found[k + 1:], k + 1):
                    if not _glued(found[j - 1], other, tokens):
                        break
                    about.add(j)
    return [m for k, m in enumerate(found) if k not in about]


def _initiator(tokens: list[Token], first: Mention, second: Mention, cue_at: int) -> Mention | None:
    """Which of two mentions (`first` is the earlier) acted, or None when the sentence does not say."""
    between = [t.forms[0] for t in tokens[first.last:second.first]]
    if between in (["and"], ["and", "the"], ["و"]) or (not between and tokens[second.first].raw.startswith("و")):
        return None  # "Libya and Russia discussed", "ليبيا وروسيا تبحثان"
    if _after_between(tokens, first):
        return None  # "talks between Iran and the US"
    if first.first > cue_at:  # the verb comes first (Arabic VSO): its subject follows it
        return first
    if first.last <= cue_at < second.first:  # X <verb> Y, or X was <verb>ed by Y
        return second if any(t.forms[0] in _PASSIVE for t in tokens[cue_at:second.first]) else first
    return None


def document_tone(tokens: list[Token], lang: str) -> float:
    words = lexicon.tone_words().get(lang)
    if not tokens or not words:
        return 0.0
    score = 0
    for polarity, sign in (("positive", 1), ("negative", -1)):
        exact, prefixes = words[polarity]
        score += sign * sum(1 for t in tokens if any(f in exact or f.startswith(prefixes) for f in t.forms))
    return round(100 * score / len(tokens), 2)


def code_article(article: Article) -> list[CodedEvent]:
    text_all = f"{article.title or ''}\n{article.body or ''}"
    lang = article.language or detect_language(text_all)
    if lang not in lexicon.LANGUAGES:
        lang = "ar" if is_arabic(text_all) else "en"
    lang = lang[:2]
    published = article.published or dates.from_url(article.url)  # None: events stay undated
    all_tokens: list[Token] = []
    codes = lexicon.event_codes()
    candidates: dict[tuple[str, str], tuple[tuple, CodedEvent]] = {}
    lead_actors: set[str] = set()
    position = 0  # counts the body's sentences of six words or more (not datelines, bylines)
    for field in ("title", "body"):
        text = getattr(article, field) or ""
        for start, end in sentences(text):
            sentence = text[start:end]
            tokens = tokenize(sentence)
            all_tokens += tokens
            if field == "body" and len(tokens) >= 6:
                position += 1
            found = mentions(tokens, published)
            topics = topic_spans(tokens, lang) if found else []
            cue_hit = (best_cue(tokens, lang, topics, conditional_spans(tokens, sentence))
                       if len(found) > 1 else None)
            if topics:
                in_force = _governed(topics, *cue_hit, tokens) if cue_hit else topics
                found = _outside_topics(found, tokens, in_force, sentence)
            countries = list(dict.fromkeys(m.country for m in found))
            if field == "title" or position <= LEAD_SENTENCES:
                lead_actors.update(countries)
            if len(countries) < 2 or cue_hit is None:
                continue
            cue, cue_at, _ = cue_hit
            if int(cue.root) >= 16 and any(not lexicon.MODAL_WORDS.isdisjoint(t.forms) for t in tokens):
                cue = replace(cue, code="130", root="13")  # a threat of the act, not the act
            lead = field == "title" or position <= LEAD_SENTENCES
            confidence = cue.strength * (1 if len(countries) == 2 else 0.75) * (1 if lead else 0.9)
            if confidence < MIN_CONFIDENCE or _is_history(sentence, published):
                continue
            when, basis = dates.resolve(sentence, published) if published else (None, "unknown")
            for first, second in _pairs(found, cue_at, tokens):
                initiator = _initiator(tokens, first, second, cue_at)
                initiator_known = initiator is not None
                if initiator is None:
                    a1, a2 = sorted((first.country, second.country))
                else:
                    a1, a2 = initiator.country, (second if initiator is first else first).country
                code = codes[cue.code]
                event = CodedEvent(
                    event_id=_event_id(article.url, a1, a2), url=article.url, event_date=when, date_basis=basis,
                    actor1=a1, actor2=a2, direction_known=initiator_known, event_code=cue.code,
                    root_code=cue.root, quad_class=code.quad_class, goldstein=code.goldstein, tone=0.0,
                    field=field, sentence=sentence, start=start, end=end, confidence=round(confidence, 3),
                    cue=" ".join(cue.words), language=lang,
                )
                rank = (round(cue.strength, 3), lead, initiator_known, basis != "published", -position)
                pair = tuple(sorted((a1, a2)))
                if pair not in candidates or rank > candidates[pair][0]:
                    candidates[pair] = (rank, event)
    tone = document_tone(all_tokens, lang)
    return [replace(event, tone=tone) for _, event in sorted(candidates.values(), key=lambda c: c[1].event_id)
            if event.actor1 in lead_actors or event.actor2 in lead_actors]


def _is_history(sentence: str, published: dt.date | None) -> bool:
    if published is None:
        return False
    years = [int(y) for y in _YEAR.findall(fold(sentence).translate(dates.EASTERN_DIGITS))]
    return bool(years) and max(years) < published.year


def _pairs(found: list[Mention], cue_at: int, tokens: list[Token]) -> list[tuple[Mention, Mention]]:
    """The pairs a sentence speaks of: its two countries; with more, the subject (the country
    nearest the cue: before it, or after it when the verb comes first) and the next other one,
    and each country listed with that one ("tariffs on Canada, Mexico and China")."""
    firsts: dict[str, Mention] = {}
    for m in found:
        firsts.setdefault(m.country, m)
    ordered = list(firsts.values())
    head = found[0]
    if _after_between(tokens, head):
        members = [head, *_listed_with(head, found, tokens)]
        if len({m.country for m in members}) == len(ordered):  # "talks between Russia, Ukraine and the US"
            return [(a, b) for n, a in enumerate(ordered) for b in ordered[n + 1:]]
    if len(ordered) == 2:
        first, second = ordered
        if not is_arabic(tokens[cue_at].raw) and cue_at < first.first and _glued(first, second, tokens):
            return []  # "imposed tariffs on Canada and Mexico": English puts its subject before the verb
        return [(first, second)]
    before = [m for m in found if m.last <= cue_at]
    subject = before[-1] if before else next((m for m in found if m.first > cue_at), found[0])
    other = next((m for m in found if m.first > subject.first and m.country != subject.country), None)
    at = found.index(subject)
    if (other is not None and _glued(subject, other, tokens)) or (at and _glued(found[at - 1], subject, tokens)):
        # The subject is one of a list ("met representatives from China, Mexico and Japan",
        # "the ministers of Egypt, Iraq and Syria met"): no country acts on the others
        return []
    if other is None:
        other = next(m for m in reversed(found) if m.country != subject.country)
        return [(other, subject)] if other.first < subject.first else [(subject, other)]
    listed = _listed_with(other, found, tokens)
    return [(subject, m) for m in {m.country: m for m in [other, *listed] if m.country != subject.country}.values()]


def _after_between(tokens: list[Token], mention: Mention) -> bool:
    before = [t.forms[0] for t in tokens[max(0, mention.first - 2):mention.first]]
    return bool(before) and (before[-1] in ("between", "بين") or before in (["between", "the"],))


def _glued(a: Mention, b: Mention, tokens: list[Token]) -> bool:
    return [t.forms[0] for t in tokens[a.last:b.first]] in _LIST_GLUE


def _listed_with(head: Mention, found: list[Mention], tokens: list[Token]) -> list[Mention]:
    """The mentions after `head` in one list with it."""
    listed = []
    start = found.index(head)
    for previous, m in zip(found[start:-1], found[start + 1:], strict=True):
        if not _glued(previous, m, tokens):
            break
        listed.append(m)
    return listed


# What may stand between the members of a list of countries (commas are not tokens).
_LIST_GLUE = ([], ["and"], ["or"], ["and", "the"], ["or", "the"], ["و"], ["او"])


def _event_id(url: str, actor1: str, actor2: str) -> int:
    """Stable across runs, so re-coding an article is a no-op; 62 bits, clear of GDELT's ids."""
    pair = "-".join(sorted((actor1, actor2)))
    digest = hashlib.blake2b(f"{VERSION}|{url}|{pair}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2
