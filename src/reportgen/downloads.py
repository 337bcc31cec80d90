"""The computed measures as CSV and JSON: whole site and per LA.

Every row names its source (file and row, or how it was computed), and a
suppressed or missing figure keeps its status: the value cell is left empty,
never 0.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd

from .formatting import status_label
from .model import academic_year
from .registry import Registry
from .standards import Placement

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


def _clean(x: object) -> object:
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def measure_records(
    obs: pd.DataFrame, registry: Registry, names: dict[str, str], la_of: dict[str, str]
) -> list[dict]:
    frame = obs.sort_values(["area_type", "area", "measure", "group", "year", "statistic"])
    rows = []
    for r in frame.to_dict("records"):
        m = registry.measures.get(r["measure"])
        area = r["area"]
        rows.append(
            {
                "area_type": r["area_type"],
                "area": area,
                "area_name": names.get(area, "England" if r["area_type"] == "england" else ""),
                "la_code": la_of.get(area, area if r["area_type"] == "la" else ""),
                "year": int(r["year"]),
                "academic_year": academic_year(int(r["year"])),
                "measure": r["measure"],
                "measure_name": m.name if m else "",
                "unit": m.unit if m else "",
                "group": r["group"],
                "statistic": r["statistic"],
                "value": _clean(r["value"]) if r["status"] == "ok" else None,
                "status": r["status"],
                "status_label": status_label(r["status"]) if r["status"] != "ok" else "",
                "cohort": _clean(r["cohort"]),
                "lower": _clean(r["lower"]),
                "upper": _clean(r["upper"]),
                "computed": bool(r["computed"]),
                "source": r["source"],
            }
        )
    return rows


def standard_records(
    placements: list[Placement], names: dict[str, str], la_of: dict[str, str]
) -> list[dict]:
    return [
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


def _number(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:g}" if abs(x) < 1e15 else str(x)
    return str(x)


def to_csv(rows: list[dict], fields: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(fields)
    for r in rows:
        writer.writerow([_number(r[f]) if not isinstance(r[f], str) else r[f] for f in fields])
    return buf.getvalue()


def to_json(rows: list[dict]) -> str:
    # Compact separators keep the C encoder (indent= falls back to pure Python).
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n"
