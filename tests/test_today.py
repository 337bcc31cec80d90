"""Today's data as an LA downloads it: KS4 (real North Yorkshire files, and
each later year's layout), KS2 after 2019, the census, absence, DfE's school
list, Ofsted's management information in its three regimes, and an LA's own
site made by ``new site``. Figures are picked from the raw files here and
read back from pages, downloads and PDFs."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reportgen.build import Paths, build
from reportgen.cli import main
from reportgen.formatting import format_date, format_value

from . import dfe_files
from .conftest import ROOT, SHARED
from .readback import num, raw_csv, table, tables, text

NY = SHARED / "dfe-northyorkshire-815"
HANTS = SHARED / "dfe-ks2-hampshire"
OFSTED = SHARED / "ofsted-mi-sample" / "ofsted_mi_sample.csv"
SAMPLE_WORDS = re.compile(r"Riverford|fictional|sample data|generated sample", re.I)


raw = raw_csv


def page(site: Path, urn: str) -> str:
    return (site / "schools" / urn / "index.html").read_text()


def row_of(html: str, caption: str, name: str) -> list[str]:
    found = [r for r in table(html, caption) if r and r[0] == name]
    assert found, (caption, name)
    return found[0]


def new_site(tmp: Path, la: str, data_from: list[Path]) -> Path:
    """``new site`` for ``la``, with the given files dropped into its data folder."""
    folder = tmp / f"site-{la}"
    assert main(["new", "site", str(folder), "--la", la]) == 0
    for source in data_from:
        target = folder / "data" / source.name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy(source, target)
    return folder


def built(folder: Path, pdf: bool = False, jobs: int = 1) -> Path:
    out = folder / "site"
    paths = Paths(folder / "data", folder / "content", ROOT / "templates", out)
    build(paths, pdf=pdf, jobs=jobs)
    return out


@pytest.fixture(scope="module")
def ny(tmp_path_factory) -> Path:
    """North Yorkshire's folder as downloaded, on its own new site."""
    tmp = tmp_path_factory.mktemp("ny")
    return built(new_site(tmp, "815", sorted(NY.iterdir())))


# --- KS4, real files --------------------------------------------------------------

KS4_COLUMNS = {
    "ATT8SCR": "Attainment 8",
    "PTL2BASICS_94": "Grade 4 or above in English and maths",
    "PTL2BASICS_95": "Grade 5 or above in English and maths",
    "PTEBACC_E_PTQ_EE": "Entered for the English Baccalaureate",
    "EBACCAPS": "English Baccalaureate average point score",
}
UNITS = {"ATT8SCR": "points", "EBACCAPS": "points", "P8MEA": "score"}


@pytest.mark.parametrize(
    "name, label",
    [("815_2018_ks4final.csv", "2017/18"), ("815_2019_ks4provisional.csv", "2018/19")],
)
def test_ks4_figures_are_the_raw_files_read_back_from_pages(ny, name, label):
    schools = [r for r in raw(NY / name) if r["RECTYPE"] == "1" and num(r["ATT8SCR"]) is not None]
    picked = schools[:: max(1, len(schools) // 12)][:12]
    assert len(picked) == 12
    for r in picked:
        html = page(ny, r["URN"])
        for column, measure in KS4_COLUMNS.items():
            unit = UNITS.get(column, "percent")
            want = format_value(num(r[column]), unit) if num(r[column]) is not None else None
            years = table(html, "Pupil Attainment: the years held")
            cell = row_of(html, "Pupil Attainment: the years held", measure)[years[0].index(label)]
            if want is None:
                assert cell and not cell[0].isdigit(), (r["URN"], column, cell)
            else:
                assert cell == want, (r["URN"], column, cell, want)
        p8 = row_of(html, "Pupil Progress: the years held", "Progress 8")
        years = table(html, "Pupil Progress: the years held")[0]
        if num(r["P8MEA"]) is not None:
            assert p8[years.index(label)] == format_value(num(r["P8MEA"]), "score")


def test_progress_8_has_its_interval_and_dfes_band_in_words(ny):
    bands = {"1": "well above average", "2": "above average", "3": "average"}
    bands |= {"4": "below average", "5": "well below average"}
    rows = [r for r in raw(NY / "815_2019_ks4provisional.csv") if r.get("P8_BANDING") in bands]
    assert len(rows) >= 12
    for r in rows[:12]:
        html = page(ny, r["URN"])
        cell = row_of(html, "Pupil Progress in 2018/19", "Progress 8")[1]
        low, high = (format_value(num(r[c]), "score") for c in ("P8CILOW", "P8CIUPP"))
        assert cell.startswith(format_value(num(r["P8MEA"]), "score")), cell
        assert f"{low} to {high}" in cell and f"band: {bands[r['P8_BANDING']]}" in cell


def test_ks4_la_and_england_from_their_rows_and_the_year_labelled(ny):
    rows = raw(NY / "815_2019_ks4provisional.csv")
    la = next(r for r in rows if r["RECTYPE"] == "4")
    england = next(r for r in rows if r["RECTYPE"] == "7")  # state-funded schools
    school = next(r for r in rows if r["RECTYPE"] == "1" and num(r["ATT8SCR"]) is not None)
    cells = row_of(page(ny, school["URN"]), "Pupil Attainment in 2018/19", "Attainment 8")
    assert cells[2:4] == [
        format_value(num(la["ATT8SCR"]), "points"),
        format_value(num(england["ATT8SCR"]), "points"),
    ]
    # England's Progress 8 of state-funded schools is a result (not 0 by definition).
    p8 = row_of(page(ny, school["URN"]), "Pupil Progress in 2018/19", "Progress 8")
    assert p8[3] == format_value(num(england["P8MEA"]), "score")


def test_ks4_pupil_groups_and_gaps(ny):
    rows = [r for r in raw(NY / "815_2018_ks4final.csv") if r["RECTYPE"] == "1"]
    r = next(
        r
        for r in rows
        if num(r["ATT8SCR_FSM6CLA1A"]) is not None and num(r["PTFSM6CLA1ABASICS_94"]) is not None
    )
    html = page(ny, r["URN"])
    gaps = table(html, "Gaps in 2017/18")
    a8 = next(g for g in gaps if g[0] == "Attainment 8: disadvantaged pupils vs other pupils")
    dis, other = num(r["ATT8SCR_FSM6CLA1A"]), num(r["ATT8SCR_NFSM6CLA1A"])
    assert a8[1:3] == [format_value(dis, "points"), format_value(other, "points")]
    basics = next(
        g
        for g in gaps
        if g[0] == "Grade 4 or above in English and maths: disadvantaged pupils vs other pupils"
    )
    assert basics[1] == format_value(num(r["PTFSM6CLA1ABASICS_94"]), "percent")
    assert basics[2] == format_value(num(r["PTNOTFSM6CLA1ABASICS_94"]), "percent")


def test_every_school_of_the_files_has_a_page(ny):
    urns = {r["URN"] for r in raw(NY / "815_spine.csv")}
    for name in ("815_2018_ks4final.csv", "815_2019_ks4provisional.csv"):
        urns |= {r["URN"] for r in raw(NY / name) if r["RECTYPE"] in ("1", "2")}
    assert len(urns) > 400
    assert all((ny / "schools" / u / "index.html").exists() for u in urns)
    assert "North Yorkshire" in (ny / "la" / "815" / "index.html").read_text()


def test_the_census_fills_about_the_pupils_with_its_year(ny):
    rows = [r for r in raw(NY / "815_2019_census.csv") if r["URN"].isdigit()]
    spine = {r["URN"] for r in raw(NY / "815_spine.csv")}
    picked = [r for r in rows if r["URN"] in spine and num(r["PNUMFSMEVER"]) is not None][::9][:12]
    assert len(picked) == 12
    for r in picked:
        html = page(ny, r["URN"])
        rows_ = table(html, "The latest figures held")
        fsm = next(
            x for x in rows_ if x[0].startswith("Eligible for free school meals at any time")
        )
        assert fsm[1] == f"{format_value(num(r['PNUMFSMEVER']), 'percent')} (2018/19)", r["URN"]
        roll = next(x for x in rows_ if x[0] == "Pupils on roll")
        assert roll[1] == f"{format_value(num(r['NOR']), 'count')} (2018/19)"
    # The LA's and England's rows of the school's phase stand beside it.
    la = next(
        r for r in raw(NY / "815_2019_census.csv") if r["URN"] == "LA" and r["ESTAB"] == "PRI"
    )
    primary = next(
        r for r in picked if "Primary" in (ny / "schools" / r["URN"] / "index.html").read_text()
    )
    fsm = next(
        x
        for x in table(page(ny, primary["URN"]), "The latest figures held")
        if x[0].startswith("Eligible for free school meals at any time")
    )
    assert fsm[2] == format_value(num(la["PNUMFSMEVER"]), "percent")


def test_the_spine_names_schools_and_marks_closed_ones(ny):
    spine = raw(NY / "815_spine.csv")
    closed = [r for r in spine if r["ICLOSE"] == "2" and r["OTHERURN"] in {s["URN"] for s in spine}]
    assert closed
    r = closed[0]
    successor = next(s for s in spine if s["URN"] == r["OTHERURN"])
    heading = re.search(r"<h1>(.*?)</h1>", page(ny, r["URN"])).group(1)
    assert text(heading) == f"{r['SCHNAME']} (closed)"  # the search result's title too
    html = text(page(ny, r["URN"]))
    assert r["SCHNAME"] in html and "This school has closed." in html
    assert f"replaced by {successor['SCHNAME']}" in html
    # Marked closed, with its successor, where schools are listed.
    for listing in (ny / "search" / "index.html", ny / "la" / "815" / "index.html"):
        assert f"{r['SCHNAME']} (closed; replaced by {successor['SCHNAME']})" in text(
            listing.read_text()
        )


# --- Ofsted ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ofsted(tmp_path_factory) -> Path:
    """A data folder holding only Ofsted's file: a page for every school it names."""
    tmp = tmp_path_factory.mktemp("ofsted")
    return built(new_site(tmp, "202", [OFSTED]))


AREAS = {
    "Inclusion": "Inclusion",
    "Curriculum and teaching": "Curriculum and teaching",
    "Achievement": "Achievement",
    "Attendance and behaviour": "Attendance and behaviour",
    "Personal development and wellbeing": "Personal development and wellbeing",
    "Leadership and governance": "Leadership and governance",
    "Safeguarding standards": "Safeguarding",
}


def iso(ddmmyyyy: str) -> str:
    d, m, y = ddmmyyyy.split("/")
    return f"{y}-{m}-{d}"


def test_ofsted_alone_builds_a_page_per_school(ofsted):
    rows = raw(OFSTED)
    for r in rows:
        html = text(page(ofsted, r["URN"]))
        assert r["School name"] in html
        assert r["Local authority"] in html
    # LA names come with the file (LAESTAB's first three digits are the LA).
    assert "Camden" in (ofsted / "la" / "202" / "index.html").read_text()


def test_report_cards_show_each_area_with_its_grade_and_date(ofsted):
    cards = [r for r in raw(OFSTED) if r["Inclusion"] != "NULL"]
    assert cards
    for r in cards:
        html = text(page(ofsted, r["URN"]))
        date = format_date(iso(r["Inspection start date"]))
        assert f"Ofsted report card, {date}" in html
        for column, area in AREAS.items():
            assert f"{area}: {r[column]}" in html, (r["URN"], area)
        assert f"Ofsted: Report card, {date}" in html  # at a glance


def test_graded_inspections_keep_their_own_words(ofsted):
    rows = raw(OFSTED)
    words = {"1": "Outstanding", "2": "Good", "3": "Requires improvement", "4": "Inadequate"}
    graded = [r for r in rows if r["Latest OEIF overall effectiveness"] in words]
    not_judged = [r for r in rows if r["Latest OEIF overall effectiveness"] == "Not judged"]
    assert graded and not_judged
    for r in graded[:12]:
        html = text(page(ofsted, r["URN"]))
        date = format_date(iso(r["Inspection start date of latest OEIF graded inspection"]))
        assert f"Graded inspection, {date}" in html
        assert f"Overall effectiveness: {words[r['Latest OEIF overall effectiveness']]}" in html
    for r in not_judged:
        html = text(page(ofsted, r["URN"]))
        date = format_date(iso(r["Inspection start date of latest OEIF graded inspection"]))
        assert f"Graded inspection, without an overall grade, {date}" in html
        assert "Overall effectiveness: Not judged" in html
        # Never turned into a grade of another regime.
        quality = r["Latest OEIF quality of education"]
        assert f"Quality of education: {words[quality]}" in html


def test_ungraded_outcomes_are_shown_with_their_dates(ofsted):
    rows = [r for r in raw(OFSTED) if r["Ungraded inspection overall outcome"] != "NULL"]
    assert len(rows) > 12
    for r in rows[:12]:
        html = text(page(ofsted, r["URN"]))
        date = format_date(iso(r["Date of latest ungraded inspection"]))
        assert f"Ungraded inspection, {date}" in html
        assert f"Outcome: {r['Ungraded inspection overall outcome']}" in html


def test_gias_and_ofsted_the_newer_inspection_wins_and_says_its_source(tmp_path):
    """Hampshire's GIAS extract, with Ofsted's file of two of its schools: Ofsted's
    newer report card is the latest; GIAS's older grade stays, named as GIAS's."""
    rows = raw(HANTS / "gias-850-establishments.csv")
    graded = [r for r in rows if r["OfstedRating (name)"] == "Good" and r["OfstedLastInsp"]][:1]
    assert graded
    school = graded[0]
    card = next(r for r in raw(OFSTED) if r["Inclusion"] != "NULL")
    with OFSTED.open(encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
    mine = dict(card, URN=school["URN"], LAESTAB="850" + school["EstablishmentNumber"].zfill(4))
    mine["School name"] = school["EstablishmentName"]
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(HANTS / "gias-850-establishments.csv", data)
    with (data / "ofsted.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerow(mine)
    folder = tmp_path / "site"
    main(["new", "site", str(folder), "--la", "850"])
    out = build_site(data, folder / "content", tmp_path / "out")
    html = text(page(out, school["URN"]))
    date = format_date(iso(card["Inspection start date"]))
    assert f"Ofsted: Report card, {date}" in html
    gias_date = format_date("-".join(reversed(school["OfstedLastInsp"].split("-"))))
    assert f"Graded inspection, {gias_date} Overall effectiveness: Good" in html
    assert "Source: gias-850-establishments.csv, row" in html
    assert "Source: ofsted.csv, row 2" in html


def build_site(data: Path, content: Path, out: Path) -> Path:
    build(Paths(data, content, ROOT / "templates", out), pdf=False)
    return out


# --- The years after 2019, in each year's layout ---------------------------------------


@pytest.fixture(scope="module")
def later(tmp_path_factory) -> Path:
    """KS2 and KS4 of 2021/22 to 2024/25 in DfE's year folders, beside the real
    2018/19 KS2 and 2017/18 KS4 files, the GIAS extract and absence of 2023/24."""
    tmp = tmp_path_factory.mktemp("later")
    data = tmp / "data"
    for year in (2022, 2023, 2024, 2025):
        dfe_files.write_ks2(data, year)
        dfe_files.write_ks4(data, year)
    for name in ("2018-850-ks2.csv", "gias-850-establishments.csv"):
        shutil.copy(HANTS / name, data / name)
    shutil.copy(NY / "815_2018_ks4final.csv", data)
    urns = [r["URN"] for r in raw(HANTS / "2018-850-ks2.csv") if r["RECTYPE"] == "1"][:40]
    dfe_files.write_absence(data, 2024, urns)
    main(["new", "site", str(tmp / "site"), "--la", "850"])
    return build_site(data, tmp / "site" / "content", tmp / "out")


def synthetic(path: Path) -> list[dict]:
    return raw(path)


def test_ks2_2024_25_says_progress_was_not_calculated_and_keeps_2022_23(later, tmp_path):
    rows = synthetic(dfe_files.write_ks2(tmp_path, 2025))
    r = next(x for x in rows if x["RECTYPE"] == "1" and num(x["READPROG_23"]) is not None)
    html = page(later, r["URN"])
    # No table of blanks: the reason says it.
    assert not [t for t in tables(html) if t["caption"].startswith("Pupil Progress in 2024/25")]
    words = text(html)
    assert "KS2 progress scores were not calculated for 2023/24 and 2024/25" in words
    want = format_value(num(r["READPROG_23"]), "score")
    assert f"reading progress score {want} (2022/23)" in words
    years = table(html, "Pupil Progress: the years held")[0]
    reading = row_of(html, "Pupil Progress: the years held", "Reading progress score")
    assert reading[years.index("2022/23")] == want
    attainment = row_of(
        html, "Pupil Attainment in 2024/25", "Expected standard in reading, writing and maths"
    )
    assert attainment[1] == format_value(num(r["PTRWM_EXP"]), "percent")


def test_the_pandemic_years_are_a_named_gap_that_no_line_crosses(later):
    r = next(x for x in raw(HANTS / "2018-850-ks2.csv") if x["RECTYPE"] == "1")
    html = page(later, r["URN"])
    years = table(html, "Pupil Attainment: the years held")[0]
    at = years.index("2019/20")
    assert years[at - 1 : at + 3] == ["2018/19", "2019/20", "2020/21", "2021/22"]
    rwm = row_of(
        html, "Pupil Attainment: the years held", "Expected standard in reading, writing and maths"
    )
    assert rwm[at] == rwm[at + 1] == "No results published"
    chart = re.search(r'<figure class="chart chart-trend">.*?</figure>', html, re.S).group(0)
    assert 'class="no-results"' in chart and "No results" in chart
    # Each line is separate runs of segments: one "M" before the gap and one after.
    first_line = re.search(r'<path d="(M[^"]*)" fill="none"', chart).group(1)
    assert first_line.count("M") == 2


def test_no_change_is_worked_out_across_the_pandemic():
    from reportgen.measures import trend

    gap = {2020, 2021}
    assert trend({2018: 60.0, 2019: 62.0, 2022: 58.0}, gap) == {
        "first_year": 2022,
        "change": None,
        "last_change": None,
    }
    assert trend({2019: 62.0, 2022: 58.0, 2023: 61.0}, gap)["last_change"] == 3.0
    assert trend({2019: 62.0, 2022: 58.0, 2023: 61.0}, gap)["change"] == 3.0  # since 2021/22


def test_standards_end_with_2018_19(later):
    r = next(x for x in raw(HANTS / "2018-850-ks2.csv") if x["RECTYPE"] == "1")
    words = text(page(later, r["URN"]))
    assert "No floor or coasting standard has applied since 2018/19" in words
    la = (later / "la" / "850" / "index.html").read_text()
    below = text(la.split('id="below-h"')[1].split("</section>")[0])
    assert "2018/19" in below
    assert not re.search(r"20(21/22|22/23|23/24|24/25) \(\d+\)", below)
    standards = raw(later / "downloads" / "standards.csv")
    assert max(int(s["year"]) for s in standards) == 2019


def test_ks4_later_years_read_with_each_years_names(later, tmp_path):
    y2022 = synthetic(dfe_files.write_ks4(tmp_path, 2022))
    y2025 = synthetic(dfe_files.write_ks4(tmp_path, 2025))
    r = next(x for x in y2022 if x["RECTYPE"] == "1" and num(x["ATT8SCR_MID"]) is not None)
    html = page(later, r["URN"])
    s2025 = next(x for x in y2025 if x["URN"] == r["URN"])
    # Middle prior attainment under _MID (its cohort still TPRIORAV).
    gaps = table(html, "Gaps in 2024/25")
    middle = next(
        g for g in gaps if g[0] == "Attainment 8: low prior attainment vs middle prior attainment"
    )
    assert middle[2] == format_value(num(s2025["ATT8SCR_MID"]), "points")
    # Prior attainment of 2021/22 is the KS2 average scaled score, KS2ASS.
    figures = raw(later / "downloads" / "measures.csv")
    ks2ass = [
        f
        for f in figures
        if f["area"] == r["URN"] and f["measure"] == "prior_attainment" and f["year"] == "2022"
    ]
    assert [float(f["value"]) for f in ks2ass] == [num(r["KS2ASS"])]
    assert "KS2ASS" in ks2ass[0]["source"]
    assert not [t for t in tables(html) if t["caption"].startswith("Pupil Progress in 2024/25")]
    words = text(html)
    assert "Progress 8 was not calculated for 2024/25 and 2025/26" in words
    # _PREV is 2023/24 and _PREV2 2022/23.
    years = table(html, "Pupil Attainment: the years held")[0]
    a8 = row_of(html, "Pupil Attainment: the years held", "Attainment 8")
    assert a8[years.index("2023/24")] == format_value(num(s2025["ATT8SCR_PREV"]), "points")
    assert a8[years.index("2022/23")] == format_value(num(s2025["ATT8SCR_PREV2"]), "points")
    assert a8[years.index("2024/25")] == format_value(num(s2025["ATT8SCR"]), "points")
    # The pandemic years' columns (_20, _21) are not read as results.
    assert a8[years.index("2020/21")] == "No results published"


def test_absence_fills_wellbeing_with_the_la_and_england_of_its_phase(later, tmp_path):
    rows = raw(dfe_files.write_absence(tmp_path, 2024, ["x"]))
    la = next(r for r in rows if r["LA"] == "850" and r["ESTAB"] == "PRI")
    nat = next(r for r in rows if r["LA"] == "NAT" and r["ESTAB"] == "PRI")
    urns = [r["URN"] for r in raw(HANTS / "2018-850-ks2.csv") if r["RECTYPE"] == "1"][:40]
    absence = raw(next((later.parent / "data").glob("2023-2024/850_abs.csv")))
    for r in [a for a in absence if a["URN"] in urns][:12]:
        html = page(later, r["URN"])
        cells = row_of(html, "Pupil Wellbeing in 2023/24", "Overall absence")
        assert cells[1:4] == [
            format_value(num(r["PERCTOT"]), "percent"),
            format_value(num(la["PERCTOT"]), "percent"),
            format_value(num(nat["PERCTOT"]), "percent"),
        ]
        persistent = row_of(html, "Pupil Wellbeing in 2023/24", "Persistent absence")
        assert persistent[1] == format_value(num(r["PPERSABS10"]), "percent")


# --- An LA's own site ----------------------------------------------------------------


@pytest.fixture(scope="module")
def hampshire(tmp_path_factory) -> Path:
    """``new site --la 850`` with Hampshire's files, built with its PDFs."""
    tmp = tmp_path_factory.mktemp("hampshire")
    return built(new_site(tmp, "850", sorted(HANTS.iterdir())), pdf=True, jobs=2)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_new_site_writes_a_project_folder_and_says_the_next_command(tmp_path, capsys):
    folder = tmp_path / "hants"
    assert (
        main(["new", "site", str(folder), "--la", "850", "--publisher", "Hampshire County Council"])
        == 0
    )
    out = capsys.readouterr().out
    assert f"--data {folder / 'data'} --content {folder / 'content'} --out {folder / 'site'}" in out
    assert (folder / "data" / "README.md").read_text().count("850_ks2final.csv") >= 1
    site = (folder / "content" / "site.yml").read_text()
    assert "Hampshire" in site and 'publisher: "Hampshire County Council"' in site
    assert "[Replace:" in site  # placeholders, clearly marked
    assert (folder / "content" / "la" / "850.md").exists()
    assert not (folder / "content" / "la" / "999.md").exists()
    assert len(list((folder / "content" / "case-studies").glob("*.md"))) == len(
        list((ROOT / "content" / "case-studies").glob("*.md"))
    )
    assert not SAMPLE_WORDS.search(
        "\n".join(p.read_text() for p in (folder / "content").rglob("*.*"))
    )
    # A second time into the same folder is refused; an unknown LA is named.
    assert main(["new", "site", str(folder), "--la", "850"]) == 2
    assert main(["new", "site", str(tmp_path / "x"), "--la", "Hampshire"]) == 2
    assert "did you mean 850 (Hampshire)" in capsys.readouterr().err


def test_an_la_site_has_no_sample_wording_in_any_page_or_pdf(hampshire):
    pages = list(hampshire.rglob("*.html"))
    assert len(pages) > 450
    for p in pages:
        assert not SAMPLE_WORDS.search(text(p.read_text())), p
    pdfs = list(hampshire.rglob("*.pdf"))
    assert len(pdfs) > 450
    for p in pdfs:
        assert not SAMPLE_WORDS.search(pdf_text(p)), p


def test_infant_schools_say_why_they_have_no_results(hampshire):
    infants = [
        r
        for r in raw(HANTS / "gias-850-establishments.csv")
        if r["PhaseOfEducation (name)"] == "Primary" and r["StatutoryHighAge"] == "7"
    ]
    assert len(infants) > 100
    for r in infants:
        html = page(hampshire, r["URN"])
        words = text(html)
        assert "before the end of key stage 2" in words and "no test results are published" in words
        assert "No figures for this category" not in words
        assert 'class="category"' not in html  # no empty category boxes
    card = pdf_text(hampshire / "schools" / infants[0]["URN"] / "report-card.pdf")
    assert "before the end of key stage 2" in " ".join(card.split())
    assert "Pupil Progress" not in card.split("Not held for this school")[0]


def test_england_placeholders_are_not_shown_as_englands_performance(hampshire):
    """DfE writes England's DIFFN and progress as 0, a definition: the page says so."""
    rows = raw(HANTS / "2018-850-ks2.csv")
    england = next(x for x in rows if x["RECTYPE"] == "5")
    assert england["DIFFN_RWM_EXP"].strip() == "0"  # DfE's placeholder
    r = next(x for x in rows if x["RECTYPE"] == "1" and num(x["DIFFN_RWM_EXP"]) is not None)
    html = page(hampshire, r["URN"])
    for caption in ("Pupil Progress in 2018/19", "Disadvantaged pupils here against"):
        found = [t for t in tables(html) if t["caption"].startswith(caption)]
        assert found, caption
        for row in found[0]["rows"][1:]:
            assert row[3] == "0 by definition", row
    assert "figure is 0 by the way it is worked out" in html  # the explanation, on the page


# --- The quality gates, on pages only today's data makes ------------------------------


def todays_pages(ny: Path, ofsted: Path, later: Path, hampshire: Path) -> list[tuple[Path, str]]:
    """(site, page) for each kind of page the real files of today make."""
    ny_rows = raw(NY / "815_2019_ks4provisional.csv")
    secondary = next(r["URN"] for r in ny_rows if r["RECTYPE"] == "1" and num(r["P8MEA"]))
    census = next(r["URN"] for r in raw(NY / "815_2019_census.csv") if r["URN"].isdigit())
    rows = raw(OFSTED)
    card = next(r["URN"] for r in rows if r["Inclusion"] != "NULL")
    not_judged = next(
        r["URN"] for r in rows if r["Latest OEIF overall effectiveness"] == "Not judged"
    )
    ks2 = next(r["URN"] for r in raw(HANTS / "2018-850-ks2.csv") if r["RECTYPE"] == "1")
    infant = next(
        r["URN"]
        for r in raw(HANTS / "gias-850-establishments.csv")
        if r["PhaseOfEducation (name)"] == "Primary" and r["StatutoryHighAge"] == "7"
    )
    return [
        (ny, f"schools/{secondary}/index.html"),
        (ny, f"schools/{census}/index.html"),
        (ny, "la/815/index.html"),
        (ofsted, f"schools/{card}/index.html"),
        (ofsted, f"schools/{not_judged}/index.html"),
        (later, f"schools/{ks2}/index.html"),
        (later, f"schools/{secondary}/index.html"),
        (later, "la/850/index.html"),
        (later, "methodology/index.html"),
        (hampshire, f"schools/{infant}/index.html"),
    ]


def test_todays_pages_pass_the_nu_checker_and_axe(ny, ofsted, later, hampshire):
    from .browser import browser, serve
    from .test_quality import AXE, VNU

    pages = todays_pages(ny, ofsted, later, hampshire)
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json"]
        + [str(site / path) for site, path in pages],
        capture_output=True,
        text=True,
    )
    assert json.loads(done.stderr or "{}").get("messages", []) == []
    failures = {}
    with browser() as b:
        for site, path in pages:
            with serve(site) as base:
                for width in (360, 1280):
                    # axe is injected as an inline script, which the site's policy forbids.
                    context = b.new_context(
                        bypass_csp=True, viewport={"width": width, "height": 800}
                    )
                    tab = context.new_page()
                    tab.goto(base + path)
                    assert tab.evaluate("() => document.documentElement.scrollWidth") <= width, (
                        path,
                        width,
                    )
                    tab.add_script_tag(path=str(AXE))
                    result = tab.evaluate(
                        """() => axe.run(document, {runOnly: {type: 'tag', values:
                           ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
                    )
                    bad = [
                        (v["id"], [n["target"] for n in v["nodes"][:3]])
                        for v in result["violations"]
                    ]
                    if bad:
                        failures[(path, width)] = bad
                    context.close()
    assert failures == {}


@pytest.fixture(scope="module")
def cards(tmp_path_factory) -> Path:
    """North Yorkshire's KS4 files and 2018/19 census with Ofsted's file, built
    with their PDF cards."""
    tmp = tmp_path_factory.mktemp("cards")
    files = [NY / n for n in ("815_2018_ks4final.csv", "815_2019_ks4provisional.csv")]
    return built(new_site(tmp, "815", [*files, NY / "815_2019_census.csv", OFSTED]), True, 2)


def card_lines(pdf: Path) -> str:
    return " ".join(pdf_text(pdf).split())


def test_ks4_census_and_ofsted_figures_in_cards_and_downloads(cards):
    figures = {
        (f["area"], f["year"], f["measure"], f["group"]): f
        for f in raw(cards / "downloads" / "measures.csv")
    }
    rows = raw(NY / "815_2019_ks4provisional.csv")
    la = next(r for r in rows if r["RECTYPE"] == "4")
    england = next(r for r in rows if r["RECTYPE"] == "7")
    schools = [r for r in rows if r["RECTYPE"] == "1" and num(r["ATT8SCR"]) is not None]
    census = {r["URN"]: r for r in raw(NY / "815_2019_census.csv")}
    for r in schools[:: max(1, len(schools) // 12)][:12]:
        text_ = card_lines(cards / "schools" / r["URN"] / "report-card.pdf")
        a8 = [format_value(num(x["ATT8SCR"]), "points") for x in (r, la, england)]
        assert f"Attainment 8: school {a8[0]}, LA {a8[1]}, England {a8[2]}" in text_, r["URN"]
        got = figures[(r["URN"], "2019", "ks4_att8", "all")]
        assert float(got["value"]) == num(r["ATT8SCR"]) and got["status"] == "ok"
        for column, measure in (("P8MEA", "ks4_p8"), ("PTL2BASICS_94", "ks4_em_4plus")):
            got = figures[(r["URN"], "2019", measure, "all")]
            if num(r[column]) is None:
                assert got["value"] == "" and got["status"] != "ok"  # never 0
            else:
                assert float(got["value"]) == num(r[column])
        if r["URN"] in census and num(census[r["URN"]]["PNUMFSMEVER"]) is not None:
            fsm = figures[(r["URN"], "2019", "pct_fsm6", "all")]
            assert float(fsm["value"]) == num(census[r["URN"]]["PNUMFSMEVER"])
            assert "815_2019_census.csv" in fsm["source"]
    card = next(r for r in raw(OFSTED) if r["Inclusion"] != "NULL")
    text_ = card_lines(cards / "schools" / card["URN"] / "report-card.pdf")
    date = format_date(iso(card["Inspection start date"]))
    assert f"Ofsted: Report card, {date}: Inclusion {card['Inclusion'].lower()}" in text_


def test_a_card_names_the_file_its_inspections_come_from(cards):
    card = next(r for r in raw(OFSTED) if r["Inclusion"] != "NULL")
    text_ = card_lines(cards / "schools" / card["URN"] / "report-card.pdf")
    assert f"Data files: {OFSTED.name}." in text_
