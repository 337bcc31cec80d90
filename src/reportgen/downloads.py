"""The computed measures as CSV and JSON: whole site and per LA.

Every row names its source (file and row, or how it was computed), and a
suppressed or missing figure keeps its status: the value cell is left empty,
never 0 (in the JSON, null). A JSON file is the CSV's column names once,
then an array a row with the values in that order (pandas' "split" form
without an index): ``{"columns":[...],"data":[[...],...]}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .csvfiles import per_distinct
from .formatting import status_label
from .lookup import positions_by
from .model import ENGLAND, academic_year, source_texts
from .registry import Registry
from .render_html import Joined, Part
from .standards import Placement

if TYPE_CHECKING:  # only named in annotations: pages imports much
    from .pages import Report
    from .render_html import Writer

MEASURE_FIELDS = [
    "area_type",
    "area",
    "area_name",
    "la_code",
    "year",
    "academic_year",
    "measure",
    "measure_name",
    "unit",
    "group",
    "statistic",
    "value",
    "status",
    "status_label",
    "cohort",
    "lower",
    "upper",
    "computed",
    "source",
]
STANDARD_FIELDS = [
    "urn",
    "school",
    "la_code",
    "standard",
    "year",
    "academic_year",
    "outcome",
    "summary",
    "years_in_a_row",
]


def measure_table(
    obs: pd.DataFrame, registry: Registry, names: dict[str, str], la_of: dict[str, str]
) -> pd.DataFrame:
    """Every figure as a download row (vectorised: national data has millions).
    A column of names or labels is made once for each distinct value and kept
    as categories, so that writing it (``measure_text``) reads codes, not text."""
    frame = obs.sort_values(["area_type", "area", "measure", "group", "year", "statistic"])
    measures = registry.measures
    ok = frame["status"] == "ok"
    # An LA's rows, of all its schools or of one phase ("la:primary").
    is_la = frame["area_type"].astype(str).str.startswith("la")
    las = set(frame.loc[is_la.to_numpy(), "area"].astype(object))

    def label(column: str, of) -> pd.Series:
        # The distinct values as plain objects: mapping a category Series goes
        # by its categories, which here are every area of England, not these.
        return per_distinct(frame[column], lambda v: v.astype(object).map(of), category=True)

    def area_name(area: object) -> str:
        return names.get(area) or ("England" if area == ENGLAND else "")

    def measure_field(field: str):
        return lambda m: getattr(measures[m], field) if m in measures else ""

    out = pd.DataFrame(
        {
            "area_type": frame["area_type"],
            "area": frame["area"],
            "area_name": label("area", area_name),
            "la_code": label("area", lambda a: la_of.get(a) or (a if a in las else "")),
            "year": frame["year"].astype(int),
            "academic_year": label("year", lambda y: academic_year(int(y))),
            "measure": frame["measure"],
            "measure_name": label("measure", measure_field("name")),
            "unit": label("measure", measure_field("unit")),
            "group": frame["group"],
            "statistic": frame["statistic"],
            "value": frame["value"].where(ok),  # never a number for a missing figure
            "status": frame["status"],
            "status_label": label("status", lambda s: "" if s == "ok" else status_label(s)),
            "cohort": frame["cohort"],
            "lower": frame["lower"],
            "upper": frame["upper"],
            "computed": frame["computed"].astype(bool),
            "source": source_texts(frame),
        }
    )
    return out[MEASURE_FIELDS].reset_index(drop=True)


def standard_table(
    placements: list[Placement], names: dict[str, str], la_of: dict[str, str]
) -> pd.DataFrame:
    rows = [
        {
            "urn": p.urn,
            "school": names.get(p.urn, ""),
            "la_code": la_of.get(p.urn, ""),
            "standard": p.standard,
            "year": p.year,
            "academic_year": academic_year(p.year),
            "outcome": p.outcome,
            "summary": p.sentence,
            "years_in_a_row": p.run,
        }
        for p in sorted(placements, key=lambda p: (p.urn, p.standard, p.year))
    ]
    return pd.DataFrame(rows, columns=STANDARD_FIELDS)


def json_head(fields: list[str]) -> bytes:
    """What a download's JSON begins with: its column names, once, and the start
    of its rows, each an array of values in that order (pandas' ``orient="split"``
    without an index). ``_END`` closes both."""
    names = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return b'{"columns":' + names.encode() + b',"data":['


KINDS = ("csv", "json")
_EMPTY, _COMMA, _END = Part.of(b""), Part.of(b","), Part.of(b"]}\n")
_JSON_HEAD = Part.of(json_head(MEASURE_FIELDS))  # of every measures JSON, LA and whole site
CHUNK = 100_000  # rows formatted at a time: a national table is written in parts
HEADER = ",".join(MEASURE_FIELDS) + "\n"


def rows_by_la(obs: pd.DataFrame, la_of: dict[str, str]) -> dict[str, np.ndarray]:
    """Positions in ``obs`` of each LA's figures (its own and its schools'), by
    LA code; England's under "". Each LA's downloads are made from its rows
    alone, in a worker, and the whole site's are joined from them."""
    if obs.empty:
        return {}
    row, las = la_codes(obs, la_of)
    return {las[c]: part for c, part in positions_by(row).items()}


def la_codes(obs: pd.DataFrame, la_of: dict[str, str]) -> tuple[np.ndarray, list[str]]:
    """Each row's LA as a number, and the LA code of each number (England's is "")."""
    area = obs["area"].astype("category")
    per_area = pd.Index([la_of.get(a, a) for a in area.cat.categories], dtype=object)
    codes, las = pd.factorize(per_area)
    row = codes[area.cat.codes.to_numpy()]
    row[(obs["area"] == ENGLAND).to_numpy()] = len(las)  # England's, of any phase
    return row, [*las.tolist(), ""]


def measure_text(table: pd.DataFrame) -> tuple[bytes, bytes]:
    """A measure table as the body of the CSV (no header) and the rows of the
    JSON (each an array of its values in column order, joined by commas: no
    head or tail), as UTF-8: the parts that LA and whole-site files are joined
    from. A number is the same text in both ("63.5", up to 10 figures)."""
    if table.empty:
        return b"", b""
    columns = _distinct(table)
    csv = _row_by_row([cells[codes] for codes, cells, _ in columns])
    return csv.encode("utf-8"), _json_rows(columns).encode("utf-8")


def json_rows(table: pd.DataFrame) -> str:
    """A table's rows as JSON arrays joined by commas, as ``measure_text`` writes them."""
    return _json_rows(_distinct(table)) if len(table) else ""


def _json_rows(columns: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> str:
    # Each value comes with the punctuation before or after it (",[" before a
    # row's first, "]" after its last, "," before the others), so the rows are
    # one join of every value in turn, row by row, without a string made for
    # each row.
    values = [members[codes] for codes, _, members in columns]
    values[0] = values[0].copy()
    values[0][0] = values[0][0][1:]  # no comma before the first row
    return _row_by_row(values)


def _row_by_row(columns: list[np.ndarray]) -> str:
    """Columns of text, each cell with its punctuation, read row by row: one
    join of every cell in turn, without a string made for each row."""
    return "".join(np.column_stack(columns).ravel().tolist())


# As the csv module quotes, and a carriage return too: a spreadsheet would
# break the row there.
_NEEDS_QUOTES = re.compile(r'[",\n\r]')
# A spreadsheet runs a cell that starts so as a formula (OWASP, "CSV Injection").
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def as_text(text: str) -> str:
    """A text cell a spreadsheet shows as text: one that would start a formula
    gets a leading apostrophe, as OWASP advises (numbers are not text cells)."""
    return "'" + text if text.startswith(_FORMULA) else text


def _cell(value: object) -> str:
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def _number_text(value: object) -> str:
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def _json_value(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float) and not np.isfinite(value):
        return "null"
    if isinstance(value, int | float | np.number):
        return _number_text(value)
    return encode_basestring(str(value))  # as json.dumps, without its set-up per call


def _distinct(table: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each column as (codes, CSV cells, JSON values): the row's index into the
    cells and values, each distinct value written once, which is several times
    faster for a table of figures than formatting row by row. A missing value
    (code -1: the last) is an empty cell and null, never 0. Each cell carries
    the punctuation after it (CSV) or around it (JSON)."""
    last = len(table.columns) - 1
    return [
        _cells(
            column,
            "\n" if i == last else ",",
            ",[" if i == 0 else ",",
            "]" if i == last else "",
        )
        for i, (_, column) in enumerate(table.items())
    ]


def _cells(
    column: pd.Series, csv_after: str, before: str, after: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(column)  # a missing value is -1: the last cell
    values = uniques.tolist()
    if all(type(v) is str for v in values):  # text, as a source is: often one a row
        members = map(encode_basestring, values)
        values = [as_text(v) for v in values]
        cells = values if not _NEEDS_QUOTES.search("\0".join(values)) else map(_cell, values)
    else:
        cells = [_cell(_number_text(v)) for v in values]
        members = map(_json_value, values)
    cells = [c + csv_after for c in chain(cells, [""])]
    members = [before + m + after for m in chain(members, ["null"])]
    return codes, np.array(cells, dtype=object), np.array(members, dtype=object)


def csv_parts(table: pd.DataFrame) -> Iterator[str | bytes]:
    """A table as a download's CSV (header, then rows as ``measure_text``
    writes them), made a part at a time."""
    yield ",".join(map(_cell, table.columns)) + "\n"
    for start in range(0, len(table), CHUNK):
        yield measure_text(table.iloc[start : start + CHUNK])[0]


def json_parts(table: pd.DataFrame) -> Iterator[bytes]:
    """A table as a download's JSON (its column names, then an array a row, as
    ``measure_text`` writes them), made a part at a time."""
    yield json_head(list(table.columns))
    for start in range(0, len(table), CHUNK):
        rows = json_rows(table.iloc[start : start + CHUNK])
        yield (("," if start else "") + rows).encode("utf-8")
    yield _END.data


def with_numbers_as_text(table: pd.DataFrame) -> pd.DataFrame:
    """Decimal columns written as CSV shows them ("54", "63.5", up to 10 figures;
    empty when there is none). Done once for a table that is written in parts:
    a national table has millions of figures and few distinct ones."""
    decimals = [c for c in table.columns if table[c].dtype.kind == "f"]
    if not decimals:
        return table
    out = table.copy()
    for column in decimals:
        values = table[column]
        shown = {v: f"{v:.10g}" for v in pd.unique(values.dropna())}
        out[column] = values.map(shown).astype(object).where(values.notna(), "")
    return out


def to_json(table: pd.DataFrame | list) -> str:
    if isinstance(table, list):
        return json.dumps(table, ensure_ascii=False, separators=(",", ":")) + "\n"
    return table.to_json(orient="records", force_ascii=False, double_precision=10) + "\n"


@dataclass
class Figures:
    """What makes an LA's measures files, in a worker or in the build: its rows
    of the figures, the names they show, and England's figures, which every
    LA's files begin with. With ``folder`` (the build's folder, on this
    machine's disk) an LA's text is written there by whoever makes it, and
    only where it is goes back to the build: at national scale that is
    gigabytes not sent from process to process."""

    rows: dict[str, np.ndarray]  # each LA's rows of the observations
    names: dict[str, str]  # area code -> name
    la_of: dict[str, str]  # URN -> LA code
    england: dict[str, bytes]  # England's CSV and JSON bodies
    published: set[str]  # LAs with a page, so with files of their own
    folder: str | None = None
    spool: str | None = None  # an LA without a page: its text, for the whole site's

    def frame(self, kind: str, own: bool) -> tuple[bytes, bytes]:
        """What an LA's file holds before its own part (the CSV's header, or the
        JSON's column names and the start of its rows; then England's figures,
        and in the JSON a comma when there are both), and after it."""
        england = self.england[kind]
        if kind == "csv":
            return HEADER.encode() + england, _EMPTY.data
        return _JSON_HEAD.data + england + b"," * (own and bool(england)), _END.data

    def write(self, code: str, kind: str, own: Part) -> Part:
        """An LA's text (``measure_text``, as a part of bytes), as a part of its
        file once written (the file is made here); without ``folder``, as it is."""
        if self.folder is None:
            return own
        body = own.data
        if code not in self.published:
            target = Path(self.spool) / f"{code}.{kind}"
            head, tail = b"", b""
        else:
            target = Path(self.folder, "la", code, f"measures.{kind}")
            head, tail = self.frame(kind, bool(body))
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb", buffering=0) as out:
            for data in (head, body, tail):
                out.write(data)
        return Part(own.digest, file=target, start=len(head), length=len(body))


class Downloads:
    """The CSV and JSON downloads, whole site and per LA. Each LA's files are
    made by the worker that makes its figures (``Figures.write``; a worker on
    another machine sends its text back, to be written here). The whole
    site's files are joined from the LA files' parts, in LA order as soon as
    each is in, copied file to file (an LA without a page of its own is put in
    a spool folder instead). At national scale no table of them is ever whole
    in memory, and no LA's text is hashed or read again."""

    def __init__(self, report: Report, writer: Writer, spool: Path):
        ds = report.dataset
        self.writer = writer
        names = {urn: s.name for urn, s in ds.schools.items()} | {
            c: la.name for c, la in ds.las.items()
        }
        la_of = {urn: s.la_code for urn, s in ds.schools.items()}
        rows = rows_by_la(report.obs, la_of)
        england = report.obs.iloc[rows.pop("", np.array([], dtype=np.int64))]
        eng_csv, eng_json = measure_text(measure_table(england, report.registry, names, la_of))
        self.figures = Figures(
            rows,
            names,
            la_of,
            {"csv": eng_csv, "json": eng_json},
            {s.la_code for s in ds.schools.values() if s.la_code in ds.las},
            str(writer.out_dir),
            str(spool),
        )
        self.std = standard_table(report.placements, names, la_of)
        self.parts: dict[tuple[str, str], Part] = {}  # each LA's own part, by (LA, "csv"/"json")
        # The whole site's files, England first, then each LA in code order as
        # soon as it and the LAs before it are in: joined while pages are made.
        self.whole = {
            kind: Joined(writer, f"downloads/measures.{kind}", "downloads") for kind in KINDS
        }
        self.whole["csv"].add(Part.of(HEADER.encode()))
        self.whole["json"].add(_JSON_HEAD)
        for kind in KINDS:
            self._join(kind, Part.of(self.figures.england[kind]))
        self.waiting = sorted(rows, reverse=True)  # LAs not yet joined, the next last

    def _join(self, kind: str, body: Part) -> None:
        whole = self.whole[kind]
        if not body.size:
            return
        if kind == "json" and len(whole.parts) > 1:
            whole.add(_COMMA)  # between two bodies
        whole.add(body)

    def _join_ready(self) -> None:
        while self.waiting and (self.waiting[-1], "json") in self.parts:
            code = self.waiting.pop()
            for kind in KINDS:
                self._join(kind, self.parts[code, kind])

    def _frame(self, kind: str, own: bool) -> tuple[Part, Part]:
        return tuple(map(Part.of, self.figures.frame(kind, own)))

    def add(self, code: str, csv: Part, json_body: Part) -> None:
        """One LA's text, from its worker: as a file it wrote, or as bytes."""
        for kind, own in (("csv", csv), ("json", json_body)):
            if own.file is None:  # from another machine
                own = self.figures.write(code, kind, own)
            if code in self.figures.published:
                head, tail = self._frame(kind, bool(own.size))
                digests = [head.digest, own.digest, tail.digest]
                self.writer.adopt(f"la/{code}/measures.{kind}", digests, "downloads")
            self.parts[code, kind] = own
        self._join_ready()

    def keep(self, code: str, promised: tuple[str, str] | None) -> bool:
        """An LA's files as the last build wrote them, when nothing they are made
        from has changed (``workers.task_digests``): linked into this build, and
        their LA parts joined into the whole site's. False when the live files
        do not hold the LA's parts its task's record ``promised`` (CSV, JSON),
        or were not joined from England's figures as they are now."""
        writer = self.writer
        if writer.live is None or code not in self.figures.published or promised is None:
            return False
        kept = {}
        for kind, own in zip(KINDS, promised, strict=True):
            path = f"la/{code}/measures.{kind}"
            head, tail = self._frame(kind, True)  # a kept LA has figures of its own
            was = writer.previous_parts.get(path, [])
            if len(was) != 3 or was != [head.digest, own, tail.digest]:
                return False
            live = writer.previous.get(path)  # None: not as it was published
            if live is None or not writer.can_keep([(path, live, "downloads")]):
                return False
            kept[kind] = (path, head, tail, was[1])
        for kind, (path, head, tail, digest) in kept.items():
            writer.keep(path, writer.previous[path], "downloads")
            writer.parts[path] = writer.previous_parts[path]
            size = (writer.out_dir / path).stat().st_size
            length = size - head.size - tail.size
            self.parts[code, kind] = Part(
                digest, file=writer.out_dir / path, start=head.size, length=length
            )
        self._join_ready()
        return True

    def finish(self) -> None:
        """The whole site's files (England first, then LA by LA), and the standards."""
        for code in sorted(self.figures.published - {c for c, _ in self.parts}):  # no figures
            self.add(code, _EMPTY, _EMPTY)
        if self.waiting:
            raise RuntimeError(f"the figures of LA {self.waiting[-1]} never came back")
        self.whole["json"].add(_END)
        for whole in self.whole.values():
            whole.close()
        std = self.std
        self.writer.write_parts("downloads/standards.csv", csv_parts(std), "downloads")
        self.writer.write_parts("downloads/standards.json", json_parts(std), "downloads")
        by_la = dict(tuple(std.groupby("la_code", sort=True)))
        for code in sorted(self.figures.published):
            self.writer.write_parts(
                f"la/{code}/standards.csv",
                csv_parts(by_la.get(code, std.iloc[0:0])),
                "downloads",
            )
