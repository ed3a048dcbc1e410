"""Shared fixtures: the real data in ../shared/data, the sample lake, fresh lakes per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ingest.sample import build_sample
from queries import lake as lakes

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("BILATERAL_SHARED_DATA", REPO.parent / "shared" / "data"))
IN_CI = bool(os.environ.get("BILATERAL_CI"))

# Keep DuckDB small on shared CI machines.
os.environ.setdefault("BILATERAL_MEMORY_LIMIT", "2GB")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (or $BILATERAL_SHARED_DATA): the team's machines and CI have it,
    a user's clone does not, and there these tests skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not present (only the team's machines and CI have it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake built once from data/sample/, shared read-only by the tests."""
    lake = tmp_path_factory.mktemp("sample") / "lake"
    list(build_sample(lake))
    return lake


@pytest.fixture
def sample_con(sample_lake: Path):
    con = lakes.connect(sample_lake)
    yield con
    con.close()


@pytest.fixture
def copy_of_sample_lake(sample_lake: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the sample lake."""
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake)
    return lake


@pytest.fixture
def empty_lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"
