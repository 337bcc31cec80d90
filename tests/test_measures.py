"""Measures against figures worked out by hand."""

import math

import pandas as pd

from reportgen.measures import gaps, significance, suppress_small_groups, trend, with_benchmarks
from reportgen.model import ENGLAND

from .conftest import make_frame, school_obs


def _rows(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for k, v in where.items():
        mask &= frame[k] == v
    return frame[mask]


def test_la_average_is_weighted_by_cohort(registry):
    # Five schools (the minimum for a computed LA figure).
    # Hand computation: (50*60 + 80*30 + 70*10 + 90*20 + 60*80) / 200 = 12700 / 200 = 63.5
    rows = school_obs(
        [
            ("100001", 2011, "ks2_l4_enma", 50, 60),
            ("100002", 2011, "ks2_l4_enma", 80, 30),
            ("100003", 2011, "ks2_l4_enma", 70, 10),
            ("100004", 2011, "ks2_l4_enma", 90, 20),
            ("100005", 2011, "ks2_l4_enma", 60, 80),
        ]
    )
    obs = make_frame(rows)
    la = pd.Series({f"10000{i}": "999" for i in range(1, 6)})
    out = with_benchmarks(obs, la, registry, min_schools_for_la=5, min_las_for_england=50)
    la_row = _rows(out, area_type="la", area="999", measure="ks2_l4_enma").iloc[0]
    assert la_row["value"] == 63.5
    assert la_row["cohort"] == 200
    assert bool(la_row["computed"])
    # One LA is not England: no England figure is made up from it.
    assert _rows(out, area_type="england").empty


def test_la_figure_needs_enough_schools_and_skips_suppressed(registry):
    rows = school_obs(
        [
            ("100001", 2011, "ks2_l4_enma", 50, 60),
            ("100002", 2011, "ks2_l4_enma", 80, 30),
        ]
    )
    obs = make_frame(rows)
    la = pd.Series({"100001": "999", "100002": "999"})
    out = with_benchmarks(obs, la, registry, min_schools_for_la=5, min_las_for_england=50)
    assert _rows(out, area_type="la").empty
    # With the threshold met, a suppressed school is left out rather than counted as 0.
    rows.append(
        school_obs(
            [
                (
                    "100003",
                    2011,
                    "ks2_l4_enma",
                    float("nan"),
                    4,
                    float("nan"),
                    float("nan"),
                    "suppressed",
                )
            ]
        )[0]
    )
    la["100003"] = "999"
    out = with_benchmarks(make_frame(rows), la, registry, min_schools_for_la=2)
    la_row = _rows(out, area_type="la", measure="ks2_l4_enma").iloc[0]
    assert la_row["value"] == 60.0  # (50*60 + 80*30) / 90
    assert la_row["source"] == "computed from 2 schools' figures"


def test_given_la_figures_are_not_replaced(registry):
    rows = school_obs([(f"10000{i}", 2011, "ks2_l4_enma", 50, 30) for i in range(1, 6)])
    rows.append(
        {
            "area_type": "la",
            "area": "999",
            "year": 2011,
            "measure": "ks2_l4_enma",
            "statistic": "average",
            "value": 66.0,
            "source": "given",
        }
    )
    la = pd.Series({f"10000{i}": "999" for i in range(1, 6)})
    out = with_benchmarks(make_frame(rows), la, registry)
    la_rows = _rows(out, area_type="la", measure="ks2_l4_enma")
    assert list(la_rows["value"]) == [66.0]
    assert not la_rows["computed"].any()


def test_small_groups_and_their_complement_are_suppressed():
    rows = []
    for group, value, cohort in [
        ("all", 60, 30),
        ("fsm", 33, 3),
        ("not_fsm", 63, 27),
        ("boys", 50, 14),
        ("girls", 69, 16),
    ]:
        r = school_obs([("100001", 2011, "ks2_l4_enma", value, cohort)])[0]
        r["group"] = group
        rows.append(r)
    out = suppress_small_groups(make_frame(rows), 6, [["fsm", "not_fsm"], ["boys", "girls"]])
    by_group = out.set_index("group")
    assert by_group.loc["fsm", "status"] == "suppressed" and math.isnan(
        by_group.loc["fsm", "value"]
    )
    # 63% of 27 with 60% of 30 would give the 3 FSM pupils' result away (1 of 3).
    assert by_group.loc["not_fsm", "status"] == "suppressed"
    assert by_group.loc["all", "value"] == 60
    assert by_group.loc["boys", "value"] == 50 and by_group.loc["girls", "value"] == 69


def test_three_way_partition_hides_a_second_member():
    """Low / middle / high prior attainment: with 4 low, 10 middle, 16 high and the
    whole cohort published, hiding only the low group would leave it one subtraction
    away: (30 x 60 - 10 x 50 - 16 x 75) / 4 = 25. The smallest published member
    (middle, 10 pupils) is hidden too; high stays, and a second school with no small
    group keeps all three."""
    rows = []
    for urn, group, value, cohort in [
        ("100001", "all", 60, 30),
        ("100001", "prior_low", 25, 4),
        ("100001", "prior_middle", 50, 10),
        ("100001", "prior_high", 75, 16),
        ("100002", "all", 60, 30),
        ("100002", "prior_low", 40, 8),
        ("100002", "prior_middle", 50, 10),
        ("100002", "prior_high", 75, 12),
    ]:
        r = school_obs([(urn, 2011, "ks2_l4_enma", value, cohort)])[0]
        r["group"] = group
        rows.append(r)
    assert (30 * 60 - 10 * 50 - 16 * 75) / 4 == 25  # what the hiding prevents
    out = suppress_small_groups(make_frame(rows), 6, [["prior_low", "prior_middle", "prior_high"]])
    status = {(r.area, r.group): r.status for r in out.itertuples()}
    assert status[("100001", "prior_low")] == "suppressed"
    assert status[("100001", "prior_middle")] == "suppressed"
    assert status[("100001", "prior_high")] == "ok"
    assert status[("100001", "all")] == "ok"
    assert {g for (u, g), st in status.items() if u == "100002" and st != "ok"} == set()


def test_small_la_groups_are_suppressed_too():
    r = school_obs([("999", 2011, "ks2_l4_enma", 20, 3)])[0]
    r.update(area_type="la", group="sen")
    out = suppress_small_groups(make_frame([r]), 6, [])
    assert out.iloc[0]["status"] == "suppressed" and math.isnan(out.iloc[0]["value"])


def test_gaps_need_both_figures(registry):
    rows = []
    for urn, group, value, status in [
        ("100001", "fsm", 40, "ok"),
        ("100001", "not_fsm", 70, "ok"),
        ("100002", "fsm", float("nan"), "suppressed"),
        ("100002", "not_fsm", float("nan"), "suppressed"),
    ]:
        r = school_obs([(urn, 2011, "ks2_l4_enma", value, 20, float("nan"), float("nan"), status)])[
            0
        ]
        r["group"] = group
        rows.append(r)
    out = gaps(make_frame(rows), registry).set_index("area")
    assert out.loc["100001", "value"] == -30
    assert out.loc["100002", "status"] == "suppressed" and math.isnan(out.loc["100002", "value"])


def test_significance_from_the_interval():
    assert significance(1.2, 0.1, 2.3) == "above"
    assert significance(-2.6, -4.0, -1.3) == "below"
    assert significance(1.2, 0.0, 2.4) == "average"  # an interval touching 0 is not significant
    assert significance(998.0, 995.0, 999.5, centre=1000) == "below"
    assert significance(float("nan"), 1, 2) == ""


def test_trend():
    assert trend({2009: 50, 2010: 55, 2011: 52}) == {
        "first_year": 2009,
        "change": 2,
        "last_change": -3,
    }
    assert trend({2011: 52})["change"] is None
    assert ENGLAND == "E92000001"


def test_bands_follow_the_interval_and_the_well_distance():
    from reportgen.measures import band

    assert band(0.7, 0.3, 1.1, 0.0, 0.5) == "well above average"
    assert band(0.4, 0.1, 0.7, 0.0, 0.5) == "above average"
    assert band(0.4, -0.1, 0.9, 0.0, 0.5) == "average"
    assert band(-0.3, -0.6, -0.05, 0.0, 0.5) == "below average"
    assert band(-0.9, -1.3, -0.5, 0.0, 0.5) == "well below average"
    assert band(-0.9, -1.3, -0.5, 0.0, None) == "below average"  # no "well" rule set
    assert band(float("nan"), 0, 1, 0.0, 0.5) == ""
