"""Security: hostile input is inert.

- Every page takes hostile values in every URL parameter it reads (SQL, 10,000 characters,
  control characters, path traversal, javascript: URLs, %00, HTML) and answers with
  notices: no exception, no traceback text, no javascript: link.
- The dashboard's connection (dashboard.lake_access.connection()) is read-only and sandboxed, and the
  kernel (Landlock) stops the threads that use it from writing any file.
- The query runner validates every parameter before it touches the connection: a hostile
  value is a QueryError and nothing runs; free-text values are bound, never pasted.
- `python -m queries` answers hostile parameters with one line.
- `python -m ingest` refuses symbolic links, never follows a zip member's name out of its
  work folder, and writes nothing outside the lake and the drop folder.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from lake import connection as lakes
from lake.sandbox import SandboxedLake
from queries import runner
from queries.runner import QueryError

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
SAMPLE_EVENTS = REPO / "data" / "sample" / "events"

PAYLOADS = {
    "sql": "USA'); DROP TABLE events; SELECT * FROM read_csv('/etc/passwd') --",
    "long": "A" * 10_000,
    "control": "\u202e\x00\x07\x1b[2J\x1b]0;pwn\x07\u200b\ufeffUSA\r\nX-Injected: 1",
    "traversal": "../../etc/passwd",
    "javascript": "javascript:alert(document.cookie)",
    "percent-nul": "%00",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
}

PAIR_PARAMS = ("a", "b", "from", "to", "grain", "count", "direction", "share", "quad_classes", "roots",
               "compare", "period", "quad")
# Every URL parameter each page reads (dashboard/pages/*, dashboard/pair_state.py, shared.py),
# plus one it does not know.
PAGES = {
    "overview": ("dashboard/pages/overview.py", ()),
    "pair": ("dashboard/pages/pair.py", PAIR_PARAMS),
    "brief": ("dashboard/pages/brief.py", PAIR_PARAMS),
    "network": ("dashboard/pages/network.py", ("from", "to", "min_events", "top", "layout", "quad_classes",
                                               "roots", "nonstate", "focus")),
    "articles": ("dashboard/pages/articles.py", ("a", "b", "from", "to", "quad", "code", "event", "page", "q",
                                                 "lang")),
    "data": ("dashboard/pages/data.py", ()),
}
COMMON_PARAMS = ("snapshot", "zzz_unknown")
TRACEBACK_MARKS = ("Traceback (most recent call last)", 'File "/', "duckdb.", "Exception:", "Error: ")


# ---------------------------------------------------------------- hostile URLs on every page


def _texts(node) -> list[str]:
    """The text of every element the run produced (protos printed whole)."""
    found = []
    proto = getattr(node, "proto", None)
    if proto is not None and type(proto).__name__ not in ("Arrow", "ArrowTable"):
        found.append(str(proto))
    for child in getattr(node, "children", {}).values():
        found += _texts(child)
    return found


@pytest.fixture(scope="module")
def open_page(sample_lake: Path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BILATERAL_LAKE", str(sample_lake))

        def open_with(page: str, params: dict[str, str]) -> AppTest:
            at = AppTest.from_file(APP, default_timeout=180)
            at.switch_page(PAGES[page][0])
            for key, value in params.items():
                at.query_params[key] = value
            return at.run()

        yield open_with


def assert_inert(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    texts = _texts(at._tree)
    assert texts, "the page rendered nothing"
    for text in texts:
        for mark in TRACEBACK_MARKS:
            assert mark not in text, f"{mark!r} shown: {text[:300]}"
        assert "](javascript:" not in text.lower() and 'href="javascript:' not in text.lower(), text[:300]
    for link in at.get("page_link"):
        assert not link.proto.page.lower().startswith("javascript:"), link.proto
    assert at.title, "the page stopped before its title"
    assert at.warning, "a bad parameter must be named in a notice"


@pytest.mark.parametrize("payload", PAYLOADS, ids=list(PAYLOADS))
@pytest.mark.parametrize("page", PAGES)
def test_hostile_value_in_every_url_parameter_is_inert(open_page, page: str, payload: str) -> None:
    params = {key: PAYLOADS[payload] for key in PAGES[page][1] + COMMON_PARAMS}
    assert_inert(open_page(page, params))


@pytest.mark.parametrize("page", PAGES)
def test_mixed_hostile_values_are_inert(open_page, page: str) -> None:
    """Each parameter a different payload, so no one notice hides the others."""
    values = list(PAYLOADS.values())
    keys = PAGES[page][1] + COMMON_PARAMS
    assert_inert(open_page(page, {key: values[i % len(values)] for i, key in enumerate(keys)}))


# ---------------------------------------------------------------- the dashboard's connection


@pytest.fixture(scope="module")
def dashboard_con(sample_lake: Path):
    """dashboard.lake_access.connection() on the sample lake, exactly as a page gets it."""
    from dashboard import lake_access as data

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BILATERAL_LAKE", str(sample_lake))
        yield data.connection()


def test_dashboard_connection_is_read_only_and_locked(dashboard_con, sample_lake: Path) -> None:
    readonly = dashboard_con.sql("select readonly from duckdb_databases() where database_name = 'lake'")
    settings = dashboard_con.sql(
        "select current_setting('enable_external_access'), current_setting('lock_configuration'), "
        "current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')")
    allowed = dashboard_con.sql("select current_setting('allowed_directories')")[0][0]
    assert readonly == [(True,)]
    assert settings == [(False, True, False, False)]
    assert str(sample_lake) + "/" in allowed


def test_dashboard_connection_is_guarded_by_the_kernel(dashboard_con) -> None:
    """In CI (Linux with Landlock) the guard must be on; elsewhere the reason is stated."""
    if not dashboard_con.guarded and not os.environ.get("BILATERAL_CI"):
        pytest.skip(f"no kernel write guard here: {dashboard_con.guard}")
    assert dashboard_con.guarded, dashboard_con.guard
    assert dashboard_con.guard.startswith("Landlock ABI ")


OUTSIDE_READS = [
    "select * from read_csv('/etc/passwd')",
    "select * from read_text('/etc/passwd')",
    "select * from read_blob('/etc/passwd')",
    "select * from glob('/etc/*')",
    "select * from read_parquet('/etc/passwd')",
    "select * from read_json_auto('/etc/passwd')",
    "select * from sqlite_scan('/etc/passwd', 'x')",
    "select * from read_text('{lake}/../../../../../../etc/passwd')",
    "select * from read_text('{lake}/files/../../../../../../../etc/passwd')",
    "select * from read_text('file:///etc/passwd')",
    "select * from read_csv('https://example.invalid/x.csv')",
]
REFUSED = [
    "copy (select 1) to '/tmp/bilateral-security-should-not-exist.csv'",
    "copy (select 1) to '{lake}/../bilateral-security-should-not-exist.csv'",
    "install httpfs",
    "load httpfs",
    "force install sqlite_scanner",
    "set enable_external_access = true",
    "set allowed_directories = ['/']",
    "set lock_configuration = false",
    "reset lock_configuration",
    "set memory_limit = '100GB'",
    "attach '/tmp/bilateral-security-other.duckdb' as other",
    "insert into lake.events (event_id) values (1)",
    "update lake.countries set name = 'x'",
    "delete from lake.events",
    "drop table lake.events",
    "create table lake.evil (x int)",
    "export database '/tmp/bilateral-security-export'",
]


@pytest.mark.parametrize("statement", OUTSIDE_READS + REFUSED)
def test_dashboard_connection_refuses(dashboard_con, sample_lake: Path, statement: str) -> None:
    sql = statement.format(lake=sample_lake)
    with pytest.raises(duckdb.Error):
        dashboard_con.sql(sql)
    assert not Path("/tmp/bilateral-security-should-not-exist.csv").exists()
    assert not (sample_lake.parent / "bilateral-security-should-not-exist.csv").exists()
    assert not Path("/tmp/bilateral-security-other.duckdb").exists()
    assert not Path("/tmp/bilateral-security-export").exists()


def test_dashboard_connection_still_reads_the_lake(dashboard_con, sample_con) -> None:
    assert dashboard_con.run(runner.run, "lake_summary").equals(runner.run(sample_con, "lake_summary"))


def _lake_fingerprint(lake: Path) -> tuple:
    con = lakes.connect(lake)
    try:
        counts = tuple(con.execute(f"select count(*) from {t}").fetchall()[0][0]
                       for t in ("events", "countries", "cameo_codes"))
        return lakes.current_snapshot(con), counts
    finally:
        con.close()


@pytest.fixture
def guarded_copy(copy_of_sample_lake: Path):
    """The dashboard's connection (dashboard.lake_access._connection) on a private copy of the lake.
    Without a kernel write guard (not Linux, no Landlock) these tests skip, except in CI."""
    guarded = SandboxedLake(copy_of_sample_lake, memory_limit="1GB")
    if not guarded.guarded and not os.environ.get("BILATERAL_CI"):
        guarded.close()
        pytest.skip(f"no kernel write guard here: {guarded.guard}")
    yield guarded
    guarded.close()


def _attempt(guarded: SandboxedLake, statements: list[str]) -> list[str]:
    """Run each statement on the guarded connection; the ones that did not raise."""
    succeeded = []
    for statement in statements:
        try:
            guarded.sql(statement)
        except duckdb.Error:
            continue
        succeeded.append(statement.split(" (")[0])
    return succeeded


def _tree(lake: Path) -> dict[str, bytes]:
    return {str(p.relative_to(lake)): p.read_bytes() for p in sorted(lake.rglob("*")) if p.is_file()}


def test_dashboard_connection_writes_no_file_in_the_lake(guarded_copy: SandboxedLake,
                                                         copy_of_sample_lake: Path) -> None:
    """DuckDB's allowed_directories grants writes with reads; the kernel guard takes them away."""
    lake = copy_of_sample_lake
    data_file = sorted((lake / lakes.DATA_DIR).rglob("*.parquet"))[0]
    before = _tree(lake)
    succeeded = _attempt(guarded_copy, [
        f"copy (select 42 as x) to '{lake / lakes.DATA_DIR / 'injected.csv'}'",
        f"copy (select 42 as x) to '{lake / 'injected.parquet'}' (format parquet)",
        f"copy (select range as x from range(1000000)) to '{data_file}' (format parquet)",
        f"attach '{lake / 'injected.duckdb'}' as injected",
    ])
    assert succeeded == [], f"the read-only sandbox ran: {succeeded}"
    assert _tree(lake) == before, "a file in the lake was added, removed or changed"
    assert guarded_copy.sql("select count(*) from lake.events") == [(117_126,)], "and it still reads"


def test_dashboard_connection_cannot_reattach_the_lake_read_write(guarded_copy: SandboxedLake,
                                                                  copy_of_sample_lake: Path) -> None:
    """Re-attaching the catalog without READ_ONLY is allowed by DuckDB (it lies inside
    allowed_directories), but the kernel refuses the catalog's write open, so SQLite opens it
    read-only and every change fails at commit."""
    lake = copy_of_sample_lake
    before, files = _lake_fingerprint(lake), _tree(lake)
    succeeded = _attempt(guarded_copy, [
        "use memory", "detach lake",
        f"attach 'ducklake:sqlite:{lake / lakes.CATALOG_FILE}' as rw "
        f"(data_path '{lake / lakes.DATA_DIR}/', override_data_path true)",
        "delete from rw.countries",
        "drop table rw.events",
        "insert into rw.articles (url) values ('https://example.invalid/x')",
        "create table rw.evil (x int)",
    ])
    assert not any(s.startswith(("delete", "drop", "insert", "create")) for s in succeeded), succeeded
    assert _lake_fingerprint(lake) == before
    assert _tree(lake) == files, "the catalog or a data file changed"


# ---------------------------------------------------------------- the query runner


def _valid_value(param: runner.Param) -> object:
    if param.default is not None:
        return None
    return {"country": {"a": "USA", "b": "CHN", "country": "USA"}.get(param.name, "USA"),
            "date": "2018-06-30" if param.name.endswith("end") else "2018-01-01",
            "search": "trade"}.get(param.type.split("(")[0], 1)


class Untouchable:
    """Stands in for the connection: any use at all is a test failure."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the connection was used ({name}) although a parameter was invalid")


def _cases():
    for query in runner.catalog().values():
        for param in query.params:
            yield pytest.param(query.name, param.name, id=f"{query.name}-{param.name}")


@pytest.mark.parametrize(("name", "param_name"), list(_cases()))
def test_runner_rejects_or_binds_every_hostile_value(name: str, param_name: str, dashboard_con) -> None:
    query = runner.get(name)
    kind = next(p for p in query.params if p.name == param_name).type.split("(")[0]
    for payload, value in PAYLOADS.items():
        params = {p.name: v for p in query.params if (v := _valid_value(p)) is not None}
        params[param_name] = value
        if kind not in ("text", "search"):
            with pytest.raises(QueryError) as raised:
                runner.run(Untouchable(), name, params)  # validation comes before any use of the connection
            assert len(str(raised.value).splitlines()) == 1, (payload, str(raised.value))
            continue
        # Free text is bound as a value ($name), never pasted into the SQL.
        try:
            frame = dashboard_con.run(runner.run, name, params)
        except QueryError as err:
            assert len(str(err).splitlines()) == 1, (payload, str(err))
            continue
        assert "root:x:0:0" not in frame.to_csv(), payload


def test_pair_events_with_injection_never_executes(dashboard_con) -> None:
    params = {"a": "'; select * from read_csv('/etc/passwd'); --", "b": "USA",
              "start": "2018-01-01", "end": "2018-12-31"}
    with pytest.raises(QueryError):
        runner.run(Untouchable(), "pair_events", params)
    with pytest.raises(QueryError):
        dashboard_con.run(runner.run, "pair_events", params)


@pytest.mark.parametrize("payload", PAYLOADS, ids=list(PAYLOADS))
def test_queries_cli_answers_hostile_parameters_with_one_line(sample_lake: Path, payload: str) -> None:
    value = PAYLOADS[payload].replace("\x00", "")  # a NUL cannot be passed in argv at all
    result = subprocess.run(
        [sys.executable, "-m", "queries", "pair_events", "--lake", str(sample_lake), "--a", value, "--b", "USA",
         "--start", value, "--end", "2018-12-31", "--limit", value, "--format", "csv"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr and "root:x:0:0" not in result.stderr


# ---------------------------------------------------------------- drop names for `python -m ingest`


def _raw_v2_lines(n: int) -> list[str]:
    text = gzip.decompress((SAMPLE_EVENTS / "aamend_events.csv.gz").read_bytes()).decode("utf-8")
    lines = [line for line in text.splitlines() if line][:n]
    # Ids nobody stored, so a drop that loads adds rows (and a wrong write would show).
    return [str(int(line.split("\t", 1)[0]) + 7 * 10**12) + "\t" + line.split("\t", 1)[1] for line in lines]


@pytest.fixture
def arena(tmp_path: Path, copy_of_sample_lake: Path):
    """A tree where everything the ingest may touch lives: the lake, a drop folder, a deep
    working directory and TMPDIR, so a file climbing out with ../ lands where we look."""
    root = tmp_path / "arena"
    places = {"lake": copy_of_sample_lake, "drops": root / "a" / "b" / "drops", "cwd": root / "c" / "d" / "cwd",
              "tmp": root / "e" / "f" / "tmp", "root": root, "base": tmp_path}
    for key in ("drops", "cwd", "tmp"):
        places[key].mkdir(parents=True)
    return places


def _files(base: Path) -> set[Path]:
    return {p for p in base.rglob("*") if p.is_file() or p.is_symlink()}


def run_ingest(arena: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BILATERAL_PROGRESS"}
    env.update({"PYTHONPATH": str(REPO), "TMPDIR": str(arena["tmp"])})
    return subprocess.run([sys.executable, "-m", "ingest", "--lake", str(arena["lake"]), *args],
                          cwd=arena["cwd"], env=env, capture_output=True, text=True, timeout=180)


def lake_state(lake: Path) -> tuple[int, int]:
    con = lakes.connect(lake)
    try:
        return lakes.current_snapshot(con), con.execute("select count(*) from events").fetchall()[0][0]
    finally:
        con.close()


def assert_only_lake_and_drops_changed(arena: dict[str, Path], before: set[Path]) -> None:
    new = _files(arena["base"]) - before
    allowed = (arena["lake"], arena["drops"])
    outside = [p for p in new if not any(p.is_relative_to(a) for a in allowed)]
    assert outside == [], outside
    assert not any("evil" in p.name for p in _files(arena["base"]) if not p.is_relative_to(arena["drops"]))


def assert_one_line_rejection(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rejected: ")
    assert "Traceback" not in result.stderr and "root:x:0:0" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_symlink_to_etc_passwd_is_rejected(arena) -> None:
    link = arena["drops"] / "20190121220000.export.CSV"
    link.symlink_to("/etc/passwd")
    passwd = Path("/etc/passwd").stat()
    before, state = _files(arena["base"]), lake_state(arena["lake"])
    result = run_ingest(arena, "gdelt", str(link))
    assert_one_line_rejection(result, "symbolic link")
    assert lake_state(arena["lake"]) == state
    assert_only_lake_and_drops_changed(arena, before)
    assert Path("/etc/passwd").stat().st_mtime == passwd.st_mtime


def test_dotdot_path_climbing_out_of_the_drop_folder_is_rejected(arena) -> None:
    climbing = str(arena["drops"]) + "/.." * (len(arena["drops"].parts) + 2) + "/etc/passwd"
    assert Path(climbing).resolve() == Path("/etc/passwd")
    before, state = _files(arena["base"]), lake_state(arena["lake"])
    result = run_ingest(arena, "gdelt", climbing)
    assert_one_line_rejection(result)
    assert lake_state(arena["lake"]) == state
    assert_only_lake_and_drops_changed(arena, before)


def test_file_under_a_symlinked_folder_is_rejected(arena) -> None:
    (arena["drops"] / "etc").symlink_to("/etc")
    before, state = _files(arena["base"]), lake_state(arena["lake"])
    result = run_ingest(arena, "gdelt", str(arena["drops"] / "etc" / "passwd"))
    assert_one_line_rejection(result)
    assert lake_state(arena["lake"]) == state
    assert_only_lake_and_drops_changed(arena, before)


@pytest.mark.parametrize("member", ["../../evil.export.CSV", "../../../../../../../../tmp/evil.export.CSV",
                                    "/tmp/evil-absolute.export.CSV", "..\\..\\evil.export.CSV"])
def test_zip_member_named_out_of_the_folder_writes_nothing_outside(arena, member: str) -> None:
    drop = arena["drops"] / "20150218230000.export.CSV.zip"
    with zipfile.ZipFile(drop, "w") as z:
        z.writestr(member, "".join(line + "\n" for line in _raw_v2_lines(5)))
    before, (snapshot, events) = _files(arena["base"]), lake_state(arena["lake"])
    result = run_ingest(arena, "gdelt", str(drop))
    # The member's name is never used as a path: its rows load (one commit), nothing else happens.
    assert result.returncode == 0, result.stderr
    assert lake_state(arena["lake"]) == (snapshot + 1, events + 5)
    assert_only_lake_and_drops_changed(arena, before)
    assert not Path("/tmp/evil.export.CSV").exists() and not Path("/tmp/evil-absolute.export.CSV").exists()


def test_zip_member_that_is_a_symlink_is_not_followed(arena) -> None:
    drop = arena["drops"] / "20150218230000.export.CSV.zip"
    with zipfile.ZipFile(drop, "w") as z:
        info = zipfile.ZipInfo("../../evil.export.CSV")
        info.create_system = 3
        info.external_attr = 0o120777 << 16  # a symlink entry whose target is /etc/passwd
        z.writestr(info, "/etc/passwd")
    before, state = _files(arena["base"]), lake_state(arena["lake"])
    result = run_ingest(arena, "gdelt", str(drop))
    assert_one_line_rejection(result)
    assert lake_state(arena["lake"]) == state
    assert_only_lake_and_drops_changed(arena, before)


def test_watch_moves_hostile_drops_aside_and_writes_nothing_outside(arena) -> None:
    drops = arena["drops"]
    (drops / "20190121220000.export.CSV").symlink_to("/etc/passwd")
    with zipfile.ZipFile(drops / "20150218230000.export.CSV.zip", "w") as z:
        z.writestr("../../evil.export.CSV", "".join(line + "\n" for line in _raw_v2_lines(5)))
    before, (snapshot, events) = _files(arena["base"]), lake_state(arena["lake"])
    result = run_ingest(arena, "watch", str(drops), "--once", "--interval", "0.1")
    assert result.returncode == 0, result.stderr
    assert (drops / "rejected" / "20190121220000.export.CSV").is_symlink()
    assert (drops / "rejected" / "20190121220000.export.CSV.reason").read_text().startswith("symbolic link")
    assert (drops / "done" / "20150218230000.export.CSV.zip").is_file()
    assert lake_state(arena["lake"]) == (snapshot + 1, events + 5)
    assert_only_lake_and_drops_changed(arena, before)
    assert Path("/etc/passwd").is_file() and not Path("/etc/passwd").is_symlink()


def test_lake_path_with_quotes_and_sql_is_quoted_not_injected(tmp_path: Path) -> None:
    """--lake goes into ATTACH as a quoted string: a path full of quotes and SQL is just a path."""
    lake = tmp_path / "o'brien'); attach ':memory:' as pwn; --"
    drop = tmp_path / "20150218230000.export.CSV"
    drop.write_text("".join(line + "\n" for line in _raw_v2_lines(5)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "BILATERAL_PROGRESS"}
    loaded = subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "gdelt", str(drop)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert loaded.returncode == 0, loaded.stderr
    assert (lake / lakes.CATALOG_FILE).is_file()
    assert {p.name for p in tmp_path.iterdir()} == {lake.name, drop.name}
    status = subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "status", "--format", "json"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert status.returncode == 0, status.stderr
    assert '"events": 5' in status.stdout


@pytest.mark.parametrize("name", ["bad\nrejected: forged line.export.CSV", "red\x1b[2J\x1b[31m.export.CSV"],
                         ids=["newline", "ansi-escape"])
def test_hostile_drop_name_gives_one_clean_line(arena, name: str) -> None:
    drop = arena["drops"] / name
    drop.write_text("not\ta GDELT export\n", encoding="utf-8")
    result = run_ingest(arena, "gdelt", str(drop))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "\x1b" not in result.stderr, result.stderr


# ---------------------------------------------------------------- time limits and Streamlit settings


def test_a_runaway_query_is_stopped_at_the_time_limit_with_one_line(sample_con, monkeypatch) -> None:
    from queries import runner

    slow = runner.Query(name="runaway", description="", params=(),
                        sql="select sum(i * i) from range(1000000000000) t(i)")  # would run for hours
    monkeypatch.setattr(runner, "get", lambda name: slow)
    monkeypatch.setenv("BILATERAL_QUERY_SECONDS", "0.5")
    started = time.monotonic()
    with pytest.raises(runner.QueryError) as stopped:
        runner.run(sample_con, "runaway")
    assert "was stopped" in str(stopped.value) and "\n" not in str(stopped.value)
    assert time.monotonic() - started < 60
    monkeypatch.undo()
    assert runner.run(sample_con, "lake_summary").iloc[0]["events"] > 0  # the connection still works


def test_streamlit_keeps_xsrf_and_cors_protection_on() -> None:
    import tomllib

    from streamlit import config

    settings = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["server"]["enableCORS"] is True
    config.get_config_options(force_reparse=True)  # what `streamlit run` from the repo root uses
    assert config.get_option("server.enableXsrfProtection") is True
    assert config.get_option("server.enableCORS") is True
    assert config.get_option("browser.gatherUsageStats") is False
