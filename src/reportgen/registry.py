"""The measures registries, pupil groups, categories and standards (YAML).

Defaults ship in ``reportgen/rules``; a data folder may hold a ``rules/``
folder whose files replace the default file of the same name, so an LA can
correct a threshold or add a year without a new release of reportgen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

RULES = Path(__file__).parent / "rules"

UNITS = {"percent", "count", "score", "points", "difference", "scaled_score", "cva"}


def names(spec: object) -> list[str]:
    """A column name or a list of them (DfE renames columns between years) as a list."""
    if spec is None or spec == "":
        return []
    return [str(s) for s in spec] if isinstance(spec, list | tuple) else [str(spec)]


@dataclass(frozen=True)
class YearRange:
    start: int | None = None
    end: int | None = None

    def __contains__(self, year: object) -> bool:
        if not isinstance(year, int):
            return False
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)

    def text(self) -> str:
        if self.start and self.end:
            return str(self.start) if self.start == self.end else f"{self.start}–{self.end}"
        if self.start:
            return f"{self.start} on"
        if self.end:
            return f"to {self.end}"
        return "all years"


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    category: str
    phase: str
    unit: str
    era: str = ""
    sentence: str = ""
    higher_is_better: bool = True
    headline: bool = False
    gaps: bool = False
    ci: bool = False
    centre: float | None = None
    band_well: float | None = None  # distance from the centre that is "well" above/below
    # DfE's column names: a name, or a list of the names of different years.
    dfe: str | tuple[str, ...] = ""
    dfe_lower: str | tuple[str, ...] = ""
    dfe_upper: str | tuple[str, ...] = ""
    dfe_band: str | tuple[str, ...] = ""
    dfe_cohort: str | tuple[str, ...] = ""  # pupils the figure is about (P8PUP), else the format's
    # A pupil group's column where it is not <dfe>_<suffix> (PTFSM6CLA1ABASICS_94).
    dfe_groups: dict = field(default_factory=dict, hash=False, compare=False)
    description: str = ""
    source: str = ""
    glossary: str = ""
    # Years the measure was not calculated, and why: [{years, why}].
    not_calculated: tuple = field(default=(), hash=False, compare=False)
    # The values its figures can take, where narrower than its unit's
    # (rules/validation.yml): {min, max}.
    valid: dict = field(default_factory=dict, hash=False, compare=False)
    # England's figure of these groups is a definition, not a result (a progress
    # score is 0 for England by construction): never shown as England's performance.
    england_by_definition: tuple[str, ...] = ()

    def not_calculated_in(self, year: int) -> str | None:
        """Why the measure was not calculated in ``year``, or None if it was."""
        for rule in self.not_calculated:
            if year in rule["years"]:
                return rule["why"]
        return None


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    compare_with: str = ""
    explain: str = ""


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    intro: str


@dataclass(frozen=True)
class Criteria:
    years: YearRange
    when: dict


@dataclass(frozen=True)
class Standard:
    id: str
    name: str
    caught: str
    clear: str
    phase: str
    years: YearRange
    summary: str
    source: str
    criteria: tuple[Criteria, ...]
    years_in_a_row: int = 1
    not_assessed: dict = field(default_factory=dict)
    indicators: tuple[dict, ...] = ()

    def criteria_for(self, year: int) -> Criteria | None:
        for c in self.criteria:
            if year in c.years:
                return c
        return None


@dataclass
class Registry:
    measures: dict[str, Measure]
    groups: dict[str, Group]
    categories: list[Category]
    standards: list[Standard]
    eras: list[dict]
    partitions: list[list[str]] = field(default_factory=list)
    dfe_formats: dict[str, dict] = field(default_factory=dict)
    school_types: dict[str, str] = field(default_factory=dict)
    dfe_files: dict[str, dict] = field(default_factory=dict)  # census, absence, spine
    years: dict = field(default_factory=dict)  # rules/years.yml
    ofsted: dict = field(default_factory=dict)  # rules/ofsted.yml
    standards_ended: dict = field(default_factory=dict)  # {after: 2019, text: ...}
    validation: dict = field(default_factory=dict)  # rules/validation.yml

    @property
    def no_results(self) -> set[int]:
        """Years for which no school results were published (the pandemic)."""
        return set(self.years.get("no_results", {}).get("years", []))

    def measures_in(self, category: str, phase: str) -> list[Measure]:
        return [
            m
            for m in self.measures.values()
            if m.category == category and m.phase in (phase, "any")
        ]


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(
            f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None


def _years(spec: Any, where: str) -> YearRange:
    if spec is None:
        return YearRange()
    if isinstance(spec, int):
        return YearRange(spec, spec)
    if isinstance(spec, dict) and set(spec) <= {"from", "to"}:
        return YearRange(spec.get("from"), spec.get("to"))
    raise InputError(f"{where}: years must be a year or {{from: YEAR, to: YEAR}}, found {spec!r}")


def rule_files(data_dir: Path | None) -> dict[str, Path]:
    """Default rule files, replaced by same-named files in <data>/rules/."""
    files = {p.name: p for p in sorted(RULES.glob("*.yml"))}
    if data_dir is not None and (data_dir / "rules").is_dir():
        for p in sorted((data_dir / "rules").glob("*.yml")):
            files[p.name] = p
    return files


def load_registry(data_dir: Path | None = None) -> Registry:
    files = rule_files(data_dir)
    measures: dict[str, Measure] = {}
    eras: list[dict] = []
    for name, path in files.items():
        if not name.startswith("measures"):
            continue
        doc = read_yaml(path)
        era = doc.get("era", {})
        if era:
            eras.append({**era, "years": _years(era.get("years"), str(path))})
        for mid, spec in (doc.get("measures") or {}).items():
            measures[mid] = _measure(mid, spec, era.get("id", ""), path)
    groups_doc = read_yaml(files["groups.yml"])
    groups = {
        gid: Group(gid, spec["name"], spec.get("compare_with", ""), spec.get("explain", ""))
        for gid, spec in groups_doc["groups"].items()
    }
    categories = [Category(**c) for c in read_yaml(files["categories.yml"])["categories"]]
    standards_doc = read_yaml(files["standards.yml"])
    standards = [
        _standard(spec, files["standards.yml"], measures)
        for spec in standards_doc.get("standards", [])
    ]
    ended = standards_doc.get("ended") or {}
    if ended:
        ended = {"after": int(ended["after"]), "text": " ".join(str(ended["text"]).split())}
    partitions = [list(p) for p in groups_doc.get("partitions", [])]
    dfe_path = files["dfe-formats.yml"]
    dfe_doc = read_yaml(dfe_path)
    formats = dfe_doc.get("formats", {})
    for fid, fmt in formats.items():
        for edition in fmt.get("editions", []):
            edition["years"] = _years(edition.get("years"), f"{dfe_path}: {fid} edition")
    return Registry(
        measures,
        groups,
        categories,
        standards,
        eras,
        partitions,
        formats,
        {str(k): v for k, v in dfe_doc.get("school_types", {}).items()},
        dfe_doc.get("files", {}),
        _year_rules(read_yaml(files["years.yml"]), files["years.yml"]),
        read_yaml(files["ofsted.yml"]) if "ofsted.yml" in files else {},
        ended,
        read_yaml(files["validation.yml"]) if "validation.yml" in files else {},
    )


def _year_rules(doc: dict, path: Path) -> dict:
    no_results = doc.get("no_results", {})
    years = no_results.get("years", [])
    if not all(isinstance(y, int) for y in years):
        raise InputError(f"{path}: no_results years must be years such as 2020, found {years!r}")
    return doc


def _measure(mid: str, spec: dict, era: str, path: Path) -> Measure:
    where = f"{path}: measure {mid}"
    for key in ("name", "category", "unit"):
        if key not in spec:
            raise InputError(f"{where}: missing '{key}'")
    if spec["unit"] not in UNITS:
        raise InputError(f"{where}: unit must be one of {sorted(UNITS)}, found {spec['unit']!r}")
    known = set(Measure.__dataclass_fields__) - {"id", "era"}
    unknown = set(spec) - known
    if unknown:
        raise InputError(f"{where}: unknown key(s) {sorted(unknown)}")
    fields = {k: v for k, v in spec.items() if k != "phase"}
    for key in ("dfe", "dfe_lower", "dfe_upper", "dfe_band", "dfe_cohort"):
        if isinstance(fields.get(key), list):
            fields[key] = tuple(fields[key])
    fields["not_calculated"] = tuple(
        {"years": _years(rule.get("years"), where), "why": " ".join(str(rule["why"]).split())}
        for rule in spec.get("not_calculated", [])
    )
    fields["england_by_definition"] = tuple(spec.get("england_by_definition", []))
    return Measure(id=mid, era=era, phase=spec.get("phase", "any"), **fields)


def _standard(spec: dict, path: Path, measures: dict[str, Measure]) -> Standard:
    where = f"{path}: standard {spec.get('id', '?')}"
    criteria = tuple(
        Criteria(_years(c.get("years"), where), c["when"]) for c in spec.get("criteria", [])
    )
    for c in criteria:
        for cond in iter_conditions(c.when):
            if cond["measure"] not in measures:
                raise InputError(f"{where}: unknown measure {cond['measure']!r}")
    return Standard(
        id=spec["id"],
        name=spec["name"],
        caught=spec["caught"],
        clear=spec["clear"],
        phase=spec["phase"],
        years=_years(spec.get("years"), where),
        summary=" ".join(spec.get("summary", "").split()),
        source=spec.get("source", ""),
        criteria=criteria,
        years_in_a_row=int(spec.get("years_in_a_row", 1)),
        not_assessed=spec.get("not_assessed", {}),
        indicators=tuple(spec.get("indicators", [])),
    )


def iter_conditions(node: dict):
    """Every leaf condition of an all/any tree."""
    if "all" in node or "any" in node:
        for child in node.get("all", node.get("any", [])):
            yield from iter_conditions(child)
    else:
        yield node


def load_site_config(content_dir: Path) -> dict:
    path = content_dir / "site.yml"
    config = {
        "title": "School Report Cards",
        "publisher": "",
        "base_url": "/",
        "language": "en-GB",
        "branding": {"primary": "#1d4f91", "accent": "#ffdd00", "logo": ""},
        "latest_year": None,
        "suppression": {"min_pupils": 6, "min_survey_responses": 10},
        "benchmarks": {"min_schools_for_la": 5, "min_las_for_england": 50},
        "family_size": 15,
        "overall_grade": {"enabled": False},
    }
    if path.exists():
        user = read_yaml(path)
        for key, value in user.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key] = {**config[key], **value}
            else:
                config[key] = value
    return config
