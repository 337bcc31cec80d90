"""Reading cells: every DfE code keeps its meaning, numbers in every spelling."""

import math

import pandas as pd
import pytest

from reportgen.formatting import format_change, format_value
from reportgen.load import parse_figures
from reportgen.model import parse_figure


@pytest.mark.parametrize(
    "raw, status",
    [
        ("SUPP", "suppressed"),
        ("NA", "not_applicable"),
        ("NE", "no_entries"),
        ("NP", "not_published"),
        ("LOWCOV", "low_coverage"),
        ("NEW", "new_school"),
        ("", "missing"),
        (" ", "missing"),
        ("c", "suppressed"),
        ("x", "not_available"),
        ("z", "not_applicable"),
        ("u", "low_reliability"),
        ("low", "rounds_to_zero"),
    ],
)
def test_codes_keep_their_meaning(raw, status):
    value, got = parse_figure(raw)
    assert math.isnan(value)
    assert got == status
    values, statuses, bad = parse_figures(pd.Series([raw]))
    assert math.isnan(values[0]) and statuses[0] == status and not bad[0]


@pytest.mark.parametrize(
    "raw, value", [("69%", 69.0), (" 12 ", 12.0), ("1,234", 1234.0), ("-0.4", -0.4), ("0", 0.0)]
)
def test_numbers_in_excel_spellings(raw, value):
    assert parse_figure(raw) == (value, "ok")
    values, statuses, bad = parse_figures(pd.Series([raw]))
    assert values[0] == value and statuses[0] == "ok" and not bad[0]


def test_garbage_is_flagged_not_zero():
    values, statuses, bad = parse_figures(pd.Series(["12", "twelve", "inf"]))
    assert list(bad) == [False, True, True]
    assert math.isnan(values[1])
    with pytest.raises(ValueError):
        parse_figure("twelve")


def test_formatting():
    assert format_value(54.0, "percent") == "54%"
    assert format_value(83.6, "percent") == "83.6%"
    assert format_value(-0.4, "score") == "-0.4"
    assert format_value(1.2, "score") == "+1.2"
    assert format_value(1234, "count") == "1,234"
    assert format_value(float("nan"), "percent") == ""
    assert format_change(-17, "percent") == "−17 points"
    assert format_change(1, "percent") == "+1 point"
