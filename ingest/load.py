"""One ingest command: stage every file, validate every row, then commit all or nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ingest import articles, events, files, layouts, mentions, parquet_drop, stage, store
from ingest.errors import Rejected
from queries import lake as lakes

TABLE_MODULES = {"events": events, "mentions": mentions, "articles": articles}
COMMAND_TABLE = {"gdelt": "events", "mentions": "mentions", "articles": "articles"}


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
    layout = layouts.detect(files.head_text(drop), name, table)
    module = TABLE_MODULES[table]
    source = stage.gdelt_source(drop, layout, module.STAGED_COLUMNS)
    try:
        if table == "events":
            source = replace(source, params={**source.params, "source": layout.source})
            rows = events.type_and_check(con, source, typed, layout.source, index)
        else:
            rows = mentions.type_and_check(con, source, typed, index)
    except Rejected as bad:
        if bad.line is None or bad.file != name:
            raise
        # Row numbers count non-blank lines; say which line of the file it is.
        raise Rejected(bad.file, bad.problem, line=files.physical_line(drop, bad.line), column=bad.column,
                       hint=bad.hint) from None
    return table, typed, rows, source


def load(command: str, paths: list[str], lake: Path, console: Console | None = None, code: bool = True) -> Summary:
    """Load files as one commit. Raises Rejected, having committed nothing. New articles are
    coded into events (coded_events) in the same commit unless `code` is false."""
    console = console or Console(stderr=True)
    summary = Summary(command, paths)
    con = lakes.connect(lake, read_only=False, create=True)
    try:
        store.ensure_schema(con)
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
        prepared = {table: TABLE_MODULES[table].prepare_new(con, f"all_{table}")
                    for table in staged if hasattr(TABLE_MODULES[table], "prepare_new")}
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
            if not summary.added:
                con.execute("rollback")  # nothing new: no empty snapshot
                return summary
            names = ", ".join(Path(p).name for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
            what = ", ".join(f"+{n:,} {t}" for t, n in summary.added.items())
            store.set_commit_message(
                con, f"{command}: {what} from {names}",
                {"command": command, "files": [Path(p).name for p in paths], "added": summary.added,
                 "duplicates": summary.duplicates, "rows_read": summary.rows_read},
            )
            con.execute("commit")
        except BaseException:
            try:
                con.execute("rollback")
            except duckdb.Error:
                pass  # the failed COMMIT already ended the transaction; report its error, not this one
            raise
        summary.snapshot = lakes.current_snapshot(con)
        return summary
    finally:
        con.close()


def load_or_record(command: str, paths: list[str], lake: Path, console: Console | None = None,
                   code: bool = True) -> Summary:
    """load(), and on rejection append the reason to the log the Data page shows."""
    try:
        return load(command, paths, lake, console, code)
    except Rejected as rejection:
        store.record_rejection(lake, command, paths, str(rejection))
        raise
