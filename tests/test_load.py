"""Loaders: files recognised by header, clear errors naming file, row and column."""

from pathlib import Path

import pytest

from reportgen import csvfiles
from reportgen.errors import InputError, InputErrors
from reportgen.load import classify, load

SCHOOLS = (
    "urn,name,la_code,phase\n100001,Alpha Primary,999,primary\n100002,Beta Primary,999,primary\n"
)
LAS = "la_code,name\n999,Riverford\n"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(params=["whole", "in parts"])
def parts(request, monkeypatch):
    """Results files read whole, and two rows at a time as a national file is
    read a million at a time: rows must keep their numbers across the parts."""
    if request.param == "in parts":
        monkeypatch.setattr(csvfiles, "CHUNK_ROWS", 2)


def test_files_are_recognised_by_header_not_name(tmp_path, registry):
    write(tmp_path, "a.csv", SCHOOLS)
    write(
        tmp_path, "deep/inside/x.csv", "urn,year,measure,value,cohort\n100001,2011,ks2_l4_en,80,\n"
    )
    write(tmp_path, "b.csv", "area,year,measure,value\nengland,2011,ks2_l4_en,82\n")
    write(tmp_path, "c.csv", "something,else\n1,2\n")
    assert classify(tmp_path / "a.csv", registry) == "schools"
    assert classify(tmp_path / "deep/inside/x.csv", registry) == "results"
    assert classify(tmp_path / "b.csv", registry) == "benchmarks"
    assert classify(tmp_path / "c.csv", registry) is None
    assert (
        classify(Path(__file__).parents[1] / "data" / "la_and_region_codes_meta.csv", registry)
        == "dfe_la_codes"
    )


def test_excel_saved_csv_is_read(tmp_path, registry, parts):
    write(tmp_path, "schools.csv", "\ufeff" + SCHOOLS.replace("Alpha", "Café"), "utf-8")
    write(tmp_path, "las.csv", LAS)
    text = (
        "urn,year,measure,value,cohort\n"
        "100001,2010/11,ks2_l4_en,80%, 30 \n"
        "100002,2011,ks2_l4_en,SUPP,4\n"
        "100002,2010,ks2_l4_en,,4\n"
    )
    write(tmp_path, "results.csv", text.replace("\n", "\r\n"), "cp1252")
    ds = load(tmp_path, registry)
    assert ds.schools["100001"].name == "Café Primary"
    obs = ds.observations.set_index("area")
    assert obs.loc["100001", "year"] == 2011
    assert obs.loc["100001", "value"] == 80 and obs.loc["100001", "cohort"] == 30
    assert obs.loc["100002", "status"].tolist() == ["suppressed", "missing"]


def test_every_problem_is_reported_with_file_row_and_column(tmp_path, registry, parts):
    write(tmp_path, "schools.csv", SCHOOLS + "12x,Gamma,999,primary\n100001,Again,999,primary\n")
    write(tmp_path, "las.csv", LAS)
    write(
        tmp_path,
        "results.csv",
        "urn,year,measure,value,cohort\n"
        "100001,2011,ks2_l4_en,80,\n"
        "100001,2011,ks2_l4_em,80,\n"  # row 3: misspelt measure
        "100001,20x1,ks2_l4_en,80,\n"  # row 4: bad year
        "100002,2011,ks2_l4_ma,eighty,\n"  # row 5: bad value
        "999999,2011,ks2_l4_ma,70,\n"  # row 6: unknown school
        "100020,2011,ks2_l4_ma,70,\n",  # row 7: a URN mistyped (digits swapped)
    )
    write(
        tmp_path, "more.csv", "urn,year,measure,group,value,cohort\n100001,2011,ks2_l4_en,boy,70,\n"
    )
    with pytest.raises(InputErrors) as info:
        load(tmp_path, registry)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "schools.csv, row 4, column urn: a URN is 5 to 7 digits (0-9), found '12x'" in text
    assert "schools.csv, row 5, column urn: URN 100001 is listed twice" in text
    assert (
        "results.csv, row 3, column measure: unknown measure 'ks2_l4_em' "
        "(did you mean 'ks2_l4_en'?)" in text
    )
    assert (
        "results.csv, row 4, column year: expected a year such as 2011 or 2010/11, found '20x1'"
        in text
    )
    assert "results.csv, row 5, column value: expected a number or a DfE code" in text
    assert "results.csv:6: unknown school URN '999999' (no row in a schools file)\n" in text + "\n"
    assert (
        "results.csv:7: unknown school URN '100020' (no row in a schools file); "
        "did you mean 100002?" in text
    )
    assert "more.csv, row 2, column group: unknown pupil group 'boy' (did you mean 'boys'?)" in text


def test_unknown_csv_is_a_warning_not_an_error(tmp_path, registry):
    write(tmp_path, "schools.csv", SCHOOLS)
    write(tmp_path, "las.csv", LAS)
    write(tmp_path, "notes.csv", "foo,bar\n1,2\n")
    ds = load(tmp_path, registry)
    assert ds.warnings == ["notes.csv: not a file reportgen knows (header not recognised); skipped"]


def test_a_row_with_more_cells_than_the_header_is_named(tmp_path, registry, parts):
    write(tmp_path, "schools.csv", SCHOOLS)
    rows = "100001,2011,ks2_l4_en,1,\n" * 3 + "100001,2011,ks2_l4_en,1,,234\n"
    write(tmp_path, "results.csv", "urn,year,measure,value,cohort\n" + rows)
    with pytest.raises(InputError, match=r"results.csv, row 5: 6 cells, but the header names 5"):
        load(tmp_path, registry)


def test_codes_of_digits_are_kept_as_written(tmp_path, registry, parts):
    # pandas reads a column of digits as numbers when asked for categories:
    # a URN written with a leading zero must still name its school.
    write(tmp_path, "schools.csv", "urn,name,la_code,phase\n080001,Zero Primary,999,primary\n")
    write(tmp_path, "las.csv", LAS)
    write(
        tmp_path,
        "results.csv",
        "urn,year,measure,value,cohort\n080001,2011,ks2_l4_en,1.0,\n080001,2010,ks2_l4_en,1,\n",
    )
    obs = load(tmp_path, registry).observations
    assert set(obs["area"]) == {"080001"}
    assert sorted(obs["value"]) == [1.0, 1.0]
