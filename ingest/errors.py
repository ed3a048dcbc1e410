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
        # A file name is data too: no newline or terminal escape may forge a second line.
        file = "".join(ch if ch.isprintable() else "?" for ch in file)
        problem = "".join(ch if ch.isprintable() else "?" for ch in problem)
        self.file, self.problem, self.line, self.column, self.hint = file, problem, line, column, hint
        where = file
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {problem}; {hint}")


class BusyLake(Exception):
    """Other loads kept committing while this one tried to; nothing was committed."""
