"""DfE files of the years the repo has no real file for, written to each year's
layout (from the dictionaries, and the files surveyed for rules/dfe-formats.yml):

- KS2: the 2022/23 dictionary (shared ks2_meta.csv: prior years _22 and _19).
  2021/22 carries _19 and _18, 2023/24 _23 and _22, 2024/25 _24 and _23 and
  the three-year columns (*_3YR), with TNOTFSM6CLA1A in capitals; progress is
  empty in 2023/24 and 2024/25.
- KS4: the real 2017/18 file's layout (North Yorkshire), moved on: from
  2021/22 middle prior attainment is _MID in the measures (TPRIORAV stays),
  KS2APS is KS2ASS; 2021/22 carries _20 and _21 (empty for schools), 2022/23
  _21 and _22, 2023/24 no prior years, 2024/25 _PREV and _PREV2, with
  Progress 8 written NA; P8_BANDING is words from 2022/23.

Each file sits in a folder named for its academic year, as DfE's download
puts it. The figures come from real rows (Hampshire's 2018/19 KS2 file, North
Yorkshire's 2017/18 KS4 file) moved a little each year, so that a figure read
under the wrong year is caught; a prior-year column holds what that year's own
file holds, as DfE's do.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .conftest import SHARED

NO_RESULTS = {2020, 2021}
KS2_META = SHARED / "dfe-ks2-meta-2022-23" / "ks2_meta.csv"
HANTS_2019 = SHARED / "dfe-ks2-hampshire" / "2018-850-ks2.csv"
NY_2018 = SHARED / "dfe-northyorkshire-815" / "815_2018_ks4final.csv"
BANDS = ["Well above average", "Above average", "Average", "Below average", "Well below average"]
MEASURES = re.compile(
    r"^(ATT8SCR|P8MEA|P8CI|PTL2BASICS|PTEBACC|EBACCAPS|PTRWM|READPROG|WRITPROG|MATPROG|"
    r"READ_AVERAGE|MAT_AVERAGE|GPS_AVERAGE|PTREAD|PTMAT|PTWRITTA|PTFSM6CLA1ABASICS|"
    r"PTNOTFSM6CLA1ABASICS|PTBASICS|PBL2BASICS|PGL2BASICS)"
)
PROGRESS = re.compile(r"^(READ|WRIT|MAT)PROG|^DIFFN_(READ|WRIT|MAT)PROG")
KS4_PROGRESS = re.compile(r"^(P8MEA|P8CI|P8PUP|TP8ADJ)")
OLD_TAIL = re.compile(r"_(1\d|2\d|3\d)_")  # a year inside a name (PTL2BASICS_94_17_PTQ_EE)


def rows_of(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), [dict(r) for r in reader]


def split(column: str) -> tuple[str, str | None]:
    """(the column without its year, the year's tail: "17", "PREV" or None)."""
    m = re.fullmatch(r"(.+?)_(PREV2|PREV|1\d|2\d|3\d)", column)
    return (m.group(1), m.group(2)) if m else (column, None)


def year_of(tail: str | None, year: int) -> int:
    if tail is None:
        return year
    if tail == "PREV":
        return {2025: 2024, 2026: 2025}[year]
    if tail == "PREV2":
        return {2025: 2023, 2026: 2024}[year]
    return 2000 + int(tail)


def moved(cell: str | None, year: int, base: str, source_year: int) -> str:
    """A real figure of ``source_year`` as it might read in ``year``: moved a
    little a year (the figure of ``source_year`` itself is the real one)."""
    text = (cell or "").strip()
    if not MEASURES.match(base):
        return text
    try:
        value = float(text.removesuffix("%"))
    except ValueError:
        return text  # a code (SUPP, NE, NA) or a blank stays as it is
    step = 0.05 if "PROG" in base or base.startswith(("P8", "DIFFN_READ")) else 1.0
    shifted = value + step * (year - source_year)
    # A figure stays within what it can be: a share 0-100, a scaled score 80-120.
    low, high = (80.0, 120.0) if "AVERAGE" in base else (0.0, 100.0)
    if step == 1.0 and low <= value <= high:
        shifted = min(max(shifted, low), high)
    out = f"{round(shifted, 2):g}"
    return out + "%" if text.endswith("%") else out


def ks2_header(year: int) -> list[str]:
    """The KS2 columns of ``year``, from the 2022/23 dictionary."""
    with KS2_META.open(encoding="utf-8-sig") as fh:
        columns = [r["Field Name"] for r in csv.DictReader(fh)]
    current = [c for c in columns if split(c)[1] is None]
    block = [split(c)[0] for c in columns if split(c)[1] == "22"]
    tails = {2022: ["19", "18"], 2023: ["22", "19"], 2024: ["23", "22"], 2025: ["24", "23"]}[year]
    if year == 2025:  # 2024/25 writes the cohort columns in capitals
        current = [{"TNotFSM6CLA1A": "TNOTFSM6CLA1A"}.get(c, c) for c in current]
    at = current.index("READPROG_UNADJUSTED")
    three = ["TELIG_3YR", "PTRWM_EXP_3YR", "PTRWM_HIGH_3YR", "READ_AVERAGE_3YR", "MAT_AVERAGE_3YR"]
    prior = [f"{b}_{t}" for t in tails for b in block]
    return current[:at] + prior + (three if year == 2025 else []) + current[at:]


def write_ks2(folder: Path, year: int) -> Path:
    """``folder``/<yyyy-yyyy>/850_ks2final.csv of ``year``, Hampshire's rows moved on."""
    head, rows = rows_of(HANTS_2019)
    by_upper = {c.upper(): c for c in head}
    header = ks2_header(year)
    out = []
    for row in rows:
        cells = []
        for column in header:
            base, tail = split(column)
            of = year_of(tail, year)
            if base.endswith("_3YR"):
                base = base.removesuffix("_3YR")
            source = by_upper.get(base.upper())
            blank = (
                source is None
                or of in NO_RESULTS
                or (of in (2024, 2025) and (PROGRESS.match(base) or base.endswith("_DESCR")))
            )
            cells.append("" if blank else moved(row[source], of, base, 2019))
        out.append(cells)
    return _write(folder / f"{year - 1}-{year}" / "850_ks2final.csv", header, out)


def _later_name(column: str, year: int) -> str:
    """A 2017/18 KS4 column as a later year's file names it."""
    if year < 2022:
        return column
    if column == "KS2APS":
        return "KS2ASS"
    if column.startswith(("TPRIORAV", "PTPRIORAV", "TBASICSAV", "PTBASICSAV", "PTEBACC_EAV")):
        return column  # these keep AV (ks4_meta of 2021/22 on)
    return re.sub(r"_AV(?=$|_)", "_MID", column)


def ks4_columns(year: int) -> list[tuple[str, str, int]]:
    """(the column of ``year``'s file, the 2017/18 column it comes from, its year)."""
    head, _ = rows_of(NY_2018)
    current = [c for c in head if split(c)[1] is None and not OLD_TAIL.search(c)]
    if year == 2022:
        current.remove("P8_BANDING")  # not in the 2021/22 file
    block = [split(c)[0] for c in head if split(c)[1] == "17"]
    tails = {2022: ["20", "21"], 2023: ["21", "22"], 2024: [], 2025: ["PREV", "PREV2"]}[year]
    out = [(_later_name(c, year), c, year) for c in current]
    out += [(f"{_later_name(b, year)}_{t}", b, year_of(t, year)) for t in tails for b in block]
    return out


def write_ks4(folder: Path, year: int) -> Path:
    """``folder``/<yyyy-yyyy>/815_ks4final.csv of ``year``, North Yorkshire's rows moved on."""
    _, rows = rows_of(NY_2018)
    columns = ks4_columns(year)
    out = []
    for row in rows:
        cells = []
        for _, source, of in columns:
            cell = row.get(source) or ""
            if of in NO_RESULTS:
                cells.append(
                    "" if row.get("RECTYPE") in ("1", "2") else moved(cell, of, source, 2018)
                )
            elif of in (2025, 2026) and (KS4_PROGRESS.match(source) or source == "P8_BANDING"):
                cells.append("NA")  # no Progress 8 for 2024/25
            elif source == "P8_BANDING":
                code = cell.strip()
                cells.append(BANDS[int(code) - 1] if code.isdigit() else code)
            else:
                cells.append(moved(cell, of, source, 2018))
        out.append(cells)
    header = [c for c, _, _ in columns]
    return _write(folder / f"{year - 1}-{year}" / "815_ks4final.csv", header, out)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_absence(folder: Path, year: int, urns: list[str], la: str = "850") -> Path:
    """``folder``/<yyyy-yyyy>/<la>_abs.csv as abs_meta defines it (LA, ESTAB, URN,
    PERCTOT, PPERSABS10): a row per school, then the LA's and England's rows by
    phase, as DfE writes them (919,PRI,,5.4,13.4 / NAT,PRI,,5.5,14.6)."""
    rows = []
    for i, urn in enumerate(urns):
        rows.append([la, str(2000 + i), urn, f"{4 + (i % 7) * 0.3:.1f}", f"{10 + (i % 9):.1f}"])
    rows += [
        [la, "PRI", "", "5.4", "13.4"],
        [la, "SEC", "", "8", "22.8"],
        [la, "SPE", "", "13.2", "36.6"],
        ["NAT", "PRI", "", "5.5", "14.6"],
        ["NAT", "SEC", "", "8.9", "25.6"],
        ["NAT", "SPE", "", "13", "37.2"],
    ]
    header = ["LA", "ESTAB", "URN", "PERCTOT", "PPERSABS10"]
    return _write(folder / f"{year - 1}-{year}" / f"{la}_abs.csv", header, rows)
