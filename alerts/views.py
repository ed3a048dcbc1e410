"""Saved views (issue 19): a name for a dashboard URL (page, query parameters, pinned snapshot),
an optional note, an owner, and whether the team sees it. Stored in the application database
beside the lake (appdb.path_for: LAKE_DIR/app.sqlite), in its own table, never in the lake.

Who may do what is decided here, not only in the page: the owner renames and deletes their own
views; sharing and unsharing need an editor; an editor also renames, unshares and deletes the
team's shared views. Owners are e-mail addresses with sign-in on, "local" with it off.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from alerts.appdb import path_for

NAME_MAX = 100
NOTE_MAX = 1000

SCHEMA = """
create table if not exists saved_views (
    id integer primary key,
    name text not null,
    page text not null,                    -- the page's url_path ('' = Overview)
    params text not null,                  -- JSON: the URL's query parameters, as saved
    snapshot integer,                      -- the pinned snapshot, if the view was pinned
    note text not null default '',
    owner text not null,
    shared integer not null default 0,
    created text not null,
    updated text not null
);
create index if not exists saved_views_owner on saved_views (owner);
"""


class ViewError(ValueError):
    """A name, note or request that cannot be done; the message is one sentence for the person."""


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    page: str
    params: dict[str, str]
    snapshot: int | None
    note: str
    owner: str
    shared: bool
    created: str
    updated: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _row(row: sqlite3.Row) -> SavedView:
    return SavedView(row["id"], row["name"], row["page"], json.loads(row["params"]), row["snapshot"], row["note"],
                     row["owner"], bool(row["shared"]), row["created"], row["updated"])


def clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ViewError("Give the view a name.")
    if len(name) > NAME_MAX:
        raise ViewError(f"A view's name has at most {NAME_MAX} characters.")
    return name


def clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ViewError(f"A note has at most {NOTE_MAX} characters.")
    return note


def may_manage(view: SavedView, person: str, editor: bool) -> bool:
    """Rename, delete, unshare: the owner, or an editor for a shared view."""
    return view.owner == person or (editor and view.shared)


class ViewStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.con.row_factory = sqlite3.Row
        self.con.execute("pragma journal_mode=wal")
        self.con.execute("pragma busy_timeout=30000")
        self.con.executescript(SCHEMA)

    def close(self) -> None:
        self.con.close()

    def save(self, name: str, page: str, params: Mapping[str, str], *, owner: str, note: str | None = None,
             shared: bool = False, editor: bool = False) -> int:
        if shared and not editor:
            raise ViewError("Only editors can share a view with the team.")
        params = {str(k): str(v) for k, v in params.items()}
        raw_pin = params.get("snapshot")
        snapshot = int(raw_pin) if raw_pin is not None and raw_pin.isdigit() else None
        now = _now()
        cur = self.con.execute(
            "insert into saved_views (name, page, params, snapshot, note, owner, shared, created, updated) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (clean_name(name), page, json.dumps(params, sort_keys=True), snapshot, clean_note(note), owner,
             int(shared), now, now))
        return int(cur.lastrowid or 0)

    def get(self, view_id: int) -> SavedView | None:
        row = self.con.execute("select * from saved_views where id = ?", (view_id,)).fetchone()
        return _row(row) if row else None

    def visible(self, view_id: int, person: str) -> SavedView | None:
        """The view if this person may open it (their own, or shared), else None."""
        view = self.get(view_id)
        return view if view is not None and (view.owner == person or view.shared) else None

    def mine(self, person: str) -> list[SavedView]:
        rows = self.con.execute("select * from saved_views where owner = ? order by lower(name), id",
                                (person,)).fetchall()
        return [_row(r) for r in rows]

    def shared_by_others(self, person: str) -> list[SavedView]:
        rows = self.con.execute("select * from saved_views where shared = 1 and owner <> ? order by lower(name), id",
                                (person,)).fetchall()
        return [_row(r) for r in rows]

    def _managed(self, view_id: int, person: str, editor: bool) -> SavedView:
        view = self.get(view_id)
        if view is None:
            raise ViewError("That view no longer exists.")
        if not may_manage(view, person, editor):
            raise ViewError("Only its owner (or an editor, for a shared view) can change this view.")
        return view

    def rename(self, view_id: int, name: str, *, person: str, editor: bool) -> None:
        self._managed(view_id, person, editor)
        self.con.execute("update saved_views set name = ?, updated = ? where id = ?",
                         (clean_name(name), _now(), view_id))

    def set_shared(self, view_id: int, shared: bool, *, person: str, editor: bool) -> None:
        self._managed(view_id, person, editor)
        if not editor:
            raise ViewError("Only editors can share or unshare a view.")
        self.con.execute("update saved_views set shared = ?, updated = ? where id = ?", (int(shared), _now(), view_id))

    def delete(self, view_id: int, *, person: str, editor: bool) -> None:
        self._managed(view_id, person, editor)
        self.con.execute("delete from saved_views where id = ?", (view_id,))


@contextmanager
def open_views(lake_dir: Path) -> Iterator[ViewStore]:
    """The saved views of the lake in lake_dir (its application database), closed after use."""
    with closing(ViewStore(path_for(lake_dir))) as store:
        yield store
