"""Errors that name the file, row and column a user has to fix."""

from __future__ import annotations

import difflib


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


def suggest(name: str, choices: set[str] | list[str]) -> str | None:
    """The most likely intended value: fewest edits among difflib's candidates."""
    found = difflib.get_close_matches(name, list(choices), n=5)
    return min(found, key=lambda c: (edits(name, c), found.index(c))) if found else None


def suggest_code(code: str, known: set[str]) -> str | None:
    """The known code one keystroke from ``code`` (a digit changed, lost, added or
    two swapped), if any: a national list has 20,000 URNs, too many to rank."""
    digits = "0123456789"
    near = set()
    for i in range(len(code) + 1):
        near.update(code[:i] + d + code[i:] for d in digits)
        if i < len(code):
            near.add(code[:i] + code[i + 1 :])
            near.update(code[:i] + d + code[i + 1 :] for d in digits)
        if i < len(code) - 1:
            near.add(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
    found = sorted((near - {code}) & known)
    return found[0] if found else None


def edits(a: str, b: str) -> int:
    """Levenshtein distance (small strings only)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]
