"""Words for the coder: tokens with their character offsets, and the forms they are matched by.

Matching is on folded text (queries/text.fold: case, accents and Arabic spelling variants
unified), so "أمريكا" and "امريكا" are one word. An Arabic word also matches without the
conjunction, preposition or article written onto it: "وروسيا", "لليبيا", "الروسية" give
"روسيا", "ليبيا", "روسيه".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from queries.text import fold

# Arabic diacritics are combining marks, not \w: keep them inside the word.
_TOKEN = re.compile(r"(?:\w|[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED])+")
_ARABIC = re.compile(r"[\u0621-\u064A]")
# Longest first. "لل" is ل + ال with the alef dropped, as Arabic writes it.
_PROCLITICS = ("وبال", "وال", "فال", "بال", "كال", "ولل", "لل", "ال", "وب", "ول", "فب", "فل", "و", "ف", "ب", "ل", "ك")


@dataclass(frozen=True)
class Token:
    start: int  # character offsets in the text the token came from
    end: int
    raw: str  # as written (abbreviations match on this, case-sensitively)
    forms: tuple[str, ...]  # folded word, then the stems left after stripping proclitics
    key: str  # folded word without the article: how later words of a phrase are matched


def tokenize(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group(), *_forms(m.group())) for m in _TOKEN.finditer(text)]


@functools.lru_cache(maxsize=200_000)
def _forms(raw: str) -> tuple[tuple[str, ...], str]:
    word = fold(raw)
    return stems(word), canonical(word)


def stems(word: str) -> tuple[str, ...]:
    if not _ARABIC.match(word):
        return (word,)
    forms = [word]
    for prefix in _PROCLITICS:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            forms.append(word[len(prefix):])
    return tuple(dict.fromkeys(forms))


def canonical(word: str) -> str:
    """How a dictionary word is stored: folded, without the article (ال)."""
    folded = fold(word)
    if _ARABIC.match(folded) and folded.startswith("ال") and len(folded) > 4:
        return folded[2:]
    return folded


def phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(canonical(w) for w in _TOKEN.findall(phrase))


def is_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))
