"""The case studies: valid, linked to schools and themes in the data, figures as quoted."""

import csv

from reportgen.content import check_links, load_content
from reportgen.load import load
from reportgen.registry import load_site_config

from .conftest import ROOT


def test_every_case_study_validates_and_links_to_schools_and_themes(registry):
    problems: list[str] = []
    content = load_content(ROOT / "content", load_site_config(ROOT / "content"), problems)
    assert problems == []
    dataset = load(ROOT / "data", registry)
    assert check_links(content, set(dataset.schools), set(dataset.las)) == []
    assert len(content.case_studies) >= 3
    for study in content.case_studies:
        assert study.themes and all(t in content.themes for t in study.themes), study.path
        assert study.source, study.path
        if study.phase == "primary" and study.la != "887":  # Medway's page names no school
            assert study.schools, study.path


def test_quoted_figures_equal_the_data(registry):
    problems: list[str] = []
    content = load_content(ROOT / "content", load_site_config(ROOT / "content"), problems)
    with (ROOT / "data" / "case-study-schools" / "results.csv").open(encoding="utf-8") as fh:
        data = {
            (r["urn"], r["measure"], int(r["year"])): float(r["value"]) for r in csv.DictReader(fh)
        }
    checked = 0
    for study in content.case_studies:
        for measure, by_year in study.quoted.items():
            for year, value in by_year.items():
                found = [
                    v
                    for (u, m, y), v in data.items()
                    if u in study.schools and m == measure and y == int(year)
                ]
                assert float(value) in found, (study.path, measure, year, value)
                checked += 1
    assert checked >= 6


def test_case_study_pages_credit_their_source(sample_site):
    for folder in (sample_site / "case-studies").iterdir():
        if folder.is_dir():
            html = (folder / "index.html").read_text()
            assert "<strong>Source:</strong>" in html, folder.name
