"""DfE performance tables (KS2, KS4) exactly as downloaded, year by year.

Each format is described in ``rules/dfe-formats.yml``: the columns that
recognise it, its record types, its pupil groups' suffixes, and ``editions``
saying which names changed in which years (from each year's dictionary). The
measures' columns are in the registries (``dfe:``, ``dfe_groups:``). So a new
year's columns are a YAML change. Every figure keeps its file, row and column
as its source.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..csvfiles import parse_figures, read_table
from ..errors import at
from ..model import ENGLAND, ROW, Dataset, School
from ..registry import Registry, names
from .years import FileYear, earlier_results_year


def format_for(fmt: dict, year: int) -> dict:
    """The format as DfE wrote it in ``year``: the base, then each edition whose
    years hold ``year`` (later editions over earlier ones), merged key by key."""
    out = copy.deepcopy({k: v for k, v in fmt.items() if k != "editions"})
    for edition in fmt.get("editions", []):
        if year in edition["years"]:
            _merge(out, {k: v for k, v in edition.items() if k not in ("years", "note")})
    return out


def _merge(into: dict, more: dict) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def known_names(fmt: dict, key: str) -> set[str]:
    """Every name a format has used for ``key`` (e.g. its year-telling columns)
    in its base and all its editions, upper case."""
    found = set(names(fmt.get(key)))
    for edition in fmt.get("editions", []):
        found |= set(names(edition.get(key)))
    return {n.upper() for n in found}


def _column_map(columns: list[str]) -> dict[str, str]:
    """Upper-case name -> the header's own spelling (DfE mixes NotFSM and NOTFSM)."""
    return {c.upper(): c for c in columns}


def _find(cols: dict[str, str], candidates: list[str]) -> str | None:
    for name in candidates:
        if name and name.upper() in cols:
            return cols[name.upper()]
    return None


@dataclass(frozen=True)
class Spec:
    """Where one figure of a file is: its measure, group and year, and its columns."""

    measure: str
    group: str
    year: int
    value: str
    band: str | None
    lower: str | None
    upper: str | None
    cohort: str | None
    prior: bool


def prior_tokens(fmt: dict, cols: dict[str, str], year: int, no_results: set[int]):
    """[(token, year)] of the prior years a file carries: two-digit years found
    in its header (``_17``), or DfE's ``_PREV``/``_PREV2`` of 2024/25 on."""
    style = fmt.get("prior_years", "two_digits")
    if isinstance(style, dict):  # {PREV: 1, PREV2: 2}: results years back
        return [(t, earlier_results_year(year, int(back), no_results)) for t, back in style.items()]
    found = set()
    for column in cols.values():
        tail = column.rsplit("_", 1)[-1]
        if len(tail) == 2 and tail.isdigit() and 10 <= int(tail) <= 39 and 2000 + int(tail) < year:
            found.add(2000 + int(tail))
    found -= no_results  # the 2021/22 KS4 file has _20 and _21 columns: not results years
    return [(f"{y % 100:02d}", y) for y in sorted(found, reverse=True)]


def _with_year(candidates: list[str], token: str, patterns: list[str]) -> list[str]:
    return [p.format(column=c, yy=token) for c in candidates for p in patterns]


def figure_specs(
    registry: Registry, fmt: dict, cols: dict[str, str], year: int, no_results: set[int]
) -> Iterator[Spec]:
    """Every figure the file holds, found from the measures' column names."""
    groups = [("all", [""], names(fmt.get("cohort")))] + [
        (gid, names(g["suffix"]), names(g.get("cohort"))) for gid, g in fmt["groups"].items()
    ]
    patterns = fmt.get("prior_columns", ["{column}_{yy}", "{column}__{yy}"])
    tokens = [("", year)] + prior_tokens(fmt, cols, year, no_results)
    for m in registry.measures.values():
        if not m.dfe:
            continue
        for gid, suffixes, cohorts in groups:
            explicit = m.dfe_groups.get(gid)
            values = names(explicit) or [_joined(d, s) for d in names(m.dfe) for s in suffixes]
            lowers = [_joined(d, s) for d in names(m.dfe_lower) for s in suffixes] or [
                f"{v}_LOWER" for v in values
            ]
            uppers = [_joined(d, s) for d in names(m.dfe_upper) for s in suffixes] or [
                f"{v}_UPPER" for v in values
            ]
            own = [_joined(d, s) for d in names(m.dfe_cohort) for s in suffixes] + cohorts
            for token, y in tokens:
                at_year = (lambda c, t=token: _with_year(c, t, patterns)) if token else list
                value = _find(cols, at_year(values))
                if value is None:
                    continue
                band = _find(cols, at_year(names(m.dfe_band))) if gid == "all" else None
                # A prior year's cohort is given for all pupils (TELIG_18), a group's
                # only for the file's own year.
                cohort = _find(cols, at_year(own)) if gid == "all" or not token else None
                yield Spec(
                    m.id,
                    gid,
                    y,
                    value,
                    band,
                    _find(cols, at_year(lowers)),
                    _find(cols, at_year(uppers)),
                    cohort,
                    bool(token),
                )


def _joined(column: str, suffix: str) -> str:
    return f"{column}_{suffix}" if suffix else column


def read_performance_tables(
    path: Path,
    fid: str,
    registry: Registry,
    problems: list[str],
    ds: Dataset,
    year: FileYear,
) -> pd.DataFrame:
    """One DfE performance-tables CSV into observations (and the schools it names)."""
    fmt = format_for(registry.dfe_formats[fid], year.year)
    no_results = registry.no_results
    frame = read_table(path)
    frame.columns = [c.strip() for c in frame.columns]
    cols = _column_map(list(frame.columns))
    areas = _area_columns(frame, fmt)
    unknown = areas["kind"].isna() & frame["RECTYPE"].astype(str).str.strip().ne("")
    for idx in unknown[unknown].index[:20]:
        problems.append(
            f"{at(path, idx + 2, 'RECTYPE')}: unknown record type {frame['RECTYPE'][idx]!r} "
            f"(expected one of {', '.join(fmt['record_types'])})"
        )
    keep = areas["area_type"].notna() & (areas["area"] != "")
    _schools_from_rows(
        frame[keep & (areas["area_type"] == "school")], areas, fmt, year.year, path, registry, ds
    )
    rows = frame.index[keep]
    row_numbers = pd.Series(rows + 2, index=rows, dtype="int32")
    parsed: dict[str, tuple] = {}

    def column(name: str) -> tuple[pd.Series, pd.Series, pd.Series]:
        # Cohort columns serve every measure: parse each column once.
        if name not in parsed:
            parsed[name] = parse_figures(frame.loc[rows, name])
        return parsed[name]

    area_type = areas.loc[rows, "area_type"]
    statistic = np.where(area_type == "school", "value", "average")
    bands = {str(k).lower(): v for k, v in fmt.get("bands", {}).items()}
    chunks = []
    specs = list(figure_specs(registry, fmt, cols, year.year, no_results))
    found = {s.measure for s in specs if not s.prior and s.group == "all"}
    missing = [
        m
        for m in registry.measures.values()
        if m.headline and m.dfe and m.phase == fmt["phase"] and m.id not in found
    ]
    if missing:  # a renamed column would otherwise leave every school "No data"
        ds.warnings.append(
            f"{path.name}: no column for {', '.join(m.name for m in missing)} (looked for "
            f"{', '.join(names(m.dfe)[0] for m in missing)}): the file's year's names may "
            "have changed; see rules/dfe-formats.yml"
        )
    for spec in specs:
        value, status, bad = column(spec.value)
        for idx in bad[bad].index[:5]:
            problems.append(
                f"{at(path, idx + 2, spec.value)}: expected a number or a DfE code, "
                f"found {frame[spec.value][idx]!r}"
            )
        chunks.append(
            pd.DataFrame(
                {
                    "area_type": area_type,
                    "area": areas.loc[rows, "area"],
                    "year": spec.year,
                    "measure": spec.measure,
                    "group": spec.group,
                    "statistic": statistic,
                    "value": value,
                    "status": status,
                    "cohort": column(spec.cohort)[0] if spec.cohort else math.nan,
                    "lower": column(spec.lower)[0] if spec.lower else math.nan,
                    "upper": column(spec.upper)[0] if spec.upper else math.nan,
                    "computed": False,
                    "prior": spec.prior,
                    "band": _bands(frame.loc[rows, spec.band], bands) if spec.band else "",
                    "source": f"{path.name}:{ROW} {spec.value}",
                    "source_row": row_numbers,
                }
            )
        )
    # The LA's and England's context rows are of the key stage's phase (KS2's
    # England row counts primary pupils): "la:primary", as the census gives them.
    phased = area_type.where(area_type == "school", area_type + ":" + fmt["phase"])
    for measure, candidates in fmt.get("context", {}).items():
        col = _find(cols, names(candidates))
        if col is None:
            continue
        value, status, _ = column(col)
        chunks.append(
            pd.DataFrame(
                {
                    "area_type": phased,
                    "area": areas.loc[rows, "area"],
                    "year": year.year,
                    "measure": measure,
                    "group": "all",
                    "statistic": statistic,
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


def _bands(cells: pd.Series, bands: dict[str, str]) -> pd.Series:
    """DfE's progress bands as words: a code (1 to 5) or the words themselves."""
    text = cells.astype(str).str.strip()
    words = text.str.lower().map(bands)
    spelled = text.str.lower().where(text.str.lower().isin(set(bands.values())), "")
    return words.fillna(spelled)


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


def _reader(row: pd.Series):
    """text(column) for one row: stripped, '' for a missing cell."""

    def text(col: str) -> str:
        value = row.get(col, "")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return str(value).strip()

    return text


def phase_of_ages(low: int, high: int, default: str) -> str:
    """A school's phase from the ages it takes (statutory ages or AGERANGE)."""
    if low <= 7 and high >= 16:
        return "all-through"
    if high <= 12:
        return "primary"
    if low >= 8 and high <= 14:
        return "middle"
    if low >= 10:
        return "secondary"
    return default


def _phase(age_range: str, default: str) -> str:
    parts = [p.strip() for p in (age_range or "").split("-")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return default
    return phase_of_ages(int(parts[0]), int(parts[1]), default)


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
