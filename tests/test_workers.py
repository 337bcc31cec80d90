"""Rendering in worker processes and on a Dask cluster gives the same site."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reportgen import render_html, workers
from reportgen.build import Paths, build
from reportgen.errors import InputError

from .conftest import ROOT


def _same_tree(one: Path, two: Path) -> int:
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel
    return len(files)


def test_two_worker_processes_build_the_same_site(sample_site, tmp_path):
    out = tmp_path / "site"
    result = build(Paths(ROOT / "data", ROOT / "content", ROOT / "templates", out), jobs=2)
    assert result.pdfs_rendered == result.pdfs > 75
    assert _same_tree(sample_site, out) > 400


def test_a_dask_cluster_builds_the_same_site(sample_site, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        out = tmp_path / "site"
        result = build(
            Paths(ROOT / "data", ROOT / "content", ROOT / "templates", out),
            executor=f"dask://{address}",
        )
    assert result.pdfs > 75
    assert _same_tree(sample_site, out) > 400


def test_a_worker_on_another_machine_gets_the_templates_with_the_job(tmp_path):
    """A Dask worker that cannot see the project's folders renders from the
    templates sent with the job."""
    from reportgen import workers
    from reportgen.build import compute, read_inputs

    paths = Paths(ROOT / "data", ROOT / "content", ROOT / "templates", tmp_path / "site")
    registry, dataset, content = read_inputs(paths)
    report = compute(dataset, registry, content)
    here = workers.Job(
        report, str(paths.templates), workers.template_files(paths.templates), False, None, "a"
    )
    away = workers.Job(report, str(tmp_path / "nowhere"), here.templates, False, None, "b")
    riverford = [t for t in workers.tasks(report, pdf=False) if t.la == "999"]
    assert len(riverford) == 3  # 50 schools in chunks of 40, and the LA page
    near = [f for t in riverford for f in workers.render(here, t).files]
    far = [f for t in riverford for f in workers.render(away, t).files]
    assert len(near) == 51 and near == far


def test_a_worker_writes_its_pages_and_only_their_hashes_go_back(tmp_path):
    """Pages and cards are written by the worker that makes them; the build
    takes their hashes, and keeps the last build's file where it is the same."""
    page = "<!DOCTYPE html><p>Beacon Hill</p>\n"
    out = workers.Output(files=[("schools/990001/index.html", page, "school 990001")])
    workers.write_files(out, tmp_path / "one")
    written = tmp_path / "one/schools/990001/index.html"
    assert written.read_text() == page
    digest = hashlib.sha256(page.encode()).hexdigest()
    assert out.files == [] and out.written == [
        ("schools/990001/index.html", digest, "school 990001")
    ]
    first = render_html.Writer(tmp_path / "one")
    first.adopt_file(*out.written[0])
    assert (
        first.changed == ["schools/990001/index.html"] and first.hashes[out.written[0][0]] == digest
    )
    # The next build: the same page is the last build's file (linked), another is new.
    again = workers.Output(files=[("schools/990001/index.html", page, "school 990001")])
    workers.write_files(again, tmp_path / "two")
    second = render_html.Writer(tmp_path / "two", tmp_path / "one", first.hashes)
    second.adopt_file(*again.written[0])
    assert second.changed == []
    assert (tmp_path / "two/schools/990001/index.html").stat().st_ino == written.stat().st_ino
    # A path that would climb out of the site is refused before anything is written.
    bad = workers.Output(files=[("schools/../../escaped.html", page, "school ..")])
    with pytest.raises(InputError, match="outside the site"):
        workers.write_files(bad, tmp_path / "three" / "site")
    assert not (tmp_path / "three").exists() or not any((tmp_path / "three").rglob("*.html"))
