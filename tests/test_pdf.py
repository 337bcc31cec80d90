"""PDF report cards and LA packs, opened and read back with poppler's tools."""

from __future__ import annotations

import html
import re
import subprocess
import time
from pathlib import Path

import pytest

from reportgen.render_html import make_env
from reportgen.render_pdf import PdfRenderer

from .conftest import ROOT
from .readback import table


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def info(pdf: Path) -> dict[str, str]:
    return dict(
        (k.strip(), v.strip())
        for k, v in (
            line.split(":", 1) for line in run("pdfinfo", str(pdf)).splitlines() if ":" in line
        )
    )


def test_every_school_has_a_card_of_at_most_two_tagged_pages(sample_site):
    schools = sorted((sample_site / "schools").iterdir())
    assert len(schools) == 75
    for folder in schools:
        pdf = folder / "report-card.pdf"
        assert pdf.exists(), folder.name
        meta = info(pdf)
        assert int(meta["Pages"]) <= 2, folder.name
        assert meta["Page size"].endswith("(A4)")
    meta = info(schools[0] / "report-card.pdf")
    assert meta["Tagged"] == "yes"
    assert meta["Title"].endswith("school report card 2010/11")


def _outline(pdf: Path) -> list[str]:
    xml = run("pdftohtml", "-xml", "-stdout", "-i", "-q", str(pdf))
    outline = xml[xml.index("<outline>") :]
    return [html.unescape(t) for t in re.findall(r"<item[^>]*>(.*?)</item>", outline)]


def test_cards_and_packs_have_an_outline(sample_site):
    card = _outline(sample_site / "schools" / "800041" / "report-card.pdf")
    assert card[0] == "Riverford Academy"
    assert {"Pupil Progress", "Pupil Attainment", "Pupil Wellbeing"} <= set(card[1:])
    pack = _outline(sample_site / "la" / "999" / "report-cards.pdf")
    assert pack[:2] == ["Riverford", "Contents"]
    assert "Riverford Academy" in pack and pack.count("Pupil Progress") == 50


def test_fonts_are_the_shipped_ones_and_embedded(sample_site):
    lines = run(
        "pdffonts", str(sample_site / "schools" / "800003" / "report-card.pdf")
    ).splitlines()[2:]
    assert lines
    for line in lines:
        name, *rest = line.split()
        assert "Card-Sans" in name
        assert rest[-5] == "yes"  # emb


def _pdf_lines(pdf: Path) -> list[str]:
    return [
        " ".join(line.split()) for line in run("pdftotext", "-layout", str(pdf), "-").splitlines()
    ]


@pytest.mark.parametrize("urn", ["800003", "800018", "800046", "990003"])
def test_card_shows_the_same_figures_as_the_page(sample_site, urn):
    html = (sample_site / "schools" / urn / "index.html").read_text()
    text = " ".join(_pdf_lines(sample_site / "schools" / urn / "report-card.pdf"))
    named_only = [f", {g}, " for g in re.findall(r"Also on the web page: ([^.]*)\.", text)]
    checked = 0
    for caption in ("Pupil Attainment in", "Pupil Progress in", "Pupil Wellbeing in"):
        try:
            rows = table(html, caption)
        except AssertionError:
            continue
        for name, school, la, england, _change in rows[1:]:
            if any(f", {name}, " in g for g in named_only):
                continue  # not a headline measure: the card names it, the page has it
            # The card's line for this measure: "name: school 69%, LA 72%*, England 74%",
            # a computed figure marked *, a missing one in lower case.
            found = re.search(
                re.escape(name) + r": school (.+?), LA (.+?), England (.+?)(?: Earlier| [A-Z]|$)",
                text,
            )
            assert found, (urn, name)
            figures = [f.rstrip("*") for f in found.groups()]
            expected = [school.split()[0] if school[:1].isdigit() else school, la, england]
            assert figures == [e if e[:1] in "+-−0123456789" else e.lower() for e in expected], (
                urn,
                name,
                found.group(0),
            )
            checked += 1
    assert checked >= 2
    assert re.search(r"URN " + urn, text)
    assert f"schools/{urn}/" in text


def test_suppressed_stays_suppressed_in_the_pdf(sample_site):
    text = " ".join(_pdf_lines(sample_site / "schools" / "800006" / "report-card.pdf"))
    attainment = text.split("Pupil Attainment")[1].split("Pupil Wellbeing")[0]
    assert "school suppressed" in attainment
    assert " 0% " not in attainment and "school 0%" not in attainment


def test_la_pack_has_cover_contents_summary_and_every_card(sample_site):
    pack = sample_site / "la" / "999" / "report-cards.pdf"
    text = run("pdftotext", str(pack), "-")
    assert text.count("Riverford") > 10 and "Contents" in text and "Results against England" in text
    for folder in (sample_site / "schools").iterdir():
        if folder.name.startswith("800"):
            name = re.search(r"<h1>(.*?)</h1>", (folder / "index.html").read_text()).group(1)
            assert name.replace("&#39;", "'") in text
    pages = int(info(pack)["Pages"])
    assert 50 < pages <= 3 + 2 * 50


def test_la_pack_contents_give_the_page_each_card_is_on(sample_site):
    """The pack is joined from its front matter and each card laid out on its own:
    the contents' page numbers and the pages' own numbers must agree."""
    pack = sample_site / "la" / "999" / "report-cards.pdf"
    contents = run("pdftotext", "-layout", "-f", "2", "-l", "4", str(pack), "-")
    entries = re.findall(r"^\s*\d+\. (.+?) {2,}(\d+)$", contents, flags=re.M)
    assert len(entries) == 51, entries[:3]  # the summary and 50 schools
    total = int(info(pack)["Pages"])
    for name, page in entries[::7] + entries[-1:]:
        text = run("pdftotext", "-f", page, "-l", page, str(pack), "-")
        assert name.removesuffix(" summary") in text, (name, page)
        assert f"Page {page}" in text and int(page) <= total
    # The pages after a two-page card carry on from it.
    numbers = [int(p) for _, p in entries]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_pages_link_to_their_pdfs(sample_site):
    assert (
        'href="report-card.pdf"' in (sample_site / "schools" / "800001" / "index.html").read_text()
    )
    assert 'la/999/report-cards.pdf"' in (sample_site / "la" / "999" / "index.html").read_text()


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_same_input_gives_byte_identical_pdf(subsetter, monkeypatch):
    """Also where HarfBuzz cannot subset fonts, and WeasyPrint uses fontTools,
    which stamps a font with the time (a second apart here) unless told not to."""
    import weasyprint.pdf.fonts

    if subsetter == "fonttools":
        monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>T</title></head>'
        "<body><h1>Card</h1><p>54%</p></body></html>"
    )
    first = PdfRenderer(make_env(ROOT / "templates"), ROOT / "templates").pdf(html)
    time.sleep(1.1 if subsetter == "fonttools" else 0)
    second = PdfRenderer(make_env(ROOT / "templates"), ROOT / "templates").pdf(html)
    assert first == second


@pytest.mark.parametrize("src", ["http://example.com/logo.png", "file:///etc/passwd"])
def test_pdf_fetches_nothing_outside_the_project(src):
    from weasyprint.urls import FatalURLFetchingError

    renderer = PdfRenderer(make_env(ROOT / "templates"), ROOT / "templates")
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head>'
        f'<body><img src="{src}" alt=""></body></html>'
    )
    with pytest.raises(FatalURLFetchingError, match="refused"):
        renderer.pdf(html)


def test_every_element_of_the_card_templates_has_its_defaults():
    """Cards start from the short element defaults of ``pdf/ua.css``: every element
    the PDF templates use is either listed there or one that is inline anyway."""
    folder = ROOT / "templates" / "pdf"
    ua = (folder / "ua.css").read_text()
    selectors = re.findall(r"([^{}]+)\{", re.sub(r"/\*.*?\*/", "", ua, flags=re.S))
    listed = {m for sel in selectors for m in re.findall(r"(?:^|[\s,>])([a-z][a-z0-9]*)", sel)}
    inline = {"a", "b", "i", "span", "br", "em", "strong", "small"}
    used = {
        tag.lower()
        for path in folder.glob("*.html")
        for tag in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", path.read_text())
    }
    assert used and used - inline <= listed, sorted(used - inline - listed)
