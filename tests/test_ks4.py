"""KS4 performance tables (2017/18 format), from a small file written to DfE's dictionary."""

import shutil
from pathlib import Path

from reportgen.build import Paths, compute, read_inputs
from reportgen.model import ENGLAND

from .conftest import ROOT

# A small KS4 file written to DfE's 2017/18 column dictionary: mainstream and
# special schools (1, 2), the LA (4), England all schools (5) and maintained (7).
KS4_FILE = Path(__file__).parent / "fixtures" / "ks4-2017-18-small.csv"


def test_ks4_file_read_as_dfe_defines_it(tmp_path, registry):
    shutil.copy(KS4_FILE, tmp_path / "england_ks4final.csv")
    paths = Paths(tmp_path, ROOT / "content", ROOT / "templates", tmp_path / "site")
    _, dataset, content = read_inputs(paths)
    assert dataset.files == ["england_ks4final.csv (dfe_ks4)"]
    report = compute(dataset, registry, content)
    obs = report.obs.set_index(["area", "year", "measure", "group"])

    def at(area, year, measure, group="all"):
        return obs.loc[(area, year, measure, group)]

    # Its newest prior year (ATT8SCR_17) makes this the 2017/18 file: results of summer 2018.
    p8 = at("400001", 2018, "ks4_p8")
    assert (p8["value"], p8["lower"], p8["upper"], p8["cohort"]) == (-0.21, -0.42, 0.0, 180)
    assert at("400001", 2018, "ks4_att8")["value"] == 46.3
    assert at("400001", 2018, "ks4_em_4plus")["value"] == 61
    assert at("400001", 2018, "ks4_ebacc_aps")["value"] == 3.91
    dis = at("400001", 2018, "ks4_p8", "disadvantaged")
    assert (dis["value"], dis["lower"], dis["upper"]) == (-0.65, -1.01, -0.29)
    assert at("400001", 2018, "ks4_p8", "boys")["value"] == -0.40
    # Prior year, including DfE's double underscore before the year of a group column.
    assert at("400001", 2016, "ks4_p8")["value"] == -0.35
    assert at("400001", 2016, "ks4_p8", "disadvantaged")["value"] == -0.80
    # Codes keep their meaning.
    assert at("400002", 2018, "ks4_ebacc_entry")["status"] == "suppressed"
    assert at("400002", 2016, "ks4_p8")["status"] == "no_entries"
    assert at("400003", 2018, "ks4_p8")["status"] == "not_published"
    # LA from RECTYPE 4; England from the maintained-schools row (7), not all schools (5).
    assert at("999", 2018, "ks4_att8")["value"] == 48.2
    assert at(ENGLAND, 2018, "ks4_att8")["value"] == 46.5
    assert dataset.schools["400003"].special
    assert dataset.schools["400001"].school_type == "Academy converter"
    assert dataset.schools["400001"].phase == "secondary"
    # The gap between disadvantaged and other pupils, from the two groups' figures.
    gap = report.gaps.set_index(["area", "year", "measure", "group"]).loc[
        ("400001", 2018, "ks4_att8", "disadvantaged")
    ]
    assert round(gap["value"], 1) == -13.1
