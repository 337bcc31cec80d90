"""The build cache and the publish step: wrong only by being absent.

Each test breaks a build the way an unlucky user or an attacker would (Ctrl-C,
SIGKILL, a second build, a planted or edited cache file, an edited live file)
and checks the site published afterwards is whole and agrees with itself.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reportgen.build import Paths, build
from reportgen.render_pdf import PdfCache

from .conftest import ROOT


def _paths(project: Path, out: str = "site") -> Paths:
    return Paths(project / "data", project / "content", project / "templates", project / out)


def _set_attendance(project: Path, value: str) -> None:
    results = project / "data" / "sample-la" / "results.csv"
    lines = results.read_text().split("\n")
    (at,) = [i for i, x in enumerate(lines) if x.startswith("800001,2011,attendance,,")]
    cells = lines[at].split(",")
    cells[4] = value
    lines[at] = ",".join(cells)
    results.write_text("\n".join(lines))


def _download_figure(site: Path) -> str:
    with (site / "la" / "999" / "measures.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    (row,) = [
        r
        for r in rows
        if (r["area"], r["year"], r["measure"], r["group"], r["statistic"])
        == ("800001", "2011", "attendance", "all", "value")
    ]
    return row["value"]


def _start(project: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--no-pdf", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(project: Path, pattern: str, proc: subprocess.Popen) -> None:
    """Until a build in progress has written ``pattern`` (below its folder)."""
    deadline = time.time() + 120
    while not list(project.glob(f".site.building-*/{pattern}")):
        assert proc.poll() is None, "the build ended before it could be stopped"
        assert time.time() < deadline
        time.sleep(0.005)


def _same_as_a_cold_build(project: Path, paths: Paths) -> None:
    """The site is byte for byte what a build from scratch of the same inputs makes."""
    cold = _paths(project, "cold")
    build(cold, pdf=False)
    assert _files(paths.out) == _files(cold.out)


def _files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "sigkill"])
def test_a_build_stopped_after_its_tasks_leaves_nothing_the_next_build_trusts(project, stop):
    paths = _paths(project)
    build(paths, pdf=False)
    assert _download_figure(paths.out) == "93.4"
    _set_attendance(project, "95.3")
    proc = _start(project)
    # Every task is done and recorded once the assets are copied; the search
    # index is still to come, then the publish.
    _wait_for(project, "assets/style.css", proc)
    proc.send_signal(stop)
    proc.communicate(timeout=60)
    assert _download_figure(paths.out) == "93.4"  # stopped before it published
    again = build(paths, pdf=False)
    assert not again.unchanged
    page = (paths.out / "schools" / "800001" / "index.html").read_text()
    assert "95.3%" in page and _download_figure(paths.out) == "95.3"  # agree
    assert build(paths, pdf=False).unchanged
    _same_as_a_cold_build(project, paths)


def test_a_planted_pickle_in_the_cache_does_not_run(project):
    paths = _paths(project)
    build(paths, pdf=False)
    marker = project / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    tasks = project / ".site-cache" / "tasks"
    records = sorted(p for p in tasks.iterdir() if p.is_file())
    assert records
    for record in records:  # each record, and a pickle beside it, is the payload
        record.write_bytes(pickle.dumps(Payload()))
        record.with_suffix(".pickle").write_bytes(pickle.dumps(Payload()))
    _set_attendance(project, "95.3")  # one school's figure: other tasks' records are read
    build(paths, pdf=False)
    assert not marker.exists()
    _same_as_a_cold_build(project, paths)


def test_an_edited_cache_record_is_not_used(project):
    paths = _paths(project)
    build(paths, pdf=False)
    tasks = project / ".site-cache" / "tasks"
    edited = 0
    for path in sorted(tasks.glob("*.json")):
        record = json.loads(path.read_text())  # a record is data: JSON
        for row in record["body"]["compare"]:
            row["name"] = "Hacked School"
            edited += 1
        path.write_text(json.dumps(record))
    assert edited > 10
    _set_attendance(project, "95.3")  # one school's figure: other tasks' records are read
    build(paths, pdf=False)
    assert "Hacked" not in (paths.out / "compare" / "schools.json").read_text()


def test_an_edited_or_deleted_live_file_is_made_again(project):
    paths = _paths(project)
    build(paths, pdf=False)
    page = paths.out / "schools" / "800001" / "index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"Abbey Fields", b"Abbey Fieldz"))
    (paths.out / "index.html").unlink()
    (paths.out / "la" / "999" / "measures.csv").write_text("school,nothing\n")
    again = build(paths, pdf=False)
    assert not again.unchanged
    assert page.read_bytes() == good
    _same_as_a_cold_build(project, paths)


def test_two_builds_at_once_never_publish_a_partial_site(project):
    cold = _paths(project, "cold")
    build(cold, pdf=False)
    # The first build makes PDFs too: it is still writing when the second starts.
    first = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py")],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(project, "schools/*/index.html", first)
    second = _start(project)
    _, err2 = second.communicate(timeout=300)
    _, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 2 and "is building this site now" in err2, err2
    assert "Traceback" not in err2
    site = project / "site"
    pages = {p for p in _files(site) if p.endswith(".html")}
    assert pages == {p for p in _files(cold.out) if p.endswith(".html")}
    schools = sorted((site / "schools").iterdir())
    assert schools and all((s / "report-card.pdf").is_file() for s in schools)


_DYING_PUBLISH = """
import os, signal, sys
from pathlib import Path
sys.argv = [sys.argv[0], "--no-pdf"]
out = Path("site").resolve()

def touches(*paths):
    return any(Path(p).resolve() == out for p in paths)

def dying(real):
    def call(src, dst, *args, **kwargs):
        done = real(src, dst, *args, **kwargs)
        if touches(src, dst):  # the live site has just been moved
            os.kill(os.getpid(), signal.SIGKILL)
        return done
    return call

os.replace, os.rename = dying(os.replace), dying(os.rename)
try:
    from reportgen import state
    state._exchange = dying(state._exchange)
except ImportError:
    pass
from reportgen.cli import main
main(sys.argv[1:])
"""


def test_a_build_killed_while_it_publishes_leaves_a_whole_site(project):
    paths = _paths(project)
    build(paths, pdf=False)
    old = _files(paths.out)
    site_yml = project / "content" / "site.yml"
    site_yml.write_text(site_yml.read_text().replace("School Report Cards", "Changed title"))
    script = project / "dying.py"
    script.write_text(textwrap.dedent(_DYING_PUBLISH))
    proc = subprocess.run([sys.executable, str(script)], cwd=project, capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    now = _files(paths.out)
    cold = _paths(project, "cold")
    build(cold, pdf=False)
    assert now in (old, _files(cold.out))  # the old site or the new, whole
    build(paths, pdf=False)  # and the next build finishes the job
    assert _files(paths.out) == _files(cold.out)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def test_workers_end_with_a_killed_build(project):
    proc = subprocess.Popen(  # no pipes: a worker left alive would hold them open
        [sys.executable, str(ROOT / "build.py"), "--no-pdf", "--jobs", "2"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    workers: list[int] = []
    while len(workers) < 2:
        assert proc.poll() is None and time.time() < deadline
        workers = [c for c in _children(proc.pid) if "build.py" in _cmdline(c)]  # forked
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    deadline = time.time() + 10
    try:
        while any(_state(w) != "Z" for w in workers):
            assert time.time() < deadline, "a worker outlived its build"
            time.sleep(0.05)
    finally:
        for w in workers:  # not left running should the test fail
            with contextlib.suppress(OSError):
                os.kill(w, signal.SIGKILL)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def test_the_published_site_can_be_read_by_a_web_server(project):
    paths = _paths(project)
    old = os.umask(0o022)
    try:
        build(paths, pdf=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(paths.out.stat().st_mode) == 0o755
    page = paths.out / "schools" / "800001" / "index.html"
    assert stat.S_IMODE(page.stat().st_mode) == 0o644


def test_a_cached_pdf_cut_short_or_changed_is_made_again(tmp_path):
    class Renderer:
        fingerprint = "fonts and styles"

    made = []

    def make() -> bytes:
        made.append(1)
        return b"%PDF-1.7 card of Abbey Fields %%EOF"

    cache = PdfCache(tmp_path)
    assert cache.get(Renderer(), "<p>card</p>", make) == make()
    (held,) = tmp_path.glob("*.pdf")
    assert cache.get(Renderer(), "<p>card</p>", make) == make() and len(made) == 3  # a hit
    for damage in (lambda b: b[:-6], lambda b: b.replace(b"Abbey", b"Evil!")):
        held.write_bytes(damage(held.read_bytes()))
        assert cache.get(Renderer(), "<p>card</p>", make) == make()
    assert len(made) == 7  # each damaged copy was made again, not used


def test_an_edited_search_copy_is_written_again(project):
    # The search index is made from copies of the pages kept in the cache: one
    # changed on disk must not reach the index.
    paths = _paths(project)
    build(paths, pdf=False)
    copy = project / ".site-cache" / "search" / "schools" / "800001" / "index.html"
    copy.write_text(copy.read_text().replace("Abbey Fields", "Evil Phish"))
    _set_attendance(project, "95.3")  # a figure: the pages' text, and so the index, stay
    build(paths, pdf=False)
    assert "Abbey Fields" in copy.read_text()
    index = b"".join(p.read_bytes() for p in (paths.out / "pagefind").rglob("*") if p.is_file())
    cold = _paths(project, "cold")
    build(cold, pdf=False)
    assert index == b"".join(
        p.read_bytes() for p in (cold.out / "pagefind").rglob("*") if p.is_file()
    )


def test_a_full_disk_is_a_message_and_the_site_is_kept(project, capsys, monkeypatch):
    from reportgen import render_html
    from reportgen.cli import main

    paths = _paths(project)
    build(paths, pdf=False)
    before = _files(paths.out)
    _set_attendance(project, "95.3")

    def full(self, path, text, what):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.out_dir / path))

    monkeypatch.setattr(render_html.Writer, "write", full)
    folders = ["--data", str(paths.data), "--content", str(paths.content), "--out", str(paths.out)]
    assert main(["--no-pdf", *folders]) == 2
    err = capsys.readouterr().err
    assert "could not write the site: No space left on device" in err
    assert "the last good site was kept" in err and "Traceback" not in err
    assert _files(paths.out) == before
    assert not list(project.glob(".site.building-*"))
