"""Pure chart functions: DataFrame in, Plotly figure out. No Streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# Fixed, colour-blind-safe colours (Okabe-Ito): cooperation cool, conflict warm.
QUAD_CLASSES = {
    1: ("Verbal cooperation", "#56B4E9"),
    2: ("Material cooperation", "#0072B2"),
    3: ("Verbal conflict", "#E69F00"),
    4: ("Material conflict", "#D55E00"),
}


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
) -> go.Figure:
    """Stacked bars per period by quad class (A→B above the axis, B→A mirrored below when
    split), and beneath them mean Goldstein and mean tone on the same time axis.

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
    for quad, (name, colour) in QUAD_CLASSES.items():
        for direction, sign, arrow in directions:
            part = frame[(frame["quad_class"] == quad) & (frame["direction"] == direction)]
            if part.empty:
                continue
            fig.add_trace(
                go.Bar(
                    x=part["period"],
                    y=part["value"] * sign,
                    name=name,
                    legendgroup=name,
                    showlegend=not any(t.legendgroup == name for t in fig.data),
                    marker={"color": colour, "opacity": 1.0 if direction == "a_to_b" or not split else 0.85},
                    customdata=list(zip([quad] * len(part), [direction] * len(part), part["events"], strict=True)),
                    hovertemplate=f"{arrow}<br>%{{x|%Y-%m-%d}}<br>{name}: %{{customdata[2]:,}} events"
                    + (f" (%{{y:{fmt}}} {unit})" if volume is not None else "")
                    + "<extra></extra>",
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
    fig.add_trace(go.Scatter(x=lines["period"], y=lines["goldstein"], name="Mean Goldstein",
                             mode="lines+markers", line={"color": "#009E73"}), row=2, col=1)
    fig.add_trace(go.Scatter(x=lines["period"], y=lines["tone"], name="Mean tone",
                             mode="lines+markers", line={"color": "#CC79A7", "dash": "dot"}), row=2, col=1)
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
    return fig


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
