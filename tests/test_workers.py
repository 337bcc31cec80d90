"""Rendering in worker processes and on a Dask cluster gives the same site."""

from __future__ import annotations

from pathlib import Path

from reportgen.build import Paths, build

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
