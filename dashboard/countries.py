"""Country names in many languages (CLDR, through babel), and finding a country from what a
person types: an ISO code, a CAMEO code, or a name in English, Arabic, French, Russian..."""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale

from lake.reference import countries as cameo_countries
from lake.reference import lookup_rows
from queries.text import fold

# Languages whose CLDR names the picker and the search understand.
LANGUAGES = ("en", "ar", "fr", "es", "ru", "zh", "de", "tr", "fa", "he", "pt", "it")


@cache
def _cameo_labels() -> dict[str, str]:
    # GDELT's own English labels ("Turkey", "Ivory Coast") as extra names people type.
    return {c.code: label for c in cameo_countries() if (label := _cameo_label(c.cameo_code))}


def _cameo_label(cameo_code: str) -> str | None:
    return dict(lookup_rows("CAMEO.country.txt")).get(cameo_code)


@cache
def names_of(code: str) -> dict[str, str]:
    """Names of a country by language: CLDR's, plus GDELT's English label under 'cameo'."""
    names = {}
    country = pycountry.countries.get(alpha_3=code)
    if country is not None:
        names = {
            lang: name
            for lang in LANGUAGES
            if (name := Locale(lang).territories.get(country.alpha_2))
        }
    if code in _cameo_labels():
        names["cameo"] = _cameo_labels()[code].strip()
    return names


def label(code: str, fallback: str | None = None) -> str:
    """What the picker shows: 'Libya · ليبيا (LBY)'. Native names make typing in Arabic work."""
    names = names_of(code)
    english = names.get("en") or fallback or code
    arabic = names.get("ar")
    return f"{english} · {arabic} ({code})" if arabic else f"{english} ({code})"


def resolve(text: str, codes: list[str], english_names: dict[str, str] | None = None) -> str | None:
    """The one code in `codes` that `text` names (exact code, then exact name, then prefix)."""
    wanted = fold(text.strip())
    if not wanted or len(wanted) > 80:
        return None
    upper = text.strip().upper()
    if upper in codes:
        return upper
    exact, prefix = [], []
    for code in codes:
        names = {fold(n) for n in names_of(code).values()}
        if english_names and code in english_names:
            names.add(fold(english_names[code]))
        if wanted in names:
            exact.append(code)
        elif any(n.startswith(wanted) for n in names) and len(wanted) >= 3:
            prefix.append(code)
    for found in (exact, prefix):
        if len(found) == 1:
            return found[0]
    return None
