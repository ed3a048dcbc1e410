"""Shared fixtures: the real data in ../shared/data, the sample lake, fresh lakes per test."""

from __future__ import annotations

import itertools
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.sample import build_sample
from lake import connection as lakes

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


# --- Scale-out: a PostgreSQL catalog and an S3 (moto) data path, real servers on 127.0.0.1 ---

def _service(start):
    from tests.services import Unavailable

    try:
        return start()
    except Unavailable as missing:
        if IN_CI:  # CI must run the scale-out tests, not skip them
            pytest.fail(f"{missing}; CI must run the scale-out tests")
        pytest.skip(str(missing))


@pytest.fixture(scope="session")
def postgres():
    from tests.services import Postgres

    server = _service(Postgres.start)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_s3():
    from tests.services import MotoS3

    server = _service(MotoS3.start)
    server.create_bucket("bilateral")
    yield server
    server.stop()


@contextmanager
def lake_settings(env: dict[str, str]):
    """Run in-process code with these lake settings in the environment, then restore it."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        yield


_LAKE_NAMES = itertools.count(1)


@pytest.fixture
def pg_s3_env(postgres, moto_s3):
    """Settings for a new, empty PostgreSQL + S3 lake (own schema, own prefix) per call."""
    from tests.services import lake_env

    return lambda: lake_env(postgres, moto_s3, f"lake_{os.getpid()}_{next(_LAKE_NAMES)}")


@pytest.fixture(scope="session")
def pg_s3_sample(postgres, moto_s3, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The embedded sample built once into a PostgreSQL + S3 lake: (lake dir, settings)."""
    from tests.services import lake_env

    env = lake_env(postgres, moto_s3, "sample")
    lake = tmp_path_factory.mktemp("pg_s3_sample") / "lake"
    with lake_settings(env):
        list(build_sample(lake))
    return lake, env
