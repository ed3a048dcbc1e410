"""Named queries: one SELECT per queries/*.sql file, parameters declared in its header.

A header looks like:

    -- pair_timeline: events per period between two countries, by quad class.
    -- @param a country                  first country (ISO 3166 alpha-3)
    -- @param grain enum(day,week,month) = month   period length

Values are validated here against their declared type, then bound by DuckDB as `$name`:
user input never becomes SQL text.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import cast

import duckdb
import pandas as pd

from lake.connection import LAKE_ALIAS, read_retrying, snapshot_alias, wait_for_commit
from queries import macros
from queries.text import search_form

SQL_DIR = Path(__file__).resolve().parent
_PARAM = re.compile(
    r"^--\s*@param\s+(?P<name>[a-z_]+)\s+(?P<type>[a-z]+(?:\([^)]*\))?)"
    r"(?:\s*=\s*(?P<default>\S+))?\s*(?P<help>.*)$"
)


class QueryError(Exception):
    """Bad query name or parameter value; the message is one line for a person."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    help: str

    @property
    def choices(self) -> tuple[str, ...]:
        if self.type.startswith("enum("):
            return tuple(self.type[5:-1].split(","))
        return ()

    def parse(self, raw: object) -> object:
        """Validate one value against the declared type, or raise QueryError."""
        if self.type.startswith("ints("):
            return self._parse_ints(raw)
        if self.type.startswith("dates("):
            return self._parse_dates(raw)
        text = str(raw).strip()
        if len(text) > 200:
            raise QueryError(f"--{self.name}: value is too long")
        kind = self.type.split("(")[0]
        if kind == "country":
            code = text.upper()
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise QueryError(f"--{self.name}: {text!r} is not a 3-letter country code such as LBY")
            return code
        if kind == "date":
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise QueryError(f"--{self.name}: {text!r} is not a date; use YYYY-MM-DD") from None
            if not 1900 <= day.year <= 2200:
                raise QueryError(f"--{self.name}: {text} is outside the years 1900-2200")
            return day
        if kind == "int":
            low, high = (int(x) for x in self.type[4:-1].split(",")) if "(" in self.type else (0, 10**9)
            try:
                value = int(text)
            except ValueError:
                raise QueryError(f"--{self.name}: {text!r} is not a whole number") from None
            if not low <= value <= high:
                raise QueryError(f"--{self.name}: {value} is outside {low}..{high}")
            return value
        if kind == "enum":
            if text not in self.choices:
                raise QueryError(f"--{self.name}: {text!r} is not one of {', '.join(self.choices)}")
            return text
        if kind == "text":
            return text
        if kind == "search":  # normalised exactly as the article index is (queries/text.py)
            folded = search_form(text)
            if not any(ch.isalnum() for ch in folded):
                raise QueryError(f"--{self.name}: give at least one word to search for")
            return folded
        if kind == "language":  # ISO 639-3, as GDELT's translingual stream names a source language
            code = text.lower()
            if code != "any" and not re.fullmatch(r"[a-z]{3}", code):
                raise QueryError(f"--{self.name}: {text!r} is not a 3-letter language code such as ara (or 'any')")
            return code
        if kind == "cameo":
            if text != "any" and not re.fullmatch(r"\d{2,4}", text):
                raise QueryError(f"--{self.name}: {text!r} is not a CAMEO code such as 042 (or 'any')")
            return text
        raise QueryError(f"query header declares unknown type {self.type!r}")  # a bug in a .sql file

    def _parse_dates(self, raw: object) -> list[dt.date]:
        """dates(n): up to n dates, a list or YYYY-MM-DD,YYYY-MM-DD."""
        most = int(self.type[6:-1])
        items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        texts = [str(item).strip() for item in items if str(item).strip()]
        if not 1 <= len(texts) <= most:
            raise QueryError(f"--{self.name}: give 1 to {most} dates separated by commas, e.g. 2024-01-01,2024-03-01")
        single = Param(self.name, "date", None, self.help)
        return sorted({cast(dt.date, single.parse(text)) for text in texts})

    def _parse_ints(self, raw: object) -> list[int]:
        """ints(lo,hi): a list like 3,4 (or [3, 4]); 'all' is every value in lo..hi."""
        low, high = (int(x) for x in self.type[5:-1].split(","))
        if isinstance(raw, str) and raw.strip().lower() == "all":
            return list(range(low, high + 1))
        items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        try:
            values = sorted({int(str(item).strip()) for item in items if str(item).strip()})
        except ValueError:
            raise QueryError(f"--{self.name}: give whole numbers separated by commas, e.g. 3,4") from None
        if not values or not all(low <= v <= high for v in values):
            raise QueryError(f"--{self.name}: values must be within {low}..{high}")
        return values


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    params: tuple[Param, ...]
    sql: str

    def bind(self, given: Mapping[str, object]) -> dict[str, object]:
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise QueryError(
                f"{self.name} has no parameter --{unknown[0]}; it takes "
                + (", ".join(f"--{p}" for p in known) or "no parameters")
            )
        bound: dict[str, object] = {}
        for name, param in known.items():
            value = given.get(name)
            if value is None or value == "":
                if param.default is None:
                    raise QueryError(f"{self.name} needs --{name} ({param.help or param.type})")
                value = param.default
            bound[name] = param.parse(value)
        if "a" in bound and bound.get("a") == bound.get("b"):
            raise QueryError(f"--a and --b are both {bound['a']}; pick two different countries")
        starts, ends = bound.get("start"), bound.get("end")
        if isinstance(starts, dt.date) and isinstance(ends, dt.date) and starts > ends:
            raise QueryError(f"--start {starts} is after --end {ends}")
        return bound


def _parse(path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("--")]
    description = header[0].split(":", 1)[1].strip() if header else ""
    params = tuple(
        Param(m["name"], m["type"], m["default"], m["help"].strip())
        for line in header
        if (m := _PARAM.match(line))
    )
    return Query(path.stem, description, params, text)


@cache
def catalog() -> dict[str, Query]:
    return {p.stem: _parse(p) for p in sorted(SQL_DIR.glob("*.sql"))}


def get(name: str) -> Query:
    queries = catalog()
    if name not in queries:
        raise QueryError(f"no query named {name!r}; see: python -m queries --list")
    return queries[name]


ROLLUP_DIR = SQL_DIR / "rollup"


def _month_aligned(bound: dict[str, object]) -> bool:
    """Every date parameter on a month boundary: starts on a 1st, ends on a month's last day."""
    for key, value in bound.items():
        if not isinstance(value, dt.date):
            continue
        if key.endswith("start") and value.day != 1:
            return False
        if key.endswith("end") and (value + dt.timedelta(days=1)).day != 1:
            return False
    return True


@dataclass(frozen=True)
class Twin:
    sql: str
    when: dict[str, frozenset[str]]  # `-- @when grain in month,quarter,year`: only for these values
    edges: bool  # `-- @edges`: the twin reads the partial months itself, any dates will do

    def answers(self, bound: dict[str, object]) -> bool:
        if any(str(bound.get(name)) not in values for name, values in self.when.items()):
            return False
        return self.edges or _month_aligned(bound)


_WHEN = re.compile(r"^-- @when (\w+) in ([\w,]+)\s*$")


@cache
def _twin(name: str) -> Twin | None:
    path = ROLLUP_DIR / f"{name}.sql"
    if not path.exists():
        return None
    sql = path.read_text(encoding="utf-8")
    when = {m[1]: frozenset(m[2].split(",")) for line in sql.splitlines() if (m := _WHEN.match(line))}
    return Twin(sql, when, any(line.strip() == "-- @edges" for line in sql.splitlines()))


def run(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: Mapping[str, object] | None = None,
    snapshot: int | None = None,
) -> pd.DataFrame:
    """Run a named query with validated, bound parameters, on the latest data or a snapshot.

    Queries with a twin in queries/rollup/ are answered from the rollups when the twin says it
    can (queries/rollup/README.md): the same numbers, without scanning every event."""
    query = get(name)
    bound = query.bind(params or {})
    if "article_index." in query.sql:  # full-text queries need the index built first
        from queries.search import ensure_index

        ensure_index(con)
    twin = _twin(name)
    sql = twin.sql if twin and twin.answers(bound) else query.sql
    wait_for_commit(con)  # a writer committing now would otherwise find the catalog locked
    cursor = con.cursor()  # a cursor per query: safe across Streamlit's threads
    try:
        macros.define(cursor)  # the shared rules (in_pair, initiator, ...): queries/shared/macros.sql
        # A cursor starts in the default database: point it at the lake, or at a pinned snapshot.
        alias = LAKE_ALIAS if snapshot is None else snapshot_alias(con, int(snapshot))
        cursor.execute(f"USE {alias}")
        used = {k: v for k, v in bound.items() if f"${k}" in sql}  # a twin may not use every parameter
        # A time limit, so that no URL can keep a server busy: the query is interrupted.
        timer = threading.Timer(query_seconds(), cursor.interrupt)
        timer.start()
        try:
            return read_retrying(cursor, sql, used).df()
        except duckdb.BinderException as err:
            # A lake not yet upgraded (its pair_month has no initiator_is_a; the dashboard and the
            # next ingest add it): answer from the events.
            if sql is query.sql or "initiator_is_a" not in str(err):
                raise
            return cursor.execute(query.sql, {k: v for k, v in bound.items() if f"${k}" in query.sql}).df()
        except duckdb.InterruptException:
            raise QueryError(f"{name} ran longer than {query_seconds():g} s and was stopped; "
                             "try a shorter date range or fewer pairs") from None
        finally:
            timer.cancel()
    finally:
        cursor.close()


def query_seconds() -> float:
    """The time limit of one query: BILATERAL_QUERY_SECONDS, 30 s by default."""
    try:
        return max(0.001, float(os.environ.get("BILATERAL_QUERY_SECONDS", "30")))
    except ValueError:
        return 30.0

