"""Stage 5: page models. Plain data the templates read; templates compute nothing.

``Report`` holds the computed data (observations with benchmarks, gaps,
standards placements) indexed for quick lookup; ``school_page``, ``la_page``
and friends turn it into one dict per page.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import charts
from .content import Content
from .formatting import (
    format_change,
    format_date,
    format_value,
    status_explanation,
    status_label,
)
from .lookup import DIMENSIONS, Lookup, codes_of
from .measures import band, significance, trend
from .model import (
    ENGLAND,
    OBSERVATION_COLUMNS,
    Dataset,
    Inspection,
    School,
    academic_year,
    source_text,
)
from .ofsted import grade_word, regime_of
from .registry import Measure, Registry
from .standards import Placement

Key = tuple[str, str, int, str, str]  # area_type, area, year, measure, group
CSV_NAME = re.compile(r"[\w.\-]+\.csv")  # the file names in a figure's source


@dataclass
class Figure:
    """One figure as a page shows it."""

    value: float | None
    status: str
    unit: str
    text: str  # "54%", or the status label ("Suppressed")
    explanation: str  # what the status means (empty for a published figure)
    cohort: float | None = None
    lower: float | None = None
    upper: float | None = None
    interval: str = ""  # "−1.2 to +0.8"
    significance: str = ""  # above / below / average
    band: str = ""  # DfE's published band, where given
    computed: bool = False
    source: str = ""
    # Its HTML, made once by the first page that shows it (render_html.figure_once).
    html: str | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def make_figure(row: dict | None, measure: Measure, missing: str = "missing") -> Figure:
    if row is None:
        return Figure(
            None, missing, measure.unit, status_label(missing), status_explanation(missing)
        )
    value = _nan_to_none(row["value"])
    status = row["status"] if value is not None or row["status"] != "ok" else "missing"
    lower, upper = _nan_to_none(row["lower"]), _nan_to_none(row["upper"])
    fig = Figure(
        value=value,
        status=status,
        unit=measure.unit,
        text=format_value(value, measure.unit) if status == "ok" else status_label(status),
        explanation="" if status == "ok" else status_explanation(status),
        cohort=_nan_to_none(row["cohort"]),
        lower=lower,
        upper=upper,
        computed=bool(row["computed"]),
        source=source_text(row["source"], row["source_row"]),
        band=row.get("band") or "",
    )
    if status == "ok" and lower is not None and upper is not None:
        fig.interval = f"{format_value(lower, measure.unit)} to {format_value(upper, measure.unit)}"
        fig.significance = significance(value, lower, upper, measure.centre or 0.0)
        # DfE's published band where the data gives one; otherwise DfE's rule.
        fig.band = fig.band or band(value, lower, upper, measure.centre or 0.0, measure.band_well)
    return fig


@dataclass
class Report:
    """Everything computed, indexed for page building."""

    dataset: Dataset
    registry: Registry
    content: Content
    obs: pd.DataFrame
    gaps: pd.DataFrame
    placements: list[Placement]
    predecessor_of: dict[str, str] = field(default_factory=dict)
    families: dict[str, list[str]] = field(default_factory=dict)
    disadvantage: dict[str, float] = field(
        default_factory=dict
    )  # URN -> latest % disadvantaged/FSM
    editions: dict[int, set[str]] = field(default_factory=dict)  # year -> URNs with a card
    grades: dict[tuple[str, int], object] = field(default_factory=dict)  # optional overall grade

    def __post_init__(self) -> None:
        # Medians (from benchmarks files) are downloaded, not looked up.
        obs = self.obs
        self.index = Lookup(obs, FIGURE_FIELDS, where=(obs["statistic"] != "median").to_numpy())
        self.gap_index = Lookup(self.gaps, GAP_FIELDS)
        self.years_by_area, self.context_years = school_years(obs, self.registry)
        self.placements_by_school: dict[str, list[Placement]] = defaultdict(list)
        for p in self.placements:
            self.placements_by_school[p.urn].append(p)
        ds = self.dataset
        self.schools_by_la: dict[str, list[School]] = defaultdict(list)
        for s in ds.schools.values():
            self.schools_by_la[s.la_code].append(s)
        self.successor_of = {p: s for s, p in self.predecessor_of.items()}
        self.surveys_by_school: dict[str, list] = defaultdict(list)
        for a in ds.surveys:
            self.surveys_by_school[a.urn].append(a)
        self.inspections_by_school: dict[str, list] = defaultdict(list)
        for i in ds.inspections:
            self.inspections_by_school[i.urn].append(i)
        # Figures made for pages, shared: a school's similar schools are mostly
        # its neighbours' too, and LA and England figures are on every page.
        self._figures: dict[tuple, Figure] = {}
        self._strips: dict[tuple, list[float]] = {}
        # Similar schools are anywhere in England, each in some fifteen
        # families: their published values are kept apart from the figures,
        # which a worker's run through the country clears again and again.
        self._values: dict[tuple, float | None] = {}
        self._held: tuple = ("", set(), {})
        self.no_results = self.registry.no_results

    def benchmark(self, level: str, area: str, year: int, measure: str, phase: str = "") -> Figure:
        """An LA's or England's figure for a school's page: the one for the
        school's phase where the data gives figures by phase (DfE's census and
        absence files have primary, secondary and special rows), else the
        area's own."""
        if phase:
            key = (f"{level}:{phase}", area, year, measure, "all")
            if key in self.index:
                return self.figure(*key)
        return self.figure(level, area, year, measure)

    def figure(
        self, area_type: str, area: str, year: int, measure: str, group: str = "all"
    ) -> Figure:
        key = (area_type, area, year, measure, group)
        found = self._figures.get(key)  # asked for some hundred times a page
        if found is None:
            found = _keep(self._figures, FIGURES_KEPT, key, self._figure(key))
        return found

    def gap(self, area_type: str, area: str, year: int, measure: str, group: str) -> Figure:
        """An area's gap for a group, as ``gap_figure`` shows it; kept with the
        figures: an LA's and England's gaps are on every page of the LA."""
        key = ("gap", area_type, area, year, measure, group)
        found = self._figures.get(key)
        if found is None:
            row = self.gap_index.get(key[1:])
            found = _keep(
                self._figures, FIGURES_KEPT, key, gap_figure(row, self.registry.measures[measure])
            )
        return found

    def _figure(self, key: tuple) -> Figure:
        m = self.registry.measures[key[3]]
        row = self.index.get(key)
        missing = "missing"
        if row is None and m.not_calculated_in(key[2]):
            missing = "not_calculated"
        elif row is None and m.era:
            era = next((e for e in self.registry.eras if e["id"] == m.era), None)
            if era and key[2] not in era["years"]:
                missing = "not_calculated"
        return make_figure(row, m, missing)

    def published(self, urn: str, year: int, measure: str) -> float | None:
        """A school's published value (all pupils), None when there is none:
        what a page needs of a similar school, without making its Figure."""
        key = ("school", urn, year, measure, "all")
        if key in self._values:  # None is kept too: no published value
            return self._values[key]
        return _keep(self._values, VALUES_KEPT, key, self._published(key))

    def _published(self, key: tuple) -> float | None:
        i = self.index.position(key)
        if i is None or self.index.columns["status"][i] != "ok":
            return None
        return _nan_to_none(self.index.columns["value"][i])

    def latest_year(self, urn: str) -> int | None:
        years = self.years_by_area.get(("school", urn))
        return years[-1] if years else None

    def category_years(self, urn: str) -> dict[str, list[int]]:
        """The years a school has figures in, category by category (its KS2
        results may be for 2024/25 and its absence for 2023/24)."""
        return self._school_keys(urn)[2]

    def measures_held(self, urn: str) -> set[str]:
        """The measures a school has a figure for (all pupils) in a year of its results."""
        return self._school_keys(urn)[1]

    def _school_keys(self, urn: str) -> tuple:
        """(urn, measures held, years by category), from one pass over the
        school's figures; asked for by every category of its page."""
        if self._held[0] != urn:
            measures = self.registry.measures
            years = set(self.years_by_area.get(("school", urn), []))
            held: set[str] = set()
            found: dict[str, set[int]] = defaultdict(set)
            for y, m, g in self.index.keys_of("school", urn):
                if g != "all":
                    continue
                if y in years:
                    held.add(m)
                measure = measures.get(m)
                if measure is not None and measure.category != "context":
                    found[measure.category].add(y)
            self._held = (urn, held, {c: sorted(ys) for c, ys in found.items()})
        return self._held

    def sources(self, urn: str) -> list[str]:
        """The data files a school's figures and inspections come from."""
        names = set()
        for source in set(self.index.column("source", "school", urn)):
            names.update(CSV_NAME.findall(source))
        for inspection in self.inspections_by_school.get(urn, []):
            names.update(CSV_NAME.findall(inspection.source))
        return sorted(names)

    def strip_values(self, la_code: str, phase: str, year: int, measure: str) -> list[float]:
        """Every published figure of one LA's schools of a phase on one measure."""
        key = (la_code, phase, year, measure)
        if key not in self._strips:
            self._strips[key] = [
                f.value
                for s in self.schools_by_la.get(la_code, [])
                if s.phase == phase and (f := self.figure("school", s.urn, year, measure)).ok
            ]
        return self._strips[key]


def school_years(obs: pd.DataFrame, registry: Registry) -> tuple[dict, dict]:
    """The years each school has results in, {("school", URN): [years]}, and the
    latest year of each of its context figures, {(URN, measure): year}.

    Worked on the columns' codes: grouping a national table's rows by school
    would copy them.
    """
    school = (obs["area_type"] == "school").to_numpy()
    area, urns = codes_of(obs["area"])
    school = school & (area >= 0)
    measure, ids = codes_of(obs["measure"])
    kind = [registry.measures[m].category if m in registry.measures else None for m in ids]
    context = np.array([k == "context" for k in kind] + [False])[measure]
    result = np.array([k not in (None, "context") for k in kind] + [False])[measure]
    year = obs["year"].to_numpy(dtype=np.int64)
    first = int(year.min()) if len(year) else 0
    span = int(year.max()) - first + 1 if len(year) else 1
    pick = school & result
    held = np.unique(area[pick].astype(np.int64) * span + (year[pick] - first))
    years_by_area: dict[tuple, list[int]] = defaultdict(list)
    for a, y in zip((held // span).tolist(), (held % span + first).tolist(), strict=True):
        years_by_area[("school", urns[a])].append(y)
    pick = school & context
    pair = area[pick].astype(np.int64) * len(ids) + measure[pick]
    latest = pd.Series(year[pick]).groupby(pair).max()
    context_years = {
        (urns[p // len(ids)], ids[p % len(ids)]): int(y)
        for p, y in zip(latest.index.tolist(), latest.tolist(), strict=True)
    }
    return dict(years_by_area), context_years


def _keep(cache: dict, limit: int, key: tuple, made):
    """``made`` kept in ``cache`` as ``key``, and returned. A full cache is
    emptied first: a worker renders a whole country, and what its next pages
    need (their LA's figures, their neighbours') is made again."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = made
    return made


FIGURES_KEPT = 50_000  # about 20 MB of figures; a task of 40 schools makes some 3,000
VALUES_KEPT = 200_000  # about 20 MB: every school's headline values for a year
# A figure carries every column but those that find it.
FIGURE_FIELDS = [c for c in OBSERVATION_COLUMNS if c not in (*DIMENSIONS, "statistic", "prior")]
GAP_FIELDS = ["value", "status", "computed", "measure", "group", "compared_with"]


def url_for_school(urn: str) -> str:
    return f"schools/{urn}/index.html"


def url_for_la(code: str) -> str:
    return f"la/{code}/index.html"


PHASED = ("context", "wellbeing")  # categories whose LA and England figures come by phase


def phase_key(school: School) -> str:
    """The phase DfE's census and absence files give LA and England rows for."""
    if school.special:
        return "special"
    return {"primary": "primary", "secondary": "secondary"}.get(school.phase, "")


def with_gap_years(years: list[int], no_results: set[int]) -> list[int]:
    """The years of a trend, with the years that had no results put back where
    the trend crosses them: a table names the gap and a chart draws it, rather
    than joining 2018/19 to 2021/22 as if they were a year apart."""
    if not years:
        return years
    inside = {y for y in no_results if years[0] < y < years[-1]}
    return sorted(set(years) | inside)


@functools.cache  # one Figure a unit: its HTML is made once (render_html.figure_once)
def no_results_figure(unit: str) -> Figure:
    return Figure(
        None,
        "no_results",
        unit,
        status_label("no_results"),
        status_explanation("no_results"),
    )


def measure_row(
    report: Report,
    school: School,
    year: int,
    measure: Measure,
    years: list[int],
    phase: str = "",
) -> dict:
    """One row of a category table: this year, LA, England, trend. Where the
    measure was not calculated this year, the row says why, and carries the
    latest year it was published for."""
    this = report.figure("school", school.urn, year, measure.id)
    # Only context and wellbeing figures (the census, absence) come by phase.
    phase = phase if measure.category in PHASED else ""
    la = report.benchmark("la", school.la_code, year, measure.id, phase)
    england = report.benchmark("england", ENGLAND, year, measure.id, phase)
    gap_years = report.no_results
    history = [
        (
            y,
            no_results_figure(measure.unit)
            if y in gap_years
            else report.figure("school", school.urn, y, measure.id),
        )
        for y in with_gap_years(years, gap_years)
    ]
    values = {y: f.value for y, f in history if f.ok}
    t = trend(values, gap_years)
    why = measure.not_calculated_in(year) if this.status == "not_calculated" else None
    published = [(y, f) for y, f in history if f.ok and y < year]
    return {
        "measure": measure,
        "this": this,
        "la": la,
        "england": england,
        "history": [{"year": y, "label": academic_year(y), "figure": f} for y, f in history],
        # A change "on last year" is this year's: none when this year has no figure.
        "change": format_change(t["last_change"], measure.unit) if this.ok else "",
        "change_since": format_change(t["change"], measure.unit),
        "first_year": academic_year(t["first_year"]) if t["first_year"] else "",
        "higher_is_better": measure.higher_is_better,
        "not_calculated": why or "",
        "latest_published": (
            {"year": academic_year(published[-1][0]), "figure": published[-1][1]}
            if why and published
            else None
        ),
    }


def _school_measures(report: Report, school: School, category: str) -> list[Measure]:
    """The measures of a category this school has any figure for (headline first)."""
    held = report.measures_held(school.urn)
    found = [
        m for m in report.registry.measures.values() if m.category == category and m.id in held
    ]
    return sorted(found, key=lambda m: not m.headline)  # stable: in the registry's order


# The context measures a page shows, in this order: the whole school (the
# census), then the pupils at the end of the key stage (the results files).
CONTEXT = (
    "pupils_on_roll",
    "pct_fsm6",
    "pct_fsm",
    "pct_eal",
    "pct_sen_support",
    "pct_ehc_plan",
    "pct_sen",
    "eligible_pupils",
    "pct_disadvantaged",
    "pct_eal_cohort",
)


def context_block(report: Report, school: School) -> list[dict]:
    """The latest figure of each context measure held for the school, each with
    its own year (the census and the results files may be of different years),
    and the LA's and England's for its phase where the data gives them."""
    rows = []
    phase = phase_key(school)
    for mid in CONTEXT:
        m = report.registry.measures.get(mid)
        y = report.context_years.get((school.urn, mid))
        if m is None or not y:
            continue
        la = report.benchmark("la", school.la_code, y, mid, phase)
        england = report.benchmark("england", ENGLAND, y, mid, phase)
        rows.append(
            {
                "measure": m,
                "year": academic_year(y),
                "figure": report.figure("school", school.urn, y, mid),
                "la": la if la.status != "missing" else None,
                "england": england if england.status != "missing" else None,
            }
        )
    return rows


def gap_figure(row: dict | None, measure: Measure) -> Figure:
    """A gap as a page shows it: '−12 points', or why there is none."""
    if row is None:
        return Figure(None, "missing", measure.unit, status_label("missing"), "")
    value = _nan_to_none(row["value"])
    ok = row["status"] == "ok"
    return Figure(
        value,
        row["status"],
        measure.unit,
        format_change(value, measure.unit) if ok else status_label(row["status"]),
        "" if ok else status_explanation(row["status"]),
        computed=bool(row["computed"]),
    )


def gaps_block(report: Report, school: School, years: list[int]) -> tuple[int | None, list[dict]]:
    """(year, rows): the gaps of the latest year that has any for the school (a
    provisional headline file has no pupil groups; the year before does)."""
    for area in (("school", school.urn), ("la", school.la_code), ("england", ENGLAND)):
        report.gap_index.focus(*area)  # dozens of lookups in each
    for year in reversed(years):
        rows = _gaps_of(report, school, year)
        if rows:
            return year, rows
    return None, []


def _gaps_of(report: Report, school: School, year: int) -> list[dict]:
    rows = []
    for m in report.registry.measures.values():
        if not m.gaps:
            continue
        for group in report.registry.groups.values():
            if not group.compare_with:
                continue
            found = report.gap_index.get(("school", school.urn, year, m.id, group.id))
            if found is None:
                continue
            other = report.registry.groups[group.compare_with]
            rows.append(
                {
                    "measure": m,
                    "group": group,
                    "other": other,
                    "group_figure": report.figure("school", school.urn, year, m.id, group.id),
                    "other_figure": report.figure("school", school.urn, year, m.id, other.id),
                    "gap": gap_figure(found, m),
                    "la_gap": report.gap("la", school.la_code, year, m.id, group.id),
                    "england_gap": report.gap("england", ENGLAND, year, m.id, group.id),
                }
            )
    return rows


def standards_block(report: Report, school: School) -> list[dict]:
    by_standard: dict[str, list[Placement]] = defaultdict(list)
    for p in report.placements_by_school.get(school.urn, []):
        by_standard[p.standard].append(p)
    blocks = []
    for standard in report.registry.standards:
        history = sorted(by_standard.get(standard.id, []), key=lambda p: p.year)
        if not history:
            continue
        latest = history[-1]
        blocks.append(
            {
                "standard": standard,
                "latest": latest,
                "year": academic_year(latest.year),
                "history": [{"year": academic_year(p.year), "placement": p} for p in history],
            }
        )
    return blocks


def surveys_block(report: Report, school: School, min_responses: int) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"parents": [], "pupils": []}
    answers = report.surveys_by_school.get(school.urn, [])
    for a in sorted(answers, key=lambda a: (a.year, a.question)):
        shown = a.responses >= min_responses
        out[a.respondents].append(
            {
                "question": a.question,
                "year": academic_year(a.year),
                "responses": a.responses if shown else None,
                "text": format_value(a.pct_agree, "percent")
                if shown
                else status_label("suppressed"),
                "explanation": ""
                if shown
                else f"Fewer than {min_responses} answered this question.",
                "ok": shown,
            }
        )
    return out


def ofsted_block(report: Report, school: School) -> dict | None:
    """The school's inspections, newest first, each in its own regime's words
    with its date; and a one-line summary of the latest. Where two sources
    (Ofsted's file, GIAS) give the same inspection, Ofsted's is kept; where
    GIAS has a newer one, the newer wins, and each says where it came from."""
    rules = report.registry.ofsted
    held = report.inspections_by_school.get(school.urn, [])
    if not held:
        return None
    by_date: dict[tuple[str, str], Inspection] = {}
    for i in sorted(held, key=lambda i: (i.date, bool(i.regime), len(i.grades))):
        kind = "ungraded" if i.regime == "ungraded" else "graded"
        by_date[(i.date, kind)] = i  # the fuller record of the same inspection wins
    items = [_inspection(i, rules) for i in sorted(by_date.values(), key=lambda i: i.date)][::-1]
    graded = next((x for x in items if x["regime"] != "ungraded"), None)
    newest = items[0]
    summary = newest["summary"]
    if newest["regime"] == "ungraded" and graded is not None:
        summary += f"; before that, {graded['summary'][:1].lower()}{graded['summary'][1:]}"
    return {
        "inspections": items,
        "summary": summary,
        "report_card": next((x for x in items if x["regime"] == "report_card"), None),
    }


def _inspection(i: Inspection, rules: dict) -> dict:
    """One inspection as a page shows it."""
    regimes = rules.get("regimes", {})
    # GIAS and the tidy file give no regime: the inspection's date tells it.
    rid = i.regime or regime_of(i.date, rules)
    regime = regimes.get(rid, {})
    date = format_date(i.date)
    areas = regime.get("areas", {})
    grades = [
        {
            "area": areas.get(a, a.replace("_", " ").capitalize()),
            "grade": g,
            "date": format_date(i.grade_dates[a]) if a in i.grade_dates else "",
        }
        for a, g in i.grades.items()
    ]
    overall = grade_word(i.overall, i.date)
    if rid == "report_card":
        summary = f"Report card, {date}"
    elif rid == "ungraded":
        summary = f"{i.outcome or 'Ungraded inspection'} (ungraded inspection, {date})"
    elif overall:
        summary = f"{overall} (graded inspection, {date})"
    elif i.outcome or i.grades:  # "Not judged": no overall grade from September 2024
        summary = f"Graded inspection of {date}: no overall grade"
    else:
        summary = f"Inspected {date}; the judgement is not recorded here"
    return {
        "regime": rid,
        "regime_name": regime.get("name", "Inspection"),
        "date": date,
        "overall": overall,
        "outcome": i.outcome,
        "concern": i.concern,
        "grades": grades,
        "summary": summary,
        "behaviour": grade_word(i.behaviour, i.date) if i.behaviour else "",
        "published": format_date(i.published) if i.published else "",
        "link": i.link if i.link.startswith(("https://", "http://")) else "",
        "source": _inspection_source(i.source),
    }


def not_calculated_rules(registry: Registry) -> list[dict]:
    """Each reason a measure was not calculated, with the measures it applies to."""
    found: dict[str, list[str]] = {}
    for m in registry.measures.values():
        for rule in m.not_calculated:
            found.setdefault(rule["why"], []).append(m.name)
    return [{"why": why, "measures": names} for why, names in found.items()]


def ofsted_regimes(rules: dict) -> list[dict]:
    """Ofsted's regimes as the methodology page explains them, each with its dates."""
    out = []
    for rid, regime in rules.get("regimes", {}).items():
        start, end = regime.get("from"), regime.get("to")
        when = " ".join(
            part
            for part in (
                f"from {format_date(str(start))}" if start else "",
                f"to {format_date(str(end))}" if end else "",
            )
            if part
        )
        out.append(
            {
                "id": rid,
                "name": regime.get("name", rid),
                "when": when,
                "summary": " ".join(str(regime.get("summary", "")).split()),
                "areas": list(regime.get("areas", {}).values()),
                "scale": [str(s).lower() for s in regime.get("scale", [])],
                "source": regime.get("source", ""),
            }
        )
    return out


def _inspection_source(source: str) -> str:
    """Where an inspection came from, in words: "ofsted_mi.csv, row 12"."""
    name, _, row = source.partition(":")
    return f"{name}, row {row}" if row.isdigit() else name


def trend_chart_for(report: Report, school: School, row: dict, phase: str = "") -> dict | None:
    m = row["measure"]
    years = [h["year"] for h in row["history"]]
    phase = phase if m.category in PHASED else ""

    def values(area_type: str, area: str) -> list[float | None]:
        # Only published figures: England's progress of 0 by definition is no line.
        figures = [
            None if y in report.no_results else report.benchmark(area_type, area, y, m.id, phase)
            for y in years
        ]
        return [f.value if f is not None and f.ok else None for f in figures]

    series = [{"label": "This school", "values": [h["figure"].value for h in row["history"]]}]
    la_name = (
        report.dataset.las[school.la_code].name if school.la_code in report.dataset.las else "LA"
    )
    for label, area_type, area in (
        (la_name, "la", school.la_code),
        ("England", "england", ENGLAND),
    ):
        vals = values(area_type, area)
        if any(v is not None for v in vals):
            series.append({"label": label, "values": vals})
    return charts.trend_chart(
        f"{m.name}, {academic_year(years[0])} to {academic_year(years[-1])}",
        [academic_year(y) for y in years],
        series,
        m.unit,
        breaks=[i for i, y in enumerate(years) if y in report.no_results],
    )


def category_charts(report: Report, school: School, block: dict, phase: str = "") -> list[dict]:
    rows = block["rows"]
    out = []
    if rows:
        chart = trend_chart_for(report, school, rows[0], phase)
        if chart:
            out.append(chart)
    with_ci = [r for r in rows if r["measure"].ci and r["this"].interval]
    if with_ci:
        chart = charts.interval_chart(
            f"{block['category'].name}: scores with their 95% confidence intervals",
            [
                {
                    "label": r["measure"].name,
                    "value": r["this"].value,
                    "lower": r["this"].lower,
                    "upper": r["this"].upper,
                }
                for r in with_ci
            ],
            with_ci[0]["measure"].centre or 0.0,
            with_ci[0]["measure"].unit,
        )
        if chart:
            out.append(chart)
    return out


def la_strip(report: Report, school: School, year: int, measure: Measure) -> dict | None:
    """This school among every school of its LA on one measure, that year."""
    values = report.strip_values(school.la_code, school.phase, year, measure.id)
    this = report.figure("school", school.urn, year, measure.id)
    la = report.dataset.las.get(school.la_code)
    return charts.strip_chart(
        f"{measure.name} in {academic_year(year)}: every {school.phase} school in "
        f"{la.name if la else 'the LA'}",
        values,
        this.value if this.ok else None,
        measure.unit,
    )


def similar_block(report: Report, school: School, year: int) -> dict | None:
    family = [report.dataset.schools[u] for u in report.families.get(school.urn, [])]
    if not family or not year:
        return None
    measures = [
        m
        for m in report.registry.measures.values()
        if m.headline
        and m.category in ("attainment", "progress")
        and ("school", school.urn, year, m.id, "all") in report.index
    ][:3]
    if not measures:
        return None
    rows = []
    for m in measures:
        values = [report.published(s.urn, year, m.id) for s in family]
        published = [v for v in values if v is not None]
        average = sum(published) / len(published) if published else None
        rows.append(
            {
                "measure": m,
                "this": report.figure("school", school.urn, year, m.id),
                "family": format_value(average, m.unit) if average is not None else "",
                "count": len(published),
            }
        )
    lead = measures[0]
    this = report.figure("school", school.urn, year, lead.id)
    better = []
    for s in family:
        value = report.published(s.urn, year, lead.id)
        if (
            value is not None
            and this.ok
            and (value > this.value) == lead.higher_is_better
            and value != this.value
        ):
            better.append(s)
    return {
        "family": family,
        "rows": rows,
        "lead": lead,
        "better": [
            {"school": s, "figure": report.figure("school", s.urn, year, lead.id)}
            for s in better[:5]
        ],
        "year": academic_year(year),
    }


def _context_distance(report: Report, urn: str, study) -> float:
    """How far a school's intake is from a case study's school (% disadvantaged/FSM)."""
    ours = report.disadvantage.get(urn)
    theirs = study.context.get("pct_fsm", study.context.get("pct_disadvantaged"))
    if ours is None or theirs is None:
        return 50.0  # unknown: neither near nor far
    return abs(float(ours) - float(theirs))


def what_worked(report: Report, school: School, year: int | None) -> list:
    """For a school below a standard: case studies of schools of the same phase,
    with the most similar intake first, that moved beyond it."""
    below = [
        p
        for p in report.placements_by_school.get(school.urn, [])
        if p.year == year and p.outcome == "caught"
    ]
    if not below:
        return []
    studies = [
        s
        for s in report.content.case_studies
        if s.phase == school.phase and school.urn not in s.schools
    ]
    return sorted(studies, key=lambda s: (_context_distance(report, school.urn, s), s.slug))[:3]


def case_study_results(report: Report, study) -> list[dict]:
    """Each linked school's results over the years held, before and after, with
    where it stood against the standards of each year."""
    out = []
    for urn in study.schools:
        school = report.dataset.schools.get(urn)
        years = report.years_by_area.get(("school", urn), [])
        if school is None or not years:
            continue
        charts_ = []
        for category in ("attainment", "progress"):
            for m in _school_measures(report, school, category)[:2]:
                row = measure_row(report, school, years[-1], m, years)
                chart = trend_chart_for(report, school, row)
                if chart:
                    charts_.append(chart)
        out.append(
            {"school": school, "charts": charts_, "standards": standards_block(report, school)}
        )
    return out


def schools_like(report: Report, study) -> list[dict]:
    """Schools in the data like a case study's: same phase, nearest intake, those
    below a standard in their latest year first."""
    out = []
    for s in report.dataset.schools.values():
        if s.phase != study.phase or s.urn in study.schools or s.urn not in report.disadvantage:
            continue
        year = report.latest_year(s.urn)
        below = any(
            p.year == year and p.outcome == "caught"
            for p in report.placements_by_school.get(s.urn, [])
        )
        out.append((not below, _context_distance(report, s.urn, study), s.name, s, below))
    out.sort(key=lambda t: t[:3])
    return [{"school": s, "below": below} for *_, s, below in out[:5]]


VIEWS = {"pupils_views": "pupils", "parents_views": "parents"}


def school_page(report: Report, school: School) -> dict:
    report.index.focus("school", school.urn)
    year = report.latest_year(school.urn)
    years = report.years_by_area.get(("school", school.urn), [])
    by_category = report.category_years(school.urn)
    phase = phase_key(school)
    la = report.dataset.las.get(school.la_code)
    config = report.content.site
    surveys = surveys_block(report, school, config["suppression"]["min_survey_responses"])
    gaps_year, gaps = gaps_block(report, school, by_category.get("attainment", years))
    categories, not_held = [], []
    for category in report.registry.categories:
        if category.id in VIEWS:
            if surveys[VIEWS[category.id]]:
                categories.append({"category": category, "rows": [], "charts": []})
            else:
                not_held.append(category)
            continue
        held = by_category.get(category.id, [])
        cyear = held[-1] if held else None
        rows = (
            [
                measure_row(report, school, cyear, m, held, phase)
                for m in _school_measures(report, school, category.id)
            ]
            if cyear
            else []
        )
        if not rows and not (category.id == "gaps" and gaps):
            not_held.append(category)
            continue
        block = {
            "category": category,
            "rows": rows,
            "year": cyear,
            "year_label": academic_year(cyear) if cyear else "",
        }
        block["charts"] = category_charts(report, school, block, phase) if cyear else []
        # The printed card shows the headline measures; the rest are named.
        block["card_rows"] = [r for r in rows if r["measure"].headline] or rows[:2]
        block["card_more"] = [r for r in rows if r not in block["card_rows"]]
        categories.append(block)
    studies = [s for s in report.content.case_studies if school.urn in s.schools]
    standards = standards_block(report, school)
    first = gaps[0]["measure"] if gaps else None
    gap_chart = (
        charts.gap_chart(
            f"Gaps: {first.name}, {academic_year(gaps_year)}",
            [
                {"label": g["group"].name, "value": g["gap"].value}
                for g in gaps
                if g["measure"] is first and g["gap"].ok
            ],
            "percent",
        )
        if first
        else None
    )
    attainment = next((b for b in categories if b["category"].id == "attainment"), None)
    results_year = attainment["year"] if attainment else None
    strip = (
        la_strip(report, school, results_year, attainment["rows"][0]["measure"])
        if attainment
        else None
    )
    schools = report.dataset.schools
    predecessor = schools.get(report.predecessor_of.get(school.urn, ""))
    successor = schools.get(report.successor_of.get(school.urn, "") or school.successor_urn)
    site = report.content.site
    json_ld = {
        "@context": "https://schema.org",
        "@type": "School",
        "name": school.name,
        "identifier": school.urn,
        "url": site["base_url"].rstrip("/")
        + "/"
        + url_for_school(school.urn).removesuffix("index.html"),
    }
    if school.town or school.postcode:
        json_ld["address"] = {
            "@type": "PostalAddress",
            "streetAddress": school.address,
            "addressLocality": school.town,
            "postalCode": school.postcode,
        }
    ended = report.registry.standards_ended
    return {
        "school": school,
        "json_ld": json_ld,
        "predecessor": predecessor,
        "successor": successor,
        "la": la,
        "year": year,
        "year_label": academic_year(year) if year else "",
        "years": [academic_year(y) for y in years],
        "context": context_block(report, school),
        "categories": categories,
        "not_held": not_held,
        "no_ks2": school.leaves_before_ks2
        and not any(b["category"].id in ("attainment", "progress") for b in categories),
        "leaves_after_year": school.ages[1] - 5 if school.ages else None,
        "gaps": gaps,
        "gaps_year_label": academic_year(gaps_year) if gaps_year else "",
        "gap_chart": gap_chart,
        "strip": strip,
        "similar": similar_block(report, school, results_year),
        "what_worked": what_worked(report, school, year),
        "grade": report.grades.get((school.urn, year)) if year else None,
        "editions": [
            {"label": academic_year(y), "url": f"editions/{y}/schools/{school.urn}/report-card.pdf"}
            for y, urns in sorted(report.editions.items(), reverse=True)
            if school.urn in urns
        ],
        "standards": standards,
        "glance": [b for b in standards if b["latest"].year == year],
        # A page of a year after the standards ended says so, once.
        "standards_ended": ended["text"] if ended and year and year > ended["after"] else "",
        "ofsted": ofsted_block(report, school),
        "surveys": surveys,
        "case_studies": studies,
        "sources": report.sources(school.urn),
        "path": url_for_school(school.urn),
    }


def la_scatters(report: Report, schools: list[School], year: int) -> list[dict]:
    """Attainment against progress for each phase's schools (seed 002, Figure 16):
    schools high on attainment and low on progress are the ones that may coast."""
    out = []
    for phase in ("primary", "secondary"):
        members = [s for s in schools if s.phase == phase]

        def first(category: str, members=members) -> Measure | None:
            # A percentage measure reads best on the axes; a score where there is none.
            held = [
                m
                for m in report.registry.measures.values()
                if m.headline
                and m.category == category
                and any(report.figure("school", s.urn, year, m.id).ok for s in members)
            ]
            held.sort(key=lambda m: m.unit != "percent")
            return held[0] if held else None

        xm, ym = first("attainment"), first("progress")
        if not members or xm is None or ym is None:
            continue
        caught = {
            p.urn
            for s in members
            for p in report.placements_by_school.get(s.urn, [])
            if p.year == year
            and p.outcome == "caught"
            and p.standard in ("gaining_ground", "coasting_ks2")
        }
        points = [
            {
                "label": s.name,
                "x": report.figure("school", s.urn, year, xm.id).value,
                "y": report.figure("school", s.urn, year, ym.id).value,
                "flag": s.urn in caught,
            }
            for s in members
        ]
        x_mid = report.figure("england", ENGLAND, year, xm.id).value
        y_mid = report.figure("england", ENGLAND, year, ym.id).value
        if x_mid is None or y_mid is None:
            continue
        chart = charts.scatter_chart(
            f"{phase.capitalize()} schools in {academic_year(year)}: {xm.name} against {ym.name}",
            points,
            xm.name,
            ym.name,
            xm.unit,
            ym.unit,
            x_mid,
            y_mid,
        )
        if chart:
            out.append(chart)
    return out


def la_page(report: Report, code: str) -> dict:
    la = report.dataset.las[code]
    schools = sorted(report.schools_by_la.get(code, []), key=lambda s: s.name)
    years = sorted({y for s in schools for y in report.years_by_area.get(("school", s.urn), [])})
    latest = years[-1] if years else None
    headline = [
        m
        for m in report.registry.measures.values()
        if m.headline
        and m.category in ("attainment", "progress")
        and any(("la", code, y, m.id, "all") in report.index for y in years)
    ]
    results = []
    for m in headline:
        la_years = [y for y in years if ("la", code, y, m.id, "all") in report.index]
        if not la_years:
            continue
        y = la_years[-1]
        history = [
            {
                "year": academic_year(yy),
                "la": report.figure("la", code, yy, m.id)
                if yy not in report.no_results
                else no_results_figure(m.unit),
                "england": report.figure("england", ENGLAND, yy, m.id)
                if yy not in report.no_results
                else no_results_figure(m.unit),
            }
            for yy in with_gap_years(la_years, report.no_results)
        ]
        la_values = {yy: report.figure("la", code, yy, m.id).value for yy in la_years}
        t = trend({k: v for k, v in la_values.items() if v is not None}, report.no_results)
        results.append(
            {
                "measure": m,
                "year": academic_year(y),
                "la": report.figure("la", code, y, m.id),
                "england": report.figure("england", ENGLAND, y, m.id),
                "history": history,
                "change_since": format_change(t["change"], m.unit),
                "first_year": academic_year(t["first_year"]) if t["first_year"] else "",
            }
        )
    rows = []
    for s in schools:
        y = report.latest_year(s.urn)
        head = next(
            (
                m
                for m in report.registry.measures.values()
                if m.headline
                and m.category == "attainment"
                and y
                and ("school", s.urn, y, m.id, "all") in report.index
            ),
            None,
        )
        flags = [
            p
            for p in report.placements_by_school.get(s.urn, [])
            if p.year == y and p.outcome == "caught"
        ]
        rows.append(
            {
                "school": s,
                "year": academic_year(y) if y else "",
                "measure": head,
                "figure": report.figure("school", s.urn, y, head.id) if head and y else None,
                "flags": flags,
            }
        )
    below = []
    for standard in report.registry.standards:
        by_year: dict[int, list[dict]] = defaultdict(list)
        for s in schools:
            for p in report.placements_by_school.get(s.urn, []):
                if p.standard == standard.id and p.outcome == "caught":
                    by_year[p.year].append({"school": s, "placement": p})
        if by_year:
            below.append(
                {
                    "standard": standard,
                    "years": [
                        {
                            "year": academic_year(y),
                            "schools": sorted(v, key=lambda r: r["school"].name),
                        }
                        for y, v in sorted(by_year.items(), reverse=True)
                    ],
                }
            )
    gaps = []
    if latest:
        measure_order = {m: i for i, m in enumerate(report.registry.measures)}
        group_order = {g: i for i, g in enumerate(report.registry.groups)}
        found = sorted(
            report.gap_index.rows("la", code, latest),
            key=lambda r: (measure_order.get(r["measure"], 0), group_order.get(r["group"], 0)),
        )
        for r in found:
            m = report.registry.measures[r["measure"]]
            gaps.append(
                {
                    "measure": m,
                    "group": report.registry.groups[r["group"]],
                    "other": report.registry.groups[r["compared_with"]],
                    "la": gap_figure(r, m),
                    "england": gap_figure(
                        report.gap_index.get(("england", ENGLAND, latest, m.id, r["group"])), m
                    ),
                }
            )
    return {
        "la": la,
        "any_computed": any(r["la"].computed for r in results),
        "scatters": la_scatters(report, schools, latest) if latest else [],
        "schools": rows,
        "results": results,
        "below": below,
        "gaps": gaps,
        "year": academic_year(latest) if latest else "",
        "standards_ended": (
            report.registry.standards_ended["text"]
            if report.registry.standards_ended
            and latest
            and latest > report.registry.standards_ended["after"]
            else ""
        ),
        "commentary": report.content.la_commentary.get(code),
        "case_studies": [
            cs
            for cs in report.content.case_studies
            if cs.la == code
            or any(
                report.dataset.schools[u].la_code == code
                for u in cs.schools
                if u in report.dataset.schools
            )
        ],
        "path": url_for_la(code),
    }
