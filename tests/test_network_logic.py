"""The Network page's logic without a browser: its three queries against a recount of the raw
sample files, the graph helpers (layout, blocs, ego view, centroids), the figure and clicks.

The recount reads the 23 Georgia files (GDELT 1.0, R `write.csv` exports, Jun 2011 - May 2013)
with the csv module only. The windows used (2010-12-31 .. 2012-12-31) hold no row of any other
sample file, which `test_recount_windows_hold_only_georgia_rows` checks by reading the SQLDATE of
every row of the other nine event files.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
import re
import zipfile
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from dashboard import charts
from dashboard import network_layout as network
from dashboard.selection import clicked_network
from lake import connection as lakes
from lake.reference import CAMEO_TO_ISO3, NON_STATE
from queries.runner import run

EVENTS_DIR = Path(__file__).resolve().parent.parent / "data" / "sample" / "events"
GEORGIA = sorted(p for p in EVENTS_DIR.iterdir() if re.fullmatch(r"[a-z]+\d{2,4}\.csv\.gz", p.name))
OTHERS = sorted(p for p in EVENTS_DIR.iterdir() if p.is_file() and p not in GEORGIA)

YEAR = (dt.date(2012, 1, 1), dt.date(2012, 12, 31))
# The window before YEAR, as the page computes it: same length (366 days), ending the day before.
LENGTH = YEAR[1] - YEAR[0] + dt.timedelta(days=1)
BEFORE = (YEAR[0] - LENGTH, YEAR[0] - dt.timedelta(days=1))
COVERED = (BEFORE[0], YEAR[1])  # every window below lies in here


@pytest.fixture(scope="module")
def con(sample_lake: Path):
    """One read-only connection for the module (opening one costs about half a second)."""
    connection = lakes.connect(sample_lake)
    yield connection
    connection.close()


# --- the recount ------------------------------------------------------------------------------


def _value(text: str) -> str | None:
    text = text.strip()
    return None if text in ("", "NA") else text


def _country(cameo: str | None) -> tuple[str | None, bool]:
    """(code, is_state) as the lake keeps it: regions stay CAMEO codes, the rest go to ISO 3."""
    if cameo is None:
        return None, False
    if cameo in NON_STATE:
        return cameo, False
    return CAMEO_TO_ISO3.get(cameo, cameo), True


@cache
def georgia_events() -> tuple[dict, ...]:
    """One dict per distinct event of the Georgia files (GDELT 1.0 reuses ids, so an event is
    its id plus its content, as in ingest)."""
    seen, events = set(), []
    for path in GEORGIA:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader)]
            for record in reader:
                offset = len(record) - len(header)  # R's unnamed row-name column comes first
                assert offset in (0, 1), (path.name, reader.line_num)
                row = {name: _value(record[i + offset]) for i, name in enumerate(header)}
                key = (row["GLOBALEVENTID"], row["SQLDATE"], row["Actor1Code"], row["Actor2Code"],
                       row["EventCode"], float(row["GoldsteinScale"]), row["SOURCEURL"])
                if key in seen:
                    continue
                seen.add(key)
                a, a_state = _country(row["Actor1CountryCode"])
                b, b_state = _country(row["Actor2CountryCode"])
                events.append({
                    "date": dt.datetime.strptime(row["SQLDATE"], "%Y%m%d").date(),
                    "a": a, "b": b, "states": a_state and b_state,
                    "quad": int(row["QuadClass"]), "root": int(row["EventRootCode"]),
                    "goldstein": float(row["GoldsteinScale"]),
                })
    return tuple(events)


def dyadic(start: dt.date, end: dt.date, states_only: bool = True, quads=range(1, 5), roots=range(1, 21)):
    """(pair, event) for events between two different countries in [start, end]."""
    for e in georgia_events():
        if e["a"] is None or e["b"] is None or e["a"] == e["b"]:
            continue
        if not start <= e["date"] <= end or (states_only and not e["states"]):
            continue
        if e["quad"] in quads and e["root"] in roots:
            yield tuple(sorted((e["a"], e["b"]))), e


def summarise(groups: dict) -> dict:
    return {key: (len(rows), sum(r["goldstein"] for r in rows) / len(rows),
                  sum(r["quad"] >= 3 for r in rows) / len(rows))
            for key, rows in groups.items()}


def _sqldates(path: Path) -> list[str]:
    """Field 2 (SQLDATE) of every row of a headerless events file: raw tab-separated or quoted CSV."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            text = z.read(z.namelist()[0]).decode("utf-8")
    else:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            text = f.read()
    tab = "\t" in text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE) if tab \
        else csv.reader(io.StringIO(text))
    dates = [record[1].strip() for record in reader if record]
    assert all(re.fullmatch(r"\d{8}", d) for d in dates), f"{path.name} has a header or odd SQLDATEs"
    return dates


def test_recount_windows_hold_only_georgia_rows() -> None:
    assert len(GEORGIA) == 23 and len(OTHERS) == 9
    low, high = (f"{d:%Y%m%d}" for d in COVERED)
    inside = {p.name: n for p in OTHERS if (n := sum(low <= d <= high for d in _sqldates(p)))}
    assert inside == {}


# --- (1) network_pairs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("states_only", "quads", "roots"),
    [("true", range(1, 5), range(1, 21)), ("false", range(1, 5), range(1, 21)), ("true", (3, 4), range(10, 21))],
    ids=["states", "with-regions", "conflict-roots"],
)
def test_network_pairs_equal_the_recount(con, states_only, quads, roots) -> None:
    got = run(con, "network_pairs", {
        "start": YEAR[0], "end": YEAR[1], "min_events": 1, "top": 5000, "states_only": states_only,
        "quad_classes": list(quads), "root_codes": list(roots)})
    assert len(got) < 5000  # nothing cut off by `top`
    groups = defaultdict(list)
    for pair, e in dyadic(*YEAR, states_only == "true", quads, roots):
        groups[pair].append(e)
    expected = summarise(groups)
    assert {(r.country_a, r.country_b): r.events for r in got.itertuples()} == \
        {pair: n for pair, (n, _, _) in expected.items()}
    for r in got.itertuples():
        _, goldstein, conflict = expected[(r.country_a, r.country_b)]
        assert r.goldstein_mean == pytest.approx(goldstein, abs=1e-9)
        assert r.conflict_share == pytest.approx(conflict, abs=1e-9)


def test_network_pairs_are_busiest_first_and_keep_min_and_top(con) -> None:
    got = run(con, "network_pairs", {"start": YEAR[0], "end": YEAR[1], "min_events": 5, "top": 30})
    counts = Counter(pair for pair, _ in dyadic(*YEAR))
    wanted = sorted(((-n, *pair) for pair, n in counts.items() if n >= 5))[:30]
    assert [(-r.events, r.country_a, r.country_b) for r in got.itertuples()] == wanted


# --- (2) pair_movers --------------------------------------------------------------------------


def test_pair_movers_count_both_windows_like_the_recount(con) -> None:
    got = run(con, "pair_movers", {"start": YEAR[0], "end": YEAR[1], "prev_start": BEFORE[0],
                                          "prev_end": BEFORE[1], "min_events": 1, "limit": 1000})
    assert len(got) < 1000  # every pair came back
    now = Counter(pair for pair, _ in dyadic(*YEAR))
    before = Counter(pair for pair, _ in dyadic(*BEFORE))
    expected = {pair: (before[pair], now[pair]) for pair in now.keys() | before.keys()}
    assert {(r.country_a, r.country_b): (r.events_before, r.events_now) for r in got.itertuples()} == expected
    assert (got["events_change"] == got["events_now"] - got["events_before"]).all()


def test_pair_movers_goldstein_per_window_equals_the_recount(con) -> None:
    got = run(con, "pair_movers", {"start": YEAR[0], "end": YEAR[1], "prev_start": BEFORE[0],
                                          "prev_end": BEFORE[1], "min_events": 1, "limit": 1000})
    means = {}
    for name, window in (("now", YEAR), ("before", BEFORE)):
        groups = defaultdict(list)
        for pair, e in dyadic(*window):
            groups[pair].append(e["goldstein"])
        means[name] = {pair: sum(v) / len(v) for pair, v in groups.items()}
    for r in got.itertuples():
        for name, value in (("now", r.goldstein_now), ("before", r.goldstein_before)):
            want = means[name].get((r.country_a, r.country_b))
            assert (pd.isna(value) and want is None) or value == pytest.approx(want, abs=1e-9)


# --- (3) country_partners ---------------------------------------------------------------------


@pytest.mark.parametrize("country", ["GEO", "RUS"])
def test_country_partners_equal_the_recount(con, country: str) -> None:
    got = run(con, "country_partners", {"country": country, "start": YEAR[0], "end": YEAR[1], "limit": 500})
    assert 0 < len(got) < 500
    groups = defaultdict(list)
    for (a, b), e in dyadic(*YEAR):
        if country in (a, b):
            groups[b if a == country else a].append(e)
    expected = summarise(groups)
    assert {r.partner: r.events for r in got.itertuples()} == {p: n for p, (n, _, _) in expected.items()}
    for r in got.itertuples():
        assert r.goldstein_mean == pytest.approx(expected[r.partner][1], abs=1e-9)
        assert r.conflict_share == pytest.approx(expected[r.partner][2], abs=1e-9)
    assert list(got["events"]) == sorted(got["events"], reverse=True)


# --- (4) determinism --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edges(con) -> pd.DataFrame:
    """The page's default picture for 2012: min 3 events, top 80 pairs."""
    return run(con, "network_pairs", {"start": YEAR[0], "end": YEAR[1], "min_events": 3, "top": 80})


@pytest.fixture(scope="module")
def many_edges(con) -> pd.DataFrame:
    return run(con, "network_pairs", {"start": YEAR[0], "end": YEAR[1], "min_events": 1, "top": 200})


def test_same_edges_give_the_same_layout_twice(edges) -> None:
    assert network.force_layout(network.build_graph(edges)) == network.force_layout(network.build_graph(edges.copy()))


def test_same_edges_give_the_same_communities_twice(edges) -> None:
    assert network.communities(network.build_graph(edges)) == network.communities(network.build_graph(edges.copy()))


def test_shuffled_edges_give_the_same_communities(many_edges) -> None:
    expected = network.communities(network.build_graph(many_edges))
    for seed in range(10):
        shuffled = many_edges.sample(frac=1, random_state=seed).reset_index(drop=True)
        assert network.communities(network.build_graph(shuffled)) == expected, f"shuffle {seed}"


def test_shuffled_edges_give_the_same_layout(edges) -> None:
    shuffled = edges.sample(frac=1, random_state=0).reset_index(drop=True)
    assert network.force_layout(network.build_graph(shuffled)) == network.force_layout(network.build_graph(edges))


def test_communities_cover_every_node_numbered_by_size(edges) -> None:
    blocs = network.communities(network.build_graph(edges))
    assert set(blocs) == set(edges["country_a"]) | set(edges["country_b"])
    sizes = Counter(blocs.values())
    assert sorted(sizes) == list(range(len(sizes)))
    assert [sizes[i] for i in range(len(sizes))] == sorted(sizes.values(), reverse=True)


def test_bloc_table_counts_each_pair_once() -> None:
    edges = pd.DataFrame({"country_a": ["AAA", "BBB", "CCC"], "country_b": ["BBB", "CCC", "DDD"],
                          "events": [10, 3, 5], "goldstein_mean": [0.0, 0.0, 0.0]})
    table = network.bloc_table(edges, {"AAA": 0, "BBB": 0, "CCC": 1, "DDD": 1}, {"AAA": "Aa", "CCC": float("nan")})
    assert table[["bloc", "countries", "events_within", "events_across"]].values.tolist() == [[1, 2, 10, 3],
                                                                                              [2, 2, 5, 3]]
    assert list(table["members"]) == ["BBB, Aa", "CCC, DDD"]  # busiest first; a code where no name is known


# --- (5) ego_edges ----------------------------------------------------------------------------


def _hops(edges: pd.DataFrame, start: str) -> dict[str, int]:
    neighbours = defaultdict(set)
    for a, b in zip(edges["country_a"], edges["country_b"], strict=True):
        neighbours[a].add(b)
        neighbours[b].add(a)
    hops, frontier = {start: 0}, [start]
    while frontier:
        nxt = []
        for node in frontier:
            for other in neighbours[node] - hops.keys():
                hops[other] = hops[node] + 1
                nxt.append(other)
        frontier = nxt
    return hops


@pytest.mark.parametrize("country", ["GEO", "LTU", "USA"])
def test_ego_edges_hold_only_countries_within_two_hops(edges, country: str) -> None:
    near = network.ego_edges(edges, country)
    hops = _hops(edges, country)
    assert not near.empty
    assert all(hops.get(c, 99) <= 2 for c in set(near["country_a"]) | set(near["country_b"]))


@pytest.mark.parametrize("country", ["GEO", "LTU"])
def test_ego_edges_keep_every_edge_among_those_countries(edges, country: str) -> None:
    hops = _hops(edges, country)
    within = {c for c, h in hops.items() if h <= 2}
    wanted = edges[edges["country_a"].isin(within) & edges["country_b"].isin(within)]
    assert network.ego_edges(edges, country).equals(wanted)


def test_ego_edges_of_a_country_not_shown_are_empty(edges) -> None:
    near = network.ego_edges(edges, "XXX")
    assert near.empty and list(near.columns) == list(edges.columns)


# --- (6) network_figure -----------------------------------------------------------------------

TOY = pd.DataFrame({
    "country_a": ["GEO", "ARM", "GEO"], "country_b": ["RUS", "AZE", "ARM"],
    "events": [40, 10, 5], "goldstein_mean": [-6.0, 6.0, 0.5], "conflict_share": [0.8, 0.0, 0.2],
})
TOY_XY = {"GEO": (0.0, 0.0), "RUS": (2.0, 0.0), "ARM": (0.0, 2.0), "AZE": (2.0, 2.0)}
NAMES = {"GEO": "Georgia", "RUS": "Russia", "ARM": "Armenia", "AZE": "Azerbaijan"}


def _toy_figure(**kwargs):
    graph = network.build_graph(TOY)
    return charts.network_figure(TOY, TOY_XY, network.communities(graph), network.node_events(TOY), NAMES, **kwargs)


def _rgb(colour: str) -> tuple[int, ...]:
    return tuple(int(float(v)) for v in re.findall(r"[\d.]+", colour)[:3])


def test_node_trace_carries_node_and_code() -> None:
    nodes = _toy_figure().data[-1]
    assert [list(c) for c in nodes.customdata] == [["node", c] for c in network.node_events(TOY).index]


def test_edge_midpoints_carry_edge_a_b_at_the_middle() -> None:
    mids = _toy_figure().data[-2]
    assert [list(c) for c in mids.customdata] == [["edge", a, b] for a, b in zip(TOY["country_a"], TOY["country_b"],
                                                                                  strict=True)]
    assert list(mids.x) == [1.0, 1.0, 0.0] and list(mids.y) == [0.0, 2.0, 1.0]


def test_edge_colour_is_red_for_conflict_and_blue_for_cooperation() -> None:
    lines = [t for t in _toy_figure().data if t.mode == "lines"]
    assert len(lines) == 3
    conflict, cooperation = _rgb(lines[0].line.color), _rgb(lines[1].line.color)  # Goldstein -6, +6
    assert conflict[0] > conflict[2] + 50, conflict
    assert cooperation[2] > cooperation[0] + 50, cooperation


def test_edge_width_grows_with_events() -> None:
    lines = [t for t in _toy_figure().data if t.mode == "lines"]
    assert lines[0].line.width > lines[1].line.width > lines[2].line.width


def test_with_an_outline_the_first_trace_is_the_outline() -> None:
    outline = network.world_outline()
    fig = _toy_figure(outline=outline)
    assert tuple(fig.data[0].x) == outline[0] and tuple(fig.data[0].y) == outline[1]
    assert fig.data[0].hoverinfo == "skip"
    assert [list(c) for c in fig.data[-1].customdata][0][0] == "node"


def test_without_an_outline_the_first_trace_is_an_edge() -> None:
    first = _toy_figure().data[0]
    assert first.mode == "lines" and list(first.x) == [0.0, 2.0]


def test_focus_is_ringed_and_labelled() -> None:
    nodes = _toy_figure(focus="AZE").data[-1]
    codes = [c[1] for c in nodes.customdata]
    widths = dict(zip(codes, nodes.marker.line.width, strict=True))
    assert widths["AZE"] == 3 and {w for c, w in widths.items() if c != "AZE"} == {1}


def test_nodes_without_a_position_are_left_out() -> None:
    xy = {k: v for k, v in TOY_XY.items() if k != "AZE"}  # e.g. no centroid on the map
    fig = charts.network_figure(TOY, xy, {}, network.node_events(TOY), NAMES)
    assert "AZE" not in [c[1] for c in fig.data[-1].customdata]
    assert ["edge", "ARM", "AZE"] not in [list(c) for c in fig.data[-2].customdata]


def test_partners_bar_lists_partners_in_order_with_their_names() -> None:
    partners = pd.DataFrame({"partner": ["RUS", "ARM"], "events": [40, 5], "goldstein_mean": [-6.0, 0.5],
                             "conflict_share": [0.8, 0.2]})
    bar = charts.partners_bar(partners, NAMES).data[0]
    assert list(bar.y) == ["Russia (RUS)", "Armenia (ARM)"] and list(bar.x) == [40, 5]
    assert list(bar.marker.color) == [-6.0, 0.5]


# --- (7) clicked_network ----------------------------------------------------------------------


def _event(*customdata) -> dict:
    return {"selection": {"points": [{"curve_number": 1, "point_number": 0, "x": 0.5, "y": 0.5,
                                      "customdata": c} for c in customdata]}}


def test_click_on_a_node() -> None:
    assert clicked_network(_event(["node", "GEO"])) == ("node", "GEO")


def test_click_on_an_edge_midpoint() -> None:
    assert clicked_network(_event(["edge", "GEO", "RUS"])) == ("edge", "GEO", "RUS")


@pytest.mark.parametrize("event", [None, {}, {"selection": None}, {"selection": {}}, {"selection": {"points": []}},
                                   {"selection": {"points": None}}])
def test_no_click(event) -> None:
    assert clicked_network(event) is None


@pytest.mark.parametrize("customdata", [
    None, "node", "", [], ["node"], ["node", "GEO", "extra"], ["edge", "GEO"], ["edge", "A", "B", "C"],
    ["pair", "GEO", "RUS"], [1, 2], {"node": "GEO"}, ["NODE", "GEO"],
])
def test_garbage_customdata_is_not_a_click(customdata) -> None:
    assert clicked_network(_event(customdata)) is None


def test_the_first_usable_point_wins() -> None:
    assert clicked_network(_event(None, ["edge", "ARM", "AZE"], ["node", "GEO"])) == ("edge", "ARM", "AZE")
    assert clicked_network({"selection": {"points": [{"x": 1}, {"customdata": ("node", "GEO")}]}}) == ("node", "GEO")


# --- (8) centroids ----------------------------------------------------------------------------


def test_centroid_of_libya_is_lon_lat() -> None:
    lon, lat = network.centroid("LBY")
    assert math.isclose(lon, 17, abs_tol=1) and math.isclose(lat, 25, abs_tol=1)


@pytest.mark.parametrize("code", ["EUR", "AFR", "XXX", ""])
def test_no_centroid_for_regions_and_unknown_codes(code: str) -> None:
    assert network.centroid(code) is None
