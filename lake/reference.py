"""Reference tables: the CAMEO event codebook and the one country crosswalk.

Read by the ingest (to fill the lake's cameo_codes and countries tables) and by the dashboard
(GDELT's own country labels as names people type), so it lives in the storage layer under both.

Both come from GDELT's own lookup files in data/reference/ (copied from ../shared/data/cameo,
The GDELT Project, https://www.gdeltproject.org/), completed with ISO 3166 from pycountry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry
from babel import Locale

# A clone reads data/reference/; an installed package carries the same files as
# lake/cameo_lookups/ (pyproject.toml maps the folder into the wheel).
REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
if not REFERENCE.is_dir():
    REFERENCE = Path(__file__).resolve().parent / "cameo_lookups"

# CAMEO codes that are not ISO 3166 alpha-3 but stand for a country that has one.
CAMEO_TO_ISO3 = {
    "ROM": "ROU",  # Romania
    "TMP": "TLS",  # East Timor
    "IMY": "IMN",  # Isle of Man
    "MTN": "MNE",  # Montenegro
    "WSB": "PSE",  # West Bank
    "GZS": "PSE",  # Gaza Strip
    "BAG": "IRQ",  # Baghdad, used by CAMEO for the Iraqi government
}

# Regions and groupings in CAMEO.country.txt: actors, but not states.
NON_STATE = frozenset(
    [
        "AFR",
        "ASA",
        "BLK",
        "CRB",
        "CAU",
        "CFR",
        "CAS",
        "CEU",
        "EIN",
        "EAF",
        "EEU",
        "EUR",
        "LAM",
        "MEA",
        "MDT",
        "NAF",
        "NMR",
        "PGS",
        "SCN",
        "SAM",
        "SAS",
        "SEA",
        "SAF",
        "WAF",
        "WST",
    ]
)


@dataclass(frozen=True)
class Country:
    cameo_code: str
    code: str
    name: str
    is_state: bool


@dataclass(frozen=True)
class CameoCode:
    event_code: str
    description: str
    base_code: str
    root_code: str
    goldstein: float | None
    quad_class: int


def quad_class_of_root(root_code: str) -> int:
    # GDELT's own assignment, as seen in its exports: 01-05 verbal cooperation, 06-09
    # material cooperation, 10-14 verbal conflict, 15-20 material conflict.
    root = int(root_code)
    return 1 if root <= 5 else 2 if root <= 9 else 3 if root <= 14 else 4


@cache
def lookup_rows(name: str) -> list[tuple[str, str]]:
    """The (code, label) rows of one of GDELT's tab-separated lookup files, header skipped."""
    lines = (REFERENCE / name).read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.rstrip("\r").split("\t", 1) for line in lines if line.strip()]
    return [(code, label) for code, label in rows]


# GDELT's lookup has code 106 fused onto the end of line 1056:
# "Demand de-escalation of military engagement106:[-5.0] Demand withdrawal".
_FUSED = re.compile(r"^(?P<desc>.*?)(?P<code>\d{2,4}):\[(?P<gold>-?\d+(?:\.\d+)?)\]\s*(?P<desc2>.+)$")


def cameo_codes() -> list[CameoCode]:
    goldstein = {code: float(value) for code, value in lookup_rows("CAMEO.goldsteinscale.txt")}
    described: dict[str, str] = {}
    for code, description in lookup_rows("CAMEO.eventcodes.txt"):
        fused = _FUSED.match(description)
        if fused:
            described[code] = fused["desc"].strip()
            described[fused["code"]] = fused["desc2"].strip()
            goldstein.setdefault(fused["code"], float(fused["gold"]))
        else:
            described[code] = description.strip()
    return [
        CameoCode(
            event_code=code,
            description=description,
            base_code=code[:3],
            root_code=code[:2],
            goldstein=goldstein.get(code),
            quad_class=quad_class_of_root(code[:2]),
        )
        for code, description in sorted(described.items())
    ]


def _english_name(iso3: str, fallback: str) -> str:
    # CLDR's short English names ("Russia", "Palestinian Territories"), as people write them.
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return fallback
    return Locale("en").territories.get(country.alpha_2, country.name)


def countries() -> list[Country]:
    """Every CAMEO country code with its ISO 3166 alpha-3 code (or itself) and a name."""
    rows = []
    for cameo, label in lookup_rows("CAMEO.country.txt"):
        if cameo in NON_STATE:
            rows.append(Country(cameo, cameo, label.strip(), False))
            continue
        iso3 = CAMEO_TO_ISO3.get(cameo, cameo)
        rows.append(Country(cameo, iso3, _english_name(iso3, label.strip()), True))
    return rows


def all_country_codes() -> list[Country]:
    """The CAMEO list plus every other ISO 3166 alpha-3 code (e.g. SSD, newer than CAMEO's list)."""
    rows = countries()
    seen = {c.cameo_code for c in rows}
    for country in pycountry.countries:
        if country.alpha_3 not in seen:
            rows.append(
                Country(country.alpha_3, country.alpha_3, _english_name(country.alpha_3, country.name), True)
            )
    return rows
