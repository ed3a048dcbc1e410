"""The package: pyproject.toml agrees with the pinned requirements, the `bilateral` command
dispatches to the three CLIs, and a built wheel carries the SQL, the schema and the lookups."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bilateral import __main__ as cli

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _pins(path: Path) -> dict[str, Requirement]:
    """name -> requirement of each `name==version` line (comments and `-r` lines skipped)."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = req
    return pins


def _ranges(requirements: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(req.name): req for req in map(Requirement, requirements)}


def _assert_in_step(pins: dict[str, Requirement], ranges: dict[str, Requirement]) -> None:
    assert sorted(pins) == sorted(ranges), "requirements file and pyproject.toml list different packages"
    for name, pin in pins.items():
        (spec,) = pin.specifier  # one exact pin per line
        assert spec.operator == "==", f"{name}: requirements pin exactly, found {pin}"
        assert ranges[name].specifier.contains(spec.version, prereleases=True), (
            f"{name}: the pin {spec.version} is outside pyproject.toml's {ranges[name].specifier}"
        )
        assert pin.extras == ranges[name].extras, f"{name}: extras differ"


def test_runtime_dependencies_match_requirements_txt() -> None:
    _assert_in_step(_pins(REPO / "requirements.txt"), _ranges(PYPROJECT["project"]["dependencies"]))


def test_dev_extra_matches_requirements_dev_txt() -> None:
    _assert_in_step(
        _pins(REPO / "requirements-dev.txt"), _ranges(PYPROJECT["project"]["optional-dependencies"]["dev"])
    )


def test_console_entry_point_resolves_to_the_dispatcher() -> None:
    module, _, function = PYPROJECT["project"]["scripts"]["bilateral"].partition(":")
    assert (module, function) == ("bilateral.__main__", "main")
    assert getattr(cli, function) is cli.main


def test_help_lists_the_subcommands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bilateral", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: bilateral")
    for command in ("ingest", "query", "serve"):
        assert f"\n    {command} " in done.stdout, done.stdout


def test_unknown_command_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bilateral", "frobnicate"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "invalid choice: 'frobnicate'" in done.stderr and not done.stdout


def test_query_passes_through_to_python_m_queries(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["query", "--list"]) == 0
    assert "pair_timeline:" in capsys.readouterr().out


def test_ingest_passes_through_to_python_m_ingest(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["ingest", "--help"])
    assert stopped.value.code == 0
    assert "watch" in capsys.readouterr().out


def test_serve_settings_are_those_of_streamlit_config_toml() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    flat = {
        f"{section}.{key}": str(value).lower()
        for section, values in config.items()
        for key, value in values.items()
    }
    assert flat == cli.STREAMLIT_SETTINGS


@pytest.fixture
def streamlit_argv(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """What `bilateral serve` would hand to Streamlit (in a clone: no lake yet, the sample is there)."""
    from streamlit.web import cli as streamlit_cli

    seen: list[list[str]] = []
    monkeypatch.setattr(streamlit_cli, "main", lambda args, prog_name: seen.append(args) or 0)
    return seen


def test_serve_runs_the_launcher_with_house_settings_outside_a_configured_directory(
    streamlit_argv: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BILATERAL_LAKE", str(tmp_path / "lake"))
    assert cli.main(["serve", "--server.port", "8599"]) == 0
    (args,) = streamlit_argv
    launcher = args.index(str(cli.APP))
    assert args[0] == "run" and Path(args[launcher]).is_file()
    assert "--client.toolbarMode=viewer" in args[:launcher]
    assert args[launcher + 1 :] == ["--server.port", "8599"]  # the caller's, last: they win


def test_serve_leaves_settings_to_a_directory_with_its_own_config(
    streamlit_argv: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text("[client]\ntoolbarMode = 'minimal'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BILATERAL_LAKE", str(tmp_path / "lake"))
    assert cli.main(["serve"]) == 0
    assert streamlit_argv == [["run", str(cli.APP)]]


def test_serve_without_lake_or_sample_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ingest.sample

    monkeypatch.setattr(ingest.sample, "SAMPLE", tmp_path / "no-sample")  # as in an installed package
    monkeypatch.setenv("BILATERAL_LAKE", str(tmp_path / "lake"))
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bilateral ingest gdelt FILE" in err
    assert not (tmp_path / "lake").exists()


@pytest.mark.slow
def test_wheel_carries_the_sql_schema_lookups_and_licence(tmp_path: Path) -> None:
    # Built from a copy: pip builds in the source tree, and others work in this one.
    source = tmp_path / "src"
    not_shipped = {
        REPO / name
        for name in (".git", ".venv", "tests", "bench", "build", "docs", "data/lake", "data/sample")
    }

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {
            n
            for n in names
            if Path(folder, n) in not_shipped or n == "__pycache__" or n.endswith((".egg-info", "_cache"))
        }

    shutil.copytree(REPO, source, ignore=ignore)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = tmp_path.glob("bilateral-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"queries/{p.name}" for p in (REPO / "queries").glob("*.sql")}
    expected |= {f"queries/rollup/{p.name}" for p in (REPO / "queries" / "rollup").glob("*.sql")}
    expected |= {"queries/shared/macros.sql"}
    expected |= {f"ingest/coder/{p.name}" for p in (REPO / "ingest" / "coder").glob("*.csv")}
    expected |= {f"lake/cameo_lookups/{p.name}" for p in (REPO / "data" / "reference").iterdir()}
    expected |= {f"dashboard/pages/{p.name}" for p in (REPO / "dashboard" / "pages").glob("*.py")}
    expected |= {"ingest/schema.sql", "dashboard/app.py", "bilateral_app.py", "bilateral/__main__.py"}
    assert len(expected) > 40 and expected <= names, sorted(expected - names)
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert {f"{dist_info}/licenses/LICENSE", f"{dist_info}/licenses/NOTICE"} <= names
    entry_points = zipfile.ZipFile(wheel).read(f"{dist_info}/entry_points.txt").decode()
    assert "bilateral = bilateral.__main__:main" in entry_points
    assert not any(n.startswith(("tests/", "data/", "bench/")) for n in names)


def test_readme_test_command_is_what_ci_runs() -> None:
    def words(command: str) -> list[str]:
        return [w for w in command.split() if w != "-q"]  # CI installs quietly, nothing more

    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    (ci_command,) = [line for line in ci.splitlines() if line.startswith("python3 -m venv")]
    readme = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert words(ci_command) in [words(line) for line in readme]
