"""Ofsted's inspections in their own regimes' words (``rules/ofsted.yml``).

Three regimes stand side by side and are never converted into one another:
report cards (from 10 November 2025: each evaluation area on a five-point
scale, safeguarding met or not met), graded inspections of September 2024 to
November 2025 (key judgements, no overall grade: "Not judged"), and the
earlier overall-effectiveness grades 1 to 4. Ungraded inspections confirm or
flag the previous outcome.

``read_management_information`` reads Ofsted's management-information file
of state-funded schools as published; ``regime_of`` tells an inspection's
regime from its date; ``describe`` writes one as a page shows it.
"""

from __future__ import annotations

import re
from pathlib import Path

from .csvfiles import read_table
from .dfe.schools import iso_date
from .errors import at
from .model import OFSTED_GRADE_3_FROM_2012, OFSTED_GRADES, Dataset, Inspection, School

REGIME_ORDER = ("report_card", "graded_2024", "eif", "earlier")


def _key(name: str) -> str:
    """A header as compared: letter case and runs of spaces do not matter
    (Ofsted's file writes "Latest OEIF  safeguarding is effective?")."""
    return " ".join(name.split()).lower()


def detect(header: set[str], rules: dict) -> bool:
    spec = rules.get("management_information")
    if not spec:
        return False
    have = {_key(h) for h in header}
    return {_key(c) for c in spec["required"]} <= have and bool(
        have & {_key(c) for c in spec["any_of"]}
    )


def regime_of(date: str, rules: dict) -> str:
    """The graded regime in force on ``date`` (ISO), by the regimes' from/to."""
    for rid in REGIME_ORDER:
        regime = rules["regimes"].get(rid, {})
        start, end = str(regime.get("from", "")), str(regime.get("to", ""))
        if (not start or date >= start) and (not end or date[: len(end)] <= end):
            return rid
    return "earlier"


def read_management_information(path: Path, rules: dict, problems: list[str], ds: Dataset) -> None:
    """Ofsted's management information: a school for each row (name, phase, LA,
    postcode), and its latest report card, latest graded inspection and latest
    ungraded inspection, each with its date."""
    spec = rules["management_information"]
    frame = read_table(path)
    columns = {_key(c): c for c in frame.columns}
    missing = {m.upper() for m in spec.get("missing", [])}

    def cell(row: dict, name: str) -> str:
        column = columns.get(_key(name))
        value = str(row.get(column, "") or "").strip() if column else ""
        return "" if value.upper() in missing else value

    school_cols = spec["school"]
    phases = spec.get("phases", {})
    for idx, row in zip(frame.index, frame.to_dict("records"), strict=True):
        line = idx + 2
        urn = cell(row, "URN")
        if not re.fullmatch(r"\d{5,7}", urn):
            problems.append(f"{at(path, line, 'URN')}: a URN is 5 to 7 digits, found {urn!r}")
            continue
        laestab = cell(row, school_cols["laestab"])
        low, high = cell(row, school_cols["low_age"]), cell(row, school_cols["high_age"])
        source = f"{path.name}:{line}"
        la_code = laestab[:3] if re.fullmatch(r"\d{7}", laestab) else ""
        la_name = cell(row, school_cols["la_name"])
        if la_code and la_name:
            ds.named_las.setdefault(la_code, la_name)
        kind = cell(row, school_cols["type"])
        phase_text = cell(row, school_cols["phase"])
        ds.ofsted_schools[urn] = School(
            urn=urn,
            name=cell(row, school_cols["name"]),
            la_code=la_code,
            phase=phases.get(phase_text, phase_text.lower() or "primary"),
            school_type=kind,
            age_range=f"{low}-{high}" if low.isdigit() and high.isdigit() else "",
            postcode=cell(row, school_cols["postcode"]),
            special="special" in (kind + phase_text).lower(),
            source=source,
        )
        link = cell(row, school_cols["link"])
        for inspection in _inspections(row, cell, spec, rules, urn, source, link):
            ds.inspections.append(inspection)


def _inspections(row, cell, spec, rules, urn, source, link):
    """A row's report card, latest graded and latest ungraded inspection: each
    that the row dates."""

    def made(part: dict, date: str, regime: str, overall: int | None = None, **fields):
        published = iso_date(cell(row, part["published"]))
        return Inspection(
            urn,
            date,
            overall,
            source=source,
            regime=regime,
            published=published,
            link=link,
            **fields,
        )

    card = spec["report_card"]
    date = iso_date(cell(row, card["date"]))
    if date:
        grades, dates = {}, {}
        for area, (column, date_column) in card["areas"].items():
            word = cell(row, column)
            if word:
                grades[area] = word
                graded_on = iso_date(cell(row, date_column))
                if graded_on and graded_on != date:
                    dates[area] = graded_on
        concern = cell(row, card.get("concern", ""))
        yield made(card, date, "report_card", grades=grades, grade_dates=dates, concern=concern)
    graded = spec["graded"]
    date = iso_date(cell(row, graded["date"]))
    if date:
        regime = regime_of(date, rules)
        overall = cell(row, graded["overall"])
        scale = rules["regimes"][regime].get("grades", {})
        grades = {}
        for area, column in graded["areas"].items():
            value = cell(row, column)
            if value:
                grades[area] = scale.get(int(value), value) if value.isdigit() else value
        yield made(
            graded,
            date,
            regime,
            int(overall) if overall in ("1", "2", "3", "4") else None,
            grades=grades,
            outcome=overall if not overall.isdigit() else "",  # "Not judged"
            concern=cell(row, graded.get("concern", "")),
        )
    ungraded = spec["ungraded"]
    date = iso_date(cell(row, ungraded["date"]))
    if date:
        yield made(ungraded, date, "ungraded", outcome=cell(row, ungraded["outcome"]))


def grade_word(grade: int | None, date: str) -> str:
    """An overall-effectiveness grade in the words of its time."""
    if grade is None:
        return ""
    if grade == 3 and date[:7] >= "2012-09":
        return OFSTED_GRADE_3_FROM_2012
    return OFSTED_GRADES.get(grade, str(grade))
