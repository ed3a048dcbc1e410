"""Network: the web of country pairs in a window, as a graph or on a map, with blocs, one
country's partners, the biggest movers, and click-through to the Pair page."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts, network_layout, url
from dashboard.countries import resolve
from dashboard.highlight import md
from dashboard.lake_access import query, require_events
from dashboard.selection import clicked_network
from dashboard.shared import with_pin, write_url

st.title("Network")
countries = query("countries")
codes = countries["code"].tolist()
names = dict(zip(countries["code"], countries["name"], strict=True))
summary = require_events()
first, last = summary["first_date"].date(), summary["last_date"].date()
roots = query("cameo_roots")
root_names = dict(zip(roots["root"].astype(int), roots["description"], strict=True))

# --- URL -> state (bad values: a notice and the default) ------------------------------------
params = st.query_params.to_dict()
start, end, notices = url.date_range(params, (dt.date(last.year, 1, 1), last))
defaults = {"net_min": 3, "net_top": 80}
RANGES = {"min_events": (1, 10**6), "top": (10, 2000), "quad_classes": (1, 4), "roots": (1, 20)}
for key, (low, high) in RANGES.items():
    raw = url.one(params, key)
    if raw is not None and url.ints(raw, low, high) is None:
        notices.append(f"Ignored '{key}' in the link: give {'numbers' if key in ('quad_classes', 'roots') else 'a number'} "
                       f"from {low} to {high}.")
for key, allowed in (("layout", ("graph", "map")), ("nonstate", ("0", "1"))):
    raw = url.one(params, key)
    if raw is not None and raw not in allowed:
        notices.append(f"Ignored '{key}' in the link: use {' or '.join(allowed)}.")
seeds = {
    "net_range": (start, end),
    "net_min": url.integer(url.one(params, "min_events"), *RANGES["min_events"]) or defaults["net_min"],
    "net_top": url.integer(url.one(params, "top"), *RANGES["top"]) or defaults["net_top"],
    "net_layout": "Map" if url.one(params, "layout") == "map" else "Graph",
    "net_quads": list(url.ints(url.one(params, "quad_classes"), 1, 4) or (1, 2, 3, 4)),
    "net_roots": list(url.ints(url.one(params, "roots"), 1, 20) or range(1, 21)),
    "net_nonstate": url.one(params, "nonstate") == "1",
}
focus_raw = url.one(params, "focus")
focus = resolve(focus_raw, codes, names) if focus_raw else None
if focus_raw and not focus:
    notices.append(f"Unknown country {focus_raw[:40]!r} in 'focus'.")
elif focus and focus not in codes:
    notices.append(f"{names.get(focus, focus)} has no events loaded; no country is in focus.")
    focus = None
for notice in notices:
    st.warning(md(notice), icon=":material/link_off:")
for key, value in seeds.items():
    st.session_state.setdefault(key, value)
st.session_state.setdefault("net_focus", focus)


def step(direction: int) -> None:
    """Move the window by its own length: steps through years when a year is shown."""
    picked_range = st.session_state.net_range
    if not (isinstance(picked_range, tuple) and len(picked_range) == 2):
        return  # a range half picked: nothing to step from
    a, b = picked_range
    span = b - a + dt.timedelta(days=1)
    try:
        if a.month == 1 and a.day == 1 and b == dt.date(a.year, 12, 31):  # whole years step by years
            years = b.year - a.year + 1
            moved = (dt.date(a.year + direction * years, 1, 1), dt.date(b.year + direction * years, 12, 31))
        else:
            moved = (a + direction * span, b + direction * span)
    except (ValueError, OverflowError):  # past year 1 or 9999
        return
    if moved[0] >= url.FIRST_DAY and moved[1] <= url.LAST_DAY:  # past the limits the window stays
        st.session_state.net_range = moved


# --- controls ----------------------------------------------------------------------------------
row = st.columns([0.5, 3, 0.5, 2, 2, 2], vertical_alignment="bottom")
window_now = st.session_state.get("net_range")
whole = window_now if isinstance(window_now, tuple) and len(window_now) == 2 else (start, end)
row[0].button("", icon=":material/skip_previous:", on_click=step, args=(-1,), key="net_prev",
              help="Previous window of the same length", disabled=whole[0] <= url.FIRST_DAY)
picked = row[1].date_input("Window", key="net_range", min_value=url.FIRST_DAY, max_value=url.LAST_DAY)
row[2].button("", icon=":material/skip_next:", on_click=step, args=(1,), key="net_next",
              help="Next window of the same length", disabled=whole[1] >= url.LAST_DAY)
start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else (start, end)
min_events = row[3].number_input("Min. events per pair", 1, 10**6, key="net_min")
top = row[4].number_input("Show top pairs", 10, 2000, step=50, key="net_top")
layout = row[5].segmented_control("Layout", ["Graph", "Map"], key="net_layout", required=True)
with st.expander("Filters"):
    quads = st.multiselect("Quad classes", [1, 2, 3, 4], key="net_quads",
                           format_func=lambda q: f"{q} {charts.QUAD_CLASSES[q][0]}")
    roots_picked = st.multiselect("CAMEO root codes", list(range(1, 21)), key="net_roots",
                                  format_func=lambda r: f"{r:02d} {root_names.get(r, '')}")
    nonstate = st.toggle("Show regions and groups (EUR, AFR, WST…)", key="net_nonstate")
filters = {"quad_classes": sorted(quads) or [1, 2, 3, 4], "root_codes": sorted(roots_picked) or list(range(1, 21)),
           "states_only": "false" if nonstate else "true"}

edges = query("network_pairs", start=start, end=end, min_events=int(min_events), top=int(top), **filters)
st.caption(
    f"{len(edges):,} pairs with at least {min_events} events (raw rows, both directions), {start} to {end}; "
    "node size: events shown; node colour: bloc (Louvain communities); edge width: events; "
    "edge colour: mean Goldstein, red conflict to blue cooperation. Click a country for its partners, "
    "a pair's midpoint to open it."
)


@st.cache_data(max_entries=64, show_spinner=False)
def drawn(edges: pd.DataFrame) -> tuple[dict, dict, pd.Series]:
    """Layout and blocs, cached per result: the same edges always give the same picture."""
    graph = network_layout.build_graph(edges)
    return network_layout.force_layout(graph), network_layout.communities(graph), network_layout.node_events(edges)


if edges.empty:
    st.info("No pairs in this window with these filters. Lower the minimum or widen the window.")
else:
    positions, blocs, sizes = drawn(edges)
    outline = None
    if layout == "Map":
        positions = {c: xy for c in sizes.index if (xy := network_layout.centroid(c))}
        outline = network_layout.world_outline()
        if missing := [c for c in sizes.index if c not in positions]:
            st.caption(f"Not on the map (no known centroid): {', '.join(missing)}.")
    clicked = clicked_network(st.plotly_chart(
        # No focus ring here: a figure that changes after a click swallows the next click
        # (seen in Chromium); the ego view below marks the country instead.
        charts.network_figure(edges, positions, blocs, sizes, names, outline=outline),
        key="net_chart", on_select="rerun", selection_mode="points",
    ))
    if clicked and clicked[0] == "edge":
        st.switch_page("dashboard/pages/pair.py",
                       query_params=with_pin({"a": clicked[1], "b": clicked[2], "from": str(start), "to": str(end)}))
    if clicked and clicked[0] == "node":
        st.session_state.net_focus = clicked[1]

    if st.session_state.net_focus:  # a clicked country: its partners first
        focus_tab, blocs_tab, movers_tab = st.tabs(["One country", "Blocs", "Biggest movers"])
    else:
        blocs_tab, focus_tab, movers_tab = st.tabs(["Blocs", "One country", "Biggest movers"])
    with blocs_tab:
        st.caption("Events within: the pairs inside the bloc, each pair once. "
                   "With other blocs: its pairs that cross to another bloc.")
        st.dataframe(
            network_layout.bloc_table(edges, blocs, names), hide_index=True,
            column_config={"bloc": "Bloc", "countries": "Countries", "events_within": "Events within",
                           "events_across": "With other blocs",
                           "members": st.column_config.TextColumn("Members", width="large")},
        )
    with focus_tab:
        focus = st.selectbox("Country", [None, *sizes.index], key="net_focus",
                             format_func=lambda c: "pick a country (or click one)" if c is None else
                             f"{names.get(c, c)} ({c})")
        if focus:
            partners = query("country_partners", country=focus, start=start, end=end, limit=25,
                             states_only=filters["states_only"])
            left, right = st.columns(2)
            left.plotly_chart(charts.partners_bar(partners, names), key="net_partners")
            near = network_layout.ego_edges(edges, focus)
            right.caption(f"2-hop neighbourhood of {names.get(focus, focus)}: {len(near)} pairs among the "
                          "countries within two steps")
            right.plotly_chart(charts.network_figure(near, positions, blocs, network_layout.node_events(near), names,
                                                     outline=outline, focus=focus), key="net_ego")
    with movers_tab:
        length = end - start + dt.timedelta(days=1)
        prev_start, prev_end = url.previous_window(start, end)
        movers = query("pair_movers", start=start, end=end, prev_start=prev_start, prev_end=prev_end,
                       min_events=int(min_events), limit=20, states_only=filters["states_only"])
        st.caption(f"Change against the previous {length.days} days ({prev_start} to {prev_end}). "
                   "Click a row to open the pair.")
        picked_row = st.dataframe(
            movers.assign(pair=movers["country_a"] + "–" + movers["country_b"])[
                ["pair", "events_before", "events_now", "events_change", "goldstein_before", "goldstein_now"]],
            hide_index=True, on_select="rerun", selection_mode="single-row", key="net_movers",
            column_config={"pair": "Pair", "events_before": "Events before", "events_now": "Events now",
                           "events_change": "Change",
                           "goldstein_before": st.column_config.NumberColumn("Goldstein before", format="%+.2f"),
                           "goldstein_now": st.column_config.NumberColumn("Goldstein now", format="%+.2f")},
        )
        rows = picked_row.selection.rows if picked_row else []
        if rows:
            mover = movers.iloc[rows[0]]
            st.switch_page("dashboard/pages/pair.py", query_params=with_pin({
                "a": mover["country_a"], "b": mover["country_b"], "from": str(start), "to": str(end)}))

state = {"from": str(start), "to": str(end)}
if min_events != defaults["net_min"]:
    state["min_events"] = str(min_events)
if top != defaults["net_top"]:
    state["top"] = str(top)
if layout == "Map":
    state["layout"] = "map"
if sorted(quads) not in ([], [1, 2, 3, 4]):
    state["quad_classes"] = ",".join(map(str, sorted(quads)))
if sorted(roots_picked) not in ([], list(range(1, 21))):
    state["roots"] = ",".join(f"{r:02d}" for r in sorted(roots_picked))
if nonstate:
    state["nonstate"] = "1"
if st.session_state.get("net_focus"):
    state["focus"] = st.session_state.net_focus
write_url(state)
