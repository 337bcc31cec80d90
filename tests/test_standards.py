"""Standards placed by the rule of each year, with reasons in plain English."""

from reportgen.standards import place_schools

from .conftest import make_frame, make_school, school_obs

NAN = float("nan")


def _place(registry, rows, schools, benchmarks=()):
    obs = make_frame(school_obs(rows) + list(benchmarks))
    return {(p.urn, p.standard, p.year): p for p in place_schools(obs, schools, registry)}


def test_medway_2011_sixteen_under_60_eleven_below_floor(registry):
    """Seed 003:307: 16 schools under 60%, but only 11 below the floor, because
    five were above the national median progress in English and/or maths."""
    rows, schools = [], {}
    # 11 under 60% and under both medians (87% English, 86% maths).
    for i in range(11):
        rows += [
            (f"1{i:05d}", 2011, "ks2_l4_enma", 45 + i, 30),
            (f"1{i:05d}", 2011, "ks2_2lp_en", 80, 30),
            (f"1{i:05d}", 2011, "ks2_2lp_ma", 79, 30),
        ]
    # 5 under 60% but at or above a median: English only, maths only, both, and exactly on it.
    for i, (en, ma) in enumerate([(90, 80), (80, 88), (92, 91), (87, 70), (75, 86)]):
        urn = f"2{i:05d}"
        rows += [
            (urn, 2011, "ks2_l4_enma", 55, 30),
            (urn, 2011, "ks2_2lp_en", en, 30),
            (urn, 2011, "ks2_2lp_ma", ma, 30),
        ]
    # 20 at or above 60%: never below the floor, whatever their progress.
    for i in range(20):
        urn = f"3{i:05d}"
        rows += [
            (urn, 2011, "ks2_l4_enma", 60 + i, 30),
            (urn, 2011, "ks2_2lp_en", 70, 30),
            (urn, 2011, "ks2_2lp_ma", 70, 30),
        ]
    for r in rows:
        schools.setdefault(r[0], make_school(r[0]))
    placed = _place(registry, rows, schools)
    floor = [p for p in placed.values() if p.standard == "floor_standard_ks2_2011"]
    under_60 = [p for p in floor if p.urn[0] in "12"]
    assert len(under_60) == 16
    below = [p for p in floor if p.outcome == "caught"]
    assert len(below) == 11
    assert {p.urn[0] for p in below} == {"1"}
    p = placed[("100000", "floor_standard_ks2_2011", 2011)]
    assert p.sentence == (
        "Below the floor standard: 45% of pupils reached level 4 or above in both English and "
        "maths, below the 60% floor; 80% made the expected two levels of progress in English, "
        "below the England median of 87%; and 79% made the expected two levels of progress in "
        "maths, below the England median of 86%."
    )
    saved = placed[("200000", "floor_standard_ks2_2011", 2011)]
    assert saved.outcome == "clear"
    assert "90% made the expected two levels of progress in English, not below" in saved.sentence


def test_floor_target_2007_judges_each_subject(registry):
    schools = {u: make_school(u) for u in ("990003", "100001", "100002")}
    rows = [
        # Barton Moss (seed 001:464-468): English 52/62/72, maths 43/62/80.
        ("990003", 2005, "ks2_l4_en", 52),
        ("990003", 2005, "ks2_l4_ma", 43),
        ("990003", 2006, "ks2_l4_en", 62),
        ("990003", 2006, "ks2_l4_ma", 62),
        ("990003", 2007, "ks2_l4_en", 72),
        ("990003", 2007, "ks2_l4_ma", 80),
        # Above in English, below in maths: below the target.
        ("100001", 2007, "ks2_l4_en", 70),
        ("100001", 2007, "ks2_l4_ma", 64),
        # Exactly 65 in both: not below.
        ("100002", 2007, "ks2_l4_en", 65),
        ("100002", 2007, "ks2_l4_ma", 65),
    ]
    placed = _place(registry, rows, schools)
    outcomes = {y: placed[("990003", "floor_target_ks2", y)].outcome for y in (2005, 2006, 2007)}
    assert outcomes == {2005: "caught", 2006: "caught", 2007: "clear"}
    assert placed[("100001", "floor_target_ks2", 2007)].reasons == [
        "64% reached level 4 or above in maths, below the 65% floor"
    ]
    assert placed[("100002", "floor_target_ks2", 2007)].outcome == "clear"
    # Rules of another era do not apply: no 2011 standard for 2007 results.
    assert ("990003", "floor_standard_ks2_2011", 2007) not in placed


def test_unknown_figures_follow_three_valued_logic(registry):
    schools = {u: make_school(u) for u in ("100001", "100002")}
    rows = [
        # Attainment settles it: at 70% a school cannot be below the floor.
        ("100001", 2011, "ks2_l4_enma", 70, 30),
        ("100001", 2011, "ks2_2lp_en", NAN, 30, NAN, NAN, "suppressed"),
        # Under 60% with progress suppressed: cannot say.
        ("100002", 2011, "ks2_l4_enma", 50, 30),
        ("100002", 2011, "ks2_2lp_en", NAN, 30, NAN, NAN, "suppressed"),
        ("100002", 2011, "ks2_2lp_ma", 70, 30),
    ]
    placed = _place(registry, rows, schools)
    assert placed[("100001", "floor_standard_ks2_2011", 2011)].outcome == "clear"
    p = placed[("100002", "floor_standard_ks2_2011", 2011)]
    assert p.outcome == "not_assessed"
    assert p.reasons == ["expected progress in English has no published figure (suppressed)"]


def test_floor_standard_2016_exclusions_and_progress(registry):
    schools = {
        "100001": make_school("100001"),
        "100002": make_school("100002"),
        "100003": make_school("100003", special=True),
        "100004": make_school("100004", status="closed", closed_years={2017}),
    }
    rows = []
    for urn, cohort in [("100001", 40), ("100002", 9), ("100003", 30), ("100004", 30)]:
        rows += [
            (urn, 2017, "ks2_rwm_exp", 50, cohort),
            (urn, 2017, "ks2_read_progress", -5.1, cohort),
            (urn, 2017, "ks2_writ_progress", -1.0, cohort),
            (urn, 2017, "ks2_mat_progress", 0.5, cohort),
        ]
    placed = _place(registry, rows, schools)
    p = placed[("100001", "floor_standard_ks2_2016", 2017)]
    assert p.outcome == "caught"
    assert "the reading progress score was -5.1, below the sufficient-progress line of -5" in (
        p.reasons
    )
    small = placed[("100002", "floor_standard_ks2_2016", 2017)]
    assert small.outcome == "not_assessed"
    assert "only 9 pupils were eligible" in small.reasons[0]
    assert placed[("100003", "floor_standard_ks2_2016", 2017)].reasons == [
        "special schools are not assessed against this standard"
    ]
    assert placed[("100004", "floor_standard_ks2_2016", 2017)].reasons == [
        "the school was closed in 2016/17"
    ]


def test_floor_standard_from_2018_one_subject_must_be_significantly_low(registry):
    cases = {
        # urn: (reading, its interval, writing, its interval) ; maths fine
        "100001": (-5.1, (-8.0, 0.3), -1.0, (-3.0, 1.0)),  # one subject, not significant
        "100002": (-5.1, (-8.0, -0.4), -1.0, (-3.0, 1.0)),  # one subject, significant
        "100003": (-5.5, (-9.0, 0.2), -7.5, (-11.0, 0.5)),  # two subjects below the lines
    }
    rows = []
    for urn, (read, (rl, ru), writ, (wl, wu)) in cases.items():
        rows += [
            (urn, 2018, "ks2_rwm_exp", 50, 30),
            (urn, 2018, "ks2_read_progress", read, 30, rl, ru),
            (urn, 2018, "ks2_writ_progress", writ, 30, wl, wu),
            (urn, 2018, "ks2_mat_progress", 0.0, 30, -2.0, 2.0),
        ]
    placed = _place(registry, rows, {u: make_school(u) for u in cases})
    outcome = {u: placed[(u, "floor_standard_ks2_2016", 2018)].outcome for u in cases}
    assert outcome == {"100001": "clear", "100002": "caught", "100003": "caught"}


def test_coasting_needs_three_years_and_an_interval_below_zero(registry):
    schools = {u: make_school(u) for u in ("100001", "100002")}
    rows = []
    for urn, upper_2018 in [("100001", -0.5), ("100002", 0.4)]:
        # 2014/15 (levels): under 85% and every progress measure under its median.
        rows += [
            (urn, 2015, "ks2_l4_rwm", 70, 30),
            (urn, 2015, "ks2_2lp_read", 90, 30),
            (urn, 2015, "ks2_2lp_writ", 92, 30),
            (urn, 2015, "ks2_2lp_ma", 88, 30),
        ]
        for year, upper in [(2016, -0.2), (2017, -1.0), (2018, upper_2018)]:
            rows += [
                (urn, year, "ks2_rwm_exp", 60, 30),
                (urn, year, "ks2_read_progress", -3.0, 30, -5.5, upper),
                (urn, year, "ks2_writ_progress", 0.0, 30, -2, 2),
                (urn, year, "ks2_mat_progress", 0.0, 30, -2, 2),
            ]
    placed = _place(registry, rows, schools)
    assert placed[("100001", "coasting_ks2", 2017)].outcome == "caught"  # 2015, 2016, 2017
    assert placed[("100001", "coasting_ks2", 2018)].outcome == "caught"
    assert placed[("100001", "coasting_ks2", 2018)].run == 2  # coasting in 2016/17 and 2017/18
    # 2018 progress -3.0 but its interval reaches +0.4: not significantly below, so not coasting.
    p = placed[("100002", "coasting_ks2", 2018)]
    assert p.outcome == "clear"
    assert (
        "in 2017/18 the upper end of the confidence interval for the reading progress score "
        "was +0.4, not below zero" in p.reasons
    )
    # 2016 needs 2014, which is not held: cannot be judged.
    assert placed[("100001", "coasting_ks2", 2016)].outcome == "not_assessed"


def test_gaining_ground_more_than_30_percent_and_below_average_progress(registry):
    schools = {u: make_school(u, phase="secondary") for u in ("100001", "100002", "100003")}
    england = [
        {
            "area_type": "england",
            "area": "E92000001",
            "year": 2008,
            "measure": m,
            "statistic": "average",
            "value": v,
        }
        for m, v in [("ks4_3lp_en", 64), ("ks4_3lp_ma", 57)]
    ]
    rows = [
        ("100001", 2008, "ks4_5ac_em", 55),
        ("100001", 2008, "ks4_3lp_en", 60),
        ("100001", 2008, "ks4_3lp_ma", 70),
        # Exactly 30% meets the floor but not the "more than 30%" test.
        ("100002", 2008, "ks4_5ac_em", 30),
        ("100002", 2008, "ks4_3lp_en", 50),
        ("100002", 2008, "ks4_3lp_ma", 50),
        ("100003", 2008, "ks4_5ac_em", 55),
        ("100003", 2008, "ks4_3lp_en", 64),
        ("100003", 2008, "ks4_3lp_ma", 57),
    ]
    placed = _place(registry, rows, schools, england)
    assert placed[("100001", "gaining_ground", 2008)].outcome == "caught"
    assert (
        placed[("100001", "gaining_ground", 2008)].headline == "Meets the Gaining Ground criteria"
    )
    assert placed[("100002", "gaining_ground", 2008)].outcome == "clear"
    assert (
        placed[("100003", "gaining_ground", 2008)].outcome == "clear"
    )  # at the average is not below
    assert placed[("100002", "national_challenge", 2008)].outcome == "clear"  # 30% is not under 30%
