"""Stage 4: place each school against the year's standards (rules/standards.yml).

A rule is a tree of ``all:`` / ``any:`` over conditions on measures. A figure
that is missing or suppressed makes its condition unknown; unknowns follow
three-valued logic, so a verdict is still given whenever the known figures
settle it (a school at 70% cannot be below a 65% floor, whatever its progress).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .formatting import format_value, in_sentence
from .model import STATUSES, School, academic_year
from .registry import Registry, Standard, iter_conditions

OPS = {
    "below": (lambda v, t: v < t, "below", "not below"),
    "at_most": (lambda v, t: v <= t, "at or below", "above"),
    "above": (lambda v, t: v > t, "above", "not above"),
    "at_least": (lambda v, t: v >= t, "at or above", "below"),
}


@dataclass
class Placement:
    """Where one school stands against one standard in one year."""

    urn: str
    standard: str
    year: int
    outcome: str  # "caught", "clear" or "not_assessed"
    headline: str  # "Below the floor standard"
    reasons: list[str]
    run: int = 0  # consecutive years caught, up to and including this one
    indicators: list[dict] = field(default_factory=list)

    @property
    def because(self) -> str:
        """The reasons alone, as a sentence."""
        text = join_reasons(self.reasons)
        return (text[:1].upper() + text[1:] + ".") if text else ""

    @property
    def sentence(self) -> str:
        text = self.headline
        if self.reasons:
            text += ": " + join_reasons(self.reasons)
        return text + "."


def join_reasons(reasons: list[str]) -> str:
    if len(reasons) == 1:
        return reasons[0]
    return "; ".join(reasons[:-1]) + "; and " + reasons[-1]


Figures = dict[tuple[str, str], float]  # (measure, field) -> number; field "status" -> str


def _lookup_threshold(spec: object, measure: str, year: int, england: dict) -> float:
    if isinstance(spec, int | float):
        return float(spec)
    if isinstance(spec, dict) and "england" in spec:
        return england.get((measure, year, spec["england"]), math.nan)
    raise ValueError(f"bad threshold {spec!r}")


def evaluate(
    node: dict, figures: dict, year: int, england: dict, registry: Registry
) -> tuple[bool | None, list[str]]:
    """(verdict, reasons) for one school's figures in one year.

    The reasons are the conditions that decide the verdict, in plain English.
    """
    if "all" in node or "any" in node:
        is_all = "all" in node
        results = [
            evaluate(c, figures, year, england, registry) for c in node["all" if is_all else "any"]
        ]
        verdicts = [v for v, _ in results]
        decisive = not is_all
        if decisive in verdicts:
            verdict: bool | None = decisive
        elif None in verdicts:
            verdict = None
        else:
            verdict = not decisive
        deciding = [rs for v, rs in results if v == verdict]
        if verdict is False and is_all:
            deciding = deciding[:1]  # one unmet condition is enough to say why
        reasons: list[str] = []
        for rs in deciding:
            reasons += [r for r in rs if r not in reasons]
        return verdict, reasons
    return _condition(node, figures, year, england, registry)


def _condition(
    cond: dict, figures: dict, year: int, england: dict, registry: Registry
) -> tuple[bool | None, list[str]]:
    measure = registry.measures[cond["measure"]]
    fld = cond.get("field", "value")
    op = next(k for k in OPS if k in cond)
    test, yes_word, no_word = OPS[op]
    threshold = _lookup_threshold(cond[op], measure.id, year, england)
    value = figures.get((measure.id, fld), math.nan)
    if math.isnan(value) or math.isnan(threshold):
        if math.isnan(threshold):
            why = f"no England figure for {in_sentence(measure.name)} in {academic_year(year)}"
        else:
            status = figures.get((measure.id, "status"), "missing")
            label = STATUSES.get(status, STATUSES["missing"]).label.lower()
            why = f"{in_sentence(measure.name)} has no published figure ({label})"
        return None, [why]
    verdict = bool(test(value, threshold))
    shown = format_value(value, measure.unit)
    if fld != "value":
        what = (
            f"the {fld} end of the confidence interval for the "
            f"{in_sentence(measure.name)} was {shown}"
        )
    elif measure.sentence:
        what = measure.sentence.format(value=shown)
    else:
        what = f"the {in_sentence(measure.name)} was {shown}"
    name = cond.get("threshold_name") or format_value(threshold, measure.unit)
    return verdict, [f"{what}, {yes_word if verdict else no_word} {name}"]


def _exclusion(standard: Standard, school: School, year: int, figures: dict) -> str:
    rules = standard.not_assessed
    if rules.get("special") and school.special:
        return "special schools are not assessed against this standard"
    if rules.get("closed") and year in school.closed_years:
        return f"the school was closed in {academic_year(year)}"
    minimum = rules.get("min_cohort")
    if minimum:
        cohort = figures.get((rules.get("cohort_measure", ""), "cohort"), math.nan)
        if not math.isnan(cohort) and cohort < minimum:
            return (
                f"only {int(cohort)} pupils were eligible, fewer than the {minimum} "
                "a school needs to be assessed"
            )
    return ""


def figures_by_school_year(obs: pd.DataFrame, measures: set[str]) -> dict[tuple[str, int], dict]:
    """{(urn, year): {(measure, field): value}} for whole-cohort school figures
    on ``measures`` (those the standards read: a national table holds millions)."""
    cols = ["area", "year", "measure", "value", "lower", "upper", "cohort", "status"]
    school = (obs["area_type"] == "school") & (obs["group"] == "all")
    wanted = school & obs["measure"].isin(measures)
    out: dict[tuple[str, int], dict] = {}
    for area, year, measure, value, lower, upper, cohort, status in obs.loc[
        wanted, cols
    ].itertuples(index=False, name=None):
        figs = out.setdefault((area, int(year)), {})
        figs[(measure, "value")] = value
        figs[(measure, "lower")] = lower
        figs[(measure, "upper")] = upper
        figs[(measure, "cohort")] = cohort
        figs[(measure, "status")] = status
    return out


def england_figures(obs: pd.DataFrame) -> dict[tuple[str, int, str], float]:
    eng = obs[(obs["area_type"] == "england") & (obs["group"] == "all") & (obs["status"] == "ok")]
    return {
        (m, int(y), s): v
        for m, y, s, v in eng[["measure", "year", "statistic", "value"]].itertuples(
            index=False, name=None
        )
    }


def criteria_measures(standard: Standard) -> set[str]:
    """The measures a standard's criteria read, in every era."""
    return {c["measure"] for crit in standard.criteria for c in iter_conditions(crit.when)}


def measures_read(standards: list[Standard]) -> set[str]:
    """Every measure a standard reads: its criteria in every era, its indicators,
    and the measure whose cohort decides whether a school is assessed."""
    found = set()
    for standard in standards:
        found |= criteria_measures(standard)
        for ind in standard.indicators:
            found.update(c["measure"] for c in iter_conditions(ind["when"]))
        found.add(standard.not_assessed.get("cohort_measure", ""))
    return found - {""}


def place_schools(
    obs: pd.DataFrame, schools: dict[str, School], registry: Registry
) -> list[Placement]:
    """Every school against every standard for every year its data covers.

    A standard applies to a school in a year when the school has a figure for a
    measure the rule uses; phase follows from that (a secondary school has no
    KS2 results), and so do middle and all-through schools.
    """
    figures = figures_by_school_year(obs, measures_read(registry.standards))
    england = england_figures(obs)
    years_by_school: dict[str, set[int]] = {}
    for urn, year in figures:
        years_by_school.setdefault(urn, set()).add(year)
    placements: list[Placement] = []
    for standard in registry.standards:
        measures_used = criteria_measures(standard)
        for urn, school in schools.items():
            run = 0
            for year in sorted(years_by_school.get(urn, ())):
                if year not in standard.years:
                    continue
                figs = figures[(urn, year)]
                if not any((m, "value") in figs for m in measures_used):
                    continue
                placement = place(standard, school, year, figures, england, registry)
                run = run + 1 if placement.outcome == "caught" else 0
                placement.run = run
                placements.append(placement)
    return placements


def place(
    standard: Standard,
    school: School,
    year: int,
    figures: dict[tuple[str, int], dict],
    england: dict,
    registry: Registry,
) -> Placement:
    """One school, one standard, one year (looking back ``years_in_a_row`` years)."""
    figs = figures.get((school.urn, year), {})
    excluded = _exclusion(standard, school, year, figs)
    if excluded:
        return Placement(school.urn, standard.id, year, "not_assessed", "Not assessed", [excluded])
    verdicts: list[bool | None] = []
    reasons: list[list[str]] = []  # one list per year of the span
    span = range(year - standard.years_in_a_row + 1, year + 1)
    for y in span:
        criteria = standard.criteria_for(y)
        if criteria is None:
            verdicts.append(None)
            reasons.append([f"no rule is set for {academic_year(y)}"])
            continue
        v, rs = evaluate(criteria.when, figures.get((school.urn, y), {}), y, england, registry)
        verdicts.append(v)
        if len(span) > 1:
            rs = [f"in {academic_year(y)} {r}" for r in rs]
        reasons.append(rs)
    # Across the years: caught only if caught in every year (three-valued AND).
    if False in verdicts:
        outcome = "clear"
        kept = [r for v, r in zip(verdicts, reasons, strict=True) if v is False]
    elif None in verdicts:
        outcome = "not_assessed"
        kept = [r for v, r in zip(verdicts, reasons, strict=True) if v is None]
    else:
        outcome = "caught"
        kept = reasons
    flat = [r for year_reasons in kept for r in year_reasons]
    headline = {
        "caught": standard.caught,
        "clear": standard.clear,
        "not_assessed": "not assessed",
    }[outcome]
    headline = headline[0].upper() + headline[1:]
    indicators = []
    for ind in standard.indicators:
        v, rs = evaluate(ind["when"], figs, year, england, registry)
        indicators.append({"id": ind["id"], "name": ind["name"], "met": v, "reasons": rs})
    return Placement(school.urn, standard.id, year, outcome, headline, flat, 0, indicators)
