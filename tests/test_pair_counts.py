"""pair_activity against an independent recount: Python's csv module over the raw GDELT file.

The file is the embedded USA-China sample (GDELT 1.0 BigQuery export: 58 quoted columns,
NULL for missing, no header). Nothing here goes through DuckDB except the query under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import statistics
import zipfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from ingest.layouts import EVENTS_V1
from queries.runner import run

EVENTS_DIR = Path(__file__).resolve().parent.parent / "data" / "sample" / "events"
USA_CHN = EVENTS_DIR / "usa_chn_events_2018-01_to_2018-06.csv.gz"
START, END = dt.date(2018, 1, 1), dt.date(2018, 6, 30)

# GDELT 1.0 daily layout (58 columns), 0-based. Written out by hand; the test below checks
# them against ingest.layouts.EVENTS_V1 so a wrong index here cannot pass silently.
COL = {
    "GLOBALEVENTID": 0, "SQLDATE": 1, "Actor1Code": 5, "Actor1CountryCode": 7, "Actor2Code": 15,
    "Actor2CountryCode": 17, "EventCode": 26, "EventRootCode": 28, "QuadClass": 29,
    "GoldsteinScale": 30, "NumMentions": 31, "NumSources": 32, "AvgTone": 34, "ActionGeo_FullName": 50,
    "ActionGeo_FeatureID": 55, "SOURCEURL": 57,
}


def _value(field: str) -> str | None:
    field = field.strip()
    return None if field in ("", "NULL") else field


def _event_code(code: str, root: str) -> str:
    """BigQuery drops the leading zero of codes under root 10 ("43" is 043)."""
    return "0" + code if int(root) < 10 and not code.startswith("0") else code


def _raw_events() -> list[dict]:
    with gzip.open(USA_CHN, "rt", encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    events = []
    for r in records:
        assert len(r) == 58
        v = {name: _value(r[i]) for name, i in COL.items()}
        events.append({
            "id": int(v["GLOBALEVENTID"]),
            "date": dt.datetime.strptime(v["SQLDATE"], "%Y%m%d").date(),
            "actor1_code": v["Actor1Code"], "actor2_code": v["Actor2Code"],
            "actor1_country": v["Actor1CountryCode"], "actor2_country": v["Actor2CountryCode"],
            "code": _event_code(v["EventCode"], v["EventRootCode"]),
            "quad": int(v["QuadClass"]),
            "goldstein": float(v["GoldsteinScale"]),
            "sources": None if v["NumSources"] is None else int(v["NumSources"]),
            "tone": None if v["AvgTone"] is None else float(v["AvgTone"]),
            "place": v["ActionGeo_FeatureID"] or v["ActionGeo_FullName"] or "",
            "mentions": int(v["NumMentions"]), "url": v["SOURCEURL"],
        })
    return events


def _pair_events() -> list[dict]:
    return [e for e in _raw_events()
            if {e["actor1_country"], e["actor2_country"]} == {"USA", "CHN"} and START <= e["date"] <= END]


def _initiator(e: dict) -> tuple[str, str | None, str | None]:
    """(initiator country, initiator actor code, target actor code): 043's host is the target."""
    if e["code"] == "043":
        return e["actor2_country"], e["actor2_code"], e["actor1_code"]
    return e["actor1_country"], e["actor1_code"], e["actor2_code"]


def _counted(events: list[dict], count: str) -> list[dict]:
    if count == "raw":
        return events
    if count == "corroborated":
        return [e for e in events if e["sources"] is not None and e["sources"] > 1]
    # dedup: one row (the lowest id) per date, actors, initiator country, code (043 as 042), place
    first: dict[tuple, dict] = {}
    for e in sorted(events, key=lambda e: e["id"]):
        country, initiator, target = _initiator(e)
        code = "042" if e["code"] == "043" else e["code"]
        first.setdefault((e["date"], initiator, target, country, code, e["place"]), e)
    return list(first.values())


def _expected(a: str, count: str) -> dict[tuple, tuple[int, float]]:
    """(month start, direction, quad class) -> (events, mean Goldstein)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for e in _counted(_pair_events(), count):
        direction = "a_to_b" if _initiator(e)[0] == a else "b_to_a"
        groups[(e["date"].replace(day=1), direction, e["quad"])].append(e)
    return {k: (len(v), statistics.fmean(e["goldstein"] for e in v)) for k, v in groups.items()}


def _actual(con, a: str, b: str, count: str) -> dict[tuple, tuple[int, float]]:
    frame = run(con, "pair_activity", {"a": a, "b": b, "start": START, "end": END, "grain": "month",
                                       "count": count})
    return {(p.date() if hasattr(p, "date") else p, d, int(q)): (int(n), float(g))
            for p, d, q, n, g in frame[["period", "direction", "quad_class", "events", "goldstein_mean"]]
            .itertuples(index=False)}


def _other_files_rows():
    """Every row of every other sample events file, as GDELT-name -> value dicts (csv module only)."""
    for path in sorted(EVENTS_DIR.iterdir()):
        if path == USA_CHN:
            continue
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as z:
                text = z.read(z.namelist()[0]).decode("utf-8")
        else:
            with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
                text = handle.read()
        tabbed = "\t" in text.split("\n", 1)[0]
        reader = csv.reader(io.StringIO(text), delimiter="\t" if tabbed else ",",
                            quoting=csv.QUOTE_NONE if tabbed else csv.QUOTE_MINIMAL)
        if tabbed:  # raw exports: no header; 1.0 and 2.0 agree up to column 17
            for r in reader:
                if len(r) > 17:
                    yield path.name, {"SQLDATE": r[1], "Actor1CountryCode": r[7], "Actor2CountryCode": r[17]}
        else:  # R exports with a header of GDELT names, maybe one row-name column more
            header = next(reader)
            for r in reader:
                offset = len(r) - len(header) if len(r) == len(header) + 1 else 0
                yield path.name, {h: r[i + offset] for i, h in enumerate(header)}


# --- the recount's own footing ----------------------------------------------------------------


def test_column_indices_match_the_gdelt1_layout() -> None:
    assert {name: EVENTS_V1.index(name) for name in COL} == COL
    assert len(EVENTS_V1) == 58


def test_no_other_sample_file_has_usa_china_rows_in_the_window() -> None:
    found = [
        (name, row["SQLDATE"]) for name, row in _other_files_rows()
        if {(row.get("Actor1CountryCode") or "").strip(), (row.get("Actor2CountryCode") or "").strip()}
        == {"USA", "CHN"} and "20180101" <= (row.get("SQLDATE") or "").strip() <= "20180630"
    ]
    assert found == []


def test_the_sample_has_reciprocal_visits_for_dedup_to_merge() -> None:
    events = _pair_events()
    assert {"042", "043"} <= {e["code"] for e in events}
    assert len(_counted(events, "dedup")) < len(events)


# --- pair_activity == the recount -------------------------------------------------------------


@pytest.mark.parametrize("count", ["raw", "dedup", "corroborated"])
@pytest.mark.parametrize(("a", "b"), [("USA", "CHN"), ("CHN", "USA")])
def test_event_counts_equal_the_recount(sample_con, a: str, b: str, count: str) -> None:
    actual = {k: n for k, (n, _) in _actual(sample_con, a, b, count).items()}
    expected = {k: n for k, (n, _) in _expected(a, count).items()}
    assert actual == expected


@pytest.mark.parametrize("count", ["raw", "dedup", "corroborated"])
@pytest.mark.parametrize(("a", "b"), [("USA", "CHN"), ("CHN", "USA")])
def test_goldstein_means_equal_the_recount(sample_con, a: str, b: str, count: str) -> None:
    actual = {k: g for k, (_, g) in _actual(sample_con, a, b, count).items()}
    expected = {k: g for k, (_, g) in _expected(a, count).items()}
    assert actual.keys() == expected.keys()
    for key, mean in expected.items():
        assert actual[key] == pytest.approx(mean, abs=1e-9), key


def test_directions_mirror_when_the_pair_is_swapped(sample_con) -> None:
    flip = {"a_to_b": "b_to_a", "b_to_a": "a_to_b"}
    forward = {k: n for k, (n, _) in _actual(sample_con, "USA", "CHN", "raw").items()}
    backward = {(p, flip[d], q): n for (p, d, q), (n, _) in _actual(sample_con, "CHN", "USA", "raw").items()}
    assert forward == backward


# --- spike cards: top codes and top articles per period ------------------------------------


def _recount_cards(periods: list[dt.date], limit: int) -> dict[tuple, list]:
    """(month, 'code' | 'source') -> [(code or url, events)] in the page's order."""
    by_month: dict[dt.date, list[dict]] = defaultdict(list)
    for e in _pair_events():
        by_month[e["date"].replace(day=1)].append(e)
    cards = {}
    for month in periods:
        codes: dict[str, int] = defaultdict(int)
        urls: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for e in by_month[month]:
            codes[e["code"]] += 1
            if e["url"] and e["url"].startswith("http"):
                urls[e["url"]][0] += 1
                urls[e["url"]][1] += e["mentions"]
        cards[(month, "code")] = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        ranked = sorted(urls.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
        cards[(month, "source")] = [(url, n) for url, (n, _) in ranked]
    return cards


def test_spike_cards_equal_the_recount(sample_con) -> None:
    periods = [dt.date(2018, 2, 1), dt.date(2018, 5, 1)]  # two months, not adjacent: the one between is left out
    frame = run(sample_con, "pair_spike_cards", {"a": "CHN", "b": "USA", "periods": periods, "start": periods[0],
                                                 "end": dt.date(2018, 5, 31), "grain": "month", "limit": 4})
    frame["day"] = pd.to_datetime(frame["period"]).dt.date
    actual = {}
    for (day, section), rows in frame.groupby(["day", "section"], sort=False):
        key = rows["event_code"] if section == "code" else rows["source_url"]
        actual[(day, section)] = list(zip(key, rows["events"].astype(int), strict=True))
    expected = _recount_cards(periods, 4)
    assert expected[(periods[0], "source")], "the sample should have articles in February 2018"
    assert actual == {k: v for k, v in expected.items() if v}
    codes = frame[frame["section"] == "code"]
    assert codes["description"].notna().all()  # every code named from the CAMEO lookup
    outlets = frame.loc[frame["section"] == "source", "outlet"]
    assert (outlets.str.len() > 0).all() and not outlets.str.startswith("www.").any()
