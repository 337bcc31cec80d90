"""Incremental and atomic builds (as Lektor's test_second_build_all_builds_nothing)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen import render_html, synth
from reportgen.build import Paths, build, compute, read_inputs
from reportgen.errors import InputError

from .conftest import ROOT


def test_second_build_builds_nothing_and_an_edit_rebuilds_only_its_pages(project, monkeypatch):
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    first = build(paths, pdf=False)
    assert first.changed == first.files > 150
    stages = ["reading and computing", "pages and downloads", "search index and the rest"]
    assert list(first.stages) == stages and 0 < sum(first.stages.values()) <= first.seconds
    page = project / "site" / "case-studies" / "medway-what-worked" / "index.html"
    school = project / "site" / "schools" / "800003" / "index.html"
    before = (page.stat().st_ino, school.stat().st_ino, school.stat().st_mtime_ns)

    second = build(paths, pdf=False)
    assert second.unchanged and second.changed == 0
    assert (page.stat().st_ino, school.stat().st_ino, school.stat().st_mtime_ns) == before

    study = project / "content" / "case-studies" / "medway-what-worked.md"
    study.write_text(study.read_text() + "\nA sentence added by the LA's editor.\n")
    joined = []  # the downloads are joined from parts: none is when no figure changed
    monkeypatch.setattr(render_html.Part, "write_to", lambda part, out: joined.append(part))
    third = build(paths, pdf=False)
    assert not third.unchanged and not third.search_index_kept  # its text is searched
    assert third.changed == 1  # only the edited case study's page
    assert joined == []  # every download linked from the last build, none made again
    assert "A sentence added by the LA" in page.read_text()
    assert school.stat().st_mtime_ns == before[2]


def test_a_school_s_new_figure_rebuilds_only_the_pages_that_read_it(project, tmp_path):
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    build(paths, pdf=False, jobs=2)
    # A case-study school of another LA gets a new attendance figure.
    results = project / "data" / "case-study-schools" / "results.csv"
    urn = results.read_text().splitlines()[1].split(",")[0]
    header = results.read_text().splitlines()[0].split(",")
    row = {"urn": urn, "year": "2011", "measure": "attendance", "value": "97.5"}
    results.write_text(results.read_text() + ",".join(row.get(c, "") for c in header) + "\n")
    again = build(paths, pdf=False, jobs=2)
    school_pages = len(list((project / "site" / "schools").glob("*/index.html")))
    assert 0 < again.pages_rendered < school_pages / 2
    assert again.la_figures_made == 1  # the school's LA: the others' downloads were kept
    assert "97.5%" in (project / "site" / "schools" / urn / "index.html").read_text()
    # Kept and rendered pages together are what a build from scratch writes.
    cold = build(Paths(paths.data, paths.content, paths.templates, tmp_path / "cold"), pdf=False)
    assert cold.pages_rendered > school_pages  # every school page, and the LA pages
    for path in sorted((tmp_path / "cold").rglob("*")):
        if path.is_file():
            kept = project / "site" / path.relative_to(tmp_path / "cold")
            assert kept.read_bytes() == path.read_bytes(), path


def test_a_changed_figure_keeps_the_search_index(project, tmp_path):
    # Figures are not indexed: a corrected attendance figure leaves every
    # page's searchable text, and so the index, as it was.
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    build(paths, pdf=False)
    index = sorted((project / "site" / "pagefind").rglob("*"))
    results = project / "data" / "sample-la" / "results.csv"
    text = results.read_text()
    assert "\n800001,2011,attendance,,93.4," in text
    results.write_text(
        text.replace("\n800001,2011,attendance,,93.4,", "\n800001,2011,attendance,,95.3,")
    )
    again = build(paths, pdf=False)
    assert again.search_index_kept and not again.unchanged
    assert "95.3%" in (project / "site" / "schools" / "800001" / "index.html").read_text()
    assert sorted((project / "site" / "pagefind").rglob("*")) == index
    cold = build(Paths(paths.data, paths.content, paths.templates, tmp_path / "cold"), pdf=False)
    assert not cold.search_index_kept
    for path in sorted((tmp_path / "cold" / "pagefind").rglob("*")):
        if path.is_file():
            kept = project / "site" / path.relative_to(tmp_path / "cold")
            assert kept.read_bytes() == path.read_bytes(), path


def test_a_school_s_figures_rebuild_the_pages_of_schools_like_it_elsewhere(tmp_path):
    # Similar schools may be in another LA: their pages show this school's figures.
    data = tmp_path / "data"
    synth.generate(data, synth.national_las()[:6], 16, 4, synth.LEVELS_YEARS, plant=False)
    paths = Paths(data, ROOT / "content", ROOT / "templates", tmp_path / "site")
    build(paths, pdf=False, jobs=2)
    registry, dataset, content = read_inputs(paths)
    report = compute(dataset, registry, content)
    la_of = {urn: s.la_code for urn, s in dataset.schools.items()}
    urn, other = next(
        (member, urn)
        for urn, family in sorted(report.families.items())
        for member in family
        if la_of[member] != la_of[urn]
    )
    results = data / "results.csv"
    lines = results.read_text().splitlines()
    header = lines[0].split(",")
    year, value, measure = header.index("year"), header.index("value"), header.index("measure")
    headline = {"ks2_l4_enma", "ks2_2lp_en", "ks2_2lp_ma", "ks4_5ac_em", "ks4_3lp_en", "ks4_3lp_ma"}
    changed = []
    for line in lines[1:]:
        cells = line.split(",")
        if (
            cells[0] == urn
            and cells[year] == "2011"
            and cells[measure] in headline  # results, not intake: families stay as they are
            and cells[value].replace(".", "").isdigit()
        ):
            cells[value] = f"{min(float(cells[value]) + 7, 100):g}"
        changed.append(",".join(cells))
    results.write_text("\n".join([lines[0], *changed]) + "\n")
    again = build(paths, pdf=False, jobs=2)
    cold = build(Paths(data, paths.content, paths.templates, tmp_path / "cold"), pdf=False)
    assert again.pages_rendered < cold.pages_rendered  # the other LAs' own pages were kept
    assert (again.la_figures_made, cold.la_figures_made) == (1, 6)  # and their downloads
    page = f"schools/{other}/index.html"  # in another LA, listing the school among its like
    assert (tmp_path / "site" / page).read_text() == (tmp_path / "cold" / page).read_text()
    for path in sorted((tmp_path / "cold").rglob("*")):
        if path.is_file():
            kept = tmp_path / "site" / path.relative_to(tmp_path / "cold")
            assert kept.read_bytes() == path.read_bytes(), path


def test_a_killed_build_leaves_the_last_good_site(project):
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    build(paths, pdf=False)
    index = (project / "site" / "index.html").read_bytes()
    (project / "content" / "site.yml").write_text(
        (project / "content" / "site.yml")
        .read_text()
        .replace("School Report Cards", "Changed title")
    )
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py")],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not list(project.glob(".site.building-*/schools")):
        time.sleep(0.05)  # wait until it is writing pages
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (project / "site" / "index.html").read_bytes() == index
    build(paths, pdf=False)  # the next build cleans up and succeeds
    assert b"Changed title" in (project / "site" / "index.html").read_bytes()
    assert not list(project.glob(".site.building-*"))


def _join(writer: render_html.Writer, parts: list[render_html.Part]) -> None:
    joined = render_html.Joined(writer, "downloads/all.csv", "test")
    for part in parts:
        joined.add(part)
    joined.close()


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_a_joined_file_is_its_parts_and_is_linked_when_they_are_the_same(
    tmp_path, monkeypatch, kernel_copy
):
    if not kernel_copy:  # as on a system without copy_file_range
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    source = tmp_path / "la.csv"
    source.write_bytes(b"head\nrow 1\nrow 2\ntail\n")
    parts = [
        render_html.Part.of(b"header\n"),
        render_html.Part("digest of rows 1 and 2", file=source, start=5, length=12),
    ]
    first = render_html.Writer(tmp_path / "one")
    _join(first, parts)
    assert (tmp_path / "one/downloads/all.csv").read_bytes() == b"header\nrow 1\nrow 2\n"
    assert first.changed == ["downloads/all.csv"]
    # The next build, with the same parts, links the file instead of making it.
    second = render_html.Writer(tmp_path / "two", tmp_path / "one", first.hashes, first.parts)
    _join(second, parts)
    assert second.changed == [] and second.hashes == first.hashes
    made = tmp_path / "two/downloads/all.csv"
    assert made.stat().st_ino == (tmp_path / "one/downloads/all.csv").stat().st_ino
    # A part with another digest makes the file again.
    third = render_html.Writer(tmp_path / "three", tmp_path / "one", first.hashes, first.parts)
    _join(third, [parts[0], render_html.Part.of(b"row 3\n")])
    assert third.changed == ["downloads/all.csv"]
    assert (tmp_path / "three/downloads/all.csv").read_bytes() == b"header\nrow 3\n"
    # The same first part, and no second: made, not linked.
    fourth = render_html.Writer(tmp_path / "four", tmp_path / "one", first.hashes, first.parts)
    _join(fourth, parts[:1])
    assert fourth.changed == ["downloads/all.csv"]
    assert (tmp_path / "four/downloads/all.csv").read_bytes() == b"header\n"


def test_a_file_a_worker_wrote_is_linked_when_it_is_as_the_last_build(tmp_path):
    """An LA's download, written into the build's folder by its worker: the
    last build's file is kept in its place when their parts are the same."""
    digests = ["head", "rows", "tail"]

    def worker_writes(folder: Path, text: bytes) -> None:
        (folder / "la/850").mkdir(parents=True)
        (folder / "la/850/measures.csv").write_bytes(text)

    first = render_html.Writer(tmp_path / "one")
    worker_writes(first.out_dir, b"rows\n")
    first.adopt("la/850/measures.csv", digests, "LA downloads")
    assert first.changed == ["la/850/measures.csv"]
    second = render_html.Writer(tmp_path / "two", tmp_path / "one", first.hashes, first.parts)
    worker_writes(second.out_dir, b"rows\n")
    second.adopt("la/850/measures.csv", digests, "LA downloads")
    assert second.changed == [] and second.hashes == first.hashes
    kept = (tmp_path / "two/la/850/measures.csv").stat().st_ino
    assert kept == (tmp_path / "one/la/850/measures.csv").stat().st_ino
    third = render_html.Writer(tmp_path / "three", tmp_path / "one", first.hashes, first.parts)
    worker_writes(third.out_dir, b"other rows\n")
    third.adopt("la/850/measures.csv", ["head", "other rows", "tail"], "LA downloads")
    assert third.changed == ["la/850/measures.csv"]
    assert (tmp_path / "three/la/850/measures.csv").read_bytes() == b"other rows\n"
    with pytest.raises(InputError, match="would both write"):
        third.adopt("la/850/measures.csv", digests, "LA downloads")


def test_search_copies_are_kept_between_builds_and_written_only_when_changed(tmp_path):
    folder = tmp_path / "cache" / "search"
    first = render_html.SearchCopies(folder)
    for path, text in [
        ("a/index.html", "<p>A</p>"),
        ("b/index.html", "<p>B</p>"),
        ("c/index.html", "<p>C</p>"),
    ]:
        first.add(path, text)
    digest = first.finish()
    a, b = folder / "a" / "index.html", folder / "b" / "index.html"
    kept = (a.stat().st_ino, a.stat().st_mtime_ns)

    second = render_html.SearchCopies(folder)  # page c is gone, b's text changed
    second.add("a/index.html", "<p>A</p>")
    second.add("b/index.html", "<p>B, edited</p>")
    assert second.finish() != digest
    assert (a.stat().st_ino, a.stat().st_mtime_ns) == kept  # not written again
    assert b.read_text() == "<p>B, edited</p>"
    assert not (folder / "c").exists()  # Pagefind would index its copy

    b.unlink()  # gone from the cache by some other hand: written again
    again = render_html.SearchCopies(folder)
    again.add("a/index.html", "<p>A</p>")
    again.add("b/index.html", "<p>B, edited</p>")
    again.finish()
    assert b.read_text() == "<p>B, edited</p>"

    # A build that dies while writing leaves no list: the next starts anew,
    # and a copy it wrote is not taken for the page as it is now.
    third = render_html.SearchCopies(folder)
    third.add("b/index.html", "<p>B, edited again</p>")
    third.close()
    fourth = render_html.SearchCopies(folder)
    assert not a.exists()
    fourth.add("b/index.html", "<p>B, edited</p>")
    fourth.finish()
    assert b.read_text() == "<p>B, edited</p>"
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == ["copies.json", "index.html"]
