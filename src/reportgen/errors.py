"""Errors that name the file, row and column a user has to fix."""

from __future__ import annotations


class InputError(Exception):
    """Bad input. The message names where it is and what was expected."""


def at(path: object, row: int | None = None, column: str | None = None) -> str:
    """'data/results.csv, row 12, column value' (row as a spreadsheet shows it)."""
    where = str(path)
    if row is not None:
        where += f", row {row}"
    if column is not None:
        where += f", column {column}"
    return where


class InputErrors(InputError):
    """Several problems found at once, reported together."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
