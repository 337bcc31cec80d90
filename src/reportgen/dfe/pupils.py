"""DfE files about a school's pupils, as downloaded with the performance tables:
the January census (``*_census.csv``: pupils on roll, FSM, EAL, SEN) and
absence (``*_abs.csv``: overall and persistent absence).

Which column feeds which measure, and how the rows that are not a school's
(the LA's and England's, by phase) are marked, is in ``rules/dfe-formats.yml``
(``files:``). These files say their year only in their name or folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..csvfiles import parse_figures, read_table
from ..errors import at
from ..model import ENGLAND, ROW
from ..registry import names
from .tables import _column_map, _find
from .years import FileYear


def area_of_rows(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """area_type and area of each row: a school (its URN), or an LA's or
    England's row, of one phase ("la:primary") where the file splits them so."""
    rows = spec.get("rows", {})
    cols = _column_map(list(frame.columns))

    def cells(name: str | None) -> pd.Series:
        col = _find(cols, [name]) if name else None
        return frame[col].astype(str).str.strip() if col else pd.Series("", index=frame.index)

    def marked(level: str) -> pd.Series:
        rule = rows.get(level, {})
        return cells(rule.get("column")).isin(names(rule.get("values"))) if rule else False

    urn = cells("URN")
    is_school = urn.str.fullmatch(r"\d{5,7}")
    is_england = marked("england") & ~is_school
    is_la = marked("la") & ~is_school & ~is_england
    # The LA's code: the first of its columns that holds three digits.
    code = pd.Series("", index=frame.index)
    for name in reversed(names(rows.get("la_code", ["LA"]))):
        text = cells(name)
        code = text.where(text.str.fullmatch(r"\d{3}"), code)
    is_la &= code != ""
    phases = {str(k).upper(): v for k, v in rows.get("phases", {}).items()}
    phase = cells(rows.get("phase_column")).str.upper().map(phases).fillna("")
    level = pd.Series(np.select([is_la, is_england], ["la", "england"], ""), index=frame.index)
    area_type = level.where(phase == "", level + ":" + phase).where(~is_school, "school")
    area = pd.Series(
        np.select([is_school, is_la, is_england], [urn, code, ENGLAND], ""), index=frame.index
    )
    return pd.DataFrame({"area_type": area_type, "area": area}, index=frame.index)


def read_pupil_figures(path: Path, spec: dict, year: FileYear, problems: list[str]) -> pd.DataFrame:
    """A census or absence file's figures, for its schools, LA and England."""
    frame = read_table(path)
    cols = _column_map(list(frame.columns))
    areas = area_of_rows(frame, spec)
    keep = areas["area"] != ""
    rows = frame.index[keep]
    area_type = areas.loc[rows, "area_type"]
    chunks = []
    for measure, candidates in spec.get("measures", {}).items():
        col = _find(cols, names(candidates))
        if col is None:
            continue
        value, status, bad = parse_figures(frame.loc[rows, col])
        for idx in bad[bad].index[:5]:
            problems.append(
                f"{at(path, idx + 2, col)}: expected a number or a DfE code, "
                f"found {frame[col][idx]!r}"
            )
        chunks.append(
            pd.DataFrame(
                {
                    "area_type": area_type,
                    "area": areas.loc[rows, "area"],
                    "year": year.year,
                    "measure": measure,
                    "group": "all",
                    "statistic": np.where(area_type == "school", "value", "average"),
                    "value": value,
                    "status": status,
                    "source": f"{path.name}:{ROW} {col}",
                    "source_row": (rows + 2).astype("int32"),
                }
            )
        )
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
