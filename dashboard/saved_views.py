"""Saved views on screen: "Save this view" in the Share popover, and the Overview's lists
"Your views" and "Shared with the team", each opening in one click exactly as saved, with rename,
share and delete for those allowed (alerts/views.py decides who may). Sign-in off: everything
belongs to "local", who may do everything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from alerts.views import SavedView, ViewError, ViewStore, may_manage, open_views
from dashboard.access import Person
from dashboard.highlight import md
from dashboard.lake_access import lake_settings

PAGES = Path(__file__).parent / "pages"
PAGE_TITLES = {"": "Overview", "pair": "Pair", "brief": "Brief", "network": "Network", "articles": "Articles",
               "data": "Data", "alerts": "Alerts"}


def _page_file(page: str) -> Path | None:
    file = PAGES / f"{page or 'overview'}.py"
    return file if page in PAGE_TITLES and file.is_file() else None


def _lake() -> Path:
    return lake_settings()[0]


def save_form(person: Person, page: str, params: dict[str, str]) -> None:
    """The form in the Share popover: name, note, shared (editors), saved under this person."""
    if _page_file(page) is None:
        return
    with st.form("save_view", clear_on_submit=True, border=False):
        st.markdown("**Save this view**")
        name = st.text_input("Name", max_chars=100, key="save_view_name", placeholder="e.g. Libya–Russia, Nov 2025")
        note = st.text_area("Note (optional)", max_chars=1000, key="save_view_note", height=68)
        shared = st.checkbox("Share with the team", key="save_view_shared", disabled=not person.is_editor,
                             help=None if person.is_editor else "Editors can share views with the team.")
        if st.form_submit_button("Save this view", icon=":material/bookmark_add:"):
            try:
                with open_views(_lake()) as store:
                    store.save(name, page, params, owner=person.id, note=note, shared=shared and person.is_editor,
                               editor=person.is_editor)
            except ViewError as err:  # a toast: the popover closes when the form is sent
                st.toast(str(err), icon=":material/warning:")
            else:
                st.toast(f"Saved as '{md(' '.join(name.split()))}'. It is listed on the Overview.",
                         icon=":material/bookmark_added:")


def overview_lists(person: Person) -> None:
    """'Your views' and 'Shared with the team' on the Overview."""
    with open_views(_lake()) as store:
        mine, others = store.mine(person.id), store.shared_by_others(person.id)
    if not mine and not others:
        st.caption(":material/bookmarks: No saved views yet: *Share this view → Save this view* in the sidebar "
                   "keeps any page's exact view under a name.")
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**Your views**")
        if not mine:
            st.caption("None yet: Share this view → Save this view.")
        for view in mine:
            _view_row(view, person)
    with right:
        st.markdown("**Shared with the team**")
        if not others:
            st.caption("No one else has shared a view yet.")
        for view in others:
            _view_row(view, person)


def _view_row(view: SavedView, person: Person) -> None:
    file = _page_file(view.page)
    if file is None:
        return
    link, manage = st.columns([6, 1], vertical_alignment="center")
    pin = f" · snapshot {view.snapshot}" if view.snapshot else ""
    shared = " · shared" if view.shared and view.owner == person.id else ""
    owner = f" · {md(view.owner)}" if view.owner != person.id else ""
    link.page_link(str(file), label=f"{md(view.name)} ({PAGE_TITLES[view.page]}{pin}{shared}{owner})",
                   query_params=view.params, icon=":material/bookmark:",
                   help=md(view.note) if view.note else None)
    if not may_manage(view, person.id, person.is_editor):
        return
    with manage.popover("Edit", icon=":material/edit:", help="Rename, share or delete"):
        new_name = st.text_input("Name", value=view.name, max_chars=100, key=f"view_name_{view.id}")
        if st.button("Rename", key=f"view_rename_{view.id}"):
            _change(lambda store: store.rename(view.id, new_name, person=person.id, editor=person.is_editor))
        if person.is_editor:
            label = "Stop sharing" if view.shared else "Share with the team"
            if st.button(label, key=f"view_share_{view.id}"):
                _change(lambda store: store.set_shared(view.id, not view.shared, person=person.id,
                                                       editor=person.is_editor))
        if st.button("Delete", key=f"view_delete_{view.id}", icon=":material/delete:"):
            _change(lambda store: store.delete(view.id, person=person.id, editor=person.is_editor))


def _change(action: Callable[[ViewStore], None]) -> None:
    try:
        with open_views(_lake()) as store:
            action(store)
    except ViewError as err:
        st.toast(str(err), icon=":material/warning:")
        return
    st.rerun()
