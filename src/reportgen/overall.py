"""An optional overall grade from a configurable, weighted basket of measures.

The White Paper left a single grade under consultation, so it is off unless
``overall_grade.enabled`` is set in site.yml. Method: within each phase and
year, each school's percentile rank on each basket measure (100 = best,
whichever direction is better), averaged with the basket's weights over the
measures the school has (at least half the total weight is needed); the
composite's quintile gives the grade, the top fifth the first grade.
"""

from __future__ import annotations

import pandas as pd

from .registry import Registry


def overall_grades(
    obs: pd.DataFrame, phase_of: pd.Series, registry: Registry, config: dict
) -> pd.DataFrame:
    """Columns: area (URN), year, score (0-100), grade. Empty when disabled."""
    columns = ["area", "year", "score", "grade"]
    basket: dict[str, float] = {m: float(w) for m, w in (config.get("basket") or {}).items()}
    if not config.get("enabled") or not basket:
        return pd.DataFrame(columns=columns)
    grades = list(config.get("grades") or ["A", "B", "C", "D", "E"])
    rows = obs[
        (obs["area_type"] == "school")
        & (obs["group"] == "all")
        & (obs["status"] == "ok")
        & obs["measure"].isin(basket)
    ][["area", "year", "measure", "value"]]
    # Plain text: a category column maps to categories (weights, flags), not numbers.
    rows = rows.astype({"area": object, "measure": object})
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows["phase"] = rows["area"].map(phase_of)
    better_high = rows["measure"].map(lambda m: registry.measures[m].higher_is_better)
    rows["rank"] = rows.groupby(["phase", "year", "measure"])["value"].rank(pct=True) * 100
    rows.loc[~better_high, "rank"] = (
        rows[~better_high]
        .groupby(["phase", "year", "measure"])["value"]
        .rank(pct=True, ascending=False)
        * 100
    )
    rows["weight"] = rows["measure"].map(basket)
    rows["weighted"] = rows["rank"] * rows["weight"]
    agg = rows.groupby(["area", "year", "phase"]).agg(w=("weight", "sum"), s=("weighted", "sum"))
    agg = agg[agg["w"] >= sum(basket.values()) / 2].reset_index()
    agg["score"] = (agg["s"] / agg["w"]).round(1)
    # Quintile of the composite within phase and year: 0 = top fifth.
    pct = agg.groupby(["phase", "year"])["score"].rank(pct=True, ascending=False)
    band = ((pct - 1e-9) * len(grades)).astype(int).clip(0, len(grades) - 1)
    agg["grade"] = [grades[b] for b in band]
    return agg[columns]
