"""Stage 3: computed measures. Pure functions over observation frames.

Nothing here reads files or keeps state: each function takes frames (and the
registry where it needs definitions) and returns a new frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import ENGLAND, OBSERVATION_COLUMNS, concat
from .registry import Registry

KEY = ["area_type", "area", "year", "measure", "statistic"]


def suppress_small_groups(
    obs: pd.DataFrame, min_pupils: int, partitions: list[list[str]]
) -> pd.DataFrame:
    """Apply the small-group rule to every figure with a known cohort.

    A figure about fewer than ``min_pupils`` pupils is suppressed (primary
    suppression). Then, in each partition of the cohort (disadvantaged / other;
    low / middle / high prior attainment), a suppressed member must never be
    the only one hidden: with the whole cohort's figure and the others' it could
    be worked out by subtraction. So where exactly one member is hidden, the
    published member with the fewest pupils is hidden too (secondary suppression).
    """
    # A shallow copy: only the columns a suppression changes are copied, when
    # it changes them (pandas copies on write).
    out = obs.copy(deep=False)
    small = (out["cohort"] < min_pupils) & (out["status"] == "ok")
    _hide(out, out.index[small])
    for members in partitions:
        part = out.loc[out["group"].isin(members), [*KEY, "group", "status", "cohort"]]
        if part.empty:
            continue
        key = [part["area_type"], part["area"], part["year"], part["measure"], part["statistic"]]
        hidden = (part["status"] == "suppressed").groupby(key).transform("sum")
        shown = part["status"] == "ok"
        exposed = part[shown & (hidden == 1)]
        if exposed.empty:
            continue
        # The smallest published member is the one to hide (ties: partition order).
        order = exposed.assign(
            _rank=exposed["group"].map({g: i for i, g in enumerate(members)}),
            _cohort=exposed["cohort"].fillna(np.inf),
        ).sort_values(["_cohort", "_rank"], kind="stable")
        first = order.groupby(
            ["area_type", "area", "year", "measure", "statistic"], observed=True, sort=False
        ).head(1)
        _hide(out, first.index)
    return out


def _hide(obs: pd.DataFrame, index: pd.Index) -> None:
    obs.loc[index, ["value", "lower", "upper"]] = np.nan
    obs.loc[index, "status"] = "suppressed"


def weighted_benchmarks(
    obs: pd.DataFrame, schools_la: pd.Series, registry: Registry, level: str, min_cover: int
) -> pd.DataFrame:
    """LA (``level='la'``) or England figures worked out from school figures.

    Percentages and scores are averaged weighted by each school's cohort (the
    eligible pupils); counts are summed. Only figures the data does not already
    give are returned, all marked ``computed``. Suppressed figures cannot be
    included; ``cohort`` of the result is the pupils that were.

    A figure is computed only when it covers at least ``min_cover`` schools (LA)
    or LAs (England): a handful of case-study schools is not their LA, and one
    LA's schools are not England.
    """
    published = (obs["area_type"] == "school") & (obs["status"] == "ok")
    school = obs.loc[published, ["area", "year", "measure", "group", "value", "cohort"]]
    if school.empty:
        return obs.iloc[0:0]
    school["la"] = school["area"].map(schools_la)
    school["area"] = school["la"] if level == "la" else ENGLAND
    school = school[school["area"].notna() & (school["area"] != "")]
    weight = school["cohort"].where(school["cohort"] > 0)
    school["w"] = weight
    school["wv"] = school["value"] * weight
    keys = ["area", "year", "measure", "group"]
    grouped = school.groupby(keys, sort=True)
    sums = {"w": ("w", "sum"), "wv": ("wv", "sum"), "total": ("value", "sum")}
    # Counting LAs is the dearest part: only England's figures need it.
    cover = {"las": ("la", "nunique")} if level == "england" else {}
    agg = grouped.agg(**sums, mean=("value", "mean"), n=("value", "size"), **cover).reset_index()
    agg = agg[agg["las" if cover else "n"] >= min_cover]
    units = {m.id: m.unit for m in registry.measures.values()}
    is_count = agg["measure"].map(units) == "count"  # after grouping: one a figure, not a row
    weighted = (agg["wv"] / agg["w"]).where(agg["w"] > 0)
    agg["value"] = np.where(is_count, agg["total"], weighted.fillna(agg["mean"]))
    agg["cohort"] = agg["w"].where(agg["w"] > 0)
    agg["value"] = agg["value"].round(1)
    agg["area_type"] = level
    agg["statistic"] = "average"
    agg["status"] = "ok"
    agg["computed"] = True
    agg["prior"] = False
    agg["band"] = ""
    agg["lower"] = np.nan
    agg["upper"] = np.nan
    agg["source"] = "computed from " + agg["n"].astype(str) + " schools' figures"
    agg["source_row"] = 0

    given = obs.loc[obs["area_type"] == level, keys]
    if not given.empty:
        have = pd.MultiIndex.from_frame(given)
        agg = agg[~pd.MultiIndex.from_frame(agg[keys]).isin(have)]
    return agg[OBSERVATION_COLUMNS]


def with_benchmarks(
    obs: pd.DataFrame,
    schools_la: pd.Series,
    registry: Registry,
    min_schools_for_la: int = 5,
    min_las_for_england: int = 50,
) -> pd.DataFrame:
    """The observations plus computed LA and England figures where none are given."""
    la = weighted_benchmarks(obs, schools_la, registry, "la", min_schools_for_la)
    england = weighted_benchmarks(obs, schools_la, registry, "england", min_las_for_england)
    return concat([obs, la, england])


def with_predecessors(obs: pd.DataFrame, predecessor_of: dict[str, str]) -> pd.DataFrame:
    """A converted school's page carries its predecessor's results for the years
    it has none of its own (an academy that replaced a maintained school keeps
    the history parents know). The copied rows name the predecessor in their source.
    """
    if not predecessor_of:
        return obs
    # Only the schools in a link are looked at: a national table is not copied.
    school = obs["area_type"] == "school"
    mine = obs.loc[school & obs["area"].isin(set(predecessor_of)), ["area", "year"]]
    years = mine.groupby("area", observed=True)["year"].agg(set).to_dict()
    theirs = obs[school & obs["area"].isin(set(predecessor_of.values()))]
    rows_of = dict(list(theirs.groupby("area", observed=True, sort=False)))
    copies = []
    for successor, predecessor in predecessor_of.items():
        rows = rows_of.get(predecessor)
        if rows is None:
            continue
        rows = rows[~rows["year"].isin(years.get(successor, set()))]
        if rows.empty:
            continue
        rows = rows.assign(
            area=successor,
            source=f"predecessor school {predecessor}: " + rows["source"].astype(str),
        )
        copies.append(rows)
    return concat([obs, *copies]) if copies else obs


def england_centres(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """England's figure for a progress measure is its centre (0, or 1000 for CVA)
    by construction; DfE files leave it blank, so it is supplied where missing."""
    centred = {m.id: m.centre for m in registry.measures.values() if m.centre is not None and m.ci}
    years = obs.loc[obs["measure"].isin(centred), ["year", "measure"]].drop_duplicates()
    given = obs[(obs["area_type"] == "england") & (obs["status"] == "ok") & (obs["group"] == "all")]
    have = set(zip(given["year"], given["measure"], strict=True))
    rows = [
        {
            "area_type": "england",
            "area": ENGLAND,
            "year": int(y),
            "measure": m,
            "group": "all",
            "statistic": "average",
            "value": float(centred[m]),
            "status": "ok",
            "cohort": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "computed": False,
            "prior": False,
            "band": "",
            "source": "national average by definition",
            "source_row": 0,
        }
        for y, m in years.itertuples(index=False, name=None)
        if (y, m) not in have and not registry.measures[m].not_calculated_in(int(y))
    ]
    blank = (
        (obs["area_type"] == "england")
        & (obs["group"] == "all")
        & obs["measure"].isin(centred)
        & (obs["status"] != "ok")
    )
    out = obs[~blank] if blank.any() else obs  # not copied when nothing goes
    return concat([out, pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)]) if rows else out


def by_definition(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """England's figures that are definitions, not results, marked so.

    A progress score compares pupils with pupils nationally who started from
    the same point, so England's score is 0 by construction (for all pupils
    and for each prior-attainment group), as is its "disadvantaged pupils
    against other pupils nationally" gap. DfE's files write those 0s (and
    intervals of 0 to 0) on England's rows; a page must not present them as
    England's performance beside the school's. Figures England actually has
    (state-funded schools' Progress 8 of −0.03) are left as they are.
    """
    rules = {
        m.id: (set(m.england_by_definition), m.centre or 0.0) for m in registry.measures.values()
    }
    rules = {m: r for m, r in rules.items() if r[0]}
    if not rules:
        return obs
    england = obs["area_type"] == "england"
    picked = england & obs["measure"].isin(set(rules))
    if not picked.any():
        return obs
    part = obs.loc[picked, ["measure", "group", "value", "lower", "upper"]]
    defined, centres = [], []
    for measure, group, value in part[["measure", "group", "value"]].itertuples(
        index=False, name=None
    ):  # England's rows: a few hundred
        allowed, centre = rules[measure]
        at_centre = value != value or abs(value - centre) < 1e-9  # blank, or the centre
        defined.append(group in allowed and at_centre)
        centres.append(centre)
    defined = np.array(defined, dtype=bool)
    # An interval of 0 to 0 on England's row is no interval.
    empty = ((part["lower"] == part["upper"]) & part["lower"].notna()).to_numpy()
    out = obs.copy(deep=False)
    out.loc[part.index[empty], ["lower", "upper"]] = np.nan
    out.loc[part.index[defined], "value"] = np.array(centres)[defined]
    out.loc[part.index[defined], "status"] = "by_definition"
    return out


def not_calculated(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Figures of a year a measure was not calculated in (KS2 progress in 2023/24
    and 2024/25, Progress 8 in 2024/25 and 2025/26) marked "not_calculated":
    DfE's files leave them empty or write NA, which would otherwise read as
    "no data" or "not applicable". A figure that has a value is kept."""
    rules = {m.id: m for m in registry.measures.values() if m.not_calculated}
    if not rules:
        return obs
    picked = obs["measure"].isin(set(rules)) & (obs["status"] != "ok")
    if not picked.any():
        return obs
    part = obs.loc[picked, ["measure", "year"]]
    pairs = part.drop_duplicates()
    off = {
        (m, int(y))
        for m, y in pairs.itertuples(index=False, name=None)
        if rules[m].not_calculated_in(int(y))
    }
    if not off:
        return obs
    hit = pd.Series(
        [(m, int(y)) in off for m, y in part.itertuples(index=False, name=None)], index=part.index
    )
    out = obs.copy(deep=False)
    out.loc[hit[hit].index, "status"] = "not_calculated"
    return out


def gaps(obs: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Gap between each group and the group it is compared with, per area and year.

    gap = group's figure − comparison group's figure, for measures marked
    ``gaps: true``. A gap exists only when both figures are published; otherwise
    it carries the status of the missing one (so a suppressed group stays
    suppressed, never 0).
    """
    gap_measures = [m.id for m in registry.measures.values() if m.gaps]
    pairs = {g.id: g.compare_with for g in registry.groups.values() if g.compare_with}
    base = obs[
        obs["measure"].isin(gap_measures)
        & obs["group"].isin(set(pairs) | set(pairs.values()))
        & (obs["statistic"] != "median")
    ]
    keys = ["area_type", "area", "year", "measure"]
    rows = []
    for group, other in pairs.items():
        a = base[base["group"] == group]
        b = base[base["group"] == other]
        if a.empty or b.empty:
            continue
        merged = a.merge(b, on=keys, suffixes=("", "_other"))
        value = merged["value"] - merged["value_other"]
        status = np.where(
            merged["status"] != "ok",
            merged["status"],
            np.where(merged["status_other"] != "ok", merged["status_other"], "ok"),
        )
        rows.append(
            pd.DataFrame(
                {
                    **{k: merged[k] for k in keys},
                    "group": group,
                    "compared_with": other,
                    "value": value.where(status == "ok").round(1),
                    "status": status,
                    "group_value": merged["value"],
                    "other_value": merged["value_other"],
                    "computed": merged["computed"] | merged["computed_other"],
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=[*keys, "group", "compared_with", "value", "status"])
    return pd.concat(rows, ignore_index=True)


def significance(value: float, lower: float, upper: float, centre: float = 0.0) -> str:
    """'above', 'below' or 'average': whether the interval lies wholly one side of the centre."""
    if any(np.isnan(x) for x in (value, lower, upper)):
        return ""
    if lower > centre:
        return "above"
    if upper < centre:
        return "below"
    return "average"


def band(value: float, lower: float, upper: float, centre: float, well: float | None) -> str:
    """DfE's five bands from a score and its interval.

    Significantly above (below) the centre is "above" ("below") average; when
    the measure sets a ``well`` distance (Progress 8: 0.5) a significant score
    at least that far from the centre is "well above" ("well below") average.
    Without such a distance only the three significance bands are given.
    """
    sig = significance(value, lower, upper, centre)
    if sig in ("", "average") or well is None:
        return {"above": "above average", "below": "below average", "average": "average"}.get(
            sig, ""
        )
    if sig == "above":
        return "well above average" if value - centre >= well else "above average"
    return "well below average" if centre - value >= well else "below average"


def trend(values: dict[int, float], no_results: set[int] | frozenset = frozenset()) -> dict:
    """Change over the years held: on the year before, and since the first.

    Neither bridges a year without results (2019/20 and 2020/21): "on the year
    before" needs the year just before, and "since the first" counts from the
    first year after the latest such gap.
    """
    years = sorted(y for y, v in values.items() if v is not None and not np.isnan(v))
    if years:
        gaps = [y for y in no_results if y < years[-1]]
        if gaps:
            years = [y for y in years if y > max(gaps)]
    if len(years) < 2:
        return {"first_year": years[0] if years else None, "change": None, "last_change": None}
    first, last = years[0], years[-1]
    before = last - 1
    return {
        "first_year": first,
        "change": round(values[last] - values[first], 1),
        "last_change": round(values[last] - values[before], 1) if before in years else None,
    }
