"""Trust: privacy in every output, hostile input, reproducible output."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.build import Paths, build
from reportgen.content import render_markdown
from reportgen.downloads import as_text, measure_text, with_numbers_as_text
from reportgen.errors import InputError
from reportgen.load import load, parse_figures
from reportgen.model import CODES

from .conftest import ROOT
from .readback import json_records


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_no_small_group_figure_in_any_download(sample_site):
    """Every figure about fewer than 6 pupils, and every figure that would give one
    away by subtraction, is blank in the CSV and JSON downloads and the compare data."""
    given = {
        (r["urn"], r["year"], r["measure"], r["group"]): r
        for r in _rows(ROOT / "data" / "sample-la" / "results.csv")
    }
    small = {k for k, r in given.items() if r["cohort"] and int(r["cohort"]) < 6}
    assert len(small) > 100
    files = [sample_site / "downloads" / "measures.csv"]
    files += sorted((sample_site / "la").glob("*/measures.csv"))
    seen = 0
    for path in files:
        for r in _rows(path):
            key = (r["area"], r["year"], r["measure"], r["group"])
            if key in small:
                assert r["value"] == "" and r["status"] == "suppressed", (path, key)
                seen += 1
    assert seen >= len(small)
    hidden = 0
    for path in [f.with_suffix(".json") for f in files]:
        for r in json_records(path):
            if (r["area"], str(r["year"]), r["measure"], r["group"]) in small:
                assert r["value"] is None and r["status"] == "suppressed", (path, r)
                hidden += 1
    assert hidden >= len(small)
    # Complement: where one of a pair is hidden and the other published, the
    # other would reveal it; none such is left in the downloads.
    downloaded = _rows(sample_site / "downloads" / "measures.csv")
    rows = {
        (r["area"], r["year"], r["measure"], r["group"]): r
        for r in downloaded
        if r["area_type"] == "school"
    }
    pairs = (("fsm", "not_fsm"), ("boys", "girls"), ("sen", "no_sen"), ("eal", "english_first"))
    for (area, year, measure, group), r in rows.items():
        for a, b in pairs:
            if group == a and r["status"] == "suppressed":
                other = rows.get((area, year, measure, b))
                assert other is None or other["status"] != "ok", (area, year, measure, a)


def _perturb(path: Path, too_small, columns: tuple[str, ...]) -> int:
    """Give every row that must stay unpublished different figures; returns how many."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    changed = 0
    for r in rows:
        if too_small(r):
            for c in columns:
                if r.get(c, "").strip():
                    r[c] = f"{(float(r[c]) + 37.3) % 100:.1f}"
            changed += 1
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return changed


def _outputs(site: Path) -> dict[str, bytes]:
    """Every file of a built site as what a reader gets from it: PDFs as their text,
    the search index decompressed."""
    import gzip
    import subprocess

    out = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = str(path.relative_to(site))
        if path.suffix == ".pdf":
            out[rel] = subprocess.run(
                ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
            ).stdout
        elif path.suffix in (".pf_fragment", ".pf_index", ".pf_meta"):
            # Search files are named by a hash of their content: compare contents.
            data = gzip.decompress(path.read_bytes())
            out[f"pagefind:{hashlib.sha256(data).hexdigest()}"] = data
        else:
            out[rel] = path.read_bytes()
    return out


def test_hidden_figures_leave_no_trace_in_any_output(sample_site, project):
    """Change every figure about fewer than 6 pupils (and every survey answer from
    fewer than 10): if none of them reaches any output, every output file (pages,
    PDFs read back as text, downloads, compare data, search index, charts) is the
    same as before."""
    changed = 0
    for results in (project / "data").rglob("results.csv"):
        changed += _perturb(
            results,
            lambda r: r.get("cohort", "").strip() != "" and float(r["cohort"]) < 6,
            ("value", "lower", "upper"),
        )
    for surveys in (project / "data").rglob("surveys.csv"):
        changed += _perturb(surveys, lambda r: int(r["responses"]) < 10, ("pct_agree",))
    assert changed > 300
    out = project / "site"
    build(Paths(project / "data", project / "content", project / "templates", out))
    before, after = _outputs(sample_site), _outputs(out)
    assert sorted(before) == sorted(after)
    assert len([k for k in before if k.endswith(".pdf")]) > 50
    differ = [k for k in before if before[k] != after[k]]
    assert differ == []


def test_no_partition_leaves_one_hidden_member_alone(sample_site, registry):
    """Where one group of a partition is hidden, a second is hidden too, so that no
    subtraction from the whole cohort's figure gives the first away."""
    rows = _rows(sample_site / "downloads" / "measures.csv")
    status = {
        (r["area_type"], r["area"], r["year"], r["measure"], r["group"]): r["status"] for r in rows
    }
    checked = 0
    for area_type, area, year, measure, group in status:
        if group != "all":
            continue
        for members in registry.partitions:
            states = [status.get((area_type, area, year, measure, g)) for g in members]
            hidden = states.count("suppressed")
            if hidden:
                checked += 1
                assert hidden >= 2 or "ok" not in states, (area, year, measure, members)
    assert checked > 100


def test_small_group_cells_on_pages_say_suppressed(sample_site):
    """The gap table of every sample school shows no figure for a group under 6 pupils."""
    from .readback import table

    given = {
        (r["urn"], r["measure"], r["group"]): r
        for r in _rows(ROOT / "data" / "sample-la" / "results.csv")
        if r["year"] == "2011"
    }
    names = {
        "Level 4+ in English and maths": "ks2_l4_enma",
        "Expected progress in English": "ks2_2lp_en",
    }
    groups = {
        "pupils eligible for free school meals": "fsm",
        "boys": "boys",
        "pupils with special educational needs": "sen",
        "low prior attainment": "prior_low",
    }
    checked = 0
    for urn in {k[0] for k in given}:
        html = (sample_site / "schools" / urn / "index.html").read_text()
        try:
            rows = table(html, "Gaps in 2010/11")
        except AssertionError:
            continue
        for row in rows[1:]:
            measure_name, group_text = row[0].split(": ", 1)
            measure = names.get(measure_name)
            group = next((g for t, g in groups.items() if group_text.startswith(t)), None)
            if measure and group and int(given[(urn, measure, group)]["cohort"]) < 6:
                assert row[1] == "Suppressed" and row[3] == "Suppressed", (urn, row)
                checked += 1
    assert checked > 10


def test_markdown_cannot_run_script_or_reach_outside():
    html = render_markdown(
        "Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
        "[a](javascript:alert(1)) [b](java\tscript:alert(1)) ![c](file:///etc/passwd) "
        "[d](data:text/html,x) [e](https://www.gov.uk) [f](../../themes/phonics/index.html)"
    )
    assert "<script" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html  # shown as text
    for bad in ('href="javascript', 'href="java', 'src="file', 'href="data'):
        assert bad not in html
    assert 'href="https://www.gov.uk"' in html and 'href="../../themes/phonics/index.html"' in html


def test_names_with_html_are_escaped_and_bad_urns_refused(project):
    schools = project / "data" / "sample-la" / "schools.csv"
    hostile = '<script>alert("x")</script> Beacon'
    text = schools.read_text().replace("Beacon Hill Primary School", hostile)
    schools.write_text(text)
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    build(paths, pdf=False)
    page = (project / "site" / "schools" / "800003" / "index.html").read_text()
    assert '<script>alert("x")' not in page and "&lt;script&gt;alert(&#34;x&#34;)" in page
    schools.write_text(text + "../../etc,Evil School,999,primary,,,,,,\n")  # every cell
    refused = r"schools.csv, row \d+, column urn: a URN is 5 to 7 digits"
    with pytest.raises(InputError, match=refused):
        build(paths, pdf=False)


def test_a_huge_file_is_refused_and_the_site_kept(project):
    """A file over 2 GB (an export gone wrong) is refused by name before it is read
    into memory, and the last good site stays as it was."""
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    build(paths, pdf=False)
    home = (project / "site" / "index.html").read_bytes()
    huge = project / "data" / "sample-la" / "results-2012.csv"
    with huge.open("wb") as fh:
        fh.write(b"urn,year,measure,group,value,cohort,lower,upper\n")
        fh.truncate(2 * 1024**3 + 1)  # sparse: no real disk used
    with pytest.raises(InputError, match=r"results-2012\.csv: the file is larger than 2 GB"):
        build(paths, pdf=False)
    assert (project / "site" / "index.html").read_bytes() == home


def test_two_builds_are_byte_identical(project, tmp_path):
    one = Paths(project / "data", project / "content", project / "templates", tmp_path / "one")
    two = Paths(project / "data", project / "content", project / "templates", tmp_path / "two")
    build(one, pdf=False)
    build(two, pdf=False)
    files = sorted(
        p.relative_to(one.out)
        for p in one.out.rglob("*")
        if p.is_file() and "pagefind" not in p.parts
    )
    assert len(files) > 150
    for rel in files:
        assert (one.out / rel).read_bytes() == (two.out / rel).read_bytes(), rel


@given(st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_a_cell_is_a_number_a_code_or_flagged_never_a_silent_zero(cells):
    import pandas as pd

    values, statuses, bad = parse_figures(pd.Series(cells))
    for cell, value, status, flagged in zip(cells, values, statuses, bad, strict=True):
        if flagged:
            assert status == "missing" and value != value  # NaN: the loader reports it
        elif status != "ok":
            assert value != value and (cell.strip() in CODES or cell.strip().upper() in CODES)
        else:
            assert float(cell.strip().rstrip("%").replace(",", "")) == value


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(st.text(alphabet="0123456789abcSUPNE%,.- '", max_size=8), min_size=4, max_size=6),
        max_size=8,
    )
)
def test_results_loader_either_loads_or_names_the_problem(tmp_path, registry, rows):
    folder = tmp_path / "data"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "schools.csv").write_text("urn,name,la_code\n100001,A School,999\n")
    (folder / "las.csv").write_text("la_code,name\n999,Riverford\n")
    with (folder / "results.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["urn", "year", "measure", "value", "cohort"])
        writer.writerows(rows)
    try:
        load(folder, registry)
    except InputError as exc:
        assert "results.csv" in str(exc)


CELL = st.text(alphabet="0123456789abcxzSUPNE%,.-/ '<>&\"é", max_size=10)
TIDY_HEADERS = {
    "schools.csv": ["urn", "name", "la_code", "phase", "status", "context_year", "pct_fsm"],
    "benchmarks.csv": ["area", "year", "measure", "group", "statistic", "value"],
    "inspections.csv": ["urn", "date", "overall", "behaviour"],
    "surveys.csv": ["urn", "year", "respondents", "question", "responses", "pct_agree"],
    "las.csv": ["la_code", "name", "region"],
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(sorted(TIDY_HEADERS)),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=8), max_size=6),
)
def test_every_tidy_loader_loads_or_names_the_file(tmp_path, registry, name, rows):
    folder = tmp_path / "data"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    if name != "schools.csv":
        (folder / "base-schools.csv").write_text("urn,name,la_code\n100001,A School,999\n")
    with (folder / name).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(TIDY_HEADERS[name])
        writer.writerows(rows)
    try:
        load(folder, registry)
    except InputError as exc:
        assert name in str(exc) or "base-schools.csv" in str(exc)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(CELL, min_size=8, max_size=8))
def test_dfe_loader_loads_or_names_the_file(tmp_path, registry, cells):
    folder = tmp_path / "data"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    header = ["RECTYPE", "LEA", "URN", "SCHNAME", "TELIG", "PTRWM_EXP", "READPROG", "PTRWM_EXP_18"]
    with (folder / "ks2.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerow(["1", "850", "115851", "Anstey", "60", "63%", "-1.9", "57%"])
        writer.writerow(cells)
    try:
        load(folder, registry)
    except InputError as exc:
        assert "ks2.csv" in str(exc)


@settings(max_examples=40, deadline=None)
@given(front=st.text(max_size=80), body=st.text(max_size=80))
def test_case_study_front_matter_never_crashes(front, body):
    import tempfile

    from reportgen.content import load_content

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "case-studies"
        folder.mkdir()
        (folder / "x.md").write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
        problems: list[str] = []
        load_content(Path(tmp), {}, problems)
        assert all("x.md" in p for p in problems)


_ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.text(alphabet=st.characters(codec="utf-8"), max_size=12)),
        st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False, width=32)),
        st.integers(1990, 2100),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


def _table(rows) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["text", "value", "year", "computed"])
    table["category"] = table["text"].astype("category")
    table["value"] = table["value"].astype(float)
    return table


@settings(max_examples=200, deadline=None)
@given(_ROWS)
def test_csv_cells_are_written_as_pandas_writes_them(rows):
    # The downloads' own CSV writer (fast, column by column) must give the
    # same text as pandas: quotes, commas, line breaks, missing values; text
    # that would start a spreadsheet formula begins with an apostrophe, and a
    # carriage return (which pandas leaves bare) is quoted.
    table = _table(rows)
    safe = table.assign(text=table["text"].map(lambda t: as_text(t) if isinstance(t, str) else t))
    safe["category"] = safe["text"].astype("category")
    expected = with_numbers_as_text(safe).to_csv(
        index=False, header=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL
    )
    if any("\r" in t for t in table["text"].dropna()):
        assert "\r" in measure_text(table)[0].decode("utf-8")
        return
    assert measure_text(table)[0].decode("utf-8") == expected


def test_a_name_that_would_start_a_formula_is_text_in_the_csv(project):
    schools = project / "data" / "sample-la" / "schools.csv"
    text = schools.read_text(encoding="utf-8")
    assert "Abbey Fields Junior School" in text
    names = {
        "Abbey Fields Junior School": '=HYPERLINK("http://evil.example";"Abbey")',
        "Ashby Marsh Primary School": "@SUM(1+1)*cmd|' /C calc'!A0",
        "Beacon Hill Primary School": "Beacon\rHill Primary School",
    }
    for old, new in names.items():
        assert old in text
        text = text.replace(old, '"' + new.replace('"', '""') + '"')  # as CSV quotes
    schools.write_text(text, encoding="utf-8")
    out = project / "site"
    build(Paths(project / "data", project / "content", project / "templates", out), pdf=False)
    for path in [out / "la" / "999" / "measures.csv", out / "downloads" / "measures.csv"]:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        assert all(len(row) == len(header) for row in rows), path  # no row split
        names_held = {row[header.index("area_name")] for row in rows[1:]}
        assert not any(n.startswith(("=", "+", "-", "@")) for n in names_held), path
        assert "'@SUM(1+1)*cmd|' /C calc'!A0" in names_held
        assert "Beacon\rHill Primary School" in names_held


class _Number(str):
    """A number in the JSON, as its text."""


@settings(max_examples=200, deadline=None)
@given(_ROWS)
def test_json_rows_hold_the_csv_figures(rows):
    # The JSON download is written by the same column-by-column writer: each
    # row is an array of every column's value in the table's order, a missing
    # value is null (never 0), and a number is the CSV's text (up to 10 figures).
    table = _table(rows)
    arrays = json.loads(
        b"[" + measure_text(table)[1] + b"]", parse_int=_Number, parse_float=_Number
    )
    shown = with_numbers_as_text(table)["value"]  # as the CSV shows it
    assert len(arrays) == len(rows)
    for (text, value, year, computed), array, cell in zip(rows, arrays, shown, strict=True):
        assert len(array) == len(table.columns) == 5  # text, value, year, computed, category
        assert array[0] == array[4] == text and not isinstance(array[0], _Number)
        assert isinstance(array[2], _Number) and array[2] == str(year)
        assert array[3] is computed
        if value is None or value != value:  # missing or NaN
            assert array[1] is None and cell == ""
        else:
            assert isinstance(array[1], _Number) and array[1] == cell
            assert float(array[1]) == float(f"{value:.10g}")  # -0.0 is 0, as in the CSV
