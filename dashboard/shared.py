"""What all pages share: the pinned data snapshot, the filters that travel between pages
(countries and dates), and the link that reopens the exact view."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from dashboard import url

CARRIED = ("a", "b", "from", "to", "snapshot")  # kept when moving between pages
_PIN = "_pinned_snapshot"


def read_pin(latest: int) -> str | None:
    """Take ?snapshot=N from the URL for this run. Returns a notice when it is not usable."""
    raw = url.one(st.query_params.to_dict(), "snapshot")
    st.session_state[_PIN] = None
    if raw is None:
        return None
    snapshot = url.integer(raw, 0, 10**12)
    if snapshot is None or snapshot > latest or snapshot < 1:
        return f"'snapshot' {raw[:20]!r} is not a snapshot of this data (1 to {latest}); showing the latest data."
    st.session_state[_PIN] = snapshot
    return None


def pinned() -> int | None:
    return st.session_state.get(_PIN)


def write_url(state: dict[str, str]) -> None:
    """Put a page's state in the URL, keeping the pinned snapshot and the shared filters the
    page does not use itself (so Overview -> Pair keeps the pair and window)."""
    params = st.query_params.to_dict()
    kept = {k: str(params[k]) for k in CARRIED if k != "snapshot" and k in params}
    state = {**kept, **state}
    if pinned() is not None:
        state["snapshot"] = str(pinned())
    st.query_params.from_dict(state)


def with_pin(params: dict[str, str]) -> dict[str, str]:
    """Params for a link to another page, keeping the pinned snapshot."""
    return {**params, "snapshot": str(pinned())} if pinned() is not None else params


def carried() -> dict[str, str]:
    params = st.query_params.to_dict()
    return {k: str(params[k]) for k in CARRIED if k in params}


def share_link() -> str:
    base = (st.context.url or "").split("?", 1)[0]
    query = urlencode(st.query_params.to_dict())
    return f"{base}?{query}" if query else base
