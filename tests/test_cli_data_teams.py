"""The data team's command lines, as a newcomer types them (issue 21): --lake after the
subcommand, a mistyped lake path, each subcommand's help with an example, a query's own help."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ingest.__main__ import main as ingest_main
from lake import connection as lakes
from queries.__main__ import main as query_main
from queries.runner import catalog

EVENTS = Path(__file__).resolve().parent.parent / "data" / "sample" / "events" / "20171126081500.export.CSV.gz"


def rows_in_file() -> int:
    return sum(1 for line in gzip.decompress(EVENTS.read_bytes()).splitlines() if line.strip())


@pytest.mark.parametrize("form", [["--lake", "{lake}"], ["--lake={lake}"]])
def test_lake_after_the_subcommand(tmp_path, form):
    lake = tmp_path / "lake"
    args = [f.format(lake=lake) for f in form]
    assert ingest_main(["gdelt", *args, str(EVENTS)]) == 0
    con = lakes.connect(lake)
    try:
        assert con.execute("select count(*) from lake.events").fetchone()[0] == rows_in_file()
    finally:
        con.close()


def test_a_mistyped_lake_path_is_refused_and_creates_nothing(tmp_path, capsys):
    typo = tmp_path / "srv" / "bilatral" / "lake"
    assert ingest_main(["--lake", str(typo), "gdelt", str(EVENTS)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: no lake at {typo}")
    assert not (tmp_path / "srv").exists()


@pytest.mark.parametrize("command", ["gdelt", "mentions", "articles", "parquet", "fetch"])
def test_each_loading_command_explains_itself_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as done:
        ingest_main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and "python -m ingest" in out and f" {command}" in out


def test_a_query_lists_its_own_parameters(capsys):
    assert query_main(["pair_summary", "--help"]) == 0
    out = capsys.readouterr().out
    for param in catalog()["pair_summary"].params:
        assert f"--{param.name} {param.type}" in out
    assert query_main(["no_such_query", "--help"]) == 2
