"""Folding text for matching: the same on the index side and the query side.

Case and accents go; Arabic spelling variants are unified: alef with hamza or madda (أ إ آ)
and alef wasla (ٱ) become bare alef (ا), taa marbuta (ة) becomes haa (ه), alef maqsura (ى)
becomes yaa (ي), and harakat (diacritics) and tatweel (ـ) are dropped.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

_ARABIC = str.maketrans({"ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})


@cache
def _fold_table() -> dict[int, str | None]:
    """Every combining mark dropped and the Arabic variants unified, as one str.translate table
    (a Python loop per character was the slowest part of indexing 100,000 articles)."""
    marks = {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}
    return marks | _ARABIC


def fold(text: str) -> str:
    # NFKD splits أ/إ/آ into ا + a combining hamza/madda, and harakat are combining marks:
    # dropping combining marks handles both.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFC", decomposed.translate(_fold_table()))


_WORDS = re.compile(r"\w+")
_ARABIC_WORD = re.compile(r"^[\u0621-\u064A]+$")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
# Arabic writes "and" and the article onto the word ("وموسكو" is "and Moscow", "والعلاقات"
# "and the relations"). Strip those, longest first, keeping a stem of three letters or more.
# Lone ب/ل/ك/ف are left alone: too many words (ليبيا, بحث) start with them.
_PROCLITICS = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال", "و")


def _stem_arabic(word: str) -> str:
    for prefix in _PROCLITICS:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix):]
    return word


def search_form(text: str) -> str:
    """What the full-text index stores and the search looks for: folded words, Arabic words
    without their attached conjunction, preposition or article."""
    folded = fold(text)
    words = _WORDS.findall(folded)
    if not _ARABIC_LETTER.search(folded):  # most documents: no word to look at one by one
        return " ".join(words)
    return " ".join(_stem_arabic(w) if _ARABIC_WORD.match(w) else w for w in words)
