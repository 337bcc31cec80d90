"""Stage 2: what the data says must be possible (rules/validation.yml).

The readers check that each cell can be read; this checks that what was read
can be true: a percentage between 0 and 100, a cohort a school could have, an
interval whose lower end is below its upper, a URN of ASCII digits, a real
date. ``check`` and every build apply the same rules to the same Dataset, and
each problem names its file, row, column and value.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from .model import Dataset, source_texts
from .registry import Registry

SHOWN = 20  # problems of one kind named, then counted


def check_dataset(ds: Dataset, registry: Registry, problems: list[str]) -> None:
    """Every rule, over everything read."""
    check_identifiers(ds, registry, problems)
    check_figures(ds.observations, registry, problems)
    check_dates(ds, problems)


def _listed(found: list[str], what: str, problems: list[str]) -> None:
    problems.extend(found[:SHOWN])
    if len(found) > SHOWN:
        problems.append(f"... and {len(found) - SHOWN} more {what}")


def check_figures(obs: pd.DataFrame, registry: Registry, problems: list[str]) -> None:
    """Values within their unit's range, cohorts a school or LA could have,
    intervals the right way round (published figures only: a code is not a
    number)."""
    if obs.empty:
        return
    rules = registry.validation
    units = rules.get("units", {})
    ok = (obs["status"] == "ok").to_numpy()
    low, high, what = {}, {}, {}
    for mid, m in registry.measures.items():
        unit = {**units.get(m.unit, {}), **m.valid}
        low[mid] = unit.get("min", -np.inf)
        high[mid] = unit.get("max", np.inf)
        what[mid] = unit.get("what", m.unit)
    # Each row's bounds by its measure's code: millions of rows, few measures.
    measure = obs["measure"].astype("category")
    codes, names = measure.cat.codes.to_numpy(), measure.cat.categories
    lo = np.array([low.get(m, -np.inf) for m in names] + [-np.inf])[codes]
    hi = np.array([high.get(m, np.inf) for m in names] + [np.inf])[codes]
    value = obs["value"].to_numpy()
    out_of_range = ok & ((value < lo) | (value > hi))
    found = [
        f"{where}: {name} {v:g} is not possible for {what[mid]} ({_range(low[mid], high[mid])})"
        for where, name, v, mid in _named(obs, out_of_range, "value")
    ]
    cohort = obs["cohort"].to_numpy()
    limits = rules.get("cohort", {})
    most = obs["area_type"].map({k: v.get("max", np.inf) for k, v in limits.items()})
    most = most.fillna(np.inf).to_numpy(dtype=float)
    too_many = (cohort > most) | (cohort < 0)
    found += [
        f"{where}: {name} {v:g} is not a number of pupils a {kind} could have"
        for (where, name, v, _), kind in zip(
            _named(obs, too_many, "cohort"), obs["area_type"].to_numpy()[too_many], strict=True
        )
    ]
    lower, upper = obs["lower"].to_numpy(), obs["upper"].to_numpy()
    crossed = ok & (lower > upper)
    found += [
        f"{where}: the interval's lower end {v:g} is above its upper end "
        f"{u:g} (are the two columns swapped?)"
        for (where, _, v, _), u in zip(_named(obs, crossed, "lower"), upper[crossed], strict=True)
    ]
    _listed(found, "figures that cannot be right", problems)


def _named(obs: pd.DataFrame, mask: np.ndarray, column: str):
    """(where, column, value, measure) of the rows in ``mask``: the figure's
    source (file and row, and DfE's column) and the tidy column read."""
    if not mask.any():
        return []
    rows = obs[mask]
    where = source_texts(rows).to_numpy()
    return [
        (w, column, v, m)
        for w, v, m in zip(where, rows[column].to_numpy(), rows["measure"].astype(str), strict=True)
    ]


def _range(low: float, high: float) -> str:
    if np.isinf(high):
        return f"at least {low:g}"
    if np.isinf(low):
        return f"at most {high:g}"
    return f"{low:g} to {high:g}"


def check_identifiers(ds: Dataset, registry: Registry, problems: list[str]) -> None:
    """URNs and LA codes of the shape DfE gives them, in ASCII digits: they
    become folder names and addresses, and a look-alike digit would make a
    second page for the same school."""
    urn, urn_what = identifier(registry, "urn")
    la, la_what = identifier(registry, "la_code")
    found = []
    for school in ds.schools.values():
        if not urn.fullmatch(school.urn):
            found.append(f"{school.source}: {urn_what}, found {school.urn!r}")
        if school.la_code and not la.fullmatch(school.la_code):
            found.append(f"{school.source}: {la_what}, found {school.la_code!r} for {school.urn}")
    for code, authority in ds.las.items():
        if not la.fullmatch(code):
            found.append(f"LA {authority.name!r}: {la_what}, found {code!r}")
    _listed(found, "identifiers of the wrong shape", problems)


def identifier(registry: Registry, kind: str) -> tuple[re.Pattern, str]:
    """The shape of a URN or LA code (rules/validation.yml) and what to say of it."""
    shape = registry.validation.get("identifiers", {}).get(kind, {})
    return re.compile(shape.get("pattern", ".*")), shape.get("what", f"a {kind}")


def check_dates(ds: Dataset, problems: list[str]) -> None:
    """Inspection dates that are real dates (not 9999-99-99)."""
    found = []
    for insp in ds.inspections:
        if not _real_date(insp.date):
            found.append(f"{insp.source}: {insp.date!r} is not a real date (give YYYY-MM-DD)")
    _listed(found, "dates that are not real", problems)


def _real_date(text: str) -> bool:
    """A real YYYY-MM-DD, YYYY-MM or YYYY date, from 1990 to 2100."""
    parts = text.split("-")
    if not (1 <= len(parts) <= 3 and all(p.isascii() and p.isdigit() for p in parts)):
        return False
    year, month, day = (int(p) for p in [*parts, "1", "1"][:3])
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return 1990 <= year <= 2100


def check_settings(site: dict, registry: Registry, where: str, problems: list[str]) -> None:
    """Each setting of the kind it must be (text, or settings under it), and
    the settings that keep figures about few pupils off the site within their
    bounds: a ``min_pupils`` of 0 or -1 would publish every one of them."""
    rules = registry.validation
    kinds = []
    for key, kind in rules.get("setting_kinds", {}).items():
        value = site.get(key)
        if value is None:
            continue
        if kind == "text" and (isinstance(value, bool) or not isinstance(value, str | int | float)):
            kinds.append(f"{where}, {key}: expected text, found {value!r}")
        elif kind == "address" and not (
            isinstance(value, str) and value.startswith(("/", "http://", "https://"))
        ):
            kinds.append(
                f"{where}, {key}: expected the address the site will live at, such as "
                f"https://www.example.gov.uk/report-cards/ (or /), found {value!r}"
            )
        elif kind == "settings" and not isinstance(value, dict):
            kinds.append(
                f"{where}, {key}: expected settings under it (indented lines such as "
                f"'  name: value'), found {value!r}"
            )
    language, pattern = site.get("language"), rules.get("language_pattern")
    if language is not None and pattern and not re.fullmatch(pattern, str(language)):
        kinds.append(f"{where}, language: expected a code such as en-GB, found {language!r}")
    problems.extend(kinds)
    if kinds:  # the bounds below read inside these
        return
    for key, rule in rules.get("settings", {}).items():
        node: object = site
        parts = key.split(".")
        for depth, part in enumerate(parts):
            if not isinstance(node, dict):
                above = ".".join(parts[:depth])
                problems.append(
                    f"{where}, {above}: expected settings under it (such as {part}: ...), "
                    f"found {node!r}"
                )
                node = None
                break
            node = node.get(part)
        if node is None:
            continue
        if (
            isinstance(node, bool)
            or not isinstance(node, int | float)
            or (rule.get("integer") and node != int(node))
        ):
            problems.append(f"{where}, {key}: expected a whole number, found {node!r}")
            continue
        if node < rule.get("min", -np.inf) or node > rule.get("max", np.inf):
            why = f"; {rule['why']}" if rule.get("why") else ""
            problems.append(
                f"{where}, {key}: {node!r} is not allowed "
                f"({_range(rule.get('min', -np.inf), rule.get('max', np.inf))}){why}"
            )
