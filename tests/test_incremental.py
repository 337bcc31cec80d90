"""Incremental and atomic builds (as Lektor's test_second_build_all_builds_nothing)."""

import os
import signal
import subprocess
import sys
import time

from reportgen.build import Paths, build

from .conftest import ROOT


def test_second_build_builds_nothing_and_an_edit_rebuilds_only_its_pages(project):
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    first = build(paths, pdf=False)
    assert first.changed == first.files > 150
    page = project / "site" / "case-studies" / "medway-what-worked" / "index.html"
    school = project / "site" / "schools" / "800003" / "index.html"
    before = (page.stat().st_ino, school.stat().st_ino, school.stat().st_mtime_ns)

    second = build(paths, pdf=False)
    assert second.unchanged and second.changed == 0
    assert (page.stat().st_ino, school.stat().st_ino, school.stat().st_mtime_ns) == before

    study = project / "content" / "case-studies" / "medway-what-worked.md"
    study.write_text(study.read_text() + "\nA sentence added by the LA's editor.\n")
    third = build(paths, pdf=False)
    assert not third.unchanged
    assert third.changed == 1  # only the edited case study's page
    assert "A sentence added by the LA" in page.read_text()
    assert school.stat().st_mtime_ns == before[2]


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
