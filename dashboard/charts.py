"""Pure chart functions: DataFrame in, Plotly figure out. No Streamlit here."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.pair_state import period_end

# Fixed, colour-blind-safe colours (Okabe-Ito): cooperation cool, conflict warm.
QUAD_CLASSES = {
    1: ("Verbal cooperation", "#56B4E9"),
    2: ("Material cooperation", "#0072B2"),
    3: ("Verbal conflict", "#E69F00"),
    4: ("Material conflict", "#D55E00"),
}
CODED_COLOUR = "#CC79A7"  # Okabe-Ito reddish purple: apart from the quad-class hues


def top_pairs_bar(pairs: pd.DataFrame) -> go.Figure:
    """Horizontal bars of the busiest pairs, coloured by mean Goldstein (red conflict, blue cooperation)."""
    labels = pairs["name_a"].fillna(pairs["country_a"]) + " – " + pairs["name_b"].fillna(pairs["country_b"])
    fig = go.Figure(
        go.Bar(
            x=pairs["events"],
            y=labels,
            orientation="h",
            marker={
                "color": pairs["goldstein_mean"],
                "colorscale": "RdBu",
                "cmin": -5,
                "cmid": 0,
                "cmax": 5,
                "colorbar": {"title": {"text": "mean<br>Goldstein"}, "thickness": 12},
            },
            customdata=pairs[["goldstein_mean", "conflict_share"]],
            hovertemplate="%{y}<br>%{x:,} events<br>mean Goldstein %{customdata[0]:.2f}"
            "<br>conflict share %{customdata[1]:.0%}<extra></extra>",
        )
    )
    fig.update_layout(
        yaxis={"autorange": "reversed"},
        xaxis_title="events (raw rows, both directions)",
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        height=max(260, 28 * len(pairs) + 60),
    )
    return fig


def period_means(activity: pd.DataFrame) -> pd.DataFrame:
    """Mean Goldstein and tone per period over all rows, from per-group means weighted by events."""
    weighted = activity.assign(
        g=activity["goldstein_mean"] * activity["events"],
        t=activity["tone_mean"].fillna(0) * activity["events"],
        tone_rows=activity["events"].where(activity["tone_mean"].notna(), 0),
    )
    sums = weighted.groupby("period")[["events", "g", "t", "tone_rows"]].sum()
    return pd.DataFrame(
        {"goldstein": sums["g"] / sums["events"], "tone": sums["t"] / sums["tone_rows"].where(sums["tone_rows"] > 0)}
    ).reset_index()


def pair_timeline(
    activity: pd.DataFrame,
    label_a: str,
    label_b: str,
    split: bool = True,
    volume: pd.DataFrame | None = None,
    spikes: pd.DataFrame | None = None,
    count_label: str = "events",
    coded: pd.DataFrame | None = None,
    grain: str | None = None,
    window: tuple[dt.date, dt.date] | None = None,
) -> go.Figure:
    """Stacked bars per period by quad class (A→B above the axis, B→A mirrored below when
    split), and beneath them mean Goldstein and mean tone on the same time axis.

    `grain` gives each bar the width of its period and `window` (first, last day) fixes the time
    axis to the dates asked for: one active year in thirty shows as one bar among empty years,
    not as a bar across the whole chart.

    `coded` (event_date, event_code, event_description, sentence, confidence) adds the events
    coded from stored articles as diamonds on the axis: their own layer, never in the bars.

    `volume` (period, events) turns counts into a share of all events in each period.
    Each bar carries [quad_class, direction] as customdata, for click-through.
    """
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.06)
    frame = activity.copy()
    frame["period"] = pd.to_datetime(frame["period"])
    if volume is not None and len(volume):
        totals = volume.assign(period=pd.to_datetime(volume["period"])).set_index("period")["events"]
        frame["value"] = frame["events"] / frame["period"].map(totals) * 100
        unit, fmt = "% of all events", ".3f"
    else:
        frame["value"] = frame["events"]
        unit, fmt = count_label, ",d"
    directions = [("a_to_b", 1, f"{label_a} → {label_b}"), ("b_to_a", -1 if split else 1, f"{label_b} → {label_a}")]
    bars: list[go.Bar] = []
    for quad, (name, colour) in QUAD_CLASSES.items():
        for direction, sign, arrow in directions:
            part = frame[(frame["quad_class"] == quad) & (frame["direction"] == direction)]
            if part.empty:
                continue
            bars.append(go.Bar(
                # numpy, not pandas: Plotly converts a Series through narwhals, a third of the build time
                x=part["period"].to_numpy(),
                width=None if grain is None else _bar_widths(part["period"], grain),
                y=(part["value"] * sign).to_numpy(),
                name=name,
                legendgroup=name,
                showlegend=not any(t.legendgroup == name for t in bars),
                marker={"color": colour, "opacity": 1.0 if direction == "a_to_b" or not split else 0.85},
                customdata=list(zip([quad] * len(part), [direction] * len(part), part["events"], strict=True)),
                hovertemplate=f"{arrow}<br>%{{x|%Y-%m-%d}}<br>{name}: %{{customdata[2]:,}} events"
                + (f" (%{{y:{fmt}}} {unit})" if volume is not None else "")
                + "<extra></extra>",
            ))
    if bars:
        fig.add_traces(bars, rows=1, cols=1)  # one call: each add_trace re-checks the subplot grid
    if coded is not None and len(coded):
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(coded["event_date"]),
                y=[0] * len(coded),
                mode="markers",
                marker={"symbol": "diamond", "size": 12, "color": CODED_COLOUR, "line": {"width": 1, "color": "#000000"}},
                name="Coded from articles",
                customdata=list(zip(coded["event_code"], coded["event_description"].fillna(""),
                                    coded["sentence"].str.slice(0, 120), coded["confidence"], strict=True)),
                hovertemplate="coded from an article: %{x|%Y-%m-%d}<br>CAMEO %{customdata[0]} %{customdata[1]}"
                "<br>%{customdata[2]}<br>confidence %{customdata[3]:.2f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    if spikes is not None and len(spikes):
        peak = frame[frame["value"] > 0].groupby("period")["value"].sum()  # top of the upper stack
        marks = spikes.drop_duplicates("period")
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(marks["period"]),
                y=[peak.get(pd.Timestamp(p), 0) + 0.04 * peak.max() for p in marks["period"]],
                mode="markers",
                marker={"symbol": "triangle-down", "size": 11, "color": "#000000"},
                name="Spike",
                hovertemplate="spike: %{x|%Y-%m-%d}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    lines = period_means(frame)
    fig.add_traces([go.Scatter(x=lines["period"].to_numpy(), y=lines["goldstein"].to_numpy(), name="Mean Goldstein",
                               mode="lines+markers", line={"color": "#009E73"}),
                    go.Scatter(x=lines["period"].to_numpy(), y=lines["tone"].to_numpy(), name="Mean tone",
                               mode="lines+markers", line={"color": "#CC79A7", "dash": "dot"})], rows=2, cols=1)
    fig.add_hline(y=0, line={"color": "#888", "width": 1}, row=2, col=1)
    title = f"{label_b} → {label_a} (below)   ·   {label_a} → {label_b} (above)" if split else "both directions"
    fig.update_layout(
        barmode="relative",
        bargap=0.15,
        height=560,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.08, "x": 0},
        hovermode="closest",
        clickmode="event+select",
    )
    fig.update_yaxes(title_text=f"{unit}<br><sub>{title}</sub>", row=1, col=1, zeroline=True,
                     zerolinecolor="#444", zerolinewidth=1.5)
    fig.update_yaxes(title_text="mean", row=2, col=1)
    if volume is None and len(frame) and frame.groupby(["period", "direction"])["value"].sum().max() <= 5:
        fig.update_yaxes(dtick=1, row=1, col=1)  # a handful of events: whole-number ticks, not 0.5
    if window is not None:
        half = pd.Timedelta(days=_period_days(window[0], grain or "day") / 2)
        fig.update_xaxes(range=[pd.Timestamp(window[0]) - half, pd.Timestamp(window[1]) + half])
    return fig


DAY_MS = 86_400_000  # a date axis counts in milliseconds


def _period_days(start: dt.date, grain: str) -> int:
    return (period_end(start, grain) - start).days + 1


def _bar_widths(periods: pd.Series, grain: str) -> np.ndarray:
    """Each bar 85 % of its own period: months differ."""
    return np.array([_period_days(p.date(), grain) for p in pd.DatetimeIndex(periods)]) * DAY_MS * 0.85


def compare_lines(series: dict[str, pd.DataFrame], unit: str) -> go.Figure:
    """One line per pair (label -> frame with period, value), all on one scale."""
    fig = go.Figure()
    palette = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    for i, (label, frame) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=pd.to_datetime(frame["period"]), y=frame["value"], name=label,
                                 mode="lines+markers", line={"color": palette[i % len(palette)],
                                                             "width": 3 if i == 0 else 2}))
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title=unit,
                      legend={"orientation": "h", "y": 1.12, "x": 0}, hovermode="x unified")
    return fig


# Community colours (Okabe-Ito, then greys for small blocs).
BLOC_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]
GOLDSTEIN_SCALE = "RdBu"  # red = conflict, blue = cooperation, centred on 0


def _goldstein_colour(value: float) -> str:
    from plotly.colors import sample_colorscale

    return sample_colorscale(GOLDSTEIN_SCALE, [(max(-5.0, min(5.0, value)) + 5) / 10])[0]


def _edge_traces(edges: pd.DataFrame, xy: dict[str, tuple[float, float]], names: dict[str, str]) -> list:
    """One line per edge (width by events, colour by mean Goldstein) plus a clickable midpoint."""
    traces = []
    top = max(edges["events"].max(), 1) if len(edges) else 1
    mids_x, mids_y, mids_data, mids_text = [], [], [], []
    for row in edges.itertuples(index=False):
        if row.country_a not in xy or row.country_b not in xy:
            continue
        (x0, y0), (x1, y1) = xy[row.country_a], xy[row.country_b]
        line = {"width": 0.8 + 7 * math.sqrt(row.events / top), "color": _goldstein_colour(row.goldstein_mean)}
        traces.append(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", line=line, hoverinfo="skip",
                                 showlegend=False, opacity=0.75))
        mids_x.append((x0 + x1) / 2)
        mids_y.append((y0 + y1) / 2)
        mids_data.append(["edge", row.country_a, row.country_b])
        mids_text.append(
            f"{names.get(row.country_a, row.country_a)} – {names.get(row.country_b, row.country_b)}<br>"
            f"{row.events:,} events · mean Goldstein {row.goldstein_mean:+.2f} · "
            f"conflict {row.conflict_share:.0%}<br><i>click to open the pair</i>"
        )
    marker = {"size": 9, "color": "rgba(0,0,0,0.15)", "line": {"width": 0}}
    traces.append(go.Scatter(x=mids_x, y=mids_y, mode="markers", marker=marker, customdata=mids_data,
                             hovertext=mids_text, hoverinfo="text", name="pairs", showlegend=False))
    return traces


def network_figure(
    edges: pd.DataFrame,
    positions: dict[str, tuple[float, float]],
    blocs: dict[str, int],
    sizes: pd.Series,
    names: dict[str, str],
    outline: tuple[tuple, tuple] | None = None,
    focus: str | None = None,
) -> go.Figure:
    """Countries as nodes (size: events, colour: bloc), pairs as edges (width: events, colour:
    mean Goldstein, red conflict to blue cooperation). Nodes carry ["node", code] and edge
    midpoints ["edge", a, b] as customdata, for click-through. With `outline` (lon, lat
    borders) the positions are (lon, lat) and the picture is a map."""
    fig = go.Figure()
    if outline is not None:
        fig.add_trace(go.Scatter(x=outline[0], y=outline[1], mode="lines", line={"color": "#c8c8c8", "width": 0.6},
                                 hoverinfo="skip", showlegend=False))
    fig.add_traces(_edge_traces(edges, positions, names))
    nodes = [n for n in sizes.index if n in positions]
    biggest = max(sizes.max(), 1) if len(sizes) else 1
    node_kwargs = {
        "mode": "markers+text",
        "text": [n if i < 40 or n == focus else "" for i, n in enumerate(nodes)],  # label the 40 biggest
        "textposition": "top center",
        "textfont": {"size": 11},
        "marker": {
            "size": [10 + 40 * math.sqrt(sizes[n] / biggest) for n in nodes],
            "color": [BLOC_COLOURS[min(blocs.get(n, 0), len(BLOC_COLOURS) - 1)] for n in nodes],
            "line": {"width": [3 if n == focus else 1 for n in nodes], "color": "#222"},
        },
        "customdata": [["node", n] for n in nodes],
        "hovertext": [f"{names.get(n, n)} ({n})<br>{int(sizes[n]):,} events shown<br>bloc {blocs.get(n, 0) + 1}"
                      for n in nodes],
        "hoverinfo": "text",
        "showlegend": False,
    }
    fig.add_trace(go.Scatter(x=[positions[n][0] for n in nodes], y=[positions[n][1] for n in nodes],
                             **node_kwargs))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(height=640, margin={"l": 0, "r": 0, "t": 10, "b": 0}, plot_bgcolor="white",
                      hovermode="closest", clickmode="event+select")
    return fig


def partners_bar(partners: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """A country's partners ranked by events, coloured by mean Goldstein."""
    labels = [f"{names.get(p, p)} ({p})" for p in partners["partner"]]
    fig = go.Figure(go.Bar(
        x=partners["events"], y=labels, orientation="h",
        marker={"color": partners["goldstein_mean"], "colorscale": GOLDSTEIN_SCALE, "cmin": -5, "cmid": 0,
                "cmax": 5, "colorbar": {"title": {"text": "mean<br>Goldstein"}, "thickness": 12}},
        customdata=partners[["partner", "goldstein_mean", "conflict_share"]],
        hovertemplate="%{y}<br>%{x:,} events<br>mean Goldstein %{customdata[1]:+.2f}"
        "<br>conflict %{customdata[2]:.0%}<extra></extra>",
    ))
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis_title="events (raw rows, both directions)",
                      height=max(240, 24 * len(partners) + 60), margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return fig


def coverage_bars(by_month: pd.DataFrame) -> go.Figure:
    """Events per month of event date, stacked by GDELT source: what the data covers."""
    fig = go.Figure()
    for source, colour in zip(sorted(by_month["source"].unique()), ["#0072B2", "#E69F00", "#009E73", "#CC79A7"],
                              strict=False):
        part = by_month[by_month["source"] == source]
        fig.add_trace(go.Bar(x=pd.to_datetime(part["month"]), y=part["events"], name=source, marker_color=colour))
    fig.update_layout(barmode="stack", height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      yaxis_title="events per month", legend={"orientation": "h", "y": 1.1})
    return fig


def sparkline(per_period: pd.DataFrame) -> go.Figure:
    """Events per period as a small filled line (per_period: period, events)."""
    fig = go.Figure(go.Scatter(x=pd.to_datetime(per_period["period"]), y=per_period["events"], mode="lines",
                               fill="tozeroy", line={"color": "#0072B2", "width": 2},
                               hovertemplate="%{x|%Y-%m-%d}: %{y:,} events<extra></extra>"))
    fig.update_layout(height=160, margin={"l": 10, "r": 10, "t": 10, "b": 10}, showlegend=False,
                      yaxis={"rangemode": "tozero"})
    return fig


def quad_mix(activity: pd.DataFrame) -> go.Figure:
    """One stacked bar: the share of each quad class in the window, named in words."""
    totals = activity.groupby("quad_class")["events"].sum()
    share = totals / max(totals.sum(), 1)
    fig = go.Figure()
    for quad, (name, colour) in QUAD_CLASSES.items():
        fig.add_trace(go.Bar(x=[share.get(quad, 0.0)], y=["mix"], orientation="h", name=name,
                             marker_color=colour, customdata=[[int(totals.get(quad, 0))]],
                             hovertemplate=f"{name}: %{{x:.0%}} (%{{customdata[0]:,}} events)<extra></extra>"))
    fig.update_layout(barmode="stack", height=120, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis={"tickformat": ".0%", "range": [0, 1]}, yaxis={"visible": False},
                      legend={"orientation": "h", "y": -0.6})
    return fig
