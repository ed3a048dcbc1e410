"""The country network as a graph: building it, laying it out and finding its blocs.

Pure functions over the network_pairs query's DataFrame. Layout and communities use a
fixed seed, so the same data always draws the same picture.
"""

from __future__ import annotations

import math
from functools import cache

import networkx as nx
import pandas as pd
import pycountry

SEED = 7


def build_graph(edges: pd.DataFrame) -> nx.Graph:
    graph = nx.Graph()
    # Insertion order steers layout and Louvain: sort, so the same pairs give the same picture.
    for row in edges.sort_values(["country_a", "country_b"]).itertuples(index=False):
        graph.add_edge(row.country_a, row.country_b, events=int(row.events),
                       goldstein=float(row.goldstein_mean), weight=math.log1p(row.events))
    return graph


def node_events(edges: pd.DataFrame) -> pd.Series:
    """Events touching each country, summed over the edges shown."""
    both = pd.concat([edges[["country_a", "events"]].rename(columns={"country_a": "code"}),
                      edges[["country_b", "events"]].rename(columns={"country_b": "code"})])
    return both.groupby("code")["events"].sum().sort_values(ascending=False)


def force_layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """Spring layout per connected component (a spring layout of a disconnected graph flings
    the small parts to the edges); the biggest component in the middle, the rest in a column
    to its right, each scaled by the square root of its size."""
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), sorted(c)))
    positions: dict[str, tuple[float, float]] = {}
    if not parts:
        return positions
    biggest = len(parts[0])
    y_cursor = 1.0
    for i, members in enumerate(parts):
        sub = graph.subgraph(members)
        scale = math.sqrt(len(members) / biggest)
        layout = nx.spring_layout(sub, weight="weight", seed=SEED, iterations=100, scale=scale) \
            if len(members) > 1 else {next(iter(members)): (0.0, 0.0)}
        if i == 0:
            dx, dy = 0.0, 0.0
        else:
            dx, dy = 1.45, y_cursor - scale
            y_cursor -= 2 * scale + 0.08
        for node in sorted(layout):
            x, y = layout[node]
            positions[node] = (float(x) + dx, float(y) + dy)
    return positions


def communities(graph: nx.Graph) -> dict[str, int]:
    """Louvain blocs, numbered by size (0 = biggest), ties broken by the members' codes."""
    if graph.number_of_edges() == 0:
        return {node: 0 for node in graph}
    found = nx.community.louvain_communities(graph, weight="events", seed=SEED)
    ordered = sorted(found, key=lambda members: (-len(members), sorted(members)))
    return {node: i for i, members in enumerate(ordered) for node in members}


def bloc_table(edges: pd.DataFrame, blocs: dict[str, int], names: dict[str, str]) -> pd.DataFrame:
    """One row per bloc (numbered from 1): its countries, the events of the pairs inside it and
    of its pairs with other blocs. Summed per pair, not per country: a country's total counts
    each of its pairs once, so adding members' totals would count a pair inside the bloc twice."""
    bloc_a = edges["country_a"].map(blocs)
    bloc_b = edges["country_b"].map(blocs)
    inside = edges[bloc_a == bloc_b].groupby(bloc_a[bloc_a == bloc_b])["events"].sum()
    across = edges[bloc_a != bloc_b]
    outward = pd.concat([across["events"].groupby(bloc_a[bloc_a != bloc_b]).sum(),
                         across["events"].groupby(bloc_b[bloc_a != bloc_b]).sum()]).groupby(level=0).sum()
    totals = node_events(edges)
    rows = []
    for bloc in sorted(set(blocs.values())):
        members = sorted((c for c, b in blocs.items() if b == bloc), key=lambda c: (-totals.get(c, 0), c))
        rows.append({"bloc": bloc + 1, "countries": len(members), "events_within": int(inside.get(bloc, 0)),
                     "events_across": int(outward.get(bloc, 0)),
                     "members": ", ".join(_name(names, c) for c in members)})
    return pd.DataFrame(rows, columns=["bloc", "countries", "events_within", "events_across", "members"])


def _name(names: dict[str, str], code: str) -> str:
    name = names.get(code)
    return name if isinstance(name, str) and name else code  # a missing name may be NaN


def ego_edges(edges: pd.DataFrame, country: str, radius: int = 2) -> pd.DataFrame:
    """The edges among the countries within `radius` hops of `country`."""
    graph = build_graph(edges)
    if country not in graph:
        return edges.iloc[0:0]
    near = set(nx.ego_graph(graph, country, radius=radius))
    return edges[edges["country_a"].isin(near) & edges["country_b"].isin(near)]


@cache
def centroid(code: str) -> tuple[float, float] | None:
    """(lon, lat) of a country from countryinfo's data; None for regions and unknown codes."""
    from countryinfo import CountryInfo

    try:
        latlng = CountryInfo(code).latlng()
    except Exception:  # countryinfo raises its own errors for codes it does not know
        return None
    return (float(latlng[1]), float(latlng[0])) if latlng and len(latlng) == 2 else None


@cache
def world_outline() -> tuple[tuple[float | None, ...], tuple[float | None, ...]]:
    """Country borders as one (lon, lat) polyline with None breaks, from countryinfo's GeoJSON:
    drawn locally, because Plotly's geo maps fetch their base map from a CDN."""
    from countryinfo import CountryInfo

    lons: list[float | None] = []
    lats: list[float | None] = []
    for country in pycountry.countries:
        try:
            features = CountryInfo(country.alpha_3).geo_json()["features"]
        except Exception:  # no outline in countryinfo for this code
            continue
        for feature in features:
            geometry = feature["geometry"]
            polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            for polygon in polygons:
                for ring in polygon:
                    lons.extend([float(p[0]) for p in ring] + [None])
                    lats.extend([float(p[1]) for p in ring] + [None])
    return tuple(lons), tuple(lats)
