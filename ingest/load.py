"""One ingest command: read every file, validate every row, then commit all or nothing.

GDELT event files take the one-pass path first: one INSERT reads, types and checks every row
inside the commit's transaction. Anything unusual there (a row failing a check, a file that
cannot be read, a repeated or already stored id) rolls it back, and the checked path runs
instead: it stages each file in a temp table, names the file, line and column of the first
bad row, and deduplicates. Both paths accept and reject exactly the same files."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ingest import articles, events, files, layouts, mentions, parquet_drop, rollups, stage, store
from ingest.errors import BusyLake, Rejected
from lake import connection as lakes

TABLE_MODULES = {"events": events, "mentions": mentions, "articles": articles}
COMMAND_TABLE = {"gdelt": "events", "mentions": "mentions", "articles": "articles"}
# Loads that commit at the same moment: the later one checks for duplicates again and retries.
COMMIT_ATTEMPTS = 5
# Called inside a load's transaction, just before it commits, to write rows that must land in the
# same snapshot as the data (the fetcher's manifest). Returns True if it wrote anything, which
# commits the transaction even when every data row was a duplicate.
BeforeCommit = Callable[[duckdb.DuckDBPyConnection, "Summary"], bool]


@dataclass
class Summary:
    command: str
    files: list[str]
    rows_read: int = 0
    added: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    snapshot: int | None = None

    def line(self) -> str:
        added = ", ".join(f"{n:,} {table}" for table, n in self.added.items()) or "nothing new"
        where = f"snapshot {self.snapshot}" if self.snapshot is not None else "no new snapshot"
        return (f"read {self.rows_read:,} rows from {len(self.files)} file(s); added {added}; "
                f"skipped {self.duplicates:,} duplicates; rejected 0 rows; {where}")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} files"),
        TimeElapsedColumn(), console=console, transient=True,
        disable=not console.is_terminal and not os.environ.get("BILATERAL_PROGRESS"),
    )


def _gdelt_source(drop: files.Drop, table: str) -> stage.Source:
    """The GDELT-named text columns of an opened events or mentions file, in its own layout."""
    layout = layouts.detect(files.head_text(drop), drop.name, table)
    source = stage.gdelt_source(drop, layout, TABLE_MODULES[table].STAGED_COLUMNS)
    if table == "events":
        source = replace(source, params={**source.params, "source": layout.source})
    return source


def _stage_file(con: duckdb.DuckDBPyConnection, command: str, name: str, index: int,
                tmp: Path) -> tuple[str, str, int, stage.Source | None]:
    """Read, type and check one file into temp table typed_<index>.
    Returns (table, typed table, rows, source) — the source finds line numbers later."""
    drop = files.open_drop(name, tmp)
    typed = f"typed_{index}"
    if command == "parquet":
        columns = parquet_drop.schema_of(con, drop)
        table = parquet_drop.kind_of(columns, name)
        if table == "articles":
            return table, typed, articles.stage_and_check(con, drop, "parquet", index, typed), None
        source = parquet_drop.gdelt_source(drop, table, columns)
        try:
            if table == "events":
                name_of_source = parquet_drop.single_source(con, drop, columns)
                source = replace(source, params={**source.params, "source": name_of_source})
                rows = events.type_and_check(con, source, typed, name_of_source, index)
            else:
                rows = mentions.type_and_check(con, source, typed, index)
        except Rejected as bad:  # name the contract's column, not GDELT's
            raise Rejected(bad.file, bad.problem, line=bad.line,
                           column=parquet_drop.contract_name(table, bad.column or "")) from None
        return table, typed, rows, source
    table = COMMAND_TABLE[command]
    files.check_gzip_complete(drop)
    if table == "articles":
        plain = name.lower().removesuffix(".gz")
        fmt = ("jsonl" if plain.endswith((".jsonl", ".json", ".ndjson"))
               else "txt" if plain.endswith(".txt") else "csv")
        files.head_text(drop)  # refuses HTML pages, binaries and non-UTF-8 early
        return table, typed, articles.stage_and_check(con, drop, fmt, index, typed), None
    source = _gdelt_source(drop, table)
    try:
        if table == "events":
            rows = events.type_and_check(con, source, typed, source.params["source"], index)
        else:
            rows = mentions.type_and_check(con, source, typed, index)
    except Rejected as bad:
        if bad.line is None or bad.file != name:
            raise
        # Row numbers count non-blank lines; say which line of the file it is.
        raise Rejected(bad.file, bad.problem, line=files.physical_line(drop, bad.line), column=bad.column,
                       hint=bad.hint) from None
    return table, typed, rows, source


def load(command: str, paths: list[str], lake: Path, console: Console | None = None, code: bool = True,
         before_commit: BeforeCommit | None = None, con: duckdb.DuckDBPyConnection | None = None) -> Summary:
    """Load files as one commit. Raises Rejected, having committed nothing. New articles are
    coded into events (coded_events) in the same commit unless `code` is false. With `con` (a
    writable lake connection whose schema is ensured; the fetcher keeps one for many loads) the
    load uses it and leaves it open."""
    console = console or Console(stderr=True)
    own = con is None
    if con is None:
        con = lakes.connect(lake, read_only=False, create=True)
    try:
        if own:
            store.ensure_schema(con)
            store.orphaned_files(con, delete=True)  # what a killed load left behind
        for attempt in range(1, COMMIT_ATTEMPTS + 1):
            try:
                summary = (_load_events_in_one_pass(con, command, paths, console, before_commit)
                           if command == "gdelt" else None)
                summary = summary or _load_checked(con, command, paths, console, code, before_commit)
            except duckdb.TransactionException:  # DuckLake: a concurrent load conflicted at commit
                if attempt == COMMIT_ATTEMPTS:
                    raise
                continue
            if summary is not None:
                if summary.added.get("articles"):
                    _write_search_index(con, console)
                return summary
            # else another load committed after our duplicate check: check again
        raise BusyLake(f"other loads committed first {COMMIT_ATTEMPTS} times in a row")
    finally:
        if own:
            con.close()
        else:
            _drop_temporary(con)


def _drop_temporary(con: duckdb.DuckDBPyConnection) -> None:
    """A kept connection must not carry one load's staged rows into the next."""
    for name, kind in con.execute("select view_name, 'view' from duckdb_views() where temporary union all "
                                  "select table_name, 'table' from duckdb_tables() where temporary").fetchall():
        con.execute(f'drop {kind} if exists temp."{name}"')


def _write_search_index(con: duckdb.DuckDBPyConnection, console: Console) -> None:
    """After a commit that added articles, write the search index the dashboard attaches. The
    load has landed whatever happens here: without the file the dashboard builds the index."""
    # Imported here, not at the top: it imports pandas (0.3 s), which a GDELT load never needs.
    from queries import search

    try:
        with console.status("indexing articles for search"):
            search.write_index_file(con)
    except (OSError, duckdb.Error) as err:
        console.print(f"note: the search index was not written ({err}); the dashboard will build it")


def _load_events_in_one_pass(con: duckdb.DuckDBPyConnection, command: str, paths: list[str],
                             console: Console, before_commit: BeforeCommit | None = None) -> Summary | None:
    """The usual GDELT load, committed; or None, having changed nothing, when the checked path
    must run instead (it finds what is wrong and where, or deduplicates)."""
    summary = Summary(command, paths)
    with files.workdir() as tmp, _progress(console) as progress:
        task = progress.add_task(f"loading {command} files", total=len(paths))
        try:
            sources = []
            for name in paths:
                drop = files.open_drop(name, Path(tmp))
                files.check_gzip_complete(drop)
                sources.append(_gdelt_source(drop, "events"))
        except Rejected:
            return None  # the checked path rejects it, naming the first file at fault
        con.execute("begin")
        try:
            added = events.insert_checked(con, sources)
            if not added or not events.written_rows_are_new(con):
                con.execute("rollback")
                return None
            rollups.add(con, events.NEW_ROWS)
            summary.rows_read = added
            summary.added["events"] = added
            if before_commit:
                before_commit(con, summary)
            store.mark_commit(con)  # checked inside this transaction: a concurrent load conflicts here
        except duckdb.Error:
            con.execute("rollback")
            return None
        except BaseException:
            con.execute("rollback")
            raise
        progress.advance(task, len(paths))
        return _commit(con, summary)


def _load_checked(con: duckdb.DuckDBPyConnection, command: str, paths: list[str], console: Console,
                  code: bool, before_commit: BeforeCommit | None = None) -> Summary | None:
    """Stage and check each file in a temp table, then insert what is new in one commit.
    None, having changed nothing, when another load committed after the duplicate check."""
    summary = Summary(command, paths)
    staged: dict[str, list[str]] = {}
    sources: list[stage.Source | None] = []
    with files.workdir() as tmp, _progress(console) as progress:
        task = progress.add_task(f"validating {command} files", total=len(paths))
        for index, name in enumerate(paths):
            table, typed, rows, source = _stage_file(con, command, name, index, Path(tmp))
            staged.setdefault(table, []).append(typed)
            sources.append(source)
            summary.rows_read += rows
            progress.advance(task)
        # A view, not a copy: one file's rows are read once more only by the insert.
        for table, typed_tables in staged.items():
            con.execute(f"create or replace temp view all_{table} as "
                        + " union all by name ".join(f"select * from {t}" for t in typed_tables))
            TABLE_MODULES[table].check_duplicates(con, f"all_{table}", sources)
    seen = store.commits_so_far(con)  # the duplicate check below runs before the transaction
    prepared = {table: TABLE_MODULES[table].prepare_new(con, f"all_{table}")
                for table in staged if hasattr(TABLE_MODULES[table], "prepare_new")}
    for table in prepared:  # their new rows are copied out: free the staged ones before the insert
        con.execute(f"drop view all_{table}")
        for typed in staged[table]:
            con.execute(f"drop table {typed}")
    con.execute("begin")
    try:
        for table in staged:
            if table in prepared:
                added, skipped = prepared[table]
                if added:
                    TABLE_MODULES[table].insert_new(con, f"all_{table}")
            else:
                added, skipped = TABLE_MODULES[table].insert_new(con, f"all_{table}")
            summary.duplicates += skipped
            if added:
                summary.added[table] = added
            if table == "articles" and added and code:
                coded = articles.code_new(con)
                if coded:
                    summary.added["coded events"] = coded
        wrote_more = before_commit(con, summary) if before_commit else False
        if not summary.added and not wrote_more:
            con.execute("rollback")  # nothing new: no empty snapshot
            return summary
        if not store.mark_commit(con, seen):
            con.execute("rollback")
            return None
    except BaseException:
        con.execute("rollback")
        raise
    return _commit(con, summary)


def _commit(con: duckdb.DuckDBPyConnection, summary: Summary) -> Summary:
    """Commit the open transaction, which holds the summary's rows, as one snapshot."""
    paths = summary.files
    try:
        names = ", ".join(Path(p).name for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
        what = ", ".join(f"+{n:,} {t}" for t, n in summary.added.items()) or "no new rows"
        store.set_commit_message(
            con, f"{summary.command}: {what} from {names}",
            {"command": summary.command, "files": [Path(p).name for p in paths], "added": summary.added,
             "duplicates": summary.duplicates, "rows_read": summary.rows_read},
        )
        with lakes.commit_gate(con):
            con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass  # the failed COMMIT already ended the transaction; report its error, not this one
        raise
    summary.snapshot = lakes.current_snapshot(con)
    return summary


def load_or_record(command: str, paths: list[str], lake: Path, console: Console | None = None,
                   code: bool = True) -> Summary:
    """load(), and on rejection append the reason to the log the Data page shows."""
    try:
        return load(command, paths, lake, console, code)
    except Rejected as rejection:
        store.record_rejection(lake, command, paths, str(rejection))
        raise
