"""Families of similar schools: same phase, most similar intake.

Each school is described by its latest context figures: prior attainment,
% disadvantaged (or % FSM where that is what the data holds), % EAL and % SEN.
Each feature is standardised across the schools of the phase (mean 0,
standard deviation 1), a missing feature is set to the phase average (so it
neither draws schools together nor apart), and the family is the schools at
the smallest Euclidean distance. Pure functions: frames in, frames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURES = [
    "prior_attainment",
    "pct_disadvantaged",
    "pct_fsm6",
    "pct_fsm",
    "pct_eal",
    "pct_eal_cohort",
    "pct_sen",
]


def intake_features(obs: pd.DataFrame) -> pd.DataFrame:
    """One row per school: its latest figure for each intake feature (NaN if none).

    Disadvantage is one feature: % disadvantaged where held, else % FSM in
    the last six years, else % FSM; EAL is the whole school's share where the
    census gives it, else the share among the pupils at the end of the key stage.
    """
    rows = obs[
        (obs["area_type"] == "school")
        & (obs["group"] == "all")
        & (obs["status"] == "ok")
        & obs["measure"].isin(FEATURES)
    ]
    latest = rows.sort_values("year").drop_duplicates(["area", "measure"], keep="last")
    wide = latest.pivot(index="area", columns="measure", values="value")
    wide = wide.reindex(columns=FEATURES)
    wide["disadvantage"] = (
        wide["pct_disadvantaged"].fillna(wide["pct_fsm6"]).fillna(wide["pct_fsm"])
    )
    wide["pct_eal"] = wide["pct_eal"].fillna(wide["pct_eal_cohort"])
    return wide[["prior_attainment", "disadvantage", "pct_eal", "pct_sen"]]


def families(features: pd.DataFrame, phase_of: pd.Series, size: int = 15) -> dict[str, list[str]]:
    """{URN: the ``size`` most similar schools of the same phase, nearest first}."""
    out: dict[str, list[str]] = {}
    phase_of = phase_of.reindex(features.index)
    for _, members in features.groupby(phase_of):
        if len(members) < 2:
            continue
        z = (members - members.mean()) / members.std(ddof=0).replace(0, np.nan)
        z = z.dropna(axis=1, how="all").fillna(0.0)  # no feature held -> at the average
        if z.shape[1] == 0:
            continue
        values = z.to_numpy()
        urns = members.index.to_numpy()
        k = min(size, len(urns) - 1)
        squares = (values**2).sum(axis=1)
        # Blocks of rows keep the distance matrix small at national scale.
        for start in range(0, len(urns), 500):
            block = values[start : start + 500]
            dist = squares[start : start + 500, None] + squares[None, :] - 2 * block @ values.T
            dist = np.maximum(dist, 0.0).round(9)  # rounding: ties break by URN, not float noise
            for i in range(len(block)):
                dist[i, start + i] = np.inf  # not its own family member
            nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
            for i, row in enumerate(nearest):
                order = row[np.lexsort((urns[row], dist[i, row]))]
                out[urns[start + i]] = list(urns[order])
    return out
