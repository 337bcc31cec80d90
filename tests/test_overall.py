"""The optional overall grade, off by default, on a constructed case."""

import pandas as pd

from reportgen.overall import overall_grades

from .conftest import make_frame, school_obs


def test_off_by_default(registry):
    obs = make_frame(school_obs([("100001", 2011, "ks2_l4_enma", 60)]))
    assert overall_grades(obs, pd.Series({"100001": "primary"}), registry, {}).empty


def test_weighted_percentile_basket(registry):
    # Five schools. Attainment (weight 2) ranks them 1..5; persistent absence
    # (weight 1, lower is better) ranks them in reverse; school 5 has no absence figure.
    rows = []
    for i in range(1, 6):
        urn = f"10000{i}"
        rows.append((urn, 2011, "ks2_l4_enma", 50 + 5 * i))
        if i < 5:
            rows.append((urn, 2011, "persistent_absence", 2.0 * i))
    obs = make_frame(school_obs(rows))
    phase = pd.Series({f"10000{i}": "primary" for i in range(1, 6)})
    config = {
        "enabled": True,
        "basket": {"ks2_l4_enma": 2, "persistent_absence": 1},
        "grades": ["A", "B", "C", "D", "E"],
    }
    out = overall_grades(obs, phase, registry, config).set_index("area")
    # School 1: attainment rank 20, absence rank 100 (lowest absence of four):
    # (2*20 + 1*100) / 3 = 46.7. School 5: attainment only, rank 100 -> 100.
    assert out.loc["100001", "score"] == 46.7
    assert out.loc["100005", "score"] == 100.0
    assert out.loc["100005", "grade"] == "A"
    assert sorted(out["grade"]) == ["A", "B", "C", "D", "E"]


def test_grade_shown_only_when_switched_on(project):
    from reportgen.build import Paths, build

    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    build(paths, pdf=False)
    assert (
        "Overall grade" not in (project / "site" / "schools" / "800003" / "index.html").read_text()
    )
    site_yml = project / "content" / "site.yml"
    site_yml.write_text(site_yml.read_text().replace("  enabled: false", "  enabled: true"))
    build(paths, pdf=False)
    page = (project / "site" / "schools" / "800003" / "index.html").read_text()
    assert "Overall grade (experimental): <strong>" in page
    assert 'id="overall-grade"' in (project / "site" / "methodology" / "index.html").read_text()
