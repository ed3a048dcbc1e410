"""`ingest fetch` against a local stand-in for GDELT's data host (tests/support/gdelt_server.py)
serving real GDELT files from data/sample/, with faults injected. No network."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ingest.__main__ import main as ingest_main
from lake import connection as lakes
from tests.support.gdelt_server import GdeltServer

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"


def _gz(name: str) -> bytes:
    return gzip.decompress((SAMPLE / name).read_bytes())


def _unzip(name: str) -> bytes:
    with zipfile.ZipFile(SAMPLE / name) as archive:
        return archive.read(archive.namelist()[0])


def _strip_header(text: bytes) -> bytes:
    """The gdeltPyR slot was saved as CSV with a header; GDELT serves tab-separated, no header."""
    rows = list(csv.reader(io.StringIO(text.decode("utf-8"))))[1:]
    return "".join("\t".join(row) + "\n" for row in rows).encode()


# Real GDELT 2.0 files of the embedded sample, each under the slot it was published in.
EXPORT_2015 = _gz("events/20151027220000.export.CSV.gz")
EXPORT_2017 = _gz("events/20171126081500.export.CSV.gz")
EXPORT_2019 = _unzip("events/20190121220000.export.CSV.zip")
TRANSLATION_MENTIONS_2017 = _strip_header(_gz("mentions/gdeltpyr_mentionssamp.csv.gz"))
SLOT_2015 = dt.datetime(2015, 10, 27, 22)
SLOT_2017 = dt.datetime(2017, 11, 26, 8, 15)
SLOT_2019 = dt.datetime(2019, 1, 21, 22)
SLOT_2017_TRANSLATION = dt.datetime(2017, 7, 1, 23, 45)


def ids_of(text: bytes) -> set[int]:
    return {int(line.split(b"\t", 1)[0]) for line in text.splitlines() if line.strip()}


@pytest.fixture
def gdelt(tmp_path, monkeypatch):
    server = GdeltServer(tmp_path / "www")
    server.add_v2(SLOT_2015, "export", EXPORT_2015)
    server.add_v2(SLOT_2017, "export", EXPORT_2017)
    server.add_v2(SLOT_2019, "export", EXPORT_2019)
    server.add_v2(SLOT_2017_TRANSLATION, "mentions", TRANSLATION_MENTIONS_2017, translation=True)
    server.start()
    monkeypatch.setenv("BILATERAL_GDELT_URL", server.url)
    monkeypatch.setenv("BILATERAL_FETCH_BACKOFF", "0.01")
    monkeypatch.setenv("BILATERAL_FETCH_ATTEMPTS", "3")
    yield server
    server.stop()


def fetch(lake: Path, *args: str) -> int:
    return ingest_main(["--lake", str(lake), "fetch", *args])


def query(lake: Path, sql: str) -> list[tuple]:
    con = lakes.connect(lake)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def manifest(lake: Path) -> dict[str, tuple]:
    rows = query(lake, "select url, status, rows, reason, attempts, snapshot from lake.fetched_files")
    return {url.rsplit("/", 1)[-1]: tuple(rest) for url, *rest in rows}


def test_backfill_loads_each_listed_file_once_verified_and_recorded(gdelt, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert fetch(lake, "--from", "2015-10-27", "--to", "2017-11-26", "--streams", "events") == 0
    stored = {r[0] for r in query(lake, "select event_id from lake.events where source = 'gdelt2'")}
    assert stored == ids_of(EXPORT_2015) | ids_of(EXPORT_2017)  # not 2019: outside the window
    record = manifest(lake)
    assert set(record) == {"20151027220000.export.CSV.zip", "20171126081500.export.CSV.zip"}
    status, rows, reason, attempts, snapshot = record["20151027220000.export.CSV.zip"]
    assert (status, rows, reason, attempts) == ("loaded", len(EXPORT_2015.splitlines()), None, 1)
    # The manifest row landed in the snapshot that added the file's events.
    some = ",".join(map(str, sorted(ids_of(EXPORT_2015))[:50]))
    at = query(lake, f"select count(*) from lake.events at (version => {snapshot}) where event_id in ({some})")
    before = query(lake, f"select count(*) from lake.events at (version => {snapshot - 1}) where event_id in ({some})")
    assert (at[0][0], before[0][0]) == (50, 0)
    assert "fetched 2 file(s)" in capsys.readouterr().out


def test_a_rerun_downloads_and_loads_nothing_again(gdelt, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert fetch(lake, "--from", "2015-10-27", "--to", "2015-10-27", "--streams", "events") == 0
    snapshots = query(lake, "select max(snapshot_id) from lake.snapshots()")[0][0]
    assert fetch(lake, "--from", "2015-10-27", "--to", "2015-10-27", "--streams", "events") == 0
    assert query(lake, "select max(snapshot_id) from lake.snapshots()")[0][0] == snapshots
    assert gdelt.served("20151027220000.export.CSV.zip") == ["ok"]
    assert "fetched 0 file(s)" in capsys.readouterr().out


@pytest.mark.parametrize(("faults", "served"), [
    (["truncate"], ["truncate", "ok"]),
    (["reset"], ["reset", "ok"]),
    (["500", "500"], ["500", "500", "ok"]),
    (["garbage"], ["garbage", "ok"]),  # MD5 mismatch once: fetched again
    (["short"], ["short", "ok"]),  # shorter than listed
])
def test_transient_faults_are_retried_and_the_file_loads(gdelt, tmp_path, faults, served):
    lake = tmp_path / "lake"
    gdelt.fault("20171126081500.export.CSV.zip", *faults)
    assert fetch(lake, "--from", "2017-11-26", "--to", "2017-11-26", "--streams", "events") == 0
    assert gdelt.served("20171126081500.export.CSV.zip") == served
    assert query(lake, "select count(*) from lake.events")[0][0] == len(ids_of(EXPORT_2017))
    assert manifest(lake)["20171126081500.export.CSV.zip"][:2] == ("loaded", len(EXPORT_2017.splitlines()))
    assert not list((lake / "fetch").rglob("*.part"))


def test_429_waits_as_long_as_retry_after_says(gdelt, tmp_path):
    lake = tmp_path / "lake"
    gdelt.fault("20171126081500.export.CSV.zip", "429")
    began = time.monotonic()
    assert fetch(lake, "--from", "2017-11-26", "--to", "2017-11-26", "--streams", "events") == 0
    assert time.monotonic() - began >= 1.0  # Retry-After: 1, where the backoff alone is 0.01 s
    assert gdelt.served("20171126081500.export.CSV.zip") == ["429", "ok"]


@pytest.mark.parametrize(("faults", "reason"), [
    (["404"], "not found on the server (HTTP 404)"),
    (["html"], "HTML page instead of the file"),
    (["garbage"] * 3, "does not match the list's"),
    (["truncate"] * 3, "peer closed connection without sending complete message body"),
    (["short"] * 3, "bytes where the list says"),
])
def test_a_file_that_keeps_failing_is_recorded_and_the_rest_load(gdelt, tmp_path, capsys, faults, reason):
    lake = tmp_path / "lake"
    gdelt.fault("20171126081500.export.CSV.zip", *faults)
    assert fetch(lake, "--from", "2015-10-27", "--to", "2019-01-21", "--streams", "events") == 4
    err = capsys.readouterr().err
    assert "failed: 20171126081500.export.CSV.zip: " in err and reason in err
    status, rows, recorded_reason, attempts, _ = manifest(lake)["20171126081500.export.CSV.zip"]
    assert (status, rows, attempts) == ("failed", None, 1) and reason in recorded_reason
    stored = {r[0] for r in query(lake, "select event_id from lake.events")}
    assert stored == ids_of(EXPORT_2015) | ids_of(EXPORT_2019)
    # The next fetch (no window: "what is new") tries the failed file again and now loads it.
    assert fetch(lake, "--streams", "events") == 0
    assert manifest(lake)["20171126081500.export.CSV.zip"][:2] == ("loaded", len(EXPORT_2017.splitlines()))
    assert manifest(lake)["20171126081500.export.CSV.zip"][3] == 2  # attempts
    assert {r[0] for r in query(lake, "select event_id from lake.events")} == stored | ids_of(EXPORT_2017)


def test_a_malformed_list_line_is_reported_and_the_others_load(gdelt, tmp_path, caplog):
    lake = tmp_path / "lake"
    gdelt.extra_master_lines.append("12345 not-an-md5 http://data.gdeltproject.org/gdeltv2/x.export.CSV.zip")
    assert fetch(lake, "--from", "2019-01-21", "--to", "2019-01-21", "--streams", "events") == 0
    assert "unreadable line of GDELT's list" in caplog.text and "not-an-md5" in caplog.text
    assert query(lake, "select count(*) from lake.events")[0][0] == len(ids_of(EXPORT_2019))


def test_fetch_with_nothing_new_listed_commits_nothing(gdelt, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert fetch(lake, "--from", "2019-01-21", "--to", "2019-01-21", "--streams", "events") == 0
    before = query(lake, "select max(snapshot_id) from lake.snapshots()")[0][0]
    assert fetch(lake, "--streams", "events") == 0  # newest held is GDELT's newest listed
    assert query(lake, "select max(snapshot_id) from lake.snapshots()")[0][0] == before
    assert "added nothing new" in capsys.readouterr().out


def test_dry_run_says_files_and_bytes_and_creates_nothing(gdelt, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert fetch(lake, "--from", "2015-10-27", "--to", "2019-01-21", "--streams", "events", "--dry-run") == 0
    out = capsys.readouterr().out
    sizes = sum(len(gdelt.files[f"gdeltv2/{n}"]) for n in ("20151027220000.export.CSV.zip",
                                                           "20171126081500.export.CSV.zip",
                                                           "20190121220000.export.CSV.zip"))
    assert f"v2.events: 3 file(s), {sizes / 1e6:,.1f} MB" in out
    assert not lake.exists()
    assert not [p for p, _ in gdelt.requests if p.endswith(".zip")]


def test_translation_stream_keeps_the_source_language(gdelt, tmp_path):
    lake = tmp_path / "lake"
    assert fetch(lake, "--from", "2017-07-01", "--to", "2017-07-01", "--streams", "translation") == 0
    arabic = sum(b"srclc:ara;" in line for line in TRANSLATION_MENTIONS_2017.splitlines())
    assert arabic > 100
    assert query(lake, "select count(*) from lake.mentions where language = 'ara'")[0][0] == arabic
    assert manifest(lake)["20170701234500.translation.mentions.CSV.zip"][0] == "loaded"
    windows = query(lake, "select stream, window_start, window_end from lake.fetch_windows")
    assert windows == [("v2.translation.mentions", dt.datetime(2017, 7, 1), dt.datetime(2017, 7, 2))]


@pytest.mark.parametrize("args", [
    ["--from", "yesterday"], ["--from", "1970-01-01"], ["--to", "9999-12-31"], ["--every", "often"],
    ["--every", "0.0001s"], ["--merge-after", "-1"],
])
def test_bad_arguments_get_one_line(args, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        fetch(tmp_path / "lake", *args)
    assert exit_.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error: argument" in last and repr(args[1]) in last  # names the value that was wrong
    assert not (tmp_path / "lake").exists()


def test_an_unreachable_host_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BILATERAL_GDELT_URL", "http://127.0.0.1:9/")  # discard port: refused
    monkeypatch.setenv("BILATERAL_FETCH_BACKOFF", "0.01")
    monkeypatch.setenv("BILATERAL_FETCH_ATTEMPTS", "2")
    assert fetch(tmp_path / "lake", "--from", "2019-01-21", "--streams", "events") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: could not read GDELT's file list from http://127.0.0.1:9/")


def _lake_contents(lake: Path) -> tuple:
    events = query(lake, "select source, event_id, event_date, event_code from lake.events order by all")
    mentions = query(lake, "select count(*), count(distinct (event_id, url, mention_time)) from lake.mentions")
    files = query(lake, "select url, status, rows from lake.fetched_files order by url")
    rollup = query(lake, "select sum(events) from lake.pair_month")
    return events, mentions, files, rollup


@pytest.mark.slow
def test_killed_at_random_moments_then_rerun_gives_the_uninterrupted_lake(gdelt, tmp_path):
    args = ["--from", "2015-10-27", "--to", "2019-01-21"]
    env = {**os.environ, "BILATERAL_GDELT_URL": gdelt.url, "BILATERAL_FETCH_BACKOFF": "0.01"}
    command = [sys.executable, "-m", "ingest", "--lake"]
    whole = tmp_path / "whole"
    subprocess.run([*command, str(whole), "fetch", *args], env=env, cwd=REPO, check=True, capture_output=True)
    expected = _lake_contents(whole)
    assert len(expected[0]) == len(ids_of(EXPORT_2015) | ids_of(EXPORT_2017) | ids_of(EXPORT_2019))
    rng = random.Random(17)
    for attempt in range(2):
        lake = tmp_path / f"killed{attempt}"
        for _ in range(2):  # killed twice at random moments, then run to its end
            proc = subprocess.Popen([*command, str(lake), "fetch", *args], env=env, cwd=REPO,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.8, 4.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        subprocess.run([*command, str(lake), "fetch", *args], env=env, cwd=REPO, check=True, capture_output=True)
        assert _lake_contents(lake) == expected
        assert not list((lake / "fetch" / "files").glob("*"))  # the cache is emptied once loaded


def run_query(lake: Path, name: str, **params) -> list[dict]:
    from queries import runner

    con = lakes.connect(lake)
    try:
        return runner.run(con, name, params).to_dict("records")
    finally:
        con.close()


def test_completeness_tells_loaded_failed_unlisted_and_unfetched_slots(gdelt, tmp_path):
    lake = tmp_path / "lake"
    gdelt.fault("20171126081500.export.CSV.zip", "404")
    assert fetch(lake, "--from", "2017-11-26", "--to", "2019-01-21", "--streams", "events") == 4
    day_2017 = run_query(lake, "feed_completeness", start="2017-11-26", end="2017-11-26")
    assert day_2017 == [{"stream": "v2.events", "expected": 96, "loaded": 0, "failed": 1, "not_listed": 95,
                         "not_fetched": 0}]
    # The window ends with the newest slot GDELT listed (22:00): later slots nobody looked at yet.
    day_2019 = run_query(lake, "feed_completeness", start="2019-01-21", end="2019-01-21")
    assert day_2019 == [{"stream": "v2.events", "expected": 96, "loaded": 1, "failed": 0, "not_listed": 88,
                         "not_fetched": 7}]
    # A day between, with no file listed at all, was looked at too.
    empty_day = run_query(lake, "feed_completeness", start="2018-06-01", end="2018-06-01")
    assert empty_day[0]["not_listed"] == 96
    gaps = run_query(lake, "feed_gaps", start="2017-11-26", end="2017-11-26")
    failed = [g for g in gaps if g["state"] == "failed"]
    assert [(g["slot"], g["attempts"]) for g in failed] == [(SLOT_2017, 1)]
    assert "HTTP 404" in failed[0]["reason"]
    fresh = run_query(lake, "feed_freshness")
    assert [(f["stream"], f["newest_slot"], f["newest_listed"], f["failed_files"]) for f in fresh] == [
        ("v2.events", SLOT_2019, SLOT_2019, 1)]


def test_data_page_and_sidebar_say_how_fresh_and_complete(gdelt, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    lake = tmp_path / "lake"
    gdelt.fault("20171126081500.export.CSV.zip", "404")
    assert fetch(lake, "--from", "2017-11-26", "--to", "2019-01-21", "--streams", "events") == 4
    monkeypatch.setenv("BILATERAL_LAKE", str(lake))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.query_params["feed_from"] = "2017-11-26"
    at.query_params["feed_to"] = "2017-11-26"
    at.switch_page("dashboard/pages/data.py").run()
    assert not at.exception
    behind = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - (SLOT_2019 + dt.timedelta(minutes=15))).days
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "GDELT up to 2019-01-21 22:15 UTC" in sidebar and f"lake {behind:,} days behind" in sidebar
    assert "1 file(s) failed" in sidebar
    tables = [d.value for d in at.dataframe]
    completeness = next(t for t in tables if "not_fetched" in t.columns).to_dict("records")
    assert completeness == [{"stream": "v2.events", "expected": 96, "loaded": 0, "failed": 1, "not_listed": 95,
                             "not_fetched": 0}]
    failures = next(t for t in tables if "last_tried" in t.columns)
    assert list(failures["url"]) == ["http://data.gdeltproject.org/gdeltv2/20171126081500.export.CSV.zip"]
    refresh = next(c.value for c in at.code if "fetch --follow" in c.value)
    assert f"python -m ingest --lake {lake} fetch" in refresh


def test_a_lake_that_never_fetched_says_so_in_the_sidebar(sample_lake, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BILATERAL_LAKE", str(sample_lake))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.switch_page("dashboard/pages/data.py").run()
    assert not at.exception
    last = query(sample_lake, "select max(event_date) from lake.events")[0][0]
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert f"Data to {last:%Y-%m-%d}" in sidebar and "Not following GDELT's feed" in sidebar


def test_a_file_with_a_bad_row_is_rejected_by_name_and_line_and_its_day_still_loads(gdelt, tmp_path):
    lake = tmp_path / "lake"
    rows = EXPORT_2015.splitlines()[:50]
    fields = rows[6].split(b"\t")
    fields[29] = b"7"  # QuadClass: only 1-4 exist
    rows[6] = b"\t".join(fields)
    gdelt.add_v2(dt.datetime(2019, 1, 21, 21, 45), "export", b"\n".join(rows) + b"\n")
    assert fetch(lake, "--from", "2019-01-21", "--to", "2019-01-21", "--streams", "events") == 4
    status, _, reason, _, _ = manifest(lake)["20190121214500.export.CSV.zip"]
    assert status == "failed"
    assert "20190121214500.export.CSV.zip, line 7, column QuadClass" in reason and "'7'" in reason
    assert {r[0] for r in query(lake, "select event_id from lake.events")} == ids_of(EXPORT_2019)
    assert manifest(lake)["20190121220000.export.CSV.zip"][:2] == ("loaded", len(EXPORT_2019.splitlines()))


def test_a_large_gdelt_load_is_written_in_bounded_inserts_of_one_commit(tmp_path, monkeypatch):
    """Many files in one `ingest gdelt`: several INSERTs (one sort each), one snapshot, same rows."""
    from ingest import events

    files = []
    for name, text in (("a.export.CSV", EXPORT_2015), ("b.export.CSV", EXPORT_2017), ("c.export.CSV", EXPORT_2019)):
        (tmp_path / name).write_bytes(text)
        files.append(str(tmp_path / name))
    chunks = []
    real_insert = events._insert_chunk
    monkeypatch.setattr(events, "CHUNK_BYTES", len(EXPORT_2015) + 1)  # one file per INSERT here
    monkeypatch.setattr(events, "_insert_chunk", lambda con, sources, group: chunks.append(group) or
                        real_insert(con, sources, group))
    lake = tmp_path / "lake"
    assert ingest_main(["--lake", str(lake), "gdelt", *files]) == 0
    assert chunks == [[0], [1], [2]]
    stored = {r[0] for r in query(lake, "select event_id from lake.events")}
    assert stored == ids_of(EXPORT_2015) | ids_of(EXPORT_2017) | ids_of(EXPORT_2019)
    assert query(lake, "select count(*) from lake.snapshots() where snapshot_id > 1")[0][0] == 1
    assert query(lake, "select sum(events) from lake.day_volume")[0][0] == len(stored)


def test_status_reports_the_feed(gdelt, tmp_path, capsys):
    import json

    lake = tmp_path / "lake"
    gdelt.fault("20171126081500.export.CSV.zip", "404")
    assert fetch(lake, "--from", "2017-11-26", "--to", "2019-01-21", "--streams", "events") == 4
    capsys.readouterr()
    assert ingest_main(["--lake", str(lake), "status", "--format", "json"]) == 0
    feed = json.loads(capsys.readouterr().out)["feed"]
    assert feed == [{"stream": "v2.events", "newest_slot": "2019-01-21 22:00", "loaded_files": 1, "failed_files": 1}]


@pytest.mark.slow
def test_follow_picks_up_new_slots_compacts_and_stops_cleanly_on_sigterm(gdelt, tmp_path):
    """--follow: a slot GDELT publishes while it runs is loaded at the next look; spread events
    are merged; SIGTERM ends it with status 0 after the current batch."""
    lake = tmp_path / "lake"
    env = {**os.environ, "BILATERAL_GDELT_URL": gdelt.url, "BILATERAL_FETCH_BACKOFF": "0.01"}
    # Following from the 2017 slot: the 2019 one is GDELT's newest at first.
    log = tmp_path / "follow.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "ingest", "--lake", str(lake), "fetch", "--follow", "--every",
                                 "1s", "--merge-after", "1", "--streams", "events", "--from", "2017-11-26"],
                                env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr, text=True)

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 180
        while text not in log.read_text() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
        assert text in log.read_text(), log.read_text()[-2000:]

    try:
        wait_for("v2.events 2019-01-21: 1 file(s), added 1,629 events")  # the first look
        # A later slot appears in GDELT's lists (real rows of the 2015 file, published anew).
        gdelt.add_v2(dt.datetime(2019, 1, 21, 22, 15), "export", EXPORT_2015)
        wait_for("added 2,116 events")
        wait_for("merged events")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    finally:
        proc.kill()
    err = log.read_text()
    assert proc.returncode == 0, err[-2000:]
    assert "SIGTERM received" in err and err.strip().endswith("stopped")
    stored = {r[0] for r in query(lake, "select event_id from lake.events")}
    assert stored == ids_of(EXPORT_2017) | ids_of(EXPORT_2019) | ids_of(EXPORT_2015)
    assert manifest(lake)["20190121221500.export.CSV.zip"][0] == "loaded"
    files = query(lake, "select count(*) from ducklake_list_files('lake', 'events')")[0][0]
    assert files == 1  # three loads, merged into one data file


def test_unknown_stream_is_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        fetch(tmp_path / "lake", "--streams", "events,gkg")
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "unknown stream gkg; choose from events, mentions, translation")


@pytest.mark.parametrize(("setup", "message"), [
    ("url", "BILATERAL_GDELT_URL 'ftp://example.org/' is not an http(s) URL"),
    ("lake", "cannot use"),
])
def test_setting_mistakes_are_one_line(gdelt, tmp_path, monkeypatch, capsys, setup, message):
    lake = tmp_path / "lake"
    if setup == "url":
        monkeypatch.setenv("BILATERAL_GDELT_URL", "ftp://example.org/")
    else:
        (tmp_path / "afile").write_text("not a folder")
        lake = tmp_path / "afile" / "lake"
    assert fetch(lake, "--from", "2019-01-21", "--streams", "events") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


def test_an_unreadable_retry_after_falls_back_to_the_backoff(gdelt, tmp_path):
    from ingest import download

    class Response:
        def __init__(self, value):
            self.headers = {"Retry-After": value}

    assert download._retry_after(Response("soon")) is None
    assert download._retry_after(Response("1.5")) == 1.5
    assert download._retry_after(Response("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0  # in the past


def test_slots_published_while_the_lake_was_behind_are_all_fetched(gdelt, tmp_path):
    """GDELT's lastupdate.txt names only the newest slot: a lake two slots behind must read the
    master list, or the slot between is skipped for good."""
    lake = tmp_path / "lake"
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    base = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0) - dt.timedelta(hours=1)
    first, between, newest = base, base + dt.timedelta(minutes=15), base + dt.timedelta(minutes=30)
    gdelt.add_v2(first, "export", EXPORT_2017)
    assert fetch(lake, "--streams", "events", "--from", f"{first:%Y-%m-%dT%H:%M}") == 0
    gdelt.add_v2(between, "export", EXPORT_2015)
    gdelt.add_v2(newest, "export", EXPORT_2019)
    assert fetch(lake, "--streams", "events") == 0  # what is new since the lake's newest slot
    names = {f"{slot:%Y%m%d%H%M%S}.export.CSV.zip" for slot in (first, between, newest)}
    assert {n for n, r in manifest(lake).items() if r[0] == "loaded"} == names
    assert {r[0] for r in query(lake, "select event_id from lake.events")} == (
        ids_of(EXPORT_2015) | ids_of(EXPORT_2017) | ids_of(EXPORT_2019))


def test_a_failed_file_is_tried_again_even_when_no_list_shows_it_any_more(gdelt, tmp_path):
    lake = tmp_path / "lake"
    gdelt.fault("20171126081500.export.CSV.zip", "404")
    assert fetch(lake, "--from", "2017-11-26", "--to", "2017-11-26", "--streams", "events") == 4
    # GDELT's lists drop it (only lastupdate.txt is read now); the manifest remembers it.
    gdelt.v2_lines[False] = [line for line in gdelt.v2_lines[False] if "20171126081500" not in line]
    assert fetch(lake, "--streams", "events") == 0
    assert manifest(lake)["20171126081500.export.CSV.zip"][:2] == ("loaded", len(EXPORT_2017.splitlines()))
