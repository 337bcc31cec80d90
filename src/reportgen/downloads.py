"""The computed measures as CSV and JSON: whole site and per LA.

Every row names its source (file and row, or how it was computed), and a
suppressed or missing figure keeps its status: the value cell is left empty,
never 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .formatting import status_label
from .lookup import positions_by
from .model import academic_year, source_texts
from .registry import Registry
from .standards import Placement

if TYPE_CHECKING:  # only named in annotations: pages and render_html import much
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
    """Every figure as a download row (vectorised: national data has millions)."""
    frame = obs.sort_values(["area_type", "area", "measure", "group", "year", "statistic"])
    measures = registry.measures
    ok = frame["status"] == "ok"

    def text(column: str) -> pd.Series:  # a category column as plain text, to fill in
        return frame[column].astype(object)

    area_type, area, measure = text("area_type"), text("area"), text("measure")
    years = {y: academic_year(int(y)) for y in frame["year"].unique()}
    out = pd.DataFrame(
        {
            "area_type": frame["area_type"],
            "area": frame["area"],
            "area_name": area.map(names).fillna(area_type.map({"england": "England"})).fillna(""),
            "la_code": area.map(la_of).fillna(area.where(area_type == "la", "")),
            "year": frame["year"].astype(int),
            "academic_year": frame["year"].map(years),
            "measure": frame["measure"],
            "measure_name": measure.map({k: m.name for k, m in measures.items()}).fillna(""),
            "unit": measure.map({k: m.unit for k, m in measures.items()}).fillna(""),
            "group": frame["group"],
            "statistic": frame["statistic"],
            "value": frame["value"].where(ok),  # never a number for a missing figure
            "status": frame["status"],
            "status_label": text("status").map(status_label).where(~ok, ""),
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
    row[(obs["area_type"] == "england").to_numpy()] = len(las)
    return row, [*las.tolist(), ""]


def measure_text(table: pd.DataFrame) -> tuple[str, str]:
    """A measure table as the body of the CSV (no header) and of the JSON array
    (no brackets): the parts that LA and whole-site files are joined from."""
    if table.empty:
        return "", ""
    json_body = "".join(json_parts(table))
    return csv_body(table), json_body[1:-2]


# As the csv module quotes with "\n" ending lines (a lone "\r" is not quoted).
_NEEDS_QUOTES = re.compile(r'[",\n]')


def _cell(value: object) -> str:
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def csv_body(table: pd.DataFrame) -> str:
    """The rows of ``table`` as CSV, the same text as ``to_csv`` (minimal quoting,
    empty cells for missing values), made column by column: each distinct cell
    is written once, which is several times faster for a table of figures."""
    if table.empty:
        return ""
    columns = []
    for _, column in with_numbers_as_text(table).items():
        codes, uniques = pd.factorize(column)  # a missing value is -1: the last cell
        cells = np.array([*(_cell(v) for v in uniques), ""], dtype=object)
        columns.append(cells[codes])
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def joined(csv_or_json: str, bodies: Iterable[str | bytes]) -> Iterator[str | bytes]:
    """A whole download from bodies made by ``measure_text`` (as text, or as
    UTF-8 read back from a spool file), in order."""
    if csv_or_json == "csv":
        yield HEADER
        yield from bodies
        return
    yield "["
    first = True
    for body in bodies:
        if body:
            if not first:
                yield ","
            yield body
            first = False
    yield "]\n"


def csv_parts(table: pd.DataFrame) -> Iterator[str]:
    for start in range(0, max(len(table), 1), CHUNK):
        part = with_numbers_as_text(table.iloc[start : start + CHUNK])
        yield part.to_csv(index=False, header=start == 0, lineterminator="\n")


def json_parts(table: pd.DataFrame) -> Iterator[str]:
    """The same text as ``to_json``, made a part at a time."""
    yield "["
    for start in range(0, len(table), CHUNK):
        text = table.iloc[start : start + CHUNK].to_json(
            orient="records", force_ascii=False, double_precision=10
        )
        yield ("," if start else "") + text[1:-1]
    yield "]\n"


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


class Downloads:
    """The CSV and JSON downloads, whole site and per LA. Each LA's figures come
    back from a worker as text (``workers.Task.data``): the LA's files are
    written from it at once, and it is kept in a spool folder until every LA is
    in, to be joined into the whole site's files. At national scale no table
    of them is ever whole in memory."""

    def __init__(self, report: Report, writer: Writer, spool: Path):
        ds = report.dataset
        self.writer, self.spool = writer, spool
        self.names = {urn: s.name for urn, s in ds.schools.items()} | {
            c: la.name for c, la in ds.las.items()
        }
        self.la_of = {urn: s.la_code for urn, s in ds.schools.items()}
        self.rows = rows_by_la(report.obs, self.la_of)
        england = report.obs.iloc[self.rows.pop("", np.array([], dtype=np.int64))]
        self.england = measure_text(measure_table(england, report.registry, self.names, self.la_of))
        self.published = {s.la_code for s in ds.schools.values() if s.la_code in ds.las}
        self.std = standard_table(report.placements, self.names, self.la_of)
        self.added: set[str] = set()

    def add(self, code: str, csv: str | bytes, json_body: str | bytes) -> None:
        """One LA's figures, from its worker."""
        self.added.add(code)
        for kind, body in (("csv", csv), ("json", json_body)):
            data = body if isinstance(body, bytes) else body.encode("utf-8")
            (self.spool / f"{code}.{kind}").write_bytes(data)
        if code in self.published:
            eng_csv, eng_json = self.england
            self.writer.write_parts(
                f"la/{code}/measures.csv", joined("csv", [eng_csv, csv]), "downloads"
            )
            self.writer.write_parts(
                f"la/{code}/measures.json",
                joined("json", [eng_json, json_body]),
                "downloads",
            )

    def keep(self, code: str) -> bool:
        """An LA's figures as the last build wrote them, when nothing they are
        made from has changed (``workers.task_digests``): its files are kept, and
        its part of the whole site's files is read back from them. False when
        the live files do not begin with England's figures as they are now."""
        if self.writer.live is None or code not in self.published:  # no files to read
            return False
        parts = []
        for kind, england in (("csv", self.england[0]), ("json", self.england[1])):
            try:
                data = (self.writer.live / f"la/{code}/measures.{kind}").read_bytes()
            except OSError:
                return False
            head = b"".join(s.encode("utf-8") for s in joined(kind, [england]))
            if kind == "json":  # "[" England "," the LA "]"; the LA's part alone if no England
                head = head.removesuffix(b"]\n") + (b"," if england else b"")
                body, tail = data[len(head) :], b"]\n"
                if not (data.startswith(head) and body.endswith(tail)):
                    return False
                parts.append(body.removesuffix(tail))
            else:
                if not data.startswith(head):
                    return False
                parts.append(data[len(head) :])
        self.add(code, *parts)
        return True

    def finish(self) -> None:
        """The whole site's files (England first, then LA by LA), and the standards."""
        for code in sorted(self.published - self.added):  # an LA without figures of its own
            self.add(code, "", "")
        for kind, first in (("csv", self.england[0]), ("json", self.england[1])):
            bodies = ((self.spool / f"{code}.{kind}").read_bytes() for code in sorted(self.rows))
            self.writer.write_parts(
                f"downloads/measures.{kind}",
                joined(kind, chain([first], bodies)),
                "downloads",
            )
        std = self.std
        self.writer.write_parts("downloads/standards.csv", csv_parts(std), "downloads")
        self.writer.write_parts("downloads/standards.json", json_parts(std), "downloads")
        by_la = dict(tuple(std.groupby("la_code", sort=True)))
        for code in sorted(self.published):
            self.writer.write_parts(
                f"la/{code}/standards.csv",
                csv_parts(by_la.get(code, std.iloc[0:0])),
                "downloads",
            )
