"""Families of similar schools on a constructed case worked out by hand."""

import pandas as pd

from reportgen.similar import families, intake_features

from .conftest import make_frame, school_obs


def test_family_is_the_nearest_schools_of_the_same_phase():
    # Standardised over the four primaries, feature by feature:
    #   prior attainment 14, 15, 16, 17 -> -1.34, -0.45, 0.45, 1.34
    #   disadvantage     40, 30, 20, 10 ->  1.34, 0.45, -0.45, -1.34
    # so each school's nearest neighbour is the next one along the line, and a
    # secondary school with the same figures as A is never in A's family.
    rows = []
    for urn, prior, dis in [
        ("100001", 14, 40),
        ("100002", 15, 30),
        ("100003", 16, 20),
        ("100004", 17, 10),
        ("200001", 14, 40),
    ]:
        rows += school_obs([(urn, 2011, "prior_attainment", prior), (urn, 2011, "pct_fsm", dis)])
    features = intake_features(make_frame(rows))
    assert list(features.loc["100001"])[:2] == [14.0, 40.0]
    phase = pd.Series(
        {
            "100001": "primary",
            "100002": "primary",
            "100003": "primary",
            "100004": "primary",
            "200001": "secondary",
        }
    )
    fam = families(features, phase, size=2)
    assert fam["100001"] == ["100002", "100003"]
    assert fam["100002"] == ["100001", "100003"]  # equidistant: 100001 first by URN
    assert fam["100004"] == ["100003", "100002"]
    assert "200001" not in fam  # alone in its phase


def test_latest_figure_and_disadvantage_fallback():
    rows = school_obs(
        [
            ("100001", 2010, "pct_fsm", 50),
            ("100001", 2011, "pct_fsm", 30),
            ("100002", 2011, "pct_disadvantaged", 25),
            ("100002", 2011, "pct_fsm", 20),
        ]
    )
    features = intake_features(make_frame(rows))
    assert features.loc["100001", "disadvantage"] == 30  # the latest year
    assert features.loc["100002", "disadvantage"] == 25  # disadvantaged before FSM
