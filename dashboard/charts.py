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
                "cmin": -10,
                "cmid": 0,
                "cmax": 10,
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
