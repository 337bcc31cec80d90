"""The sample site built whole and read back."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from reportgen import synth
from reportgen.build import Paths, build
from reportgen.errors import InputError
from reportgen.formatting import format_value

from .conftest import ROOT
from .readback import broken_links, json_download, table, text


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def schools() -> list[dict]:
    return [r for p in sorted((ROOT / "data").rglob("schools.csv")) for r in _read(p)]


@pytest.fixture(scope="module")
def sample_results() -> dict[tuple, dict]:
    return {
        (r["urn"], int(r["year"]), r["measure"], r["group"]): r
        for r in _read(ROOT / "data" / "sample-la" / "results.csv")
    }


def test_every_school_has_its_page(sample_site, schools):
    assert len(schools) == 75
    for s in schools:
        page = sample_site / "schools" / s["urn"] / "index.html"
        assert page.exists(), s["urn"]
        assert f"<h1>{s['name'].replace(chr(39), '&#39;')}</h1>" in page.read_text()


def test_school_figures_match_the_data(sample_site, sample_results, registry):
    """Every whole-cohort figure of 2010/11 on every sample school's page, read back
    from its table, equals the data: the number, or 'Suppressed' for a cohort under 6."""
    checked = 0
    for urn in sorted({k[0] for k in sample_results}):
        html = (sample_site / "schools" / urn / "index.html").read_text()
        for category in ("Pupil Attainment", "Pupil Progress"):
            rows = table(html, f"{category} in 2010/11")
            for row in rows[1:]:
                measure = next(m for m in registry.measures.values() if m.name == row[0])
                given = sample_results[(urn, 2011, measure.id, "all")]
                if int(given["cohort"]) < 6:
                    expected = "Suppressed"
                else:
                    expected = format_value(float(given["value"]), measure.unit)
                shown = row[1].split()[0] if measure.ci else row[1]
                assert shown == expected, (urn, measure.id)
                checked += 1
    assert checked > 300


def test_small_school_figures_are_suppressed_never_zero(sample_site, sample_results):
    small = sorted(
        {
            k[0]
            for k, r in sample_results.items()
            if k[1] == 2011 and k[3] == "all" and r["cohort"] and int(r["cohort"]) < 6
        }
    )
    assert small, "the sample should hold a school with a cohort under 6"
    html = (sample_site / "schools" / small[0] / "index.html").read_text()
    rows = table(html, "Pupil Attainment in 2010/11")
    assert all(r[1] == "Suppressed" for r in rows[1:])
    measures = _read(sample_site / "downloads" / "measures.csv")
    for r in measures:
        if r["area"] == small[0] and r["year"] == "2011" and r["measure"].startswith("ks2_"):
            assert r["status"] == "suppressed" and r["value"] == ""


def test_downloads_never_write_a_missing_value(sample_site):
    rows = _read(sample_site / "downloads" / "measures.csv")
    assert rows
    for r in rows:
        if r["status"] != "ok":
            assert r["value"] == "", r
        else:
            assert r["value"] != "", r
        assert r["source"], r
    columns, data = json_download(sample_site / "downloads" / "measures.json")
    assert columns == list(rows[0])
    assert len(data) == len(rows)
    value, status = columns.index("value"), columns.index("status")
    for row, r in zip(data, rows, strict=True):  # in the CSV's order
        assert row[status] == r["status"]
        if row[status] != "ok":
            assert row[value] is None, row
        else:
            assert isinstance(row[value], int | float), row


def _as_csv(value: object) -> str:
    """A value read from a JSON download, as the CSV shows it."""
    if value is None or value != value:  # null (pandas: NaN or None)
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def test_json_downloads_hold_the_csv_rows(sample_site):
    # The JSON is the column names once and an array a row (pandas' "split"
    # form): read back by pandas, it has the CSV's columns, rows and cells.
    files = {
        path: sample_site / path.replace(".json", ".csv")
        for path in ("downloads/measures.json", "la/999/measures.json", "downloads/standards.json")
    }
    held = {}
    for path, csv_path in files.items():
        with csv_path.open(encoding="utf-8", newline="") as fh:
            header, *cells = list(csv.reader(fh))
        frame = pd.read_json(sample_site / path, orient="split", dtype=False, convert_dates=False)
        assert list(frame.columns) == header and len(frame) == len(cells) > 0, path
        read = [[_as_csv(v) for v in row] for row in frame.astype(object).values.tolist()]
        assert read == cells, path
        held[path] = json_download(sample_site / path)
    # An LA's file is England's rows, then the LA's own: as in the whole site's.
    columns, whole = held["downloads/measures.json"]
    assert held["la/999/measures.json"][0] == columns
    la = held["la/999/measures.json"][1]
    area_type, la_code = columns.index("area_type"), columns.index("la_code")
    england = [r for r in whole if r[area_type] == "england"]
    assert england and whole[: len(england)] == england
    assert la[: len(england)] == england
    own = la[len(england) :]
    assert own and own == [r for r in whole[len(england) :] if r[la_code] == "999"]


def test_la_page_lists_the_schools_below_the_floor(sample_site):
    standards = _read(sample_site / "downloads" / "standards.csv")
    below = {
        r["school"]
        for r in standards
        if r["la_code"] == "999"
        and r["standard"] == "floor_standard_ks2_2011"
        and r["outcome"] == "caught"
    }
    assert 3 <= len(below) <= 10
    page = text((sample_site / "la" / "999" / "index.html").read_text())
    section = page.split("Primary floor standard 2010/11")[1].split("Primary floor target")[0]
    for name in below:
        assert name in section
    assert f"2010/11 ({len(below)})" in page.split("Schools below the standards")[1]


def test_planted_cases_show(sample_site):
    standards = _read(sample_site / "downloads" / "standards.csv")
    gg = [r for r in standards if r["standard"] == "gaining_ground" and r["outcome"] == "caught"]
    assert max(int(r["years_in_a_row"]) for r in gg) >= 3
    nc = [
        r for r in standards if r["standard"] == "national_challenge" and r["outcome"] == "caught"
    ]
    assert nc


def test_school_page_states_standards_in_plain_words(sample_site):
    standards = _read(sample_site / "downloads" / "standards.csv")
    caught = next(
        r
        for r in standards
        if r["standard"] == "floor_standard_ks2_2011" and r["outcome"] == "caught"
    )
    page = text((sample_site / "schools" / caught["urn"] / "index.html").read_text())
    assert caught["summary"] in page
    assert "below the 60% floor" in page and "below the England median of 87%" in page


def test_la_figures_agree_between_page_and_download(sample_site):
    rows = _read(sample_site / "downloads" / "measures.csv")
    la = {
        r["measure"]: r
        for r in rows
        if r["area_type"] == "la"
        and r["area"] == "999"
        and r["year"] == "2011"
        and r["group"] == "all"
    }
    page = (sample_site / "la" / "999" / "index.html").read_text()
    for row in table(page, "Latest year held")[1:]:
        name, year, la_text = row[0], row[1], row[2]
        measure = next(r for r in la.values() if r["measure_name"] == name)
        assert year == "2010/11"
        assert la_text == format_value(float(measure["value"]), measure["unit"])
        assert measure["computed"] == "True"


def test_case_studies_themes_methodology(sample_site, registry):
    for md in (ROOT / "content" / "case-studies").glob("*.md"):
        assert (sample_site / "case-studies" / md.stem / "index.html").exists()
    assert (sample_site / "case-studies" / "index.html").exists()
    assert list((sample_site / "themes").glob("*/index.html"))
    method = (sample_site / "methodology" / "index.html").read_text()
    for standard in registry.standards:
        assert f'id="{standard.id}"' in method
    for measure in registry.measures.values():
        assert f'id="measure-{measure.id}"' in method
    barton = text((sample_site / "schools" / "990003" / "index.html").read_text())
    assert "Barton Moss Primary School" in barton and "What this school did" in barton
    rows = table(
        (sample_site / "schools" / "990003" / "index.html").read_text(),
        "Pupil Attainment: the years held",
    )
    assert rows[0] == ["Measure", "2004/05", "2005/06", "2006/07"]
    assert ["Level 4+ in English", "52%", "62%", "72%"] in rows
    assert ["Level 4+ in maths", "43%", "62%", "80%"] in rows


def test_internal_links_resolve(sample_site):
    assert broken_links(sample_site) == []


def test_no_page_loads_anything_from_another_host(sample_site):
    for page in sample_site.rglob("*.html"):
        html = page.read_text()
        assert 'src="http' not in html and '<link rel="stylesheet" href="http' not in html


def test_failed_build_leaves_the_last_good_site(project):
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    build(paths, pdf=False)
    before = (project / "site" / "index.html").read_bytes()
    results = project / "data" / "sample-la" / "results.csv"
    text = results.read_text()
    results.write_text(text + "800001,2011,ks2_l4_en,all,lots,30,,\n")
    new_row = text.count("\n") + 1  # the header is row 1
    with pytest.raises(InputError) as info:
        build(paths, pdf=False)
    assert f"results.csv, row {new_row}, column value" in str(info.value)
    assert (project / "site" / "index.html").read_bytes() == before
    assert not list(project.glob(".site.*"))


def test_committed_sample_is_the_generator_output(tmp_path):
    synth.sample(tmp_path)
    for name in ("schools.csv", "results.csv", "benchmarks.csv", "inspections.csv", "surveys.csv"):
        assert (tmp_path / name).read_bytes() == (
            ROOT / "data" / "sample-la" / name
        ).read_bytes(), name


def test_command_line_check_and_build(project):
    run = [sys.executable, str(ROOT / "build.py")]
    ok = subprocess.run([*run, "check"], cwd=project, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: 75 schools")
    (project / "content" / "case-studies" / "bad.md").write_text(
        "---\ntitle: Bad\nsummary: x\nsource: y\nthemes: [phonix]\nschools: [800099]\n---\nBody\n"
    )
    bad = subprocess.run([*run, "check"], cwd=project, capture_output=True, text=True)
    assert bad.returncode == 2
    assert (
        "bad.md, front matter 'themes': unknown theme 'phonix' (did you mean 'phonics'?)"
        in bad.stderr
    )
    assert "no school with URN 800099 in the data" in bad.stderr
    new = subprocess.run(
        [*run, "new", "case-study", "Reading at Kelton"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert new.returncode == 0
    assert (project / "content" / "case-studies" / "reading-at-kelton.md").exists()
    (project / "content" / "case-studies" / "bad.md").unlink()
    again = subprocess.run([*run, "check"], cwd=project, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr  # the new case study validates as written


def test_search_index_from_the_slim_copies_is_the_index_of_the_pages(sample_site, tmp_path):
    # The build indexes copies of the pages without the parts search skips;
    # Pagefind run on the finished pages themselves must give the same index.
    subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(sample_site), "--quiet"]
        + ["--output-path", str(tmp_path / "pagefind")],
        check=True,
    )

    def files(folder: Path) -> dict[str, bytes]:
        found = (p for p in folder.rglob("*") if p.is_file())
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in found}

    built = files(sample_site / "pagefind")
    assert len(built) > 20
    assert files(tmp_path / "pagefind") == built


def _indexed(site: Path) -> dict[str, str]:
    """{page URL: the text Pagefind indexed for it}, read from its fragments."""
    out = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd")
        fragment = json.loads(data)
        out[fragment["url"]] = fragment["content"]
    return out


def test_search_indexes_what_a_page_is_about_not_its_figures(sample_site):
    # What the search page offers: name, town, postcode, URN, LA. A school's
    # figures, standards and Ofsted grades, and an LA's tables and lists of
    # schools, would make every school's page come up for "floor" or "Good",
    # and an LA's for each of its schools' names.
    indexed = _indexed(sample_site)
    school = indexed["/schools/800001/"]
    for word in ("Abbey Fields Junior School", "Hallam Green", "RF1 7AB", "800001", "Riverford"):
        assert word in school, school
    assert "%" not in school and "floor" not in school and "Ofsted" not in school
    la = indexed["/la/999/"]
    assert la.startswith("Riverford. Local authority 999") and "commentary" in la
    assert "Abbey Fields" not in la and "%" not in la
    assert not [u for u, t in indexed.items() if "/schools/" in u and "floor" in t]
