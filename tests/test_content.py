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


# Front-matter mistakes an editor makes: each is read as meant, or named on one
# line with the file, the key or line, and the fix.

GOOD = (
    'title: "Reading at Kelton"\nsummary: "What changed."\nsource: "The school, 2024."\n'
    "themes: [phonics]\nphase: primary\n"
)


def read_study(tmp_path, front: str, body: str = "Body.\n", raw: bytes | None = None):
    """load_content on a folder holding one case study (x.md) and the sample themes."""
    (tmp_path / "case-studies").mkdir()
    (tmp_path / "themes.yml").write_bytes((ROOT / "content" / "themes.yml").read_bytes())
    path = tmp_path / "case-studies" / "x.md"
    path.write_bytes(raw if raw is not None else f"---\n{front}---\n{body}".encode())
    problems: list[str] = []
    content = load_content(tmp_path, {}, problems)
    for p in problems:
        assert "\n" not in p and str(path) in p, p
    return content, problems


def test_a_bare_urn_is_a_one_item_list(tmp_path):
    content, problems = read_study(tmp_path, GOOD + "schools: 990003\n")
    assert problems == []
    assert content.case_studies[0].schools == ["990003"]


def test_an_unquoted_la_code_is_read_as_its_three_digits(tmp_path):
    content, problems = read_study(tmp_path, GOOD + "la: 850\n")
    assert problems == []
    assert content.case_studies[0].la == "850"


def test_an_la_name_for_a_code_is_named_with_the_fix(tmp_path):
    _, problems = read_study(tmp_path, GOOD + "la: Hampshire\n")
    assert len(problems) == 1
    assert "front matter 'la': 'Hampshire' is not an LA code" in problems[0]
    assert 'la: "850"' in problems[0]


def test_a_school_year_for_a_year_says_which_number_to_write(tmp_path):
    _, problems = read_study(tmp_path, GOOD + "quoted: {ks2_l4_en: {2010/11: 52}}\n")
    assert len(problems) == 1
    assert "front matter 'quoted': ks2_l4_en: '2010/11' is not a year" in problems[0]
    assert "(2011 for 2010/11)" in problems[0]


def test_a_percentage_sign_in_the_context_is_named(tmp_path):
    _, problems = read_study(tmp_path, GOOD + "context: {pct_fsm: 35%}\n")
    assert len(problems) == 1
    assert "'context': pct_fsm is '35%', not a number" in problems[0]
    assert "pct_fsm: 35" in problems[0]


def test_a_file_saved_as_windows_1252_names_the_line_and_the_fix(tmp_path):
    text = f"---\n{GOOD}---\nThe head\u2019s plan.\n"  # ’ is byte 0x92 in Windows-1252
    _, problems = read_study(tmp_path, "", raw=text.encode("cp1252"))
    assert len(problems) == 1
    assert ", line 8: the file is not UTF-8 (byte 0x92" in problems[0]
    assert "save it as UTF-8" in problems[0]


def test_a_colon_in_an_unquoted_title_names_the_line_and_the_quotes(tmp_path):
    front = GOOD.replace('"Reading at Kelton"', "Barton Moss: from 43% to 80%")
    _, problems = read_study(tmp_path, front)
    assert len(problems) == 1
    assert ", line 2: the title contains ': ', so it must be in quotes" in problems[0]
    assert problems[0].endswith('title: "Barton Moss: from 43% to 80%"')


def test_a_draft_is_kept_off_the_site_until_published(project):
    import gzip
    import subprocess
    import sys

    from reportgen.build import Paths, build
    from reportgen.content import draft_warnings

    made = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "new", "case-study", 'St Mary\'s: "Reading"'],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    study = project / "content" / "case-studies" / "st-marys-reading.md"
    assert "\ndraft: true " in study.read_text()
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")

    def published() -> set[str]:
        """The built files naming the draft: pages, listings, sitemap, search index."""
        found = set()
        for path in paths.out.rglob("*"):
            if path.is_file() and path.suffix in (".html", ".xml", ".pf_fragment"):
                data = path.read_bytes()
                data = gzip.decompress(data) if path.suffix == ".pf_fragment" else data
                if b"st-marys-reading" in data:
                    found.add("pagefind" if "pagefind" in path.parts else path.name)
                    found.add(path.relative_to(paths.out).as_posix())
        return found

    build(paths, pdf=False)
    assert not (paths.out / "case-studies" / "st-marys-reading").exists()
    assert published() == set()
    problems: list[str] = []
    content = load_content(paths.content, load_site_config(paths.content), problems)
    assert problems == []
    assert draft_warnings(content) == [
        f"not published, marked 'draft: true': {study}; "
        "remove that line (or set it to false) to publish"
    ]

    study.write_text(study.read_text().replace("draft: true ", "draft: false "))
    build(paths, pdf=False)
    page = paths.out / "case-studies" / "st-marys-reading" / "index.html"
    assert "<h1>St Mary&#39;s: &#34;Reading&#34;</h1>" in page.read_text()
    assert {"pagefind", "sitemap.xml", "case-studies/index.html"} <= published()
