"""Bilateral: relations between pairs of countries from news event data.

The entrypoint sets up the page, makes sure a lake exists, reads what all pages share
(the pinned snapshot), and routes. Its own sidebar links carry the shared filters, which
Streamlit's built-in navigation would drop. It lives in the package so that an installed
copy can run it (`bilateral serve`); `streamlit run app.py` in a clone runs it through the
root app.py.
"""

import threading
import time
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import access, saved_views, shared
from dashboard.lake_access import begin_run, freshness_line, lake_settings, query, snapshot_info
from ingest.sample import NO_SAMPLE, complete_sample, missing_sample_steps, sample_available
from ingest.store import ensure_schema
from lake import connection as lakes

PAGES = Path(__file__).parent / "pages"


@st.cache_resource(show_spinner=False)
def upgrade_lake(lake: Path, where: str) -> None:
    """A lake from an older version gets its rollups built (one commit), once per process."""
    con = lakes.connect(lake, read_only=False)
    try:
        ensure_schema(con)
    finally:
        con.close()


class SampleBuild:
    """The first-start build, in a thread of the server process: it finishes whatever the
    browser does (a session's script stops when its tab closes; this thread does not), and every
    visitor meanwhile watches the same build."""

    def __init__(self, lake: Path) -> None:
        self.lake = lake
        self.lines: list[str] = []
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name="sample-build", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for summary in complete_sample(self.lake):
                self.lines.append(summary.line())
        except Exception as err:  # shown to every visitor; the next process start tries again
            self.error = f"{type(err).__name__}: {err}"


@st.cache_resource(show_spinner=False)
def first_start(lake: Path) -> SampleBuild | None:
    """Once per process: a build of the sample when the lake is missing or lacks parts of the
    sample (a build stopped by a server stop after its events commit), else None."""
    return SampleBuild(lake) if missing_sample_steps(lake) else None


def ensure_lake() -> None:
    """First start on a fresh clone: build the lake from the embedded sample, visibly.
    A shared (PostgreSQL) lake is never built here: N servers starting at once would race;
    the data team creates it with the ingest CLI. The entrypoint is the one dashboard file
    that calls the ingest, and only its public functions (tests/test_layers.py)."""
    lake, settings = lake_settings()
    if settings.catalog != "sqlite":
        if lakes.lake_exists(settings):
            upgrade_lake(lake, settings.describe())
            return
        st.error(f"No lake yet at {settings.describe()}. Create it with `python -m ingest sample` "
                 "or load data with `python -m ingest gdelt FILE...`, using the same settings.",
                 icon=":material/error:")
        st.stop()
    if not lakes.lake_exists(settings) and not sample_available():  # an installed package: nothing to build from
        st.error(f"No lake yet at {lake}: {NO_SAMPLE}.", icon=":material/error:")
        st.stop()
    build = first_start(lake)
    if build is not None and (build.thread.is_alive() or build.error):
        with st.status("First start: building the lake from the embedded GDELT sample…", expanded=True) as status:
            shown = st.empty()
            while build.thread.is_alive():  # a closed tab ends this loop, not the build
                shown.text("\n".join(build.lines) or "loading the events…")
                time.sleep(0.5)
            shown.text("\n".join(build.lines))
            if build.error:
                first_start.clear()  # the next visit tries again
                status.update(label="The sample build failed", state="error")
                st.error(f"Building the lake from the sample failed: {build.error}. Reload the page to try again.",
                         icon=":material/error:")
                st.stop()
            status.update(label="Lake built from the embedded sample", state="complete", expanded=False)
    upgrade_lake(lake, settings.describe())


st.set_page_config(page_title="Bilateral", page_icon=":material/public:", layout="wide")

pages = [
    st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page(PAGES / "pair.py", title="Pair", icon=":material/compare_arrows:", url_path="pair"),
    st.Page(PAGES / "brief.py", title="Brief", icon=":material/summarize:", url_path="brief"),
    st.Page(PAGES / "network.py", title="Network", icon=":material/hub:", url_path="network"),
    st.Page(PAGES / "articles.py", title="Articles", icon=":material/article:", url_path="articles"),
    st.Page(PAGES / "data.py", title="Data", icon=":material/database:", url_path="data"),
    st.Page(PAGES / "alerts.py", title="Alerts", icon=":material/notifications:", url_path="alerts"),
]
page = st.navigation(pages, position="hidden")
person = access.gate(page, pages)  # sign-in on: only the sign-in screen (or a refusal) until let in
ensure_lake()

# A session's first view: a blank 10-pixel chart in the sidebar makes the browser fetch and run
# Plotly's 4.6 MB script while this run computes the page, not only once the page's first chart
# arrives (a shared Pair link draws its chart sooner). Removed when the page has run.
plotly_warmup = None
if not st.session_state.get("plotly_warm"):
    st.session_state.plotly_warm = True
    plotly_warmup = st.sidebar.empty()
    plotly_warmup.plotly_chart(go.Figure(layout={"height": 10, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}}),
                               height=10, config={"staticPlot": True, "displayModeBar": False})

latest = begin_run()  # read once: every query of this run reads this snapshot or the pinned one
pin_notice = shared.read_pin(latest)
with st.sidebar:
    st.markdown("### Bilateral")
    links = st.container()  # filled after the page ran: the links carry its final state
    st.divider()
    freshness = st.container()
    share = st.popover("Share this view", icon=":material/share:", width="stretch")
    access.sidebar(person)

if pin_notice:
    st.warning(pin_notice, icon=":material/history:")
pinned = shared.pinned()
if pinned is not None:
    info = snapshot_info(pinned)
    banner = st.container(border=True)
    last_date = query("lake_summary", snapshot=pinned).iloc[0]["last_date"]
    data_to = f"data to {last_date:%Y-%m-%d}" if pd.notna(last_date) else "no events"
    loaded = f"loaded {info['time']:%Y-%m-%d %H:%M} UTC" if info["time"] is not None else "load time unknown"
    # The data's end date first: the load time alone read as the date the data runs to.
    banner.markdown(f":material/push_pin: **Pinned: {data_to}**, {loaded}, snapshot {pinned}, as pinned in this link.")
    if pinned < latest:
        banner.page_link(page, label=f"Newer data available (snapshot {latest}) — open latest",
                         icon=":material/update:",
                         query_params={k: v for k, v in st.query_params.to_dict().items() if k != "snapshot"})
else:
    info = snapshot_info(latest)
    freshness.caption(freshness_line(latest, info["time"]))

page.run()
if plotly_warmup is not None:
    plotly_warmup.empty()

# After the page ran, the URL holds its whole state: the links carry it, and it is the link to share.
with links:
    for target in pages:
        st.page_link(target, query_params=shared.carried())
with share:
    st.caption("This link reopens exactly this view" + (f", on snapshot {pinned}." if pinned else
                                                         ", on whatever data is latest when opened."))
    st.code(shared.share_link(), language=None, wrap_lines=True)
    if pinned is None:
        st.button(f"Pin to snapshot {latest}", icon=":material/push_pin:", key="pin_snapshot",
                  on_click=lambda: st.query_params.update(snapshot=str(latest)),
                  help="The link will show today's data even after new data is loaded.")
    else:
        st.button("Unpin: follow the latest data", key="unpin_snapshot",
                  on_click=lambda: st.query_params.pop("snapshot", None))
    st.divider()
    saved_views.save_form(person, page.url_path, st.query_params.to_dict())
