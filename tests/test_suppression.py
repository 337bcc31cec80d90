"""Suppression that cannot be undone by arithmetic (#23).

Every figure's cohort is published, a hidden figure's too, and some figures
are sums of others: the whole cohort's of its groups' in each partition, an
LA's figure given in the data of its schools', England's of its LAs'. So a
subtraction of published figures (a figure times its cohort is a number of
pupils: whole minus published parts) gives a figure about the pupils the
parts leave out. ``disclosures`` below is an attacker written apart from the
code it checks: from the published figures alone it works out every figure it
can, by subtraction along those sums and chains of them, and names each one
about 1 to 5 pupils.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.build import Paths, build
from reportgen.measures import suppress_small_groups, with_benchmarks
from reportgen.model import ENGLAND, observations

from .conftest import school_obs
from .readback import json_records

MIN = 6
PARTITIONS = [
    ["disadvantaged", "not_disadvantaged"],
    ["fsm", "not_fsm"],
    ["sen", "no_sen"],
    ["eal", "english_first"],
    ["boys", "girls"],
    ["prior_low", "prior_middle", "prior_high"],
]
NAN = float("nan")


def _row(area, group, value, cohort, area_type="school", status="ok", measure="ks2_l4_enma"):
    """One figure of 2011 (school_obs makes it; an LA's or England's is an average)."""
    r = school_obs([(area, 2011, measure, value, cohort, NAN, NAN, status)])[0]
    r.update(group=group, area_type=area_type)
    if area_type != "school":
        r["statistic"] = "average"
    return r


def _status(frame: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    return {(r.area_type, r.area, r.group): r.status for r in frame.itertuples()}


def _size(row: dict) -> float | None:
    c = row.get("cohort")
    return None if c is None or c != c or c == "" else float(c)


def disclosures(
    obs: pd.DataFrame | list[dict], schools_la: dict[str, str], partitions=PARTITIONS
) -> list[str]:
    """What an attacker learns about fewer than MIN pupils from the published
    figures (status "ok") and every cohort: a list of findings, empty if none.

    The sums: the whole cohort = the members of each partition (in every area);
    an LA's figure given in the data = its schools'; England's given figure of
    known size = its LAs' given figures, and the schools of an LA without one.
    A partition's or an LA's parts make their whole: where the whole's cohort
    is blank it is their sum (the largest, where two partitions differ; a
    partition with a member missing from the data gives at least the whole's
    size). A lone unknown part of unknown size is the whole less the rest only
    where the parts are all of it (every member of a partition there).
    The attacker works out a figure that is the one unknown along a sum, again
    and again; then for every sum whose whole is known it takes away every
    part it knows, and from a part it does not know the most of it that it
    can rebuild from that part's own parts.
    """
    records = obs.to_dict("records") if isinstance(obs, pd.DataFrame) else obs
    for r in records:  # a figure computed here is a sum of published ones: it adds nothing
        if r["computed"] and r["status"] == "ok" and (_size(r) or MIN) < MIN:
            return [f"{r}: computed from fewer than {MIN} pupils"]
    fig = {
        (r["area_type"], r["area"], int(r["year"]), r["measure"], r["group"], r["statistic"]): r
        for r in records
        if not r["computed"]
    }
    size = {k: _size(r) for k, r in fig.items()}
    given_la = {k for k in fig if k[0] == "la" and k[5] == "average"}
    schools_of = defaultdict(list)
    for urn, la in sorted(schools_la.items()):
        schools_of[la].append(urn)
    # (whole, parts, its size is theirs, they are all of it)
    lines: list[tuple[tuple, list[tuple], bool, bool]] = []
    for k in fig:
        at, area, year, measure, group, stat = k
        if group == "all":
            for members in partitions:
                parts = [p for g in members if (p := (at, area, year, measure, g, stat)) in fig]
                if parts:
                    lines.append((k, parts, True, len(parts) == len(members)))

    def schools(la, year, measure, group):
        keys = [("school", u, year, measure, group, "value") for u in schools_of[la]]
        return [p for p in keys if p in fig]

    for k in given_la:
        if parts := schools(k[1], k[2], k[3], k[4]):
            lines.append((k, parts, True, True))
    for k in fig:
        if k[0] != "england" or k[5] != "average" or size[k] is None:
            continue
        parts = []
        for la in sorted(set(schools_of) | {g[1] for g in given_la}):
            la_key = ("la", la, k[2], k[3], k[4], "average")
            parts += [la_key] if la_key in given_la else schools(la, k[2], k[3], k[4])
        if parts:
            lines.append((k, parts, False, False))

    made_of = defaultdict(list)
    for whole, parts, derive, _ in lines:
        made_of[whole].append((parts, derive))

    @cache
    def sized(k) -> float | None:
        """Figure k's cohort: given, or else the largest sum of parts that are
        all of it (a group missing from one partition is not from another)."""
        if size[k] is not None:
            return size[k]
        sums = [[sized(p) for p in parts] for parts, derive in made_of[k] if derive]
        return max((sum(n) for n in sums if None not in n), default=None)

    known = {k for k, r in fig.items() if r["status"] == "ok"}
    found = True
    while found:  # work out every figure that is the one unknown along a sum
        found = False
        for whole, parts, _, complete in lines:
            total = sized(whole)
            unknown = [p for p in parts if p not in known]
            if total is None:
                continue
            if whole in known and len(unknown) == 1:
                (x,) = unknown
                others = [sized(p) for p in parts if p != x]
                if None in others:
                    continue
                rest = total - sum(others)
                exact = abs(rest - sized(x)) < 1e-6 if sized(x) is not None else complete
                if exact:
                    known.add(x)
                    found = True
            elif whole not in known and not unknown:
                sizes = [sized(p) for p in parts]
                if None not in sizes and abs(total - sum(sizes)) < 1e-6:
                    known.add(whole)
                    found = True

    @cache
    def cover(k) -> float:
        """Pupils of figure k the attacker can account for."""
        if k in known:
            return sized(k) or 0.0
        best = max((sum(cover(p) for p in parts) for parts, _ in made_of[k]), default=0.0)
        return min(best, sized(k)) if sized(k) is not None else best

    out = []
    for k in sorted(known):
        if (n := sized(k)) is not None and n < MIN:
            out.append(f"{k}: a figure about {n:g} pupils is published or worked out")
    for whole, parts, _, _ in lines:
        total = sized(whole)
        if total is None or whole not in known:
            continue
        left = total - sum(cover(p) for p in parts)
        if 1e-6 < left < MIN:
            out.append(f"{whole} minus its parts {parts}: a figure about {left:g} pupils")
        for p in parts:
            if p in known and sized(p) is None:
                at_most = total - sum(sized(q) or 0 for q in parts if q != p)
                if at_most < MIN:
                    out.append(f"{p}: of unknown size, but at most {at_most:g} pupils")
    return out


def _published_only_small_hidden(rows: list[dict]) -> list[dict]:
    """The figures as the old rule's first step leaves them: only those about
    fewer than MIN pupils hidden (to show the attacker finds each leak)."""
    out = []
    for r in rows:
        r = dict(r)
        if r.get("cohort") == r.get("cohort") and r.get("cohort") is not None and r["cohort"] < MIN:
            r.update(value=NAN, status="suppressed")
        r.setdefault("computed", False)
        r.setdefault("statistic", "value" if r["area_type"] == "school" else "average")
        out.append(r)
    return out


# -- One test for each leak found on the old rule --------------------------------------


def test_a_group_missing_from_the_data_is_not_given_away():
    """Girls are absent from the data. All pupils: 30 at 60% (18 pupils); boys: 26
    at 65.4% (17 pupils). All minus boys would be the 4 girls: 18 - 17 = 1 of 4,
    25%. So the boys' figure is hidden; the whole cohort's stays."""
    rows = [_row("100001", "all", 60, 30), _row("100001", "boys", 65.4, 26)]
    assert round(0.60 * 30 - 0.654 * 26) == 1  # the girls' result, were boys published
    assert disclosures(_published_only_small_hidden(rows), {}) != []
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS)
    status = _status(out)
    assert status[("school", "100001", "boys")] == "suppressed"
    assert status[("school", "100001", "all")] == "ok"
    assert math.isnan(out.loc[out["group"] == "boys", "value"].iloc[0])
    assert disclosures(out, {}) == []


def test_a_group_of_unknown_size_worked_out_as_the_rest_is_hidden():
    """Girls' cohort is blank, but it is 30 - 26 = 4: the girls' 25% is a figure
    about 4 pupils, and so is all minus boys. Both groups are hidden."""
    rows = [
        _row("100001", "all", 60, 30),
        _row("100001", "boys", 65.4, 26),
        _row("100001", "girls", 25, NAN),
    ]
    assert disclosures(_published_only_small_hidden(rows), {}) != []
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS)
    status = _status(out)
    assert status[("school", "100001", "girls")] == "suppressed"
    assert status[("school", "100001", "boys")] == "suppressed"
    assert status[("school", "100001", "all")] == "ok"
    assert disclosures(out, {}) == []


def test_a_lone_suppressed_group_beside_a_missing_one_leaves_the_whole_published():
    """As in North Yorkshire's 2017/18 KS4 file for Easingwold School: Progress 8
    for all 144 pupils, the EAL pupils' figure suppressed with a blank cohort, and
    no figure for pupils with English as a first language. The EAL pupils are not
    all minus the rest (the rest are not in the data), so nothing can be worked
    out: the whole cohort's figure stays, and a group of 4 elsewhere changes
    nothing here."""
    rows = [
        _row("100001", "all", -0.46, 144, measure="ks4_p8"),
        _row("100001", "eal", NAN, NAN, status="suppressed", measure="ks4_p8"),
    ]
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS)
    status = _status(out)
    assert status[("school", "100001", "all")] == "ok"
    assert out.loc[out["group"] == "all", "value"].iloc[0] == -0.46
    assert disclosures(out, {}) == []
    # With both groups there, the lone suppressed one would be all minus the other.
    rows.append(_row("100001", "english_first", -0.4, 140, measure="ks4_p8"))
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS)
    assert _status(out)[("school", "100001", "english_first")] == "suppressed"
    assert disclosures(out, {}) == []


def test_two_hidden_groups_together_under_six_are_not_given_away():
    """Low prior attainment 2 pupils, middle 3: both hidden, but together 5.
    All 30 at 60% (18) minus high 25 at 64% (16) would be 2 of 5, 40%, about
    those 5 pupils. The high group is hidden too."""
    rows = [
        _row("100001", "all", 60, 30),
        _row("100001", "prior_low", 50, 2),
        _row("100001", "prior_middle", 33.3, 3),
        _row("100001", "prior_high", 64, 25),
    ]
    assert round(0.60 * 30 - 0.64 * 25) == 2
    assert disclosures(_published_only_small_hidden(rows), {}) != []
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS)
    status = _status(out)
    assert {g for (_, _, g), s in status.items() if s == "suppressed"} == {
        "prior_low",
        "prior_middle",
        "prior_high",
    }
    assert disclosures(out, {}) == []


def test_an_la_figure_given_does_not_give_away_a_hidden_school(registry):
    """LA 999's figure is given: 104 pupils at 51.9%. School 100001 (4 pupils,
    100%) is hidden; the five others have 20 pupils each at 50%. LA minus the
    others: 51.9% x 104 = 54 pupils, less 5 x 10 = 4 of 4, 100%. So the smallest
    other school (20 pupils; the first URN) is hidden too. Its boys (12) and
    girls (8) are published: they would give its figure back (and with it
    the small school's), so the smaller of them, the girls, is hidden as well."""
    la = {f"10000{i}": "999" for i in range(1, 7)}
    rows = [_row("100001", "all", 100, 4)]
    rows += [_row(f"10000{i}", "all", 50, 20) for i in range(2, 7)]
    rows += [_row("100002", "boys", 50, 12), _row("100002", "girls", 50, 8)]
    rows.append(_row("999", "all", 51.9, 104, area_type="la"))
    assert round(0.519 * 104 - 5 * 0.5 * 20) == 4  # the hidden school's 4 of 4
    assert disclosures(_published_only_small_hidden(rows), la) != []
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS, pd.Series(la))
    status = _status(out)
    hidden = {(a, g) for (_, a, g), s in status.items() if s == "suppressed"}
    assert hidden == {("100001", "all"), ("100002", "all"), ("100002", "girls")}
    assert status[("la", "999", "all")] == "ok"
    out = with_benchmarks(out, pd.Series(la), registry)
    assert disclosures(out, la) == []


def test_england_given_does_not_give_away_a_hidden_la(registry):
    """England's figure is given for 204 pupils at 51%; LA 999 has 200 at 50%,
    LA 998 4 pupils at 100% (hidden). England minus LA 999: 51% x 204 = 104,
    less 100 = 4 of 4. LA 999's figure is hidden; then, its five schools'
    figures adding up to it, the smallest of them is hidden too."""
    la = {f"10000{i}": "999" for i in range(1, 6)}
    rows = [_row(f"10000{i}", "all", 50, 40 - i) for i in range(1, 6)]  # 39 .. 35: 185
    rows.append(_row("100006", "all", 50, 15))
    la["100006"] = "999"
    rows += [
        _row("999", "all", 50, 200, area_type="la"),
        _row("998", "all", 100, 4, area_type="la"),
        _row(ENGLAND, "all", 51, 204, area_type="england"),
    ]
    assert round(0.51 * 204 - 0.5 * 200) == 4
    assert disclosures(_published_only_small_hidden(rows), la) != []
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS, pd.Series(la))
    status = _status(out)
    hidden = {(t, a) for (t, a, _), s in status.items() if s == "suppressed"}
    assert hidden == {("la", "998"), ("la", "999"), ("school", "100006")}
    assert status[("england", ENGLAND, "all")] == "ok"
    assert disclosures(with_benchmarks(out, pd.Series(la), registry), la) == []


def test_england_given_does_not_give_away_schools_outside_the_data(registry):
    """No LA figure is given: England (104 pupils) minus the five schools (100,
    all published; LA 999's figure is computed from them) is 4 pupils the data
    does not hold. The smallest school is hidden."""
    la = {f"10000{i}": "999" for i in range(1, 6)}
    rows = [_row(f"10000{i}", "all", 50, 16 + i) for i in range(1, 6)]  # 17 .. 21: 95
    rows.append(_row(ENGLAND, "all", 51, 99, area_type="england"))
    assert disclosures(with_benchmarks(observations(rows), pd.Series(la), registry), la) != []
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS, pd.Series(la))
    assert {a for (_, a, _), s in _status(out).items() if s == "suppressed"} == {"100001"}
    assert disclosures(with_benchmarks(out, pd.Series(la), registry), la) == []


def test_an_la_of_one_school_does_not_give_its_hidden_group_back():
    """All 12 pupils, girls 8: the 4 boys are missing, so the girls are hidden.
    The LA's girls' figure (given) is that one school's 8 girls: it would give
    them back, and with them the 4 boys. It is hidden too."""
    rows = [
        _row("100001", "all", 90, 12),
        _row("100001", "girls", 38, 8),
        _row("999", "girls", 38, 8, area_type="la"),
    ]
    la = {"100001": "999"}
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS, pd.Series(la))
    status = _status(out)
    assert status[("school", "100001", "girls")] == "suppressed"
    assert status[("la", "999", "girls")] == "suppressed"
    assert status[("school", "100001", "all")] == "ok"
    assert disclosures(out, la) == []


def test_a_hidden_figure_of_unknown_size_counts_its_published_groups(registry):
    """England: 165 pupils. LA 998 gives 13; schools of LA 999 (no LA figure)
    51, 34 and 53; school 100005's figure is suppressed in the data and its
    size not given, but its 10 boys are published (and its girls, of unknown
    size). 165 - 13 - 138 - 10 = 4 pupils left, the girls among them: the
    smallest published part, LA 998's figure, is hidden."""
    la = {"100001": "999", "100002": "999", "100004": "999", "100005": "999"}
    rows = [
        _row("100001", "all", 100, 51),
        _row("100002", "all", 91, 34),
        _row("100004", "all", 67, 53),
        _row("100005", "all", NAN, NAN, status="suppressed"),
        _row("100005", "boys", 15, 10),
        _row("100005", "girls", 25, NAN),
        _row("998", "all", 50, 13, area_type="la"),
        _row(ENGLAND, "all", 50, 165, area_type="england"),
    ]
    assert 165 - 13 - (51 + 34 + 53) - 10 == 4
    assert disclosures(_published_only_small_hidden(rows), la) != []
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS, pd.Series(la))
    hidden = {(t, a, g) for (t, a, g), s in _status(out).items() if s == "suppressed"}
    assert hidden == {("school", "100005", "all"), ("la", "998", "all")}
    assert disclosures(with_benchmarks(out, pd.Series(la), registry), la) == []


def test_figures_that_give_nothing_away_stay_published(registry):
    """Whole partitions of six or more, an LA figure whose schools are all
    published, an England figure of far more pupils, parts bigger than their
    whole (inconsistent data, nothing to work out): nothing is hidden."""
    la = {"100001": "999", "100002": "999"}
    rows = [
        _row("100001", "all", 60, 30),
        _row("100001", "boys", 55, 14),
        _row("100001", "girls", 64, 16),
        _row("100002", "all", 70, 20),
        _row("100002", "fsm", 50, 8),
        _row("100002", "not_fsm", 75, 16),  # 8 + 16 > 20: bad data, no remainder
        _row("999", "all", 64, 50, area_type="la"),
        _row(ENGLAND, "all", 65, 600000, area_type="england"),
    ]
    out = suppress_small_groups(observations(rows), MIN, PARTITIONS, pd.Series(la))
    assert set(out["status"]) == {"ok"}


# -- Property: no dataset the generator makes gives anything away ----------------------

SIZE = st.one_of(st.integers(0, 12), st.integers(12, 60))
KIND = st.sampled_from(["ok"] * 6 + ["absent", "blank", "suppressed", "missing"])
USED = [["fsm", "not_fsm"], ["boys", "girls"], ["prior_low", "prior_middle", "prior_high"]]


@st.composite
def _datasets(draw) -> tuple[list[dict], dict[str, str]]:
    """An LA of a few schools (sometimes a second LA of one or two), each with
    an all-pupils figure and its partitions' groups, small and large; some
    groups missing, some cohorts blank, some figures already suppressed or
    missing in the data; sometimes LA and England figures given."""
    rows, la_of = [], {}
    totals: dict[tuple[str, str], float] = defaultdict(float)  # (LA, group): pupils
    n_schools = draw(st.integers(1, 6))
    second = draw(st.integers(0, 2))
    for i in range(n_schools + second):
        urn, la = f"{100001 + i}", "999" if i < n_schools else "998"
        la_of[urn] = la
        pupils = draw(SIZE)
        sizes = {"all": pupils}
        for members in USED:
            cuts = sorted(
                draw(
                    st.lists(
                        st.integers(0, pupils), min_size=len(members) - 1, max_size=len(members) - 1
                    )
                )
            )
            for g, a, b in zip(members, [0, *cuts], [*cuts, pupils], strict=True):
                sizes[g] = b - a
        for group, n in sizes.items():
            totals[(la, group)] += n
            kind = draw(KIND) if group != "all" else draw(st.sampled_from(["ok"] * 8 + ["blank"]))
            if kind == "absent" or (n == 0 and draw(st.booleans())):
                continue
            value = float(draw(st.integers(0, 100)))
            cohort = NAN if kind == "blank" else n
            status = kind if kind in ("suppressed", "missing") else "ok"
            rows.append(_row(urn, group, value if status == "ok" else NAN, cohort, status=status))
    england = 0.0
    for la in ("999", "998"):
        for group in ["all", "boys", "girls"]:
            if (la, group) in totals and draw(st.integers(0, 2)) == 0:
                n = totals[(la, group)]
                cohort = NAN if draw(st.integers(0, 3)) == 0 else n
                rows.append(_row(la, group, 50.0, cohort, area_type="la"))
        england += totals.get((la, "all"), 0)
    if draw(st.booleans()):
        rows.append(_row(ENGLAND, "all", 50.0, england + draw(SIZE), area_type="england"))
    return rows, la_of


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_datasets())
def test_nothing_about_fewer_than_six_pupils_can_be_worked_out(registry, data):
    rows, la_of = data
    schools_la = pd.Series(la_of, dtype=object)
    out = suppress_small_groups(observations(rows), MIN, registry.partitions, schools_la)
    out = with_benchmarks(out, schools_la, registry, 5, 50)  # as compute() does
    assert disclosures(out, la_of) == []
    # Nothing published was made up or changed: a figure is as given, or hidden.
    given = {(r["area_type"], r["area"], r["group"]): r for r in rows}
    for r in out[~out["computed"]].itertuples():
        src = given[(r.area_type, r.area, r.group)]
        if r.status == "ok":
            assert src["status"] == "ok" and r.value == src["value"]
        else:
            assert math.isnan(r.value)


# -- End to end: the sample site with the four leaks planted ---------------------------

# Figures planted where the old rule published them: none may reach any output.
SECRETS = {"97.1", "97.2", "97.4", "98.4"}
CONTROL = "99.1"  # planted on a large group: it must reach the outputs


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _plant(data: Path) -> dict[str, object]:
    """The four leaks in the sample data, in 2010/11. Returns what to look for."""
    results = data / "sample-la" / "results.csv"
    fields, rows = _read(results)
    for r in rows:
        r["group"] = r["group"] or "all"
    at = {(r["urn"], r["year"], r["measure"], r["group"]): r for r in rows}

    def cell(urn, group, measure="ks2_l4_enma", year="2011"):
        return at[(urn, year, measure, group)]

    def cohort(urn, group, measure="ks2_l4_enma", year="2011"):
        return int(cell(urn, group, measure, year)["cohort"])

    # 1. Girls absent: boys are all but 4.
    rows.remove(cell("800001", "girls"))
    cell("800001", "boys").update(cohort=str(cohort("800001", "all") - 4), value="97.1")
    # 2. Girls' cohort blank, all but 3 being boys.
    cell("800002", "girls").update(cohort="", value="97.2")
    cell("800002", "boys").update(cohort=str(cohort("800002", "all") - 3), value="97.4")
    # 3. Low and middle prior attainment 2 and 3 pupils: hidden, but together 5.
    cell("800003", "prior_low").update(cohort="2")
    cell("800003", "prior_middle").update(cohort="3")
    cell("800003", "prior_high").update(cohort=str(cohort("800003", "all") - 5), value="98.4")
    # A control: a figure of a large group that is published, to show the search sees one.
    cell("800005", "boys").update(value=CONTROL)
    # 4a. An LA figure given: school 800006 has 4 pupils (hidden), the others are published.
    schools = [r for r in rows if r["year"] == "2011" and r["measure"] == "ks2_l4_ma"]
    schools = [r for r in schools if r["group"] == "all"]
    assert sorted(int(r["cohort"]) for r in schools)[:2] == [4, 7]
    pupils = sum(int(r["cohort"]) for r in schools)
    passed = sum(float(r["value"]) * int(r["cohort"]) for r in schools)
    shown = sorted((int(r["cohort"]), r["urn"]) for r in schools if int(r["cohort"]) >= MIN)
    _write(results, fields, rows)
    # 4b. England's figure of 2009/10 given for LA 999's pupils and 4 more (and
    # LA 999's own, with school 800006 of 4 pupils among its schools).
    en = [r for r in rows if r["year"] == "2010" and r["measure"] == "ks2_l4_en"]
    en = [r for r in en if r["group"] == "all"]
    en_pupils = sum(int(r["cohort"]) for r in en)
    en_passed = sum(float(r["value"]) * int(r["cohort"]) for r in en)
    bench = data / "sample-la" / "benchmarks.csv"
    fields, rows = _read(bench)
    fields.append("cohort")
    for r in rows:
        if (r["area"], r["year"], r["measure"], r["group"]) == (
            "england",
            "2010",
            "ks2_l4_en",
            "all",
        ):
            r["cohort"] = str(en_pupils + 4)
            r["value"] = f"{(en_passed + 4 * 100) / (en_pupils + 4):.1f}"
    rows += [
        {
            "area": "999",
            "year": "2011",
            "measure": "ks2_l4_ma",
            "group": "all",
            "statistic": "average",
            "value": f"{passed / pupils:.1f}",
            "cohort": str(pupils),
            "source": "planted",
        },
        {
            "area": "999",
            "year": "2010",
            "measure": "ks2_l4_en",
            "group": "all",
            "statistic": "average",
            "value": f"{en_passed / en_pupils:.1f}",
            "cohort": str(en_pupils),
            "source": "planted",
        },
    ]
    _write(bench, fields, rows)
    return {"smallest_other": shown[0][1]}


def _key(r: dict) -> tuple[str, ...]:
    return (r["area_type"], r["area"], r["year"], r["measure"], r["group"], r["statistic"])


def _number(text: str) -> re.Pattern:
    return re.compile(rf"(?<![\d.]){re.escape(text)}(?![\d])")


def test_the_planted_leaks_reach_no_output(project):
    planted = _plant(project / "data")
    out = project / "site"
    build(Paths(project / "data", project / "content", project / "templates", out), pdf=False)
    la_of = {}
    for path in (project / "data").rglob("schools.csv"):
        la_of |= {s["urn"]: s["la_code"] for s in _read(path)[1]}
    _, published = _read(out / "downloads" / "measures.csv")
    for r in published:
        r["computed"] = r["computed"] == "True"
    # The attacker, on the published CSV: nothing about fewer than 6 pupils.
    assert disclosures(published, la_of) == []
    status = {_key(r): r for r in published}
    for key in [
        ("school", "800001", "2011", "ks2_l4_enma", "boys", "value"),
        ("school", "800002", "2011", "ks2_l4_enma", "girls", "value"),
        ("school", "800002", "2011", "ks2_l4_enma", "boys", "value"),
        ("school", "800003", "2011", "ks2_l4_enma", "prior_high", "value"),
        ("school", "800006", "2011", "ks2_l4_ma", "all", "value"),
        ("school", planted["smallest_other"], "2011", "ks2_l4_ma", "all", "value"),
        ("la", "999", "2010", "ks2_l4_en", "all", "average"),
    ]:
        assert status[key]["status"] == "suppressed" and status[key]["value"] == "", key
    assert status[("la", "999", "2011", "ks2_l4_ma", "all", "average")]["status"] == "ok"
    assert status[("school", "800005", "2011", "ks2_l4_enma", "boys", "value")]["value"] == CONTROL
    # The LA's download says the same, and the JSON downloads hold no number for them.
    _, la_rows = _read(out / "la" / "999" / "measures.csv")
    for r in la_rows:
        key = _key(r)
        assert (r["status"], r["value"]) == (status[key]["status"], status[key]["value"]), key
    for path in (out / "downloads" / "measures.json", out / "la" / "999" / "measures.json"):
        for r in json_records(path):
            if r["status"] != "ok":
                assert r["value"] is None, (path, r)
    # No planted figure anywhere: pages, downloads, compare data, search index.
    texts = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix in (".pf_fragment", ".pf_index", ".pf_meta"):
            data = gzip.decompress(data)
        texts[str(path.relative_to(out))] = data.decode("utf-8", errors="replace")
    assert any(p.startswith("pagefind/") for p in texts) and "compare/schools.json" in texts
    for secret in SECRETS:
        found = [p for p, t in texts.items() if _number(secret).search(t)]
        assert found == [], (secret, found)
    control = {p for p, t in texts.items() if _number(CONTROL).search(t)}
    assert {
        "downloads/measures.csv",
        "downloads/measures.json",
        "schools/800005/index.html",
    } <= control
    # The search index holds the pages' text (their figures are kept out of it).
    index = "".join(t for p, t in texts.items() if p.startswith("pagefind/"))
    assert "Abbey Fields Junior School" in index
    compare = json.loads(texts["compare/schools.json"])
    small = next(s for s in compare if s["urn"] == planted["smallest_other"])
    assert {f["text"] for f in small["figures"] if f["measure"] == "Level 4+ in maths"} == {
        "Suppressed"
    }
