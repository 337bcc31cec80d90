"""A build that would publish far less than the last good site is refused
(the site kept) unless --allow-shrink: an empty data folder, a header-only
file, an unrecognised file, a measure whose column was renamed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reportgen.build import Paths, build
from reportgen.cli import main
from reportgen.errors import InputError

from .conftest import ROOT, SHARED


def _paths(project: Path) -> Paths:
    return Paths(project / "data", project / "content", project / "templates", project / "site")


def _refused_then_allowed(project: Path, capsys, *expected: str) -> None:
    paths = _paths(project)
    before = sorted(p.relative_to(paths.out) for p in paths.out.rglob("*"))
    index = (paths.out / "index.html").read_bytes()
    folders = ["--data", str(paths.data), "--content", str(paths.content), "--out", str(paths.out)]
    assert main(["--no-pdf", *folders]) == 2
    err = capsys.readouterr().err
    for text in [*expected, "--allow-shrink"]:
        assert text in err, err
    assert sorted(p.relative_to(paths.out) for p in paths.out.rglob("*")) == before
    assert (paths.out / "index.html").read_bytes() == index
    assert main(["--no-pdf", "--allow-shrink", *folders]) == 0  # when it is meant
    assert "Built" in capsys.readouterr().out


def test_an_empty_data_folder_does_not_replace_the_site(project, capsys):
    build(_paths(project), pdf=False)
    shutil.rmtree(project / "data")
    (project / "data").mkdir()
    _refused_then_allowed(project, capsys, "would publish 0 schools, where the last had 75")


def test_a_header_only_results_file_does_not_replace_the_figures(project, capsys):
    build(_paths(project), pdf=False)
    for name in ("sample-la", "case-study-schools"):
        results = project / "data" / name / "results.csv"
        results.write_text(results.read_text().split("\n")[0] + "\n")
    _refused_then_allowed(project, capsys, "school figures, where the last had")


def test_a_folder_of_one_unrecognised_file_does_not_replace_the_site(project, capsys):
    build(_paths(project), pdf=False)
    shutil.rmtree(project / "data")
    (project / "data").mkdir()
    (project / "data" / "download.csv").write_text("School,Score\nAbbey Fields,80\n")
    _refused_then_allowed(
        project, capsys, "would publish 0 schools", "download.csv: not a file reportgen knows"
    )


def test_a_renamed_dfe_column_that_empties_a_measure_is_refused(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(SHARED / "dfe-ks2-hampshire", data)
    for folder in ("content", "templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    paths = _paths(tmp_path)
    build(paths, pdf=False)
    latest = max(data.glob("20*-850-ks2.csv"))  # 2018-850-ks2.csv: 2018/19
    yy = str(int(latest.name[2:4]) + 1)
    head, body = latest.read_text(encoding="utf-8-sig").split("\n", 1)
    renamed = [f"{c}ECTED" if c in ("PTRWM_EXP", f"PTRWM_EXP_{yy}") else c for c in head.split(",")]
    assert renamed != head.split(",")
    latest.write_text(",".join(renamed) + "\n" + body, encoding="utf-8")  # as a new year's names
    with pytest.raises(InputError) as caught:
        build(paths, pdf=False)
    message = str(caught.value)
    year = f"{latest.name[:4]}/{yy}"
    assert f"would publish no figures of ks2_rwm_exp {year}" in message, message
    assert "no column for" in message and "PTRWM_EXP" in message
