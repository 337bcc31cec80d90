"""Lists of schools as DfE publishes them: Get Information About Schools (GIAS)
extracts and the school list ("spine") of the performance-tables download."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..csvfiles import parse_figures, read_table
from ..model import OFSTED_WORDS, ROW, Dataset, Inspection, School
from ..registry import Registry, names
from .tables import _column_map, _find, _reader, phase_of_ages

GIAS_REQUIRED = {"URN", "EstablishmentName", "LA (code)", "TypeOfEstablishment (name)"}


def iso_date(text: str) -> str:
    """dd-mm-yyyy, dd/mm/yyyy (GIAS, Ofsted) or yyyymmdd (DfE) as an ISO date; '' if none."""
    text = text.strip()
    m = re.match(r"^(\d{2})[-/](\d{2})[-/](\d{4})$", text)
    if m:
        return f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
    m = re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else ""


def read_gias(path: Path, ds: Dataset, problems: list[str]) -> pd.DataFrame:
    """A Get Information About Schools establishment extract. A URN listed twice
    is a problem: the second row would rename the school."""
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
        if urn in ds.gias_schools:
            problems.append(
                f"{source}, column URN: URN {urn} is listed twice "
                f"(also in {ds.gias_schools[urn].source}); keep one row"
            )
            continue
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
        rating = text("OfstedRating (name)")
        date = iso_date(text("OfstedLastInsp"))
        if rating and date:
            ds.inspections.append(_gias_inspection(urn, date, rating, source))
        census = iso_date(text("CensusDate"))
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


def _gias_inspection(urn: str, date: str, rating: str, source: str) -> Inspection:
    """GIAS's Ofsted rating: an overall grade until August 2024; after that it
    carries no overall grade ("Not judged"), which is kept as Ofsted wrote it."""
    grade = OFSTED_WORDS.get(rating.lower())
    if grade is not None:
        return Inspection(urn, date, grade, None, source)
    return Inspection(urn, date, None, None, source, outcome=rating)


def read_spine(path: Path, registry: Registry, ds: Dataset) -> None:
    """DfE's school list that comes with the performance tables: the spine
    (``*_spine.csv``, to 2019/20) or ``*_school_information.csv`` after it.
    Names, addresses, type, ages and whether the school is open; ``OTHERURN``
    is the school that replaced a closed one, or the one a new school replaced."""
    rules = registry.dfe_files.get("spine", {})
    status_of = {str(k).lower(): v for k, v in rules.get("status", {}).items()}
    frame = read_table(path)
    cols = _column_map(list(frame.columns))
    column = {k: _find(cols, names(v)) or "" for k, v in rules.get("columns", {}).items()}
    ofsted = rules.get("ofsted", {})
    for idx, row in frame.iterrows():
        text = _reader(row)
        urn = text("URN")
        if not urn.isdigit():
            continue
        low, high = text(column["low_age"]), text(column["high_age"])
        default = "secondary" if text("ISSECONDARY") == "1" else "primary"
        kind = text("MINORGROUP").lower()
        school_type = text(column["type"])
        special = "special" in kind or "special" in school_type.lower()
        ages = low.isdigit() and high.isdigit() and high != "99"  # 99: no upper age given
        phase = phase_of_ages(int(low), int(high), default) if ages else default
        closed = status_of.get(text(column["status"]).lower()) == "closed"
        other = text("OTHERURN")
        new = text("ISNEW") == "1"
        source = f"{path.name}:{idx + 2}"
        ds.spine_schools[urn] = School(
            urn=urn,
            name=text("SCHNAME"),
            la_code=text("LA"),
            phase=phase,
            school_type=school_type,
            age_range=f"{low}-{high}" if ages else "",
            address=", ".join(x for x in (text("STREET"), text("LOCALITY"), text("ADDRESS3")) if x),
            town=text("TOWN"),
            postcode=text("POSTCODE"),
            status="closed" if closed else "open",
            special=special,
            predecessor_urn=other if new and other else "",
            successor_urn=other if closed and other else "",
            source=source,
        )
        la_name = text(column["la_name"])
        if la_name and text("LA"):
            ds.named_las.setdefault(text("LA"), la_name)
        rating, date = text(ofsted.get("rating", "")), iso_date(text(ofsted.get("date", "")))
        if rating and date:
            ds.inspections.append(_gias_inspection(urn, date, rating, source))
