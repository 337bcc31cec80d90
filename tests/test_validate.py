"""Validation as data (rules/validation.yml): what cannot be true is refused by
``check`` and by the build alike, naming file, row, column and value, and the
last good site stays as it was."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from reportgen.build import Paths, build
from reportgen.cli import main
from reportgen.errors import InputError

from .conftest import ROOT, SHARED


def _paths(project: Path) -> Paths:
    return Paths(project / "data", project / "content", project / "templates", project / "site")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _refused(project: Path, capsys, *expected: str) -> str:
    """The build and ``check`` both refuse, each naming every ``expected``; the
    site is as it was."""
    paths = _paths(project)
    before = (paths.out / "index.html").read_bytes() if paths.out.exists() else None
    with pytest.raises(InputError) as caught:
        build(paths, pdf=False)
    message = str(caught.value)
    for text in expected:
        assert text in message, message
    if before is not None:
        assert (paths.out / "index.html").read_bytes() == before
    folders = ["--data", str(paths.data), "--content", str(paths.content)]
    assert main(["check", *folders]) == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, err
    assert "Traceback" not in err
    return message


RESULTS = "data/sample-la/results.csv"
# Abbey Fields Junior School's reading result of 2007: urn,year,measure,group,value,cohort,...
ROW_2007 = "800001,2007,ks2_l4_en,all,80,64,,"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _row_number(project: Path, line: str) -> int:
    lines = (project / RESULTS).read_text().split("\n")
    return next(i for i, x in enumerate(lines, start=1) if x == line)


@pytest.mark.parametrize(
    ("value", "why"),
    [("520", "520 is not possible for a percentage (0 to 100)"), ("-40", "-40 is not possible")],
)
def test_an_impossible_percentage_is_refused(project, capsys, value, why):
    build(_paths(project), pdf=False)
    row = _row_number(project, ROW_2007)
    _edit(project / RESULTS, ROW_2007, f"800001,2007,ks2_l4_en,all,{value},64,,")
    _refused(project, capsys, f"results.csv:{row}: value {why}")


def test_an_impossible_cohort_and_a_crossed_interval_are_refused(project, capsys):
    row = _row_number(project, ROW_2007)
    _edit(project / RESULTS, ROW_2007, "800001,2007,ks2_l4_en,all,80,1000000000,,")
    rows = _rows(project / RESULTS)
    ci = next(i for i, r in enumerate(rows) if i and r[6] and r[7])  # a figure with an interval
    value = float(rows[ci][4])
    rows[ci][6], rows[ci][7] = f"{value + 2:g}", f"{value - 2:g}"  # the ends swapped
    _write_rows(project / RESULTS, rows)
    _refused(
        project,
        capsys,
        f"results.csv:{row}: cohort 1e+09 is not a number of pupils a school could have",
        f"results.csv:{ci + 1}: the interval's lower end {value + 2:g} is above its upper end",
    )


@pytest.mark.parametrize("header", ["Cohort", "pupils", "cohort_size", "cohrt"])
def test_a_misnamed_cohort_column_is_an_error_not_figures_unsuppressed(project, capsys, header):
    _edit(project / RESULTS, "value,cohort,lower", f"value,{header},lower")
    _refused(
        project,
        capsys,
        f"results.csv, row 1, column {header}: not a column reportgen reads; "
        "did you mean 'cohort'?",
        "results.csv, row 1: no column 'cohort'",
    )


def test_an_unknown_column_is_named_in_a_warning(project):
    _edit(project / RESULTS, "value,cohort,lower", "value,cohort,notes_for_us,lower")
    text = (project / RESULTS).read_text().split("\n")
    fixed = [text[0]] + [
        ",".join(r.split(",")[:6] + [""] + r.split(",")[6:]) for r in text[1:] if r
    ]
    (project / RESULTS).write_text("\n".join(fixed) + "\n")
    result = build(_paths(project), pdf=False)
    assert any("column notes_for_us: not a column reportgen reads" in w for w in result.warnings)


@pytest.mark.parametrize(
    "urn",
    ["12X45", "８０００９９", "٨٠٠٠٩٩"],  # a letter, full-width digits, Arabic-Indic digits
    ids=["letter", "full-width", "arabic-indic"],
)
def test_a_urn_of_other_characters_is_refused(project, capsys, urn):
    schools = project / "data" / "sample-la" / "schools.csv"
    with schools.open("a", encoding="utf-8") as fh:
        fh.write(
            f"{urn},Look-alike Primary School,999,primary,Community school,4-11,Kelton,,,open\n"
        )
    message = _refused(project, capsys, f"{urn!r}")
    assert "5 to 7 digits" in message


@pytest.mark.parametrize("code", ["ab/cd", "<script>x", "85"])
def test_an_la_code_that_is_not_three_digits_is_refused(project, capsys, code):
    schools = project / "data" / "sample-la" / "schools.csv"
    with schools.open("a", encoding="utf-8") as fh:
        fh.write(
            f'800099,New Primary School,"{code}",primary,Community school,4-11,Kelton,,,open\n'
        )
    _refused(project, capsys, "an LA code is 3 digits", repr(code))


def test_an_inspection_date_that_is_not_a_date_is_refused(project, capsys):
    inspections = project / "data" / "sample-la" / "inspections.csv"
    lines = inspections.read_text().split("\n")
    cells = lines[1].split(",")
    cells[1] = "9999-99-99"
    lines[1] = ",".join(cells)
    inspections.write_text("\n".join(lines))
    _refused(project, capsys, "inspections.csv:2: '9999-99-99' is not a real date")


def test_negative_pupils_on_roll_are_refused(project, capsys):
    schools = project / "data" / "case-study-schools" / "schools.csv"
    rows = _rows(schools)
    at = rows[0].index("pupils_on_roll")
    row = next(i for i, r in enumerate(rows) if i and r[at].isdigit())
    rows[row][at] = "-5"
    _write_rows(schools, rows)
    _refused(project, capsys, f"schools.csv:{row + 1}: value -5 is not possible for a number")


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("min_pupils: 0", "suppression.min_pupils: 0 is not allowed (at least 6)"),
        ("min_pupils: -1", "suppression.min_pupils: -1 is not allowed (at least 6)"),
        ("min_pupils: six", "suppression.min_pupils: expected a whole number, found 'six'"),
    ],
)
def test_settings_that_would_switch_suppression_off_are_refused(project, capsys, setting, expected):
    _edit(project / "content" / "site.yml", "min_pupils: 6", setting)
    _refused(project, capsys, expected)


def test_suppression_given_as_a_number_is_a_message(project, capsys):
    site = project / "content" / "site.yml"
    text = site.read_text().split("\n")
    at = next(i for i, x in enumerate(text) if x.startswith("suppression:"))
    text[at : at + 3] = ["suppression: 6"] + [
        x for x in text[at + 1 : at + 3] if not x[:1].isspace()
    ]
    site.write_text("\n".join(text))
    _refused(project, capsys, "suppression: expected settings under it")


def test_a_duplicate_urn_in_gias_is_refused(tmp_path, capsys):
    gias = SHARED / "dfe-ks2-hampshire" / "gias-850-establishments.csv"
    data = tmp_path / "data"
    data.mkdir()
    rows = _rows(gias)
    urn = rows[1][rows[0].index("URN")]
    rows[2][rows[0].index("URN")] = urn  # a second school given the first's URN
    _write_rows(data / "gias.csv", rows)
    project = tmp_path
    for folder in ("content", "templates"):
        shutil.copytree(ROOT / folder, project / folder)
    with pytest.raises(InputError) as caught:
        build(_paths(project), pdf=False)
    assert f"gias.csv:3, column URN: URN {urn} is listed twice" in str(caught.value)


def test_a_short_row_is_refused_naming_it(project, capsys):
    lines = (project / RESULTS).read_text().split("\n")
    lines[5] = ",".join(lines[5].split(",")[:5])  # the cohort and interval cells lost
    (project / RESULTS).write_text("\n".join(lines))
    _refused(project, capsys, "results.csv, row 6: 5 cells, but the header names 8 columns")


def test_a_file_of_two_encodings_is_refused(project, capsys):
    schools = project / "data" / "sample-la" / "schools.csv"
    lines = schools.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"Abbey Fields", "Abbey Fièlds".encode())
    lines[2] = lines[2].replace(b"Ashby Marsh", "Ashby Mârsh".encode("cp1252"))
    schools.write_bytes(b"\n".join(lines))
    _refused(project, capsys, "schools.csv, row 3: not saved as UTF-8, while row 2 is")


def test_check_refuses_what_the_build_refuses(project, capsys):
    # Colours that fail WCAG AA, and an SVG logo with script: a build refuses
    # them, so check must too.
    (project / "content" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    _edit(project / "content" / "site.yml", "primary:", "logo: logo.svg\n  primary:")
    _refused(project, capsys, "logo.svg", "script")


def test_a_survey_year_is_read_as_results_years_are(project, capsys):
    surveys = project / "data" / "sample-la" / "surveys.csv"
    _edit(surveys, "\n800001,2011,parents,", "\n800001,2010/11,parents,")
    build(_paths(project), pdf=False)  # 2010/11 is 2011, as in results files
    _edit(surveys, "\n800001,2010/11,parents,", "\n800001,last year,parents,")
    _refused(project, capsys, "surveys.csv, row 2, column year: expected a year such as 2011")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("branding: red", "branding: expected settings under it"),
        ("base_url: 5", "base_url: expected the address the site will live at"),
        ("title: [a, b]", "title: expected text, found ['a', 'b']"),
        ("language: 7", "language: expected a code such as en-GB, found 7"),
    ],
)
def test_a_setting_of_the_wrong_kind_is_a_message(project, capsys, line, expected):
    site = project / "content" / "site.yml"
    key = line.split(":")[0]
    kept = [x for x in site.read_text().split("\n") if not x.startswith(f"{key}:")]
    if key == "branding":  # its settings go with it
        kept = [x for x in kept if not x.startswith(("  primary:", "  accent:"))]
    site.write_text("\n".join([*kept, line, ""]))
    _refused(project, capsys, f"site.yml, {expected}")
