"""The one exception a drop is rejected with, worded for the person who sent the file."""

from __future__ import annotations

import os


def shown_name(name: str) -> str:
    """A file name as text that can always be printed, logged and stored: bytes that are not
    UTF-8 (Python keeps them as lone surrogates) shown as \\xNN, control characters as "?"."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace") if isinstance(name, str) else str(name)
    return "".join(ch if ch.isprintable() else "?" for ch in text)


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
        file = shown_name(file)
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
