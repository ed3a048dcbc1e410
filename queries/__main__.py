"""python -m queries: run a named query from the command line.

    python -m queries --list
    python -m queries pair_timeline --a USA --b CHN --start 2018-01-01 --end 2018-06-30 --format csv

Results go to stdout; errors are one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

import duckdb

from lake.connection import LakeError, connect, lake_dir
from queries.runner import QueryError, catalog, run

FORMATS = ("table", "csv", "json")


def _split_params(rest: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    it = iter(rest)
    for flag in it:
        if not flag.startswith("--") or len(flag) < 3:
            raise QueryError(f"unexpected argument {flag!r}; parameters look like --name value")
        key, eq, value = flag[2:].partition("=")
        if not eq:
            following = next(it, None)
            if following is None:
                raise QueryError(f"--{key} needs a value")
            value = following
        params[key.replace("-", "_")] = value
    return params


def _describe(query) -> list[str]:
    lines = [f"{query.name}: {query.description}"]
    for p in query.params:
        default = f" (default {p.default})" if p.default is not None else ""
        lines.append(f"    --{p.name} {p.type}{default}  {p.help}")
    return lines


def _list() -> str:
    return "\n".join(line for query in catalog().values() for line in _describe(query))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        print(f"error: {message}; see: python -m queries --help", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m queries", description="Run a named Bilateral query.", add_help=False)
    parser.add_argument("-h", "--help", action="store_true", help="this help, or with a NAME that query's parameters")
    parser.add_argument("name", nargs="?", help="query name (see --list)")
    parser.add_argument("--list", action="store_true", help="list queries with their parameters")
    parser.add_argument("--snapshot", type=int, help="read the data as of this lake snapshot")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--lake", help="lake directory (default: $BILATERAL_LAKE or data/lake)")
    args, rest = parser.parse_known_args(argv)
    try:
        if args.help and args.name:  # python -m queries pair_timeline --help
            query = catalog().get(args.name)
            if query is None:
                raise QueryError(f"no query named {args.name!r}; see: python -m queries --list")
            print("\n".join(_describe(query)))
            print(f"example: python -m queries {query.name} "
                  + " ".join(f"--{p.name} ..." for p in query.params if p.default is None) + " --format csv")
            return 0
        if args.help:
            parser.print_help()
            return 0
        if args.list:
            print(_list())
            return 0
        if not args.name:
            raise QueryError("give a query name; see: python -m queries --list")
        params = _split_params(rest)
        catalog_entry = catalog().get(args.name)
        if catalog_entry is None:
            raise QueryError(f"no query named {args.name!r}; see: python -m queries --list")
        catalog_entry.bind(params)  # validate before opening the lake
        con = connect(lake_dir(args.lake))
        frame = run(con, args.name, params, snapshot=args.snapshot)
    except (QueryError, LakeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except duckdb.Error as err:  # e.g. a snapshot from before the tables existed
        print(f"error: the query failed: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    for column in frame.select_dtypes("datetime").columns:  # DATE columns print as dates
        if (frame[column].dropna().dt.normalize() == frame[column].dropna()).all():
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        print(frame.to_json(orient="records", date_format="iso", indent=1))
    else:
        print(frame.to_string(index=False) if len(frame) else "(no rows)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head: not an error
        sys.stderr.close()
        sys.exit(0)
