"""Fast lookups of figures in a long table, for page building.

A national build holds millions of figures and looks up hundreds per page.
Rather than a dictionary of row dictionaries (about 1 kB a figure), the table
is kept as plain column arrays sorted by one integer key made of the codes of
(area_type, area, year, measure, group): finding a figure is a binary search,
and an area's or a year's figures are one contiguous slice.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
import pandas as pd

DIMENSIONS = ("area_type", "area", "year", "measure", "group")
AREAS_KEPT = 64  # areas whose figures are in a dictionary (see Lookup.focus)


class Lookup:
    """Rows of ``frame`` found by (area_type, area, year, measure, group).

    ``fields`` are the columns a found row carries. Where the frame holds the
    same key twice, the later row wins (as a dictionary built in order would).
    """

    def __init__(self, frame: pd.DataFrame, fields: list[str], where: np.ndarray | None = None):
        """``where`` (a mask of the frame's rows) leaves rows out of the lookup
        without copying the frame."""
        self.fields = fields
        if frame.empty:  # e.g. no gaps at all: the columns may not even exist
            frame = pd.DataFrame({c: pd.Series(dtype=object) for c in (*DIMENSIONS, *fields)})
            where = None
        self.codes: list[dict] = []
        self.sizes: list[int] = []
        key = np.zeros(len(frame), dtype=np.int64)
        for dim in DIMENSIONS:
            codes, uniques = codes_of(frame[dim])
            self.codes.append({u: i for i, u in enumerate(uniques)})
            size = max(len(uniques), 1)
            self.sizes.append(size)
            key *= size
            key += codes
        # The keys sorted, and where each row is in the frame: the columns are
        # read where they are (a category's codes), not copied in key order.
        rows = np.arange(len(frame)) if where is None else np.flatnonzero(where)
        self.order = rows[np.argsort(key[rows], kind="stable")]
        self.keys = key[self.order]
        del key, rows
        self.columns = {f: _reader(frame[f]) for f in fields}
        self.values = [np.array(list(c), dtype=object) for c in self.codes]
        # A page asks for many figures of one area: ``focus`` puts an area's
        # figures in a small dictionary; the latest few areas are kept.
        self._areas: OrderedDict[tuple, dict] = OrderedDict()

    def _code(self, parts: tuple) -> int | None:
        code = 0
        for lookup, size, part in zip(self.codes, self.sizes, parts, strict=False):
            c = lookup.get(part)
            if c is None:
                return None
            code = code * size + c
        return code

    def _span(self, parts: tuple) -> tuple[int, int]:
        """The positions of every row whose key starts with ``parts``."""
        code = self._code(parts)
        if code is None:
            return 0, 0
        width = 1
        for size in self.sizes[len(parts) :]:
            width *= size
        low = int(np.searchsorted(self.keys, code * width, side="left"))
        high = int(np.searchsorted(self.keys, (code + 1) * width, side="left"))
        return low, high

    def position(self, key: tuple) -> int | None:
        area = self._areas.get(key[:2])
        if area is not None:
            return area.get(key[2:])
        code = self._code(key)
        if code is None:
            return None
        i = int(np.searchsorted(self.keys, code, side="right")) - 1
        return int(self.order[i]) if i >= 0 and self.keys[i] == code else None

    def focus(self, area_type: str, area: str) -> None:
        """Make lookups in one area fast (a page about to ask for many of its figures)."""
        if (area_type, area) in self._areas:
            self._areas.move_to_end((area_type, area))
            return
        low, high = self._span((area_type, area))
        keys = self.keys[low:high]
        parts = []
        width = 1
        for size, values in zip(self.sizes[:1:-1], self.values[:1:-1], strict=True):
            parts.append(values[(keys // width) % size].tolist())
            width *= size
        group, measure, year = parts
        self._areas[(area_type, area)] = dict(
            zip(zip(year, measure, group, strict=True), self.order[low:high].tolist(), strict=True)
        )
        if len(self._areas) > AREAS_KEPT:
            self._areas.popitem(last=False)

    def keys_of(self, area_type: str, area: str) -> Iterator[tuple]:
        """(year, measure, group) of every figure of one area."""
        self.focus(area_type, area)
        return iter(self._areas[(area_type, area)])

    def row(self, i: int) -> dict:
        return {f: self.columns[f][i] for f in self.fields}

    def get(self, key: tuple) -> dict | None:
        i = self.position(key)
        return None if i is None else self.row(i)

    def __contains__(self, key: tuple) -> bool:
        return self.position(key) is not None

    def rows(self, *prefix) -> Iterator[dict]:
        """Every row whose key starts with ``prefix`` (e.g. an area and a year)."""
        low, high = self._span(prefix)
        for i in self.order[low:high].tolist():
            yield self.row(i)

    def column(self, name: str, *prefix) -> np.ndarray:
        """One column's values for the rows whose key starts with ``prefix``."""
        low, high = self._span(prefix)
        return self.columns[name][self.order[low:high]]


class _Coded:
    """A category column read through its codes: a byte or two a row, where its
    values as an array would take eight."""

    def __init__(self, column: pd.Series):
        self.codes = column.cat.codes.to_numpy()
        # Code -1 (no value) picks the last entry.
        self.values = np.array([*column.cat.categories.tolist(), np.nan], dtype=object)

    def __getitem__(self, i: int | slice) -> object:
        return self.values[self.codes[i]]


def codes_of(column: pd.Series) -> tuple[np.ndarray, list]:
    """Each row's code and the values coded. A category column has its codes
    already (a byte or two a row); anything else is factorized."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories.tolist()
    codes, uniques = pd.factorize(column, sort=False)
    return codes, uniques.tolist()


def _reader(column: pd.Series) -> np.ndarray | _Coded:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return _Coded(column)
    return column.to_numpy()


def positions_by(codes: np.ndarray) -> dict[int, np.ndarray]:
    """The positions of each integer code in ``codes``, in order: a long table's
    rows grouped by one key in a single sort, not one scan of the table a group."""
    order, runs = runs_of(codes)
    return {code: order[start:end] for code, start, end in runs}


def runs_of(codes: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """The positions of ``codes`` sorted by code (in order within a code), and
    (code, start, end) of each code's run in them."""
    order = np.argsort(codes, kind="stable")
    found, starts = np.unique(codes[order], return_index=True)
    ends = [*starts[1:].tolist(), len(order)]
    return order, list(zip(found.tolist(), starts.tolist(), ends, strict=True))
