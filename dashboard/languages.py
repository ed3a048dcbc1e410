"""Language names for the ISO 639-3 codes GDELT gives a mention's source ('ara' -> 'Arabic')."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def language_name(code: str | None) -> str:
    if not code:
        return "unknown language"
    found = pycountry.languages.get(alpha_3=code.lower())
    return found.name if found is not None else code
