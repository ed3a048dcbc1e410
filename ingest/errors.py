"""The one exception a drop is rejected with, worded for the person who sent the file."""

from __future__ import annotations


class Rejected(Exception):
    """A drop that cannot be loaded. str() is one line: where, what, and what to do."""

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        line: int | None = None,
        column: str | None = None,
        hint: str = "fix the file and run the command again",
    ) -> None:
        self.file, self.problem, self.line, self.column, self.hint = file, problem, line, column, hint
        where = file
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {problem}; {hint}")
