"""Folding text for matching: the same on the index side and the query side.

Case and accents go; Arabic spelling variants are unified: alef with hamza or madda (أ إ آ)
and alef wasla (ٱ) become bare alef (ا), taa marbuta (ة) becomes haa (ه), alef maqsura (ى)
becomes yaa (ي), and harakat (diacritics) and tatweel (ـ) are dropped.
"""

from __future__ import annotations

import unicodedata

_ARABIC = str.maketrans({"ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})


def fold(text: str) -> str:
    # NFKD splits أ/إ/آ into ا + a combining hamza/madda, and harakat are combining marks:
    # dropping combining marks handles both.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).translate(_ARABIC)
