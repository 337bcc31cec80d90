"""Annual editions: last year's report cards stay at stable URLs."""

import shutil

from reportgen.build import Paths, build

from .conftest import ROOT


def test_new_year_keeps_last_years_cards(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "case-study-schools", data / "case-study-schools")
    shutil.copy(ROOT / "data" / "la_and_region_codes_meta.csv", data)
    paths = Paths(data, ROOT / "content", ROOT / "templates", tmp_path / "site")
    build(paths, pdf=True)
    card_2007 = (tmp_path / "site" / "schools" / "990003" / "report-card.pdf").read_bytes()
    assert not (tmp_path / "site" / "editions").exists()

    # The 2008 results arrive: Barton Moss's new card, last year's kept.
    results = data / "case-study-schools" / "results.csv"
    results.write_text(results.read_text() + "990003,2008,ks2_l4_en,all,75,,,,test\n")
    build(paths, pdf=True)
    kept = tmp_path / "site" / "editions" / "2007" / "schools" / "990003" / "report-card.pdf"
    assert kept.read_bytes() == card_2007
    assert (tmp_path / "site" / "schools" / "990003" / "report-card.pdf").read_bytes() != card_2007
    page = (tmp_path / "site" / "schools" / "990003" / "index.html").read_text()
    assert 'href="../../editions/2007/schools/990003/report-card.pdf">2006/07 (PDF)' in page

    # A rebuild of the same year keeps the earlier edition too.
    results.write_text(results.read_text() + "990003,2008,ks2_l4_ma,all,70,,,,test\n")
    build(paths, pdf=True)
    assert kept.read_bytes() == card_2007
