"""The year of a DfE file: from its columns where they say it, else from its name
or folder as DfE's download names them, else refused with the fix."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from reportgen.cli import main
from reportgen.dfe import file_year
from reportgen.errors import InputError

from .conftest import SHARED

HANTS = SHARED / "dfe-ks2-hampshire"
NY = SHARED / "dfe-northyorkshire-815"


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig") as fh:
        return next(csv.reader(fh))


def year_of(registry, kind: str, rel: str, head: list[str]):
    fmt = registry.dfe_formats.get(kind) or registry.dfe_files[kind]
    return file_year(Path(rel), head, fmt, registry.no_results, registry.years["file_names"])


@pytest.mark.parametrize(
    "name, year",
    [("2016-850-ks2.csv", 2017), ("2017-850-ks2.csv", 2018), ("2018-850-ks2.csv", 2019)],
)
def test_hampshire_files_say_their_year_in_their_columns(registry, name, year):
    found, warning = year_of(registry, "dfe_ks2", name, header(HANTS / name))
    assert found.year == year and warning is None
    assert f"PTRWM_EXP_{(year - 1) % 100}" in found.why


def test_a_column_that_is_not_a_prior_year_does_not_move_the_year(registry):
    """815_2018_ks4final.csv is 2017/18, though it has a column PT5EM_94_18."""
    head = header(NY / "815_2018_ks4final.csv")
    assert "PT5EM_94_18" in head
    found, warning = year_of(registry, "dfe_ks4", "815_2018_ks4final.csv", head)
    assert found.year == 2018 and warning is None
    assert "ATT8SCR_17" in found.why


def test_a_file_without_prior_years_is_dated_by_its_name_or_folder(registry):
    head = header(NY / "815_2019_ks4provisional.csv")
    found, _ = year_of(registry, "dfe_ks4", "815_2019_ks4provisional.csv", head)
    assert found.year == 2019 and "file name" in found.why
    for rel, year in [
        ("2024-2025/919_ks4final.csv", 2025),  # DfE's download: a folder per year
        ("downloads/2023-2024/919_ks4final.csv", 2024),
        ("2018-2019_850_ks4final.csv", 2019),
        ("england_2022_ks4final.csv", 2022),
    ]:
        found, _ = year_of(registry, "dfe_ks4", rel, head)
        assert found.year == year, rel
    census = header(NY / "815_2019_census.csv")
    assert year_of(registry, "census", "2017-2018/815_census.csv", census)[0].year == 2018


def test_prior_years_skip_the_pandemic(registry):
    """The 2021/22 KS2 file's newest prior year is 2018/19; the 2021/22 KS4
    file carries _20 and _21 columns, which are not results years."""
    found, _ = year_of(registry, "dfe_ks2", "ks2.csv", ["RECTYPE", "PTRWM_EXP", "PTRWM_EXP_19"])
    assert found.year == 2022
    found, _ = year_of(registry, "dfe_ks4", "ks4.csv", ["ATT8SCR", "ATT8SCR_20", "ATT8SCR_21"])
    assert found.year == 2022
    found, _ = year_of(registry, "dfe_ks2", "ks2.csv", ["PTRWM_EXP_24", "PTRWM_EXP_3YR"])
    assert found.year == 2025


def test_a_file_whose_year_cannot_be_told_is_refused_with_the_fix(registry):
    head = header(NY / "815_2019_ks4provisional.csv")
    with pytest.raises(InputError) as caught:
        year_of(registry, "dfe_ks4", "results/ks4provisional.csv", head)
    message = str(caught.value)
    assert "results/ks4provisional.csv" in message and "cannot tell which year" in message
    assert "2018-2019/ks4provisional.csv" in message  # how to name it
    # Not an academic year: 2018-2020 is no year's folder.
    with pytest.raises(InputError):
        year_of(registry, "dfe_ks4", "2018-2020/815_ks4final.csv", head)


def test_a_name_and_a_folder_that_disagree_are_refused(registry):
    head = header(NY / "815_2019_ks4provisional.csv")
    with pytest.raises(InputError, match="different years"):
        year_of(registry, "dfe_ks4", "2017-2018/815_2019_ks4provisional.csv", head)


def test_columns_win_over_a_name_that_disagrees_and_the_build_warns(registry):
    head = header(NY / "815_2018_ks4final.csv")
    found, warning = year_of(registry, "dfe_ks4", "2018-2019/815_ks4final.csv", head)
    assert found.year == 2018
    assert warning and "2017/18" in warning and "2018/19" in warning


def checked(data: Path, la: str, tmp_path: Path, capsys) -> tuple[str, str, Path]:
    """(what ``check`` printed, its warnings, the content folder) of ``data`` on
    a new site for ``la``."""
    assert main(["new", "site", str(tmp_path / "site"), "--la", la]) == 0
    content = tmp_path / "site" / "content"
    capsys.readouterr()
    assert main(["check", "--data", str(data), "--content", str(content)]) == 0
    printed = capsys.readouterr()
    return printed.out, printed.err, content


def test_check_and_build_print_the_year_of_each_file_and_why(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "2018-2019").mkdir(parents=True)
    shutil.copy(NY / "815_2018_ks4final.csv", data / "815_2018_ks4final.csv")
    shutil.copy(NY / "815_2019_ks4provisional.csv", data / "2018-2019" / "815_ks4provisional.csv")
    out, _, content = checked(data, "815", tmp_path, capsys)
    assert "Years of the files read:" in out
    assert "815_2018_ks4final.csv: DfE KS4 performance tables, 2017/18, because" in out
    assert "2018-2019/815_ks4provisional.csv: DfE KS4 performance tables, 2018/19" in out
    assert "academic year 2018-2019 in its folder" in out
    out_dir = tmp_path / "out"
    assert (
        main(["--data", str(data), "--content", str(content), "--out", str(out_dir), "--no-pdf"])
        == 0
    )
    assert "815_2018_ks4final.csv: DfE KS4 performance tables, 2017/18" in capsys.readouterr().out
    # Put where its year cannot be told, the file is refused and the site kept.
    shutil.move(data / "2018-2019" / "815_ks4provisional.csv", data / "815_ks4provisional.csv")
    before = sorted(p.relative_to(out_dir) for p in out_dir.rglob("*"))
    assert main(["--data", str(data), "--content", str(content), "--out", str(out_dir)]) == 2
    err = capsys.readouterr().err
    assert "815_ks4provisional.csv: cannot tell which year" in err
    assert "815_2019_ks4provisional.csv" in err  # the name to give it
    assert sorted(p.relative_to(out_dir) for p in out_dir.rglob("*")) == before


def test_a_renamed_headline_column_and_an_unknown_year_are_warned_of(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    lines = (HANTS / "2018-850-ks2.csv").read_text(encoding="utf-8-sig").splitlines(True)
    head = lines[0].split(",")
    head[head.index("PTRWM_EXP")] = "PTRWM_EXP_NEW"  # as if DfE renamed it
    (data / "2018-850-ks2.csv").write_text(",".join(head) + "".join(lines[1:]), "utf-8")
    # A KS4 file of 2027/28, a year rules/dfe-formats.yml does not describe yet.
    ks4 = header(NY / "815_2019_ks4provisional.csv")
    (data / "2027-2028").mkdir()
    (data / "2027-2028" / "815_ks4final.csv").write_text(",".join(ks4) + "\n", "utf-8")
    _, err, _ = checked(data, "850", tmp_path, capsys)
    assert "2018-850-ks2.csv: no column for Expected standard in reading, writing and maths" in err
    assert "(looked for PTRWM_EXP)" in err
    assert "2027-2028/815_ks4final.csv: a DfE KS4 performance tables file of 2027/28" in err
