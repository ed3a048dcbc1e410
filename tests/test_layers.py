"""Layers point one way: dashboard -> queries -> lake, ingest -> lake (STYLE.md); alerts sits above
queries and below both the ingest CLI and the dashboard (dashboard -> alerts -> queries -> lake).

Every import statement of every product file is read with ast (imports inside functions too),
so a new file or a late import is checked like the rest. The one dashboard file that may call
the ingest is its entrypoint, dashboard/app.py (the first-start sample build and the schema
upgrade), and only through public names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("lake", "queries", "alerts", "ingest", "dashboard", "bilateral")

# package -> top-level packages of this repo it must never import
FORBIDDEN = {
    "lake": {"queries", "alerts", "ingest", "dashboard", "bilateral"},
    "queries": {"alerts", "ingest", "dashboard", "bilateral"},
    "alerts": {"ingest", "dashboard", "bilateral"},
    "ingest": {"dashboard", "bilateral"},
    "dashboard": {"ingest", "bilateral"},
    "bilateral": {"dashboard"},  # it starts the dashboard with streamlit, never imports it
}
ENTRYPOINT = Path("dashboard/app.py")  # may import public names of the ingest


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) for every import in a file; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            found.append((module, [alias.name for alias in node.names], node.lineno))
    return found


def violations(path: Path) -> list[str]:
    rel = path.relative_to(REPO)
    banned = FORBIDDEN[rel.parts[0]]
    wrong = []
    for module, names, line in imports(path):
        top = module.split(".")[0]
        if top not in banned:
            continue
        if rel == ENTRYPOINT and top == "ingest":
            private = [n for n in names if n.startswith("_")] + [p for p in module.split(".") if p.startswith("_")]
            if names and not private:
                continue
        wrong.append(f"{rel}:{line} imports {module}" + (f" ({', '.join(names)})" if names else ""))
    return wrong


def product_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py"))


def test_no_import_points_up_or_sideways() -> None:
    wrong = [v for path in product_files() for v in violations(path)]
    assert wrong == []


def test_the_check_sees_every_product_file() -> None:
    files = {str(p.relative_to(REPO)) for p in product_files()}
    assert {"lake/connection.py", "queries/runner.py", "dashboard/lake_access.py", "ingest/load.py",
            "dashboard/pages/pair.py", "dashboard/app.py"} <= files


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("dashboard/lake_access.py", "from ingest.store import ensure_schema\n"),
        ("dashboard/countries.py", "def f():\n    from ingest.reference import _lookup_rows\n"),
        ("dashboard/pages/pair.py", "import ingest.sample\n"),
        ("queries/runner.py", "from dashboard import url\n"),
        ("queries/runner.py", "from ingest import store\n"),
        ("queries/spikes.py", "from alerts import rules\n"),
        ("alerts/engine.py", "from dashboard import spikes\n"),
        ("alerts/rules.py", "import ingest.load\n"),
        ("lake/connection.py", "from queries import runner\n"),
        ("lake/sandbox.py", "from . import connection\nfrom ..queries import runner\n"),
        ("dashboard/app.py", "from ingest.store import _statements\n"),
        ("dashboard/app.py", "import ingest.store\n"),
    ],
)
def test_a_violating_import_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str,
                                      source: str) -> None:
    """The check itself fails on each kind of wrong import (a file written where it would live)."""
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    path = tmp_path / where
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert violations(path), f"{where}: {source!r} was not caught"


def test_the_entrypoint_may_call_public_ingest_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    path = tmp_path / ENTRYPOINT
    path.parent.mkdir(parents=True)
    path.write_text("from ingest.sample import build_sample\nfrom lake import connection\n", encoding="utf-8")
    assert violations(path) == []


def test_no_dashboard_module_shares_a_name_with_a_page() -> None:
    pages = {p.stem for p in (REPO / "dashboard" / "pages").glob("*.py")}
    modules = {p.stem for p in (REPO / "dashboard").glob("*.py")}
    assert pages & modules == set()
