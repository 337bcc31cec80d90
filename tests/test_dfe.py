"""Real DfE downloads (Hampshire KS2, three years, and a GIAS extract) read as published."""

from __future__ import annotations

import csv
import shutil

import pytest

from reportgen.build import Paths, build, compute, read_inputs
from reportgen.model import ENGLAND

from .conftest import ROOT, SHARED
from .readback import num, raw_csv, table, text

HANTS = SHARED / "dfe-ks2-hampshire"
pytestmark = pytest.mark.skipif(not HANTS.is_dir(), reason="shared/data is not beside the repo")


def raw_rows(name: str) -> list[dict]:
    return raw_csv(HANTS / name)


@pytest.fixture(scope="module")
def hants(tmp_path_factory):
    """The Hampshire site built from the DfE folder exactly as downloaded."""
    out = tmp_path_factory.mktemp("hants") / "site"
    paths = Paths(HANTS, ROOT / "content", ROOT / "templates", out)
    result = build(paths, pdf=False)
    registry, dataset, content = read_inputs(paths)
    report = compute(dataset, registry, content)
    obs = report.obs
    index = {
        (r["area_type"], r["area"], r["year"], r["measure"], r["group"]): r
        for r in obs[obs["statistic"] != "median"].to_dict("records")
    }
    return {"out": out, "index": index, "result": result, "report": report}


def fig(hants, urn, year, measure, group="all", area_type="school"):
    return hants["index"][(area_type, urn, year, measure, group)]


def test_hand_checked_figures(hants):
    # Anstey Junior School, 2018/19 (2018-850-ks2.csv, row for URN 115851).
    f = fig(hants, "115851", 2019, "ks2_rwm_exp")
    assert (f["value"], f["cohort"], f["status"]) == (63.0, 60.0, "ok")
    f = fig(hants, "115851", 2019, "ks2_read_progress")
    assert (f["value"], f["lower"], f["upper"]) == (-1.9, -3.4, -0.3)
    assert f["band"] == "below average"  # READPROG_DESCR 4
    f = fig(hants, "115851", 2019, "ks2_rwm_exp", "disadvantaged")
    assert (f["value"], f["cohort"]) == (61.0, 18.0)
    assert fig(hants, "115851", 2019, "ks2_dis_gap_rwm_exp")["value"] == -10.0
    assert fig(hants, "115851", 2019, "ks2_rwm_exp", "prior_low")["status"] == "suppressed"
    assert fig(hants, "115851", 2019, "pupils_on_roll")["value"] == 240.0
    # The 2017/18 figure from this school's own 2017 file (57%) matches the _18 column.
    assert fig(hants, "115851", 2018, "ks2_rwm_exp")["value"] == 57.0
    # King's Somborne, 2017/18: six pupils, progress suppressed by DfE.
    assert fig(hants, "116296", 2018, "ks2_read_progress")["status"] == "suppressed"
    assert fig(hants, "116296", 2018, "ks2_rwm_exp")["value"] == 33.0
    # Church Crookham Junior, 2015/16 comes only from the 2016/17 file's _16 columns.
    f = fig(hants, "115976", 2016, "ks2_rwm_exp")
    assert f["prior"] and "PTRWM_EXP_16" in f["source"]
    # England from the state-funded row (RECTYPE 5); the LA from its row (RECTYPE 3).
    assert fig(hants, ENGLAND, 2019, "ks2_rwm_exp", area_type="england")["value"] == 65.0
    la = fig(hants, "850", 2019, "ks2_rwm_exp", area_type="la")
    assert la["value"] == 68.0 and not la["computed"]


@pytest.mark.parametrize("name, year", [("2016-850-ks2.csv", 2017), ("2018-850-ks2.csv", 2019)])
def test_a_dozen_schools_match_their_raw_rows(hants, name, year):
    columns = {
        "PTRWM_EXP": "ks2_rwm_exp",
        "PTRWM_HIGH": "ks2_rwm_high",
        "READPROG": "ks2_read_progress",
        "WRITPROG": "ks2_writ_progress",
        "MATPROG": "ks2_mat_progress",
        "READ_AVERAGE": "ks2_read_average",
        "MAT_AVERAGE": "ks2_mat_average",
    }
    schools = [r for r in raw_rows(name) if r["RECTYPE"] in ("1", "2")][::27][:12]
    assert len(schools) == 12
    for row in schools:
        for column, measure in columns.items():
            got = fig(hants, row["URN"], year, measure)
            raw = row[column].strip()
            if num(raw) is None:
                assert got["status"] != "ok", (row["URN"], column, raw)
                assert got["value"] != got["value"]  # NaN, never 0
            else:
                assert got["value"] == num(raw), (row["URN"], column)
        if num(row["READPROG_LOWER"]) is not None:
            got = fig(hants, row["URN"], year, "ks2_read_progress")
            assert (got["lower"], got["upper"]) == (
                num(row["READPROG_LOWER"]),
                num(row["READPROG_UPPER"]),
            )


def test_computed_la_average_matches_a_hand_computation(tmp_path):
    """Without DfE's LA row, the LA figure is worked out weighted by eligible pupils."""
    rows = raw_rows("2018-850-ks2.csv")
    with (HANTS / "2018-850-ks2.csv").open(encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    with (tmp_path / "ks2.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        w.writerows(r for r in rows if r["RECTYPE"] != "3")
    paths = Paths(tmp_path, ROOT / "content", ROOT / "templates", tmp_path / "site")
    registry, dataset, content = read_inputs(paths)
    obs = compute(dataset, registry, content).obs
    la = obs[
        (obs["area_type"] == "la")
        & (obs["measure"] == "ks2_rwm_exp")
        & (obs["year"] == 2019)
        & (obs["group"] == "all")
    ].iloc[0]
    pairs = [(num(r["TELIG"]), num(r["PTRWM_EXP"])) for r in rows if r["RECTYPE"] in ("1", "2")]
    pairs = [(t, v) for t, v in pairs if t is not None and v is not None and t >= 6]
    hand = round(sum(t * v for t, v in pairs) / sum(t for t, _ in pairs), 1)
    assert la["computed"] and la["value"] == hand
    assert abs(hand - 68) <= 1  # DfE's own LA figure, from pupil-level data


def test_suppressed_is_shown_as_suppressed(hants):
    html = (hants["out"] / "schools" / "116296" / "index.html").read_text()
    rows = table(html, "Pupil Progress: the years held")
    years = rows[0]
    reading = next(r for r in rows if r[0] == "Reading progress score")
    assert reading[years.index("2017/18")] == "Suppressed"
    assert "0.0" not in reading[years.index("2017/18")]


def independent_floor(rows: list[dict], year: int) -> set[str]:
    """The floor standard worked out here from the raw rows, apart from reportgen."""
    below = set()
    for r in rows:
        if r["RECTYPE"] != "1" or r["ICLOSE"].strip() == "1" or (num(r["TELIG"]) or 0) < 11:
            continue
        rwm = num(r["PTRWM_EXP"])
        scores = {
            s: (num(r[f"{s}PROG"]), num(r[f"{s}PROG_UPPER"])) for s in ("READ", "WRIT", "MAT")
        }
        if rwm is None or rwm >= 65 or any(v is None for v, _ in scores.values()):
            continue
        line = {"READ": -5, "WRIT": -7, "MAT": -5}
        short = [s for s in scores if scores[s][0] < line[s]]
        if year <= 2017:
            caught = bool(short)
        else:
            caught = len(short) >= 2 or any(scores[s][1] < 0 for s in short)
        if caught:
            below.add(r["URN"])
    return below


def test_floor_lists_match_an_independent_computation(hants):
    standards = list(csv.DictReader((hants["out"] / "downloads" / "standards.csv").open()))
    for name, year in [
        ("2016-850-ks2.csv", 2017),
        ("2017-850-ks2.csv", 2018),
        ("2018-850-ks2.csv", 2019),
    ]:
        ours = {
            r["urn"]
            for r in standards
            if r["standard"] == "floor_standard_ks2_2016"
            and r["year"] == str(year)
            and r["outcome"] == "caught"
        }
        assert ours == independent_floor(raw_rows(name), year), year
        assert 5 <= len(ours) <= 15
    page = text((hants["out"] / "la" / "850" / "index.html").read_text())
    assert "Primary floor standard" in page and "2018/19 (9)" in page


def test_coasting_matches_an_independent_computation(hants):
    """Coasting 2017/18: the criteria met in 2015/16 (the _16 columns), 2016/17 and 2017/18."""

    def meets(r: dict, sfx: str = "") -> bool | None:
        rwm = num(r.get(f"PTRWM_EXP{sfx}"))
        if rwm is None:
            return None
        if rwm >= 85:
            return False
        # One subject below its line with its interval below zero is enough, even
        # when another subject has no score (Oakfield 2015/16: writing NA).
        unknown = False
        for s, line in (("READ", -2.5), ("WRIT", -3.5), ("MAT", -2.5)):
            v, up = num(r.get(f"{s}PROG{sfx}")), num(r.get(f"{s}PROG_UPPER{sfx}"))
            if v is None or up is None:
                unknown = True
            elif v < line and up < 0:
                return True
        return None if unknown else False

    y2017 = {r["URN"]: r for r in raw_rows("2016-850-ks2.csv") if r["RECTYPE"] == "1"}
    y2018 = {r["URN"]: r for r in raw_rows("2017-850-ks2.csv") if r["RECTYPE"] == "1"}
    expected = set()
    for urn, r in y2018.items():
        if urn not in y2017 or r["ICLOSE"].strip() == "1" or (num(r["TELIG"]) or 0) < 11:
            continue
        if meets(y2017[urn], "_16") and meets(y2017[urn]) and meets(r):
            expected.add(urn)
    standards = list(csv.DictReader((hants["out"] / "downloads" / "standards.csv").open()))
    ours = {
        r["urn"]
        for r in standards
        if r["standard"] == "coasting_ks2" and r["year"] == "2018" and r["outcome"] == "caught"
    }
    assert ours == expected
    assert ours


def test_every_school_has_a_page_and_the_la_page_exists(hants):
    urns = {
        r["URN"]
        for n in ("2016-850-ks2.csv", "2017-850-ks2.csv", "2018-850-ks2.csv")
        for r in raw_rows(n)
        if r["RECTYPE"] in ("1", "2")
    }
    urns |= {
        r["URN"]
        for r in csv.DictReader((HANTS / "gias-850-establishments.csv").open(encoding="utf-8"))
    }
    for urn in urns:
        assert (hants["out"] / "schools" / urn / "index.html").exists(), urn
    assert (hants["out"] / "la" / "850" / "index.html").exists()


def test_gias_links_closures_and_ofsted(hants):
    report = hants["report"]
    schools = report.dataset.schools
    # GIAS: Awbridge Primary School (148213) replaced 115856.
    assert report.predecessor_of["148213"] == "115856"
    page = text((hants["out"] / "schools" / "148213" / "index.html").read_text())
    assert "This school replaced" in page and "115856" in page
    # Oakfield Primary (115993) is flagged closed in the 2018/19 file only.
    assert schools["115993"].closed_years == {2019}
    abbotswood = text((hants["out"] / "schools" / "116482" / "index.html").read_text())
    assert "Ofsted: Good (graded inspection, 29 June 2017)" in abbotswood
    anstey = text((hants["out"] / "schools" / "115851" / "index.html").read_text())
    assert "-3.4 to -0.3 significantly below average ; band: below average" in anstey


def test_a_prior_year_column_that_disagrees_is_reported(tmp_path):
    for name in ("2017-850-ks2.csv", "2018-850-ks2.csv"):
        shutil.copy(HANTS / name, tmp_path / name)
    path = tmp_path / "2018-850-ks2.csv"
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    col = rows[0].index("PTRWM_EXP_18")
    target = next(i for i, r in enumerate(rows) if len(r) > col and r[4] == "115851")
    rows[target][col] = "99%"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    paths = Paths(tmp_path, ROOT / "content", ROOT / "templates", tmp_path / "site")
    registry, dataset, content = read_inputs(paths)
    obs = compute(dataset, registry, content).obs
    kept = obs[
        (obs["area"] == "115851")
        & (obs["year"] == 2018)
        & (obs["measure"] == "ks2_rwm_exp")
        & (obs["group"] == "all")
    ]
    assert list(kept["value"]) == [57.0]  # the 2017/18 file wins
    clash = [w for w in dataset.warnings if w.startswith("115851 ks2_rwm_exp (all) 2017/18")]
    assert clash and "2017-850-ks2.csv" in clash[0] and "PTRWM_EXP_18 gives 99" in clash[0]
