"""The year of a DfE file: from its columns where they say it without doubt,
otherwise from its name or its folder as DfE's download service names them.

A wrong year would put every figure of the file under another year, so a
file whose year cannot be told is refused with a message saying how to name
it. The rules (the years without results, DfE's naming) are in
``rules/years.yml``; which columns tell a format's year is in
``rules/dfe-formats.yml`` (``year_from``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import academic_year


@dataclass(frozen=True)
class FileYear:
    """The summer of a file's results, and why reportgen took it."""

    year: int
    why: str


def next_results_year(year: int, no_results: set[int]) -> int:
    """The first year after ``year`` with results (2019 -> 2022: none in 2020, 2021)."""
    year += 1
    while year in no_results:
        year += 1
    return year


def earlier_results_year(year: int, back: int, no_results: set[int]) -> int:
    """The results year ``back`` years of results before ``year`` (_PREV, _PREV2)."""
    for _ in range(back):
        year -= 1
        while year in no_results:
            year -= 1
    return year


def prior_year_columns(header: list[str], names: list[str]) -> dict[str, int]:
    """{column: year} for each header column that is one of ``names`` with a
    two-digit year after it (ATT8SCR_17, P8MEA_FSM6CLA1A__16)."""
    wanted = {n.upper() for n in names}
    found = {}
    for column in header:
        m = re.fullmatch(r"(.+?)_{1,2}([123]\d)", column.strip())  # _10 to _39: not _94
        if m and m.group(1).upper() in wanted:
            found[column.strip()] = 2000 + int(m.group(2))
    return found


def year_from_columns(header: list[str], fmt: dict, no_results: set[int]) -> FileYear | None:
    """The year the format's year-telling columns give, or None when they say nothing.

    DfE's file of a year carries the years before it as ``<column>_<yy>``: the
    2016/17 KS2 file has PTRWM_EXP_16. Only the columns named in ``year_from``
    count: the 2017/18 KS4 file also has PT5EM_94_18, which is not a prior year.
    """
    found = prior_year_columns(header, fmt.get("year_from", []))
    if not found:
        return None
    newest = max(found.values())
    year = next_results_year(newest, no_results)
    shown = sorted(c for c, y in found.items() if y == newest)[:3]
    return FileYear(
        year,
        f"its newest prior-year columns are for {academic_year(newest)} ({', '.join(shown)})",
    )


def year_from_name(rel: Path, rules: list[dict]) -> FileYear | None:
    """The year the file's name or its folders give, as DfE names its downloads.

    Two places that disagree (a 2017-2018 folder holding 815_2019_...) are an error.
    """
    found: list[FileYear] = []
    parts = [("file name", rel.name)] + [("folder", p) for p in reversed(rel.parent.parts)]
    for where, text in parts:
        for rule in rules:
            m = re.search(rule["pattern"], text)
            if not m:
                continue
            if rule.get("consecutive") and int(m.group(2)) != int(m.group(1)) + 1:
                continue
            summer = int(m.group(rule["summer"]))
            says = rule["says"].format(
                start=m.group(1),
                end=m.group(2) if m.re.groups > 1 else "",
                summer=summer,
                where=f"{where} {text!r}",
            )
            found.append(FileYear(summer, says))
            break
    years = {f.year for f in found}
    if len(years) > 1:
        raise InputError(
            f"{rel}: its name and its folder give different years ("
            + "; ".join(f"{academic_year(f.year)} from {f.why}" for f in found)
            + "). Keep each year's files in a folder named for that year, such as 2018-2019/."
        )
    return found[0] if found else None


def file_year(
    rel: Path, header: list[str], fmt: dict, no_results: set[int], name_rules: list[dict]
) -> tuple[FileYear, str | None]:
    """(the file's year, a warning or None). Columns first, then the name."""
    by_columns = year_from_columns(header, fmt, no_results)
    by_name = year_from_name(rel, name_rules)
    if by_columns:
        warning = None
        if by_name and by_name.year != by_columns.year:
            warning = (
                f"{rel}: read as {academic_year(by_columns.year)}, because {by_columns.why}; "
                f"{by_name.why} says {academic_year(by_name.year)}"
            )
        return by_columns, warning
    if by_name:
        return by_name, None
    example = _example_name(rel)
    raise InputError(
        f"{rel}: cannot tell which year this {fmt.get('name', 'DfE')} file is for: its columns "
        "do not say (it has no prior-year columns such as "
        f"{(fmt.get('year_from') or ['ATT8SCR'])[0]}_18), and neither does its name. "
        f"Put it in a folder named for its academic year, as DfE's download does "
        f"(2018-2019/{rel.name}), or name it {example} (2019 is the summer of 2018/19)."
    )


def _example_name(rel: Path) -> str:
    m = re.match(r"^(\d{3}|england)_(.*)$", rel.name)
    return f"{m.group(1)}_2019_{m.group(2)}" if m else f"850_2019_{rel.name}"
