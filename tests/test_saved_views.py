"""Saved views (issue 19): the store's rules (who sees, renames, shares, deletes which view) and,
through AppTest with sign-in off, "Save this view" in the Share popover and the Overview's link
that reopens the view exactly as saved (owner "local")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alerts.views import ViewError, open_views
from dashboard import access

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAIR = {"a": "USA", "b": "CHN", "from": "2018-01-01", "to": "2018-06-30"}


def test_views_belong_to_their_owner_and_shared_ones_to_the_team(tmp_path: Path) -> None:
    with open_views(tmp_path) as store:
        mine = store.save("  USA  China\tH1 ", "pair", {**PAIR, "snapshot": "4"}, owner="ann@x.org", note="for Monday")
        theirs = store.save("Network 2018", "network", {"from": "2018-01-01"}, owner="ed@x.org", shared=True,
                            editor=True)
        private = store.save("Ed's own", "", {}, owner="ed@x.org")
        view = store.get(mine)
        assert view is not None
        assert (view.name, view.page, view.params, view.snapshot, view.note, view.shared) == (
            "USA China H1", "pair", {**PAIR, "snapshot": "4"}, 4, "for Monday", False)
        assert [v.id for v in store.mine("ann@x.org")] == [mine]
        assert [v.id for v in store.shared_by_others("ann@x.org")] == [theirs]
        assert store.visible(private, "ann@x.org") is None  # another person's private view: not even by id
        assert store.visible(theirs, "ann@x.org") is not None
        assert store.shared_by_others("ed@x.org") == []


def test_who_may_change_a_view(tmp_path: Path) -> None:
    with open_views(tmp_path) as store:
        with pytest.raises(ViewError, match="Only editors"):
            store.save("x", "pair", PAIR, owner="viewer@x.org", shared=True, editor=False)
        own = store.save("mine", "pair", PAIR, owner="viewer@x.org")
        team = store.save("team", "pair", PAIR, owner="ed@x.org", shared=True, editor=True)
        private = store.save("private", "pair", PAIR, owner="ed@x.org")

        store.rename(own, "renamed", person="viewer@x.org", editor=False)
        assert store.get(own).name == "renamed"  # type: ignore[union-attr]
        with pytest.raises(ViewError, match="Only editors"):
            store.set_shared(own, True, person="viewer@x.org", editor=False)
        for action in (lambda: store.rename(team, "taken", person="viewer@x.org", editor=False),
                       lambda: store.delete(team, person="viewer@x.org", editor=False),
                       lambda: store.set_shared(team, False, person="viewer@x.org", editor=False),
                       lambda: store.delete(private, person="other@x.org", editor=True)):
            with pytest.raises(ViewError, match="Only its owner"):
                action()
        assert store.get(team).name == "team" and store.get(private) is not None  # type: ignore[union-attr]

        store.rename(team, "team, renamed", person="other@x.org", editor=True)  # an editor, a shared view
        store.set_shared(team, False, person="other@x.org", editor=True)
        assert store.visible(team, "other@x.org") is None
        store.delete(own, person="viewer@x.org", editor=False)
        assert store.get(own) is None
        for bad in ("", "   ", "x" * 101):
            with pytest.raises(ViewError):
                store.save(bad, "pair", PAIR, owner="viewer@x.org")


def test_the_store_shares_the_alerts_database_file(tmp_path: Path) -> None:
    from alerts import appdb

    db = appdb.open_db(tmp_path)
    db.add_watch("USA", "CHN", directed=False, rules={"spike": {}}, grain="week", emails=[], webhook=None, owner=None)
    db.close()
    with open_views(tmp_path) as store:
        store.save("v", "", {}, owner="local")
    assert {p.name for p in tmp_path.iterdir() if p.suffix == ".sqlite"} == {"app.sqlite"}
    db = appdb.open_db(tmp_path)
    assert len(db.watches()) == 1
    db.close()


@pytest.fixture
def lake(sample_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "lake"
    shutil.copytree(sample_lake, copy)
    monkeypatch.setenv("BILATERAL_LAKE", str(copy))
    return copy


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_save_this_view_and_reopen_it_from_the_overview(lake: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("dashboard/pages/pair.py")
    for key, value in PAIR.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    asked = metrics(at)
    at.text_input(key="save_view_name").input("USA–China H1 2018")
    at.text_area(key="save_view_note").input("the spring spike")
    at.checkbox(key="save_view_shared").check()
    at.button(key="FormSubmitter:save_view-Save this view").click()
    at.run()
    assert not at.exception
    assert any("Saved as" in s.value for s in at.toast)

    with open_views(lake) as store:
        (view,) = store.mine(access.LOCAL)
    assert (view.name, view.page, view.note, view.owner, view.shared) == (
        "USA–China H1 2018", "pair", "the spring spike", "local", True)
    assert {k: view.params[k] for k in PAIR} == PAIR

    # The Overview lists it; its link opens the Pair page with exactly the saved parameters.
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert any(m.value == "**Your views**" for m in at.markdown)
    links = [el for el in at.get("page_link") if "USA–China H1 2018" in el.proto.label]
    assert len(links) == 1
    opened = AppTest.from_file(APP, default_timeout=120)
    opened.switch_page("dashboard/pages/pair.py")
    for key, value in view.params.items():
        opened.query_params[key] = value
    opened.run()
    assert not opened.exception
    assert metrics(opened) == asked


def test_data_page_hides_operations_from_non_admins(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("dashboard/pages/data.py")
    at.run()
    assert not at.exception
    captions, headings = [c.value for c in at.caption], [s.value for s in at.subheader]
    assert any(c.startswith("Lake: ") for c in captions) and "How to refresh" in headings  # sign-in off: admin

    monkeypatch.setattr(access, "NOBODY", access.Person("local", "local", "viewer", False))
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("dashboard/pages/data.py")
    at.run()
    assert not at.exception
    captions, headings = [c.value for c in at.caption], [s.value for s in at.subheader]
    assert not any(c.startswith("Lake: ") for c in captions)
    assert "How to refresh" not in headings and "Rejected drops" not in headings and "Snapshot history" in headings
    shown = [e.value for kind in (at.caption, at.markdown, at.text, at.code, at.title) for e in kind]
    assert not [s for s in shown if str(lake) in s]
