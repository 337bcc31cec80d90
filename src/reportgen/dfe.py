"""DfE downloads exactly as published: performance tables (KS2, KS4) and GIAS.

The formats are described in ``rules/dfe-formats.yml`` and the measures'
column names in the registries, so a new year's columns are a YAML change.
Every figure keeps its file, row and column as its source.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .csvfiles import parse_figures, read_table
from .errors import InputError, at
from .model import ENGLAND, OFSTED_WORDS, ROW, Dataset, Inspection, School
from .registry import Registry

PRIOR_SUFFIX = re.compile(r"_(1\d|2\d|3\d)$")  # _16 .. _39; not the grade suffixes _94/_95
GIAS_REQUIRED = {"URN", "EstablishmentName", "LA (code)", "TypeOfEstablishment (name)"}


def detect(header: set[str], registry: Registry) -> str | None:
    """The DfE format id whose columns the header has, or None."""
    upper = {h.upper() for h in header}
    for fid, fmt in registry.dfe_formats.items():
        if {c.upper() for c in fmt["required"]} <= upper and upper & {
            c.upper() for c in fmt["any_of"]
        }:
            return fid
    if header >= GIAS_REQUIRED:
        return "gias"
    return None


def results_year(header: list[str], path: Path) -> int:
    """The summer of the file's results: one after its newest prior-year column.

    DfE's 2016/17 KS2 file holds 2015/16 figures in its ``_16`` columns, so its
    own results are 2017.
    """
    suffixes = [int(m.group(1)) for h in header if (m := PRIOR_SUFFIX.search(h.strip()))]
    if not suffixes:
        raise InputError(
            f"{path}: cannot tell which year this DfE file is for: it has no prior-year "
            "columns (such as PTRWM_EXP_18). Add a tidy results file for that year instead."
        )
    return 2000 + max(suffixes) + 1


def _column_map(columns: list[str]) -> dict[str, str]:
    """Upper-case name -> the header's own spelling (DfE mixes NotFSM and NOTFSM)."""
    return {c.upper(): c for c in columns}


def _find(cols: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name and name.upper() in cols:
            return cols[name.upper()]
    return None


def _area_columns(frame: pd.DataFrame, fmt: dict) -> pd.DataFrame:
    """area_type and area (URN, LA code or England) for every row."""
    kinds = (
        frame["RECTYPE"]
        .astype(str)
        .str.strip()
        .map({str(k): v for k, v in fmt["record_types"].items()})
    )
    urn = frame["URN"].astype(str).str.strip()
    lea = frame["LEA"].astype(str).str.strip()
    area_type = kinds.map(
        {"school": "school", "special": "school", "la": "la", "england": "england"}
    )
    area = np.select(
        [area_type == "school", area_type == "la", area_type == "england"], [urn, lea, ENGLAND], ""
    )
    return pd.DataFrame({"area_type": area_type, "area": area, "kind": kinds}, index=frame.index)


def _figure_specs(registry: Registry, fmt: dict, cols: dict[str, str], year: int, prior: list[int]):
    """Yield (measure, group, year, value col, band col, lower col, upper col, cohort col,
    is_prior)."""
    groups = [("all", "", fmt.get("cohort", ""))] + [
        (gid, g["suffix"], g.get("cohort", "")) for gid, g in fmt.get("groups", {}).items()
    ]
    for m in registry.measures.values():
        if not m.dfe:
            continue
        for gid, sfx, cohort in groups:
            base = f"{m.dfe}_{sfx}" if sfx else m.dfe
            lower = (
                f"{m.dfe_lower}_{sfx}" if m.dfe_lower and sfx else (m.dfe_lower or f"{base}_LOWER")
            )
            upper = (
                f"{m.dfe_upper}_{sfx}" if m.dfe_upper and sfx else (m.dfe_upper or f"{base}_UPPER")
            )
            for y in [year, *prior]:
                yy = "" if y == year else f"_{y % 100:02d}"
                value = _find(cols, base + yy, base + "_" + yy)  # KS4 writes P8MEA_FSM6CLA1A__16
                if value is None:
                    continue
                band = _find(cols, m.dfe_band + yy) if m.dfe_band and gid == "all" else None
                yield (
                    m.id,
                    gid,
                    y,
                    value,
                    band,
                    _find(cols, lower + yy, lower + "_" + yy),
                    _find(cols, upper + yy, upper + "_" + yy),
                    _find(cols, cohort + yy) if (gid == "all" or y == year) and cohort else None,
                    y != year,
                )


def read_performance_tables(
    path: Path, fid: str, registry: Registry, problems: list[str], ds: Dataset
) -> pd.DataFrame:
    """One DfE performance-tables CSV into observations (and schools it names)."""
    fmt = registry.dfe_formats[fid]
    frame = read_table(path)
    frame.columns = [c.strip() for c in frame.columns]
    year = results_year(list(frame.columns), path)
    cols = _column_map(list(frame.columns))
    prior = sorted(
        {2000 + int(m.group(1)) for c in frame.columns if (m := PRIOR_SUFFIX.search(c))},
        reverse=True,
    )
    areas = _area_columns(frame, fmt)
    unknown = areas["kind"].isna() & frame["RECTYPE"].astype(str).str.strip().ne("")
    for idx in unknown[unknown].index[:20]:
        problems.append(
            f"{at(path, idx + 2, 'RECTYPE')}: unknown record type {frame['RECTYPE'][idx]!r} "
            f"(expected one of {', '.join(fmt['record_types'])})"
        )
    keep = areas["area_type"].notna() & (areas["area"] != "")
    _schools_from_rows(
        frame[keep & (areas["area_type"] == "school")], areas, fmt, year, path, registry, ds
    )
    rows = frame.index[keep]
    row_numbers = pd.Series(rows + 2, index=rows, dtype="int32")
    parsed: dict[str, tuple] = {}

    def column(name: str) -> tuple[pd.Series, pd.Series, pd.Series]:
        # Cohort columns serve every measure: parse each column once.
        if name not in parsed:
            parsed[name] = parse_figures(frame.loc[rows, name])
        return parsed[name]

    chunks = []
    bands = {str(k): v for k, v in fmt.get("bands", {}).items()}
    for measure, group, y, vcol, bcol, lcol, ucol, ccol, is_prior in _figure_specs(
        registry, fmt, cols, year, prior
    ):
        value, status, bad = column(vcol)
        for idx in bad[bad].index[:5]:
            problems.append(
                f"{at(path, idx + 2, vcol)}: expected a number or a DfE code, "
                f"found {frame[vcol][idx]!r}"
            )
        chunk = pd.DataFrame(
            {
                "area_type": areas.loc[rows, "area_type"],
                "area": areas.loc[rows, "area"],
                "year": y,
                "measure": measure,
                "group": group,
                "statistic": np.where(areas.loc[rows, "area_type"] == "school", "value", "average"),
                "value": value,
                "status": status,
                "cohort": parse_figures(frame.loc[rows, ccol])[0] if ccol else math.nan,
                "lower": parse_figures(frame.loc[rows, lcol])[0] if lcol else math.nan,
                "upper": parse_figures(frame.loc[rows, ucol])[0] if ucol else math.nan,
                "computed": False,
                "prior": is_prior,
                "band": frame.loc[rows, bcol].astype(str).str.strip().map(bands).fillna("")
                if bcol
                else "",
                "source": f"{path.name}:{ROW} {vcol}",
                "source_row": row_numbers,
            }
        )
        chunks.append(chunk)
    for measure, names in fmt.get("context", {}).items():
        col = _find(cols, *names)
        if col is None:
            continue
        value, status, _ = column(col)
        chunks.append(
            pd.DataFrame(
                {
                    "area_type": areas.loc[rows, "area_type"],
                    "area": areas.loc[rows, "area"],
                    "year": year,
                    "measure": measure,
                    "group": "all",
                    "statistic": np.where(
                        areas.loc[rows, "area_type"] == "school", "value", "average"
                    ),
                    "value": value,
                    "status": status,
                    "cohort": math.nan,
                    "lower": math.nan,
                    "upper": math.nan,
                    "computed": False,
                    "prior": False,
                    "source": f"{path.name}:{ROW} {col}",
                    "source_row": row_numbers,
                }
            )
        )
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


def _reader(row: pd.Series):
    """text(column) for one row: stripped, '' for a missing cell."""

    def text(col: str) -> str:
        value = row.get(col, "")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return str(value).strip()

    return text


def _phase(age_range: str, default: str) -> str:
    m = re.match(r"^\s*(\d+)\s*-\s*(\d+)\s*$", age_range or "")
    if not m:
        return default
    low, high = int(m.group(1)), int(m.group(2))
    if low <= 7 and high >= 16:
        return "all-through"
    if high <= 12:
        return "primary"
    if low >= 8 and high <= 14:
        return "middle"
    if low >= 10:
        return "secondary"
    return default


def _schools_from_rows(frame, areas, fmt, year, path, registry, ds) -> None:
    """Schools named in a performance-tables file (GIAS and tidy files take precedence)."""
    for idx, row in frame.iterrows():
        urn = str(row["URN"]).strip()
        if str(row.get("ICLOSE", "")).strip() == "1":
            ds.closed_in.setdefault(urn, set()).add(year)
        have = ds.dfe_schools.get(urn)
        if have is not None and have[0] >= year:
            continue

        text = _reader(row)
        nftype = text("NFTYPE")
        age = text("AGERANGE")
        successor = text("URN_AC")
        ds.dfe_schools[urn] = (
            year,
            School(
                urn=urn,
                name=text("SCHNAME"),
                la_code=text("LEA"),
                phase=_phase(age, fmt["phase"]),
                school_type=registry.school_types.get(nftype, nftype),
                age_range=age,
                address=", ".join(
                    x for x in (text("ADDRESS1"), text("ADDRESS2"), text("ADDRESS3")) if x
                ),
                town=text("TOWN"),
                postcode=text("PCODE"),
                status="closed" if text("ICLOSE") == "1" else "open",
                special=areas.at[idx, "kind"] == "special",
                successor_urn=successor if successor not in ("", "0") else "",
                source=f"{path.name}:{idx + 2}",
            ),
        )


def _date(text: str) -> str:
    """GIAS writes dd-mm-yyyy; the model keeps ISO dates."""
    m = re.match(r"^(\d{2})[-/](\d{2})[-/](\d{4})$", text.strip())
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else ""


def read_gias(path: Path, ds: Dataset) -> pd.DataFrame:
    """A Get Information About Schools establishment extract."""
    frame = read_table(path, fold_extra=True)
    context = []
    for idx, row in frame.iterrows():
        text = _reader(row)

        urn = text("URN")
        source = f"{path.name}:{idx + 2}"
        links = text("Linked establishments")
        predecessor = re.search(r"(\d{5,7}) Predecessor", links)
        successor = re.search(r"(\d{5,7}) Successor", links)
        low, high = text("StatutoryLowAge"), text("StatutoryHighAge")
        phase_name = text("PhaseOfEducation (name)").lower()
        special = "special" in text("TypeOfEstablishment (name)").lower()
        phase = {
            "primary": "primary",
            "secondary": "secondary",
            "all-through": "all-through",
            "middle deemed primary": "middle",
            "middle deemed secondary": "middle",
            "16 plus": "16 plus",
            "nursery": "nursery",
        }.get(phase_name, "special" if special else "primary")
        ds.gias_schools[urn] = School(
            urn=urn,
            name=text("EstablishmentName"),
            la_code=text("LA (code)"),
            phase=phase,
            school_type=text("TypeOfEstablishment (name)"),
            age_range=f"{low}-{high}" if low and high else "",
            address=", ".join(x for x in (text("Street"), text("Locality"), text("Address3")) if x),
            town=text("Town"),
            postcode=text("Postcode"),
            website=text("SchoolWebsite"),
            status="closed" if text("EstablishmentStatus (name)").lower() == "closed" else "open",
            special=special,
            predecessor_urn=predecessor.group(1) if predecessor else "",
            successor_urn=successor.group(1) if successor else "",
            source=source,
        )
        rating = OFSTED_WORDS.get(text("OfstedRating (name)").lower())
        date = _date(text("OfstedLastInsp"))
        if rating and date:
            ds.inspections.append(Inspection(urn, date, rating, None, source))
        census = _date(text("CensusDate"))
        if census:
            # January census of an academic year: the year of its summer.
            year = int(census[:4])
            for measure, col in (
                ("pupils_on_roll", "NumberOfPupils"),
                ("pct_fsm", "PercentageFSM"),
            ):
                if text(col):
                    context.append(
                        {
                            "area_type": "school",
                            "area": urn,
                            "year": year,
                            "measure": measure,
                            "value": text(col),
                            "source": f"{path.name}:{ROW} {col}",
                            "source_row": idx + 2,
                        }
                    )
    if not context:
        return pd.DataFrame()
    out = pd.DataFrame(context)
    out["value"], out["status"], _ = parse_figures(out["value"])
    return out
