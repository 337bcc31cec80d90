"""Charts: geometry from the numbers, and a text alternative for every one."""

import re

from reportgen import charts

from .readback import table


def test_trend_chart_places_points_by_value():
    c = charts.trend_chart(
        "Level 4+",
        ["2009/10", "2010/11", "2011/12"],
        [
            {"label": "This school", "values": [50.0, 60.0, 70.0]},
            {"label": "England", "values": [74.0, None, 75.0]},
        ],
        "percent",
    )
    school, england = c["lines"]
    ys = [p[1] for p in school["points"]]
    # Equal steps in value are equal steps on the page (linear scale), upwards.
    assert round(ys[0] - ys[1], 6) == round(ys[1] - ys[2], 6) and ys[0] > ys[2]
    assert [p[2] for p in school["points"]] == ["50%", "60%", "70%"]
    assert len(england["points"]) == 2  # a missing year is left out, not drawn at 0
    assert c["alt"] == (
        "Level 4+: This school 2009/10 50%, 2010/11 60%, 2011/12 70%; "
        "England 2009/10 74%, 2011/12 75%."
    )
    assert {line["marker"] for line in c["lines"]} == {"circle", "square"}  # not colour alone
    # One marker a point held, each a closed shape centred on its point.
    assert school["markers"].count("Z") == 3 and england["markers"].count("Z") == 2
    x, y = school["points"][1][:2]
    assert school["markers"].split("Z")[1] == f"M{x - 4:g},{y:g}a4,4 0 1,0 8,0a4,4 0 1,0 -8,0"


def test_interval_chart_centres_on_the_national_average():
    c = charts.interval_chart(
        "Progress",
        [
            {"label": "Reading", "value": -1.9, "lower": -3.4, "upper": -0.3},
            {"label": "Maths", "value": 2.0, "lower": 0.5, "upper": 3.5},
        ],
        0.0,
        "score",
    )
    reading, maths = c["entries"]
    assert reading["x_hi"] < c["centre_x"] < maths["x_lo"]
    assert "Reading -1.9 (-3.4 to -0.3)" in c["alt"]


def test_gap_chart_bars_go_left_for_negative_gaps():
    c = charts.gap_chart(
        "Gaps",
        [{"label": "Disadvantaged", "value": -12.0}, {"label": "Boys", "value": 4.0}],
        "percent",
    )
    neg, pos = c["bars"]
    assert neg["negative"] and neg["x"] + neg["w"] == c["zero"]
    assert not pos["negative"] and pos["x"] == c["zero"]
    assert abs(neg["w"] / pos["w"] - 3.0) < 0.01  # coordinates rounded to 0.1 px
    assert "Disadvantaged -12 points" in c["alt"]


def test_every_chart_on_the_site_has_a_title_and_description(sample_site):
    found = 0
    for page in sample_site.rglob("*.html"):
        html = page.read_text()
        for svg in re.findall(r'<svg viewBox[^>]*role="img"[^>]*>.*?</svg>', html, flags=re.S):
            found += 1
            ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
            for i in ids:
                assert re.search(rf'id="{i}">[^<]+<', svg), (page, i)
    assert found > 100


def test_trend_chart_alternative_matches_the_table(sample_site):
    html = (sample_site / "schools" / "800003" / "index.html").read_text()
    rows = table(html, "Pupil Attainment: the years held")
    years, first = rows[0][1:], rows[1]
    desc = re.search(r'id="attainment-chart-1-d">([^<]+)<', html).group(1)
    expected = ", ".join(f"{y} {v}" for y, v in zip(years, first[1:], strict=True))
    assert f"This school {expected}" in desc
