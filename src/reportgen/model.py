"""The data model every input format is loaded into.

One long table of *observations* holds every figure, whatever its source
(a DfE performance-tables download or the project's tidy CSV) and whatever
era its measure belongs to (levels-based results to 2015, scaled scores and
progress scores from 2016). A row is one figure:

    area_type  "school", "la" or "england"
    area       URN, LA code, or "E92000001" for England
    year       summer of the results (2017 = academic year 2016/17)
    measure    an id from a measures registry (rules/measures-*.yml)
    group      pupil group id (rules/groups.yml); "all" for the whole cohort
    statistic  "value" for a school; "average" or "median" for a benchmark
    value      the number, or NaN when there is none
    status     why there is or is not a number (see STATUSES)
    cohort     pupils the figure is about, where known
    lower      95% confidence interval, where one exists
    upper
    computed   True when reportgen worked the figure out (e.g. an LA average)
    band       DfE's progress band ("below average"), where published
    prior      True when read from a later file's prior-year column (the file
               for that year, when present, wins)
    source     where the figure came from: a file and column, with ROW where
               the row number goes ("ks2_2019.csv:\\0 PTRWM_EXP"), or how it
               was computed; a few thousand distinct texts, held as categories
    source_row the row number of the file (0 when the figure has none), so
               that millions of figures do not each hold a text of their own
               (``source_text`` puts the two together)

Keeping the status beside the value is what lets a suppressed figure stay
suppressed all the way to the page, the PDF and the downloads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ENGLAND = "E92000001"

OBSERVATION_COLUMNS = [
    "area_type",
    "area",
    "year",
    "measure",
    "group",
    "statistic",
    "value",
    "status",
    "cohort",
    "lower",
    "upper",
    "computed",
    "prior",
    "band",
    "source",
    "source_row",
]

ROW = "\0"  # where a source's row number goes: no file name or header holds it


@dataclass(frozen=True)
class Status:
    """What a figure's absence (or presence) means, in the reader's words."""

    id: str
    label: str  # short, shown in place of the number
    explanation: str  # one sentence, shown on hover/in the key and methodology
    has_value: bool = False


STATUSES: dict[str, Status] = {
    s.id: s
    for s in [
        Status("ok", "", "A published figure.", has_value=True),
        Status(
            "suppressed",
            "Suppressed",
            (
                "Not published, so that no pupil can be identified: the group is small,"
                " or a small group's figure could be worked out from it."
            ),
        ),
        Status(
            "not_applicable",
            "Not applicable",
            "The measure does not apply to this school or group.",
        ),
        Status("no_entries", "No pupils entered", "No pupils were entered for this measure."),
        Status("not_published", "Not published", "DfE did not publish this figure."),
        Status(
            "low_coverage",
            "Low coverage",
            "Not published because too few pupils had the prior results the measure needs.",
        ),
        Status("new_school", "New school", "The school is too new to have results for this year."),
        Status("missing", "No data", "No figure was supplied for this measure."),
        Status("not_available", "Not available", "The source marks this figure as not available."),
        Status(
            "low_reliability",
            "Low reliability",
            "The source marks this figure as too unreliable to publish.",
        ),
        Status(
            "rounds_to_zero",
            "Under 0.5",
            "The figure is more than zero but rounds to zero.",
        ),
        Status(
            "not_calculated",
            "Not calculated this year",
            "This measure was not calculated in this year.",
        ),
        Status(
            "by_definition",
            "0 by definition",
            "The measure compares pupils with pupils in England, so England's figure is 0 by"
            " the way it is worked out: it is the line schools are measured from, not a result.",
        ),
        Status(
            "no_results",
            "No results published",
            "No school results were published for 2019/20 and 2020/21: the tests and exams"
            " were cancelled because of the COVID-19 pandemic.",
        ),
    ]
}

# Codes as they appear in DfE performance tables and explore-education-statistics
# files, mapped to a status. Matching ignores case only for the long codes: in EES
# "c", "x", "z", "u" are lower case and mean something different from words.
CODES: dict[str, str] = {
    "SUPP": "suppressed",
    "NA": "not_applicable",
    "NE": "no_entries",
    "NP": "not_published",
    "LOWCOV": "low_coverage",
    "NEW": "new_school",
    "": "missing",
    "c": "suppressed",
    "x": "not_available",
    "z": "not_applicable",
    "u": "low_reliability",
    "low": "rounds_to_zero",
    ":": "not_available",
    # DfE's performance tables (abbreviations.xlsx): small percentage, redacted.
    "SP": "rounds_to_zero",
    "RE": "low_reliability",
}


def parse_figure(raw: object) -> tuple[float, str]:
    """Read one cell as (value, status).

    Accepts numbers, "69%", " 12 ", "1,234" and every code in CODES. Anything
    else raises ValueError so the loader can name the file, row and column.
    """
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return math.nan, "missing"
    if isinstance(raw, int | float):
        return float(raw), "ok"
    text = str(raw).strip()
    if text in CODES:
        return math.nan, CODES[text]
    upper = text.upper()
    if upper in CODES and len(upper) > 1:
        return math.nan, CODES[upper]
    number = text.removesuffix("%").replace(",", "").strip()
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"expected a number or a DfE code, found {text!r}") from None
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"expected a number or a DfE code, found {text!r}")
    return value, "ok"


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in OBSERVATION_COLUMNS})


def _dtype(column: str) -> str:
    if column in ("year",):
        return "int64"
    if column == "source_row":
        return "int32"
    if column in ("value", "cohort", "lower", "upper"):
        return "float64"
    if column in ("computed", "prior"):
        return "bool"
    return "object"


def observations(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Figures with the observation columns, in their compact dtypes (see
    ``compact``), from dict rows or a frame. Made a column at a time, so that
    a large file's figures are never held twice over."""
    if len(rows) == 0:
        return empty_observations()
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    columns = {}
    for column in OBSERVATION_COLUMNS:
        default = _default(column)
        given = frame.get(column)
        if given is not None and not (isinstance(default, float) and math.isnan(default)):
            given = _filled(given, default)
        if column in CATEGORICAL:
            if given is None:
                kind = _categories(column, {default})
                codes = np.full(len(frame), kind.categories.get_loc(default), dtype=np.int16)
                columns[column] = pd.Categorical.from_codes(codes, dtype=kind)
            elif isinstance(given.dtype, pd.CategoricalDtype):
                columns[column] = given.astype(_categories(column, _held(given))).array
            else:
                columns[column] = _as_category(column, given)
        elif given is None:
            columns[column] = np.full(len(frame), default, dtype=_dtype(column))
        else:
            columns[column] = given.astype(_dtype(column)).to_numpy()
    return pd.DataFrame(columns, index=frame.index)


def _as_category(column: str, given: pd.Series) -> pd.Categorical:
    """Text as a category column: its values hashed once (factorized), where
    finding the values held and then converting hashed each cell twice."""
    codes, uniques = pd.factorize(given)  # a missing cell is code -1
    kind = _categories(column, set(uniques))
    recode = kind.categories.get_indexer(uniques)
    return pd.Categorical.from_codes(np.where(codes < 0, -1, recode[codes]), dtype=kind)


def _filled(column: pd.Series, default: object) -> pd.Series:
    if not column.hasnans:
        return column
    if isinstance(column.dtype, pd.CategoricalDtype) and default not in column.cat.categories:
        column = column.cat.add_categories([default])
    return column.fillna(default)


# Columns with few distinct values. Once the figures are computed they are
# stored as categories: at national scale that is millions of rows, and a
# category code takes 1 or 2 bytes a row where a text takes 8 and more.
CATEGORICAL = ("area_type", "area", "measure", "group", "statistic", "status", "band", "source")


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The same figures in less memory: a category code takes 1 or 2 bytes a row.
    Every status is a category from the start, so that one can be set to any.
    Columns already in their form are left as they are (not copied)."""
    kinds = {
        c: "category"
        for c in CATEGORICAL
        if c in frame and not isinstance(frame[c].dtype, pd.CategoricalDtype)
    }
    if "status" in frame and not (
        isinstance(frame["status"].dtype, pd.CategoricalDtype)
        and set(STATUSES) <= set(frame["status"].cat.categories)
    ):
        kinds["status"] = _categories("status", _held(frame["status"]))
    if "source_row" in frame and frame["source_row"].dtype != _dtype("source_row"):
        kinds["source_row"] = _dtype("source_row")
    return frame.astype(kinds) if kinds else frame


def _categories(column: str, held: set) -> pd.CategoricalDtype:
    """A category column's categories: every status is one from the start."""
    return pd.CategoricalDtype(sorted(held | (set(STATUSES) if column == "status" else set())))


def _held(column: pd.Series) -> set:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return set(column.cat.categories)
    return set(column.dropna().unique())


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of figures one after another, category columns kept as categories
    (``pd.concat`` turns them back into text when their categories differ)."""
    kinds = {}
    for column in CATEGORICAL:
        held = [f[column] for f in frames if column in f]
        if any(isinstance(c.dtype, pd.CategoricalDtype) for c in held):
            values = set().union(*(_held(c) for c in held))
            kinds[column] = pd.CategoricalDtype(sorted(values))
    return pd.concat(
        [f.astype({c: k for c, k in kinds.items() if c in f}) for f in frames], ignore_index=True
    )


def _default(column: str) -> object:
    return {
        "group": "all",
        "statistic": "value",
        "status": "ok",
        "computed": False,
        "prior": False,
        "band": "",
        "source": "",
        "source_row": 0,
    }.get(column, math.nan)


def source_text(source: str, row: int) -> str:
    """A figure's source as a reader sees it: "ks2_2019.csv:14 PTRWM_EXP"."""
    return source.replace(ROW, str(row) if row else "", 1)


def source_texts(frame: pd.DataFrame) -> pd.Series:
    """``source_text`` of every row, each distinct source split once."""
    source = frame["source"].astype("category")
    parts = [text.partition(ROW) for text in source.cat.categories]
    codes = source.cat.codes.to_numpy()
    head = np.array([p[0] for p in parts] or [""], dtype=object)[codes]
    tail = np.array([p[2] for p in parts] or [""], dtype=object)[codes]
    has_row = np.array([bool(p[1]) for p in parts] or [False])[codes]
    rows = frame["source_row"].to_numpy()
    numbered = np.where(has_row & (rows > 0), rows.astype(str).astype(object), "")
    return pd.Series(head + numbered + tail, index=frame.index, dtype=object)


@dataclass
class School:
    urn: str
    name: str
    la_code: str
    phase: str  # primary, secondary, special, all-through, ...
    school_type: str = ""
    age_range: str = ""
    address: str = ""
    town: str = ""
    postcode: str = ""
    website: str = ""
    status: str = "open"  # open or closed
    special: bool = False
    aliases: list[str] = field(default_factory=list)
    predecessor_urn: str = ""
    successor_urn: str = ""
    successor_name: str = ""  # the school that replaced a closed one, named wherever it is listed
    closed_years: set[int] = field(default_factory=set)  # years flagged closed (DfE ICLOSE)
    source: str = ""
    placeholder_urn: bool = False

    @property
    def ages(self) -> tuple[int, int] | None:
        """The lowest and highest ages it takes, from ``age_range`` ("4-7")."""
        parts = [p.strip() for p in self.age_range.split("-")]
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            return int(parts[0]), int(parts[1])
        return None

    @property
    def leaves_before_ks2(self) -> bool:
        """An infant or first school: its pupils leave before the end of key stage 2
        (year 6, age 11), so no test results are published for it."""
        ages = self.ages
        return self.phase == "primary" and ages is not None and ages[1] <= 10


@dataclass
class LocalAuthority:
    code: str
    name: str
    region: str = ""


@dataclass
class Inspection:
    """One Ofsted inspection, in its own regime's words (``rules/ofsted.yml``).

    Ofsted's regimes are not comparable, so nothing here converts one into
    another: a report card has its evaluation areas' grades, a graded
    inspection of 2024/25 its sub-judgements and no overall grade, an earlier
    one its overall-effectiveness grade 1 to 4, an ungraded one its outcome.
    """

    urn: str
    date: str  # ISO date, or a year when only the year is known
    overall: int | None  # overall effectiveness 1 outstanding .. 4 inadequate, where given
    behaviour: int | None = None
    source: str = ""
    regime: str = ""  # an id of rules/ofsted.yml; "" when only the date is known
    grades: dict[str, str] = field(default_factory=dict)  # area id -> grade as Ofsted words it
    grade_dates: dict[str, str] = field(default_factory=dict)  # an area graded on another date
    outcome: str = ""  # "Not judged", or an ungraded inspection's ("School remains Good")
    concern: str = ""  # a category of concern ("Special measures"), where Ofsted gives one
    published: str = ""  # ISO date of the report, where known
    link: str = ""  # the report on Ofsted's site


@dataclass
class SurveyAnswer:
    urn: str
    year: int
    respondents: str  # "parents" or "pupils"
    question: str
    responses: int
    pct_agree: float
    source: str = ""


@dataclass
class Dataset:
    """Everything the loaders read, before any measure is computed."""

    schools: dict[str, School]
    las: dict[str, LocalAuthority]
    observations: pd.DataFrame
    inspections: list[Inspection]
    surveys: list[SurveyAnswer]
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # Which year each dated file was read as, and why: "815_2018_ks4final.csv: 2017/18, ...".
    file_years: list[str] = field(default_factory=list)
    # Schools named by each kind of file. A tidy schools file wins, then GIAS,
    # then DfE's school list (spine), then DfE's results files (the latest year
    # first), then Ofsted's management information.
    dfe_schools: dict[str, tuple[int, School]] = field(default_factory=dict)
    gias_schools: dict[str, School] = field(default_factory=dict)
    spine_schools: dict[str, School] = field(default_factory=dict)
    ofsted_schools: dict[str, School] = field(default_factory=dict)
    named_las: dict[str, str] = field(
        default_factory=dict
    )  # LA code -> name, from Ofsted or DfE lists
    # Files that list every school of an LA (census, absence): a school no list
    # names is left out of them with a warning, not an error.
    listing_files: set[str] = field(default_factory=set)
    closed_in: dict[str, set[int]] = field(default_factory=dict)  # URN -> years flagged closed


# Judgements as words (tidy files, GIAS) -> grade 1-4.
OFSTED_WORDS = {
    "outstanding": 1,
    "good": 2,
    "satisfactory": 3,
    "requires improvement": 3,
    "inadequate": 4,
    "serious weaknesses": 4,
    "special measures": 4,
}

OFSTED_GRADES = {1: "Outstanding", 2: "Good", 3: "Satisfactory", 4: "Inadequate"}
# Since 2012 grade 3 is "Requires improvement"; the label follows the inspection date.
OFSTED_GRADE_3_FROM_2012 = "Requires improvement"


def academic_year(year: int) -> str:
    """2017 -> '2016/17'."""
    return f"{year - 1}/{str(year)[-2:]}"
