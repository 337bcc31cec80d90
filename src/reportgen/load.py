"""Stage 1: read the data folder into a Dataset.

Every CSV below the data folder is recognised by its header, not its name, so
files can be dropped in as they come (see ``classify``). Each reader turns its
rows into the one model of ``model.py``. Problems are collected and raised
together, each naming file, row and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from . import dfe, ofsted, validate
from .csvfiles import (
    parse_figures,
    per_distinct,
    read_header,
    read_table,
    read_table_parts,
    refuse_short_rows,
)
from .errors import InputError, InputErrors, at, edits, suggest, suggest_code
from .model import (
    ENGLAND,
    OFSTED_WORDS,
    ROW,
    Dataset,
    Inspection,
    LocalAuthority,
    School,
    SurveyAnswer,
    academic_year,
    concat,
    empty_observations,
    observations,
    source_text,
)
from .registry import Registry

# A tidy file is recognised when its header holds all of these columns.
TIDY_KINDS: dict[str, set[str]] = {
    "schools": {"urn", "name", "la_code"},
    "results": {"urn", "year", "measure", "value"},
    "benchmarks": {"area", "year", "measure", "value"},
    "las": {"la_code", "name"},
    "inspections": {"urn", "date", "overall"},
    "surveys": {"urn", "year", "respondents", "question", "responses", "pct_agree"},
}
# The other columns each tidy file may have. A column that is none of these
# but looks like one (``Cohort``, ``pupils``) is an error: a figures file
# whose cohort column went unread would publish figures about 5 or fewer
# pupils. Any other column is named in a warning, as not read.
TIDY_OPTIONAL: dict[str, set[str]] = {
    "schools": {
        *("phase", "school_type", "age_range", "address", "town", "postcode", "website"),
        *("status", "aliases", "predecessor_urn", "closed_year", "urn_note"),
        *("ofsted_last_inspected", "context_year", "source"),
    },
    "results": {"group", "cohort", "lower", "upper", "band", "source"},
    "benchmarks": {"group", "statistic", "cohort", "lower", "upper", "source"},
    "las": {"region"},
    "inspections": {"behaviour", "source"},
    "surveys": {"source"},
}
# Columns each tidy file must have beyond those that name its kind.
TIDY_REQUIRED: dict[str, dict[str, str]] = {
    "results": {
        "cohort": "the pupils each figure is about: without it, figures about 5 or fewer "
        "pupils cannot be kept off the site (leave a cell empty where a figure is not "
        "about a count of pupils, such as attendance)"
    },
}
# Names people give a column, for the one reportgen reads.
COLUMN_ALIASES = {
    "pupils": "cohort",
    "cohort_size": "cohort",
    "pupil_count": "cohort",
    "eligible": "cohort",
    "eligible_pupils": "cohort",
    "n": "cohort",
    "number_of_pupils": "cohort",
}
DFE_LA_CODES = {"LEA", "LA Name", "REGION", "REGION NAME"}
# DfE's column dictionaries (ks2_meta_*.csv) come with the downloads: known, not data.
DFE_METADATA = [
    {"Column", "Field Name", "Label/Description"},
    {"Column", "FieldName", "Label/Description"},
    {"Column", "Metafile heading", "Metafile description"},
    {"Variable", "Label", "Type", "Description"},  # abs_meta.csv
    {"Field Number", "Field Reference", "Field Name"},  # census_meta.csv
]

PHASES = {"primary", "secondary", "middle", "all-through", "special", "nursery", "16 plus"}


def classify(path: Path, registry: Registry) -> str | None:
    """The kind of a CSV file from its header, or None when unknown."""
    header = set(read_header(path))
    kind = dfe.detect(header, registry)
    if kind:
        return kind
    if ofsted.detect(header, registry.ofsted):
        return "ofsted_mi"
    if header >= DFE_LA_CODES:
        return "dfe_la_codes"
    if any(header >= meta for meta in DFE_METADATA):
        return "dfe_metadata"
    for kind, needed in TIDY_KINDS.items():
        if needed <= header:
            return kind
    if "meta" in path.name.lower():  # DfE's notes that come with a download (ks4_meta_methodology)
        return "dfe_metadata"
    return None


def check_columns(
    path: Path, kind: str, registry: Registry, problems: list[str], warnings: list[str]
) -> None:
    """A tidy file's header against the columns its kind has (``TIDY_OPTIONAL``)."""
    header = read_header(path)
    known = TIDY_KINDS[kind] | TIDY_OPTIONAL.get(kind, set())
    if kind == "schools":
        known |= set(registry.measures)  # context figures (pupils_on_roll, pct_fsm...)
    for column, why in TIDY_REQUIRED.get(kind, {}).items():
        if column not in header:
            problems.append(f"{at(path, 1)}: no column '{column}', {why}")
    for column in header:
        if column in known or not column:
            continue
        plain = column.lower().replace(" ", "_")
        meant = plain if plain in known else COLUMN_ALIASES.get(plain)
        if meant is None:
            meant = suggest(column.lower(), known)
            if meant is not None and edits(column.lower(), meant) > 2:
                meant = None  # too far apart to be a slip of the keyboard
        if meant is not None:
            problems.append(
                f"{at(path, 1, column)}: not a column reportgen reads; did you mean "
                f"'{meant}'? (column names are as the README gives them, in lower case)"
            )
        else:
            warnings.append(f"{at(path, 1, column)}: not a column reportgen reads; not read")


def _stripped(column: pd.Series, category: bool = False) -> pd.Series:
    return per_distinct(column, lambda cells: cells.astype(str).str.strip(), category)


def _required_text(
    frame: pd.DataFrame, column: str, path: Path, problems: list[str], category: bool = False
) -> pd.Series:
    values = _stripped(frame[column], category)
    for idx in values.index[values == ""][:20]:
        problems.append(f"{at(path, idx + 2, column)}: a value is required here")
    return values


def _years(frame: pd.DataFrame, path: Path, problems: list[str]) -> pd.Series:
    raw = _stripped(frame["year"])
    year = per_distinct(raw, _year)
    bad = year.isna() | (year < 1990) | (year > 2100)
    for idx in bad[bad].index[:20]:
        problems.append(
            f"{at(path, idx + 2, 'year')}: expected a year such as 2011 or 2010/11, "
            f"found {raw[idx]!r}"
        )
    return year.fillna(0).astype(int)


def _year(raw: pd.Series) -> pd.Series:
    # Accept "2011" and the academic form "2010/11" (the summer year is kept).
    academic = raw.str.extract(r"^(\d{4})\s*/\s*(\d{2}|\d{4})$")
    year = pd.to_numeric(raw, errors="coerce")
    return year.fillna(pd.to_numeric(academic[0], errors="coerce") + 1)


def _check_known(
    values: pd.Series, known: set[str], path: Path, column: str, what: str, problems: list[str]
) -> None:
    """Each value must be one of ``known``; suggest the closest for a typo."""
    unknown = ~values.isin(known) & (values != "")
    for idx in unknown[unknown].index[:20]:
        hint = suggest(values[idx], known)
        problems.append(
            f"{at(path, idx + 2, column)}: unknown {what} {values[idx]!r}"
            + (f" (did you mean {hint!r}?)" if hint else "")
        )


def _figures_columns(
    frame: pd.DataFrame, path: Path, problems: list[str], measures: set[str], groups: set[str]
) -> pd.DataFrame:
    """Common reading of results and benchmarks: value, CI, cohort, measure."""
    out = pd.DataFrame(index=frame.index)
    out["year"] = _years(frame, path, problems)
    # Text columns as categories: a national file has millions of rows.
    out["measure"] = _required_text(frame, "measure", path, problems, category=True)
    _check_known(out["measure"], measures, path, "measure", "measure", problems)
    out["group"] = (
        per_distinct(
            frame["group"], lambda cells: cells.astype(str).str.strip().replace("", "all"), True
        )
        if "group" in frame
        else "all"
    )
    _check_known(out["group"], groups, path, "group", "pupil group", problems)
    value, status, bad = parse_figures(frame["value"])
    for idx in bad[bad].index[:20]:
        problems.append(
            f"{at(path, idx + 2, 'value')}: expected a number or a DfE code "
            f"(SUPP, NE, NA, ...), found {frame['value'][idx]!r}"
        )
    out["value"] = value
    out["status"] = status
    for column in ("cohort", "lower", "upper"):
        if column in frame:
            v, s, b = parse_figures(frame[column])
            b = b | ((s != "ok") & (s != "missing") & (column == "cohort"))
            for idx in b[b].index[:20]:
                problems.append(
                    f"{at(path, idx + 2, column)}: expected a number, found {frame[column][idx]!r}"
                )
            out[column] = v
        else:
            out[column] = np.nan
    bad_cohort = out["cohort"] < 0
    for idx in bad_cohort[bad_cohort].index[:20]:
        problems.append(f"{at(path, idx + 2, 'cohort')}: a cohort cannot be negative")
    here = f"{path.name}:{ROW}"
    if "source" in frame:  # a note of the file's own, after the row
        out["source"] = per_distinct(
            frame["source"],
            lambda notes: (
                notes.astype(str)
                .str.strip()
                .str.replace(ROW, "")
                .map(lambda note: f"{here} ({note})" if note else here)
            ),
            category=True,
        )
    else:
        out["source"] = here
    out["source_row"] = (frame.index.to_numpy() + 2).astype("int32")
    return out


def read_results(path: Path, registry: Registry, problems: list[str]) -> Iterator[pd.DataFrame]:
    """A results file's figures, a part at a time (see ``read_table_parts``)."""
    for frame in read_table_parts(path):
        out = _figures_columns(frame, path, problems, set(registry.measures), set(registry.groups))
        out["area"] = _required_text(frame, "urn", path, problems, category=True)
        out["area_type"] = "school"
        out["band"] = _stripped(frame["band"], category=True) if "band" in frame else ""
        out["statistic"] = "value"
        out["computed"] = False
        yield observations(out)


def read_benchmarks(path: Path, registry: Registry, problems: list[str]) -> Iterator[pd.DataFrame]:
    """A benchmarks file's figures, a part at a time (see ``read_table_parts``)."""
    for frame in read_table_parts(path):
        out = _figures_columns(frame, path, problems, set(registry.measures), set(registry.groups))
        area = _required_text(frame, "area", path, problems)
        is_england = area.str.lower().isin(["england", "e", ENGLAND.lower()])
        out["area"] = area.where(~is_england, ENGLAND)
        out["area_type"] = np.where(is_england, "england", "la")
        stat = (
            frame["statistic"].astype(str).str.strip().str.lower().replace("", "average")
            if "statistic" in frame
            else pd.Series("average", index=frame.index)
        )
        stat = stat.replace({"mean": "average"})
        for idx in stat.index[~stat.isin(["average", "median"])][:20]:
            problems.append(
                f"{at(path, idx + 2, 'statistic')}: expected 'average' or 'median', "
                f"found {stat[idx]!r}"
            )
        out["statistic"] = stat
        out["computed"] = False
        yield observations(out)


def _records(frame: pd.DataFrame) -> Iterator[tuple[int, dict]]:
    """(index, row as a dict): many times faster than ``iterrows``, which makes a Series a row."""
    return zip(frame.index, frame.to_dict("records"), strict=True)


def _optional(row: dict, key: str) -> str:
    return str(row.get(key, "") or "").strip()


def read_schools(path: Path, registry: Registry, problems: list[str], ds: Dataset) -> list[dict]:
    """Schools, and any context columns (pupils_on_roll, pct_fsm, ...) as figures."""
    frame = read_table(path)
    context = [c for c in frame.columns if c in registry.measures]
    figure_rows: list[dict] = []
    shape, what = validate.identifier(registry, "urn")
    for idx, row in _records(frame):
        line = idx + 2
        urn = _optional(row, "urn")
        if not shape.fullmatch(urn):
            problems.append(f"{at(path, line, 'urn')}: {what}, found {urn!r}")
            continue
        if urn in ds.schools:
            problems.append(
                f"{at(path, line, 'urn')}: URN {urn} is listed twice "
                f"(also in {ds.schools[urn].source})"
            )
            continue
        phase = _optional(row, "phase").lower() or "primary"
        if phase not in PHASES:
            problems.append(
                f"{at(path, line, 'phase')}: expected one of {sorted(PHASES)}, found {phase!r}"
            )
        status = _optional(row, "status").lower() or "open"
        if status not in ("open", "closed"):
            problems.append(f"{at(path, line, 'status')}: expected open or closed")
        name = _optional(row, "name")
        if not name:
            problems.append(f"{at(path, line, 'name')}: a school needs a name")
        la_code = _optional(row, "la_code")
        ds.schools[urn] = School(
            urn=urn,
            name=name,
            la_code=la_code,
            phase=phase,
            school_type=_optional(row, "school_type"),
            age_range=_optional(row, "age_range"),
            address=_optional(row, "address"),
            town=_optional(row, "town"),
            postcode=_optional(row, "postcode"),
            website=_optional(row, "website"),
            status=status,
            special=_optional(row, "school_type").lower().startswith("special")
            or phase == "special",
            aliases=[a.strip() for a in _optional(row, "aliases").split("|") if a.strip()],
            predecessor_urn=_optional(row, "predecessor_urn"),
            closed_years={int(_optional(row, "closed_year"))}
            if _optional(row, "closed_year").isdigit()
            else set(),
            source=f"{path.name}:{line}",
            placeholder_urn=_optional(row, "urn_note").lower().startswith("placeholder"),
        )
        inspected = _optional(row, "ofsted_last_inspected")
        if inspected:
            ds.inspections.append(Inspection(urn, inspected, None, None, f"{path.name}:{line}"))
        year_text = _optional(row, "context_year")
        for column in context:
            text = _optional(row, column)
            if not text:
                continue
            if not year_text.isdigit():
                problems.append(
                    f"{at(path, line, 'context_year')}: give the year the context "
                    f"figures ({column}, ...) describe"
                )
                break
            figure_rows.append(
                {
                    "area": urn,
                    "year": int(year_text),
                    "measure": column,
                    "value": text,
                    "source": f"{path.name}:{ROW}",
                    "source_row": line,
                }
            )
    return figure_rows


def read_las(path: Path, kind: str, problems: list[str], ds: Dataset) -> None:
    frame = read_table(path)
    code_col, name_col, region_col = (
        ("LEA", "LA Name", "REGION NAME")
        if kind == "dfe_la_codes"
        else ("la_code", "name", "region")
    )
    for idx, row in _records(frame):
        code = _optional(row, code_col)
        if not code:
            problems.append(f"{at(path, idx + 2, code_col)}: an LA needs a code")
            continue
        ds.las.setdefault(
            code, LocalAuthority(code, _optional(row, name_col), _optional(row, region_col))
        )


def read_inspections(path: Path, problems: list[str], ds: Dataset) -> None:
    frame = read_table(path)
    for idx, row in _records(frame):
        line = idx + 2
        date = _optional(row, "date")
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
            problems.append(
                f"{at(path, line, 'date')}: expected a date as YYYY-MM-DD (or YYYY), found {date!r}"
            )
            continue
        grades = []
        for column in ("overall", "behaviour"):
            text = _optional(row, column).lower()
            if not text:
                grades.append(None)
            elif text in OFSTED_WORDS:
                grades.append(OFSTED_WORDS[text])
            elif text in {"1", "2", "3", "4"}:
                grades.append(int(text))
            else:
                problems.append(
                    f"{at(path, line, column)}: expected a grade 1-4 or a word such as "
                    f"'Good', found {text!r}"
                )
                grades.append(None)
        ds.inspections.append(
            Inspection(_optional(row, "urn"), date, grades[0], grades[1], f"{path.name}:{line}")
        )


def read_surveys(path: Path, problems: list[str], ds: Dataset) -> None:
    frame = read_table(path)
    responses, _, bad_r = (c.to_numpy() for c in parse_figures(frame["responses"]))
    agree, _, bad_a = (c.to_numpy() for c in parse_figures(frame["pct_agree"]))
    years = _years(frame, path, problems)  # 2011 or 2010/11, else named
    for idx, row in _records(frame):
        line = idx + 2
        if not years[idx]:
            continue
        who = _optional(row, "respondents").lower()
        if who not in ("parents", "pupils"):
            problems.append(f"{at(path, line, 'respondents')}: expected parents or pupils")
            continue
        if bad_r[idx] or bad_a[idx] or np.isnan(responses[idx]):
            problems.append(f"{at(path, line, 'responses')}: expected numbers of responses and %")
            continue
        ds.surveys.append(
            SurveyAnswer(
                urn=_optional(row, "urn"),
                year=int(years[idx]),
                respondents=who,
                question=_optional(row, "question"),
                responses=int(responses[idx]),
                pct_agree=float(agree[idx]),
                source=f"{path.name}:{line}",
            )
        )


REFERENCE_LAS = Path(__file__).parent / "reference" / "la_codes.csv"


def reference_las() -> dict[str, LocalAuthority]:
    """DfE's list of LAs as shipped: their names where the data has no LA file."""
    found: dict[str, LocalAuthority] = {}
    read_las(REFERENCE_LAS, "dfe_la_codes", [], Dataset({}, found, None, [], []))
    return found


def dated_format(kind: str, registry: Registry) -> dict | None:
    """The description of a kind of DfE file that holds one year's figures."""
    if kind in registry.dfe_formats:
        return registry.dfe_formats[kind]
    if kind.startswith("dfe_") and kind[4:] in registry.dfe_files and kind != "dfe_spine":
        return registry.dfe_files[kind[4:]]
    return None


def year_of(
    path: Path, rel: Path, fmt: dict, registry: Registry, problems: list[str], ds: Dataset
) -> dfe.FileYear | None:
    """The year a dated DfE file is for, noted with why (``check`` and builds
    print it); a file whose year cannot be told is a problem naming the fix."""
    try:
        found, warning = dfe.file_year(
            rel,
            read_header(path),
            fmt,
            registry.no_results,
            registry.years.get("file_names", []),
        )
    except InputError as exc:
        problems.append(str(exc))
        return None
    if warning:
        ds.warnings.append(warning)
    known = fmt.get("known")
    if known and not known.get("from", 0) <= found.year <= known.get("to", 9999):
        ds.warnings.append(
            f"{rel}: a {fmt.get('name', 'DfE')} file of {academic_year(found.year)}, a year "
            f"whose columns rules/dfe-formats.yml does not describe (it knows "
            f"{academic_year(known['from'])} to {academic_year(known['to'])}): it is read with "
            "the nearest year's names; check its figures, and add the year's edition"
        )
    ds.file_years.append(
        f"{rel}: {fmt.get('name', 'DfE file')}, {academic_year(found.year)}, because {found.why}"
    )
    return found


def csv_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*") if p.suffix.lower() == ".csv" and p.is_file())


def load(data_dir: Path, registry: Registry) -> Dataset:
    """Read every recognised CSV below ``data_dir`` into one Dataset."""
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: the data folder does not exist")
    ds = Dataset({}, {}, empty_observations(), [], [])
    problems: list[str] = []
    frames: list[pd.DataFrame] = []
    school_figures: list[dict] = []

    for path in csv_files(data_dir):
        kind = classify(path, registry)
        rel = path.relative_to(data_dir)
        if kind is None:
            ds.warnings.append(
                f"{rel}: not a file reportgen knows (header not recognised); skipped"
            )
            continue
        ds.files.append(f"{rel} ({kind})")
        if kind == "dfe_metadata":
            continue
        if kind in TIDY_KINDS:
            check_columns(path, kind, registry, problems, ds.warnings)
            refuse_short_rows(path)
        fmt = dated_format(kind, registry)
        year = year_of(path, rel, fmt, registry, problems, ds) if fmt else None
        if fmt and year is None:
            continue
        if kind == "results":
            frames.extend(read_results(path, registry, problems))
        elif kind == "benchmarks":
            frames.extend(read_benchmarks(path, registry, problems))
        elif kind == "schools":
            school_figures += read_schools(path, registry, problems, ds)
        elif kind in ("las", "dfe_la_codes"):
            read_las(path, kind, problems, ds)
        elif kind == "inspections":
            read_inspections(path, problems, ds)
        elif kind == "surveys":
            read_surveys(path, problems, ds)
        elif kind == "gias":
            frames.append(observations(dfe.read_gias(path, ds, problems)))
        elif kind == "dfe_spine":
            dfe.read_spine(path, registry, ds)
        elif kind == "ofsted_mi":
            ofsted.read_management_information(path, registry.ofsted, problems, ds)
        elif kind in registry.dfe_formats:
            frames.append(
                observations(dfe.read_performance_tables(path, kind, registry, problems, ds, year))
            )
        else:
            frames.append(observations(dfe.read_pupil_figures(path, fmt, year, problems)))
            ds.listing_files.add(path.name)
    if school_figures:
        frame = pd.DataFrame(school_figures)
        value, status, _ = parse_figures(frame["value"])
        frame["value"], frame["status"] = value, status
        frame["area_type"] = "school"
        frames.append(observations(frame))
    _merge_schools(ds)
    frames = [f for f in frames if not f.empty]
    if frames:
        ds.observations = concat(frames)
        frames.clear()  # the parts, let go before the checks below
    _check_references(ds, problems)
    validate.check_dataset(ds, registry, problems)
    if problems:
        raise InputErrors(problems)
    return ds


def _merge_schools(ds: Dataset) -> None:
    """Tidy schools files win over GIAS, GIAS over DfE's school list (spine), that
    over DfE's results files, and those over Ofsted's management information.
    A later source fills what an earlier one left empty (GIAS lists a successor
    only for open schools; DfE's URN_AC and the spine's OTHERURN fill the gap)."""
    later = [
        ds.spine_schools,
        {urn: school for urn, (_, school) in ds.dfe_schools.items()},
        ds.ofsted_schools,
    ]
    for urn, school in ds.gias_schools.items():
        ds.schools.setdefault(urn, school)
    for source in later:
        for urn, school in source.items():
            have = ds.schools.get(urn)
            if have is None:
                ds.schools[urn] = school
                continue
            for name in FILLED:
                if not getattr(have, name):
                    setattr(have, name, getattr(school, name))
            have.special = have.special or school.special
    for urn, years in ds.closed_in.items():
        if urn in ds.schools:
            ds.schools[urn].closed_years |= years
    for school in ds.schools.values():
        successor = ds.schools.get(school.successor_urn)
        if school.status == "closed" and successor is not None and successor is not school:
            school.successor_name = successor.name


def _file_of(source: str) -> str:
    return source.split(":", 1)[0]


def _from_files(obs: pd.DataFrame, names: set[str]) -> pd.Series:
    files = pd.Series([_file_of(s) for s in obs["source"].cat.categories])
    return obs["source"].cat.codes.map(dict(enumerate(files.isin(names)))).fillna(False)


# What a later list of schools may fill in where an earlier one left it empty.
FILLED = ("successor_urn", "predecessor_urn", "website", "postcode", "town", "address", "age_range")


def _check_references(ds: Dataset, problems: list[str]) -> None:
    """Every figure and inspection must belong to a known school or LA."""
    obs = ds.observations
    school = obs["area_type"] == "school"  # the masks, not the rows: a national table is large
    unknown = set(obs.loc[school, "area"].unique()) - set(ds.schools)
    if unknown and ds.listing_files:
        # DfE's census and absence files cover every school of the LA, some of
        # which no list in the folder names (nurseries, independent schools):
        # their figures are left out, with one warning per file.
        listing = school & obs["area"].isin(unknown) & _from_files(obs, ds.listing_files)
        if listing.any():
            left_out = pd.DataFrame(
                {"file": obs.loc[listing, "source"].map(_file_of), "area": obs.loc[listing, "area"]}
            )
            for name, part in left_out.groupby("file", observed=True):
                count, left = len(part), part["area"].nunique()
                ds.warnings.append(
                    f"{name}: {left} schools are in this file but in no list of schools "
                    f"(GIAS, the spine or a results file); their {count} figures are left out"
                )
            ds.observations = obs = obs[~listing].reset_index(drop=True)
            school = obs["area_type"] == "school"
            unknown = set(obs.loc[school, "area"].unique()) - set(ds.schools)
    unknown = sorted(unknown)
    for urn in unknown[:20]:
        first = obs.loc[(school & (obs["area"] == urn)).idxmax()]
        source = source_text(first["source"], first["source_row"])
        hint = suggest_code(urn, set(ds.schools))
        problems.append(
            f"{source}: unknown school URN {urn!r} (no row in a schools file)"
            + (f"; did you mean {hint}?" if hint else "")
        )
    reference = None
    for school in ds.schools.values():
        if school.la_code and school.la_code not in ds.las:
            if reference is None:
                reference = reference_las()
            known = reference.get(school.la_code) or (
                LocalAuthority(school.la_code, ds.named_las[school.la_code])
                if school.la_code in ds.named_las
                else None
            )
            if known is not None:
                ds.las[school.la_code] = known
                continue
            ds.las[school.la_code] = LocalAuthority(school.la_code, f"LA {school.la_code}")
            ds.warnings.append(
                f"{school.source}: LA code {school.la_code} has no name in an LA file"
            )
    for insp in ds.inspections:
        if insp.urn not in ds.schools:
            problems.append(f"{insp.source}: unknown school URN {insp.urn!r}")


# Re-exported for the DfE readers, which build the same frames.
__all__ = ["load", "classify", "parse_figures", "read_table", "observations"]
