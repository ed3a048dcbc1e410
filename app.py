"""Bilateral: relations between pairs of countries from news event data.

The entrypoint only sets up the page, makes sure a lake exists, and routes to pages.
"""

from pathlib import Path

import streamlit as st

from dashboard.data import ensure_lake

PAGES = Path(__file__).parent / "dashboard" / "pages"

st.set_page_config(page_title="Bilateral", page_icon=":material/public:", layout="wide")
ensure_lake()

page = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGES / "pair.py", title="Pair", icon=":material/compare_arrows:", url_path="pair"),
        st.Page(PAGES / "network.py", title="Network", icon=":material/hub:", url_path="network"),
        st.Page(PAGES / "articles.py", title="Articles", icon=":material/article:", url_path="articles"),
    ]
)
page.run()
