"""Generated datasets in reportgen's tidy format (``build.py synth``).

Results are simulated pupil by pupil and then counted, so every figure is a
real share of a real cohort: group figures add up to the whole-school figure,
small cohorts are genuinely small, and the suppression rule has something to
do. The same seed always gives the same files.

A few schools are planted so the sample shows every part of the product: small
village schools whose cohorts are suppressed, primaries below the floor, a
National Challenge secondary, and one that meets the Gaining Ground criteria.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE_LA = ("999", "Riverford", "Sample region")
LEVELS_YEARS = [2007, 2008, 2009, 2010, 2011]

# England figures. Where a seed quotes the figure it is cited; the rest are
# illustrative values for the fictional sample and say so in their source.
ENGLAND_LEVELS = {
    # measure: {year: value}
    "ks2_l4_enma": {2007: 71.1, 2008: 73.0, 2009: 72.5, 2010: 74.0, 2011: 74},
    "ks2_l4_en": {2005: 79, 2006: 79, 2007: 80, 2008: 81, 2009: 80, 2010: 81, 2011: 82},
    "ks2_l4_ma": {2005: 75, 2006: 76, 2007: 77, 2008: 78, 2009: 79, 2010: 80, 2011: 81},
    "ks2_l5_en": {2007: 33, 2008: 29, 2009: 29, 2010: 33, 2011: 29},
    "ks2_l5_ma": {2007: 32, 2008: 31, 2009: 35, 2010: 34, 2011: 35},
    "ks2_2lp_en": {2007: 82, 2008: 84, 2009: 82, 2010: 83, 2011: 84},
    "ks2_2lp_ma": {2007: 77, 2008: 78, 2009: 80, 2010: 82, 2011: 83},
    "ks4_5ac_em": {2007: 46, 2008: 48, 2009: 51, 2010: 55, 2011: 59},
    "ks4_5ac": {2007: 62, 2008: 65, 2009: 70, 2010: 76, 2011: 80},
    "ks4_3lp_en": {2007: 63, 2008: 64, 2009: 66, 2010: 70, 2011: 72},
    "ks4_3lp_ma": {2007: 55, 2008: 57, 2009: 60, 2010: 65, 2011: 65},
    "attendance": {2007: 93.7, 2008: 93.9, 2009: 94.0, 2010: 94.3, 2011: 94.4},
    "persistent_absence": {2007: 5.6, 2008: 5.3, 2009: 5.0, 2010: 4.6, 2011: 4.4},
}
ENGLAND_SOURCES = {
    ("ks2_l4_enma", 2007): "Seed 003:318",
    ("ks2_l4_enma", 2008): "Seed 003:318",
    ("ks2_l4_enma", 2009): "Seed 003:318 (004:749 gives 72%)",
    ("ks2_l4_enma", 2010): "Seed 003:318",
    ("ks2_l4_enma", 2011): "Seed 003:199",
    ("ks2_l4_en", 2011): "Seed 003:199",
    ("ks2_l4_ma", 2011): "Seed 003:199",
    ("ks2_2lp_en", 2011): "Seed 003:199",
    ("ks2_2lp_ma", 2011): "Seed 003:199",
}
ENGLAND_MEDIANS = {
    ("ks2_2lp_en", 2011): (87, "Seed 003:224"),
    ("ks2_2lp_ma", 2011): (86, "Seed 003:224"),
}

TOWNS = [
    "Riverford",
    "Ashby Marsh",
    "Kelton",
    "Stowbridge",
    "Hallam Green",
    "Wenlow",
    "Brackley Ford",
]
PRIMARY_NAMES = [
    "Abbey Fields",
    "Ashby Marsh",
    "Beacon Hill",
    "Birchwood",
    "Brook Lane",
    "Castle View",
    "Cedar Road",
    "Church Street",
    "Clayfield",
    "Coppice",
    "Dale End",
    "Elmhurst",
    "Fairway",
    "Fernbank",
    "Forest Gate",
    "Greenacre",
    "Hallam Green",
    "Hawthorn",
    "Highfield",
    "Holly Bank",
    "Kelton",
    "Kingsmead",
    "Larkrise",
    "Long Meadow",
    "Maple Grove",
    "Mill Lane",
    "Northgate",
    "Oakfield",
    "Orchard",
    "Park View",
    "Queensway",
    "Riverside",
    "Rowan",
    "St Anne's",
    "St Mark's",
    "Stowbridge",
    "Thornbury",
    "Victoria",
    "Westfield",
    "Willow Brook",
]
SECONDARY_NAMES = [
    "Riverford Academy",
    "Ashby Marsh High School",
    "Kelton School",
    "Stowbridge College",
    "Hallam Green School",
    "Wenlow High School",
    "St Bede's Catholic School",
    "Brackley Ford School",
    "Northgate Community College",
    "Queen Elizabeth School",
]


@dataclass
class SchoolPlan:
    urn: str
    name: str
    la_code: str
    phase: str
    town: str
    cohort: int  # pupils per year group at the end of the key stage
    fsm: float  # share eligible for free school meals
    sen: float
    eal: float
    quality: float  # the school's effect on progress (sd units)
    drift: float = 0.0  # change in quality per year


def plan_la(
    rng: np.random.Generator,
    la: tuple[str, str, str],
    n_primary: int,
    n_secondary: int,
    first_urn: int,
    plant: bool,
) -> list[SchoolPlan]:
    code, la_name, _ = la
    plans: list[SchoolPlan] = []
    names = PRIMARY_NAMES if plant else [f"{la_name} {n}" for n in PRIMARY_NAMES]
    for i in range(n_primary):
        base = names[i % len(names)] + ("" if i < len(names) else f" {i // len(names) + 1}")
        kind = rng.choice(
            ["Primary School", "Primary School", "Junior School", "CofE Primary School"]
        )
        cohort = int(rng.choice([15, 28, 30, 30, 45, 58, 60, 60, 88]))
        fsm = float(np.clip(rng.beta(2, 7), 0.02, 0.7))
        plans.append(
            SchoolPlan(
                str(first_urn + i),
                f"{base} {kind}",
                code,
                "primary",
                rng.choice(TOWNS),
                cohort,
                fsm,
                float(np.clip(rng.normal(0.18, 0.06), 0.04, 0.45)),
                float(np.clip(rng.beta(1.2, 8), 0.0, 0.8)),
                float(rng.normal(0, 0.35)),
                float(rng.normal(0, 0.05)),
            )
        )
    for j in range(n_secondary):
        name = SECONDARY_NAMES[j % len(SECONDARY_NAMES)] if plant else f"{la_name} School {j + 1}"
        plans.append(
            SchoolPlan(
                str(first_urn + n_primary + j),
                name,
                code,
                "secondary",
                rng.choice(TOWNS),
                int(rng.integers(120, 260)),
                float(np.clip(rng.beta(2, 7), 0.03, 0.6)),
                float(np.clip(rng.normal(0.17, 0.05), 0.05, 0.4)),
                float(np.clip(rng.beta(1.2, 8), 0.0, 0.7)),
                float(rng.normal(0.1, 0.2)),
            )
        )
    if plant:
        _plant(plans, n_primary)
    return plans


def _plant(plans: list[SchoolPlan], n_primary: int) -> None:
    """Make sure the sample shows each situation the site must handle."""
    # Three small village schools: cohorts of 4 to 9 pupils.
    for i, size in zip((5, 17, 29), (4, 7, 9), strict=True):
        plans[i].cohort, plans[i].name = size, plans[i].name.replace("Junior", "Primary")
    # Primaries that struggle: deprived intake and weak progress.
    for i in (2, 11, 23, 34):
        plans[i].fsm, plans[i].quality, plans[i].drift = 0.48, -1.1, 0.0
    # One that improves strongly year on year, as in the seeds' case studies.
    plans[8].fsm, plans[8].quality, plans[8].drift = 0.42, -1.2, 0.35
    sec = plans[n_primary:]
    # A National Challenge school: deprived intake and weak progress.
    sec[3].fsm, sec[3].sen, sec[3].quality, sec[3].drift = 0.5, 0.25, -1.0, 0.12
    # Gaining Ground: advantaged intake, good attainment, slow progress.
    sec[5].fsm, sec[5].sen, sec[5].quality, sec[5].drift = 0.05, 0.10, -0.65, 0.0


def simulate(plans: list[SchoolPlan], years: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """One row per pupil: school, year, characteristics and outcomes."""
    frames = []
    for y_index, year in enumerate(years):
        sizes = np.array([max(1, int(round(p.cohort * rng.uniform(0.85, 1.12)))) for p in plans])
        school_idx = np.repeat(np.arange(len(plans)), sizes)
        n = len(school_idx)
        fsm_p = np.array([p.fsm for p in plans])[school_idx]
        sen_p = np.array([p.sen for p in plans])[school_idx]
        eal_p = np.array([p.eal for p in plans])[school_idx]
        quality = np.array([p.quality + p.drift * y_index for p in plans])[school_idx]
        fsm = rng.random(n) < fsm_p
        sen = rng.random(n) < sen_p
        eal = rng.random(n) < eal_p
        boy = rng.random(n) < 0.51
        prior = rng.normal(0.35, 1, n) - 0.55 * fsm - 1.1 * sen - 0.25 * eal
        trend = 0.04 * y_index
        progress_en = 0.55 * quality + rng.normal(0, 0.75, n) + 0.15 * eal + 0.1 * (~boy) + trend
        progress_ma = 0.55 * quality + rng.normal(0, 0.75, n) + 0.1 * boy + trend
        frames.append(
            pd.DataFrame(
                {
                    "school": school_idx,
                    "year": year,
                    "fsm": fsm,
                    "sen": sen,
                    "eal": eal,
                    "boy": boy,
                    "prior_z": prior,
                    "prior": np.select(
                        [prior < -0.6, prior > 1.0], ["prior_low", "prior_high"], "prior_middle"
                    ),
                    "att_en": prior + progress_en,
                    "att_ma": prior + progress_ma,
                    "prog_en": progress_en,
                    "prog_ma": progress_ma,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def outcomes(pupils: pd.DataFrame, phase: str) -> pd.DataFrame:
    """Pass/fail per pupil for each measure of the phase (thresholds set for England-like rates)."""
    out = pd.DataFrame(index=pupils.index)
    if phase == "primary":
        out["ks2_l4_en"] = pupils["att_en"] > -1.05
        out["ks2_l4_ma"] = pupils["att_ma"] > -0.9
        out["ks2_l4_enma"] = out["ks2_l4_en"] & out["ks2_l4_ma"]
        out["ks2_l5_en"] = pupils["att_en"] > 0.65
        out["ks2_l5_ma"] = pupils["att_ma"] > 0.7
        out["ks2_2lp_en"] = pupils["prog_en"] > -0.72
        out["ks2_2lp_ma"] = pupils["prog_ma"] > -0.62
    else:
        out["ks4_5ac_em"] = (pupils["att_en"] + pupils["att_ma"]) / 2 > 0.15
        out["ks4_5ac"] = (pupils["att_en"] + pupils["att_ma"]) / 2 > -0.35
        out["ks4_3lp_en"] = pupils["prog_en"] > -0.3
        out["ks4_3lp_ma"] = pupils["prog_ma"] > -0.15
    return out


GROUP_COLUMNS = {
    "fsm": ("fsm", True),
    "not_fsm": ("fsm", False),
    "sen": ("sen", True),
    "no_sen": ("sen", False),
    "eal": ("eal", True),
    "english_first": ("eal", False),
    "boys": ("boy", True),
    "girls": ("boy", False),
}


def tabulate(pupils: pd.DataFrame, plans: list[SchoolPlan], phase: str) -> list[dict]:
    """Results rows (urn, year, measure, group, value, cohort) from pupil rows."""
    passed = outcomes(pupils, phase)
    measures = list(passed.columns)
    frame = pd.concat(
        [pupils[["school", "year", "fsm", "sen", "eal", "boy", "prior"]], passed], axis=1
    )
    rows: list[dict] = []
    selections = {"all": slice(None)}
    selections |= {g: frame[c] == v for g, (c, v) in GROUP_COLUMNS.items()}
    selections |= {g: frame["prior"] == g for g in ("prior_low", "prior_middle", "prior_high")}
    urns = np.array([p.urn for p in plans])
    for group, mask in selections.items():
        sub = frame[mask] if group != "all" else frame
        grouped = sub.groupby(["school", "year"])[measures]
        sums, counts = grouped.sum(), grouped.count()
        # Rows school by school, year by year, measure by measure, as before.
        cohorts = counts.to_numpy()
        values = np.round(100 * sums.to_numpy(dtype=float) / cohorts).astype(int)
        schools = sums.index.get_level_values(0).to_numpy()
        years = sums.index.get_level_values(1).to_numpy()
        for i in range(len(sums)):
            urn, year = urns[schools[i]], int(years[i])
            for j, m in enumerate(measures):
                rows.append(
                    {
                        "urn": urn,
                        "year": year,
                        "measure": m,
                        "group": group,
                        "value": int(values[i, j]),
                        "cohort": int(counts.iat[i, j]),
                    }
                )
    return rows


def prior_rows(pupils: pd.DataFrame, plans: list[SchoolPlan], phase: str) -> list[dict]:
    """Average points at the previous key stage (KS1 for primary, KS2 for secondary)."""
    base = 15.5 if phase == "primary" else 27.5
    agg = (
        pupils.assign(points=pupils["prior_z"] * 2 + base)
        .groupby(["school", "year"])["points"]
        .mean()
    )
    return [
        {
            "urn": plans[school].urn,
            "year": year,
            "measure": "prior_attainment",
            "group": "all",
            "value": round(float(v), 1),
        }
        for (school, year), v in agg.items()
    ]


def cva_rows(pupils: pd.DataFrame, plans: list[SchoolPlan]) -> list[dict]:
    """Contextual value added for secondaries: 1000 + school mean progress, with a 95% CI."""
    prog = (pupils["prog_en"] + pupils["prog_ma"]) / 2 * 25
    agg = prog.groupby([pupils["school"], pupils["year"]]).agg(["mean", "std", "count"])
    rows = []
    for (school, year), r in agg.iterrows():
        half = 1.96 * r["std"] / np.sqrt(r["count"])
        value = 1000 + r["mean"] - prog.mean()
        rows.append(
            {
                "urn": plans[school].urn,
                "year": year,
                "measure": "ks4_cva",
                "group": "all",
                "value": round(value, 1),
                "cohort": int(r["count"]),
                "lower": round(value - half, 1),
                "upper": round(value + half, 1),
            }
        )
    return rows


def context_rows(plans: list[SchoolPlan], years: list[int], rng: np.random.Generator) -> list[dict]:
    rows = []
    for p in plans:
        groups = 7 if p.phase == "primary" else 5
        for year in years:

            def near(x: float, sd: float) -> float:
                return round(float(np.clip(100 * x + rng.normal(0, sd), 0, 100)), 1)

            rows += [
                {
                    "urn": p.urn,
                    "year": year,
                    "measure": "pupils_on_roll",
                    "value": int(p.cohort * groups * rng.uniform(0.9, 1.05)),
                },
                {"urn": p.urn, "year": year, "measure": "pct_fsm", "value": near(p.fsm, 1.5)},
                {"urn": p.urn, "year": year, "measure": "pct_sen", "value": near(p.sen, 1.5)},
                {"urn": p.urn, "year": year, "measure": "pct_eal", "value": near(p.eal, 1.0)},
                {
                    "urn": p.urn,
                    "year": year,
                    "measure": "attendance",
                    "value": round(
                        float(
                            np.clip(95.2 - 6 * p.fsm + 1.2 * p.quality + rng.normal(0, 0.4), 88, 98)
                        ),
                        1,
                    ),
                },
                {
                    "urn": p.urn,
                    "year": year,
                    "measure": "persistent_absence",
                    "value": round(
                        float(
                            np.clip(2 + 14 * p.fsm - 2 * p.quality + rng.normal(0, 0.8), 0.5, 25)
                        ),
                        1,
                    ),
                },
            ]
            if p.phase == "secondary":
                rows.append(
                    {
                        "urn": p.urn,
                        "year": year,
                        "measure": "fixed_exclusions",
                        "value": round(
                            float(
                                np.clip(3 + 10 * p.fsm - 2 * p.quality + rng.normal(0, 1), 0.2, 20)
                            ),
                            1,
                        ),
                    }
                )
    return rows


def inspection_rows(plans: list[SchoolPlan], rng: np.random.Generator) -> list[dict]:
    rows = []
    for p in plans:
        for year in sorted(rng.choice([2006, 2008, 2009, 2010, 2011], size=2, replace=False)):
            grade = int(np.clip(round(2.3 - 1.1 * p.quality + rng.normal(0, 0.5)), 1, 4))
            month = int(rng.integers(1, 13))
            rows.append(
                {
                    "urn": p.urn,
                    "date": f"{year}-{month:02d}-{int(rng.integers(1, 28)):02d}",
                    "overall": grade,
                    "behaviour": max(1, grade - int(rng.integers(0, 2))),
                }
            )
    return rows


SURVEY_QUESTIONS = {
    "parents": [
        "My child is happy at this school",
        "My child feels safe at this school",
        "The school makes sure pupils are well behaved",
        "I would recommend this school to another parent",
    ],
    "pupils": ["I enjoy school", "I feel safe at school", "Teachers help me to do my best"],
}


def survey_rows(plans: list[SchoolPlan], year: int, rng: np.random.Generator) -> list[dict]:
    rows = []
    for p in plans[::2]:  # surveys held for half the schools
        for who, questions in SURVEY_QUESTIONS.items():
            base = 7 if p.cohort < 10 else int(p.cohort * (1.8 if who == "parents" else 1.2))
            for q in questions:
                n = max(3, int(base * rng.uniform(0.5, 1.1)))
                agree = np.clip(88 + 8 * p.quality + rng.normal(0, 4), 40, 100)
                rows.append(
                    {
                        "urn": p.urn,
                        "year": year,
                        "respondents": who,
                        "question": q,
                        "responses": n,
                        "pct_agree": round(float(agree)),
                    }
                )
    return rows


def school_rows(plans: list[SchoolPlan]) -> list[dict]:
    rows = []
    for p in plans:
        slug = p.name.lower().replace("'", "").replace(" ", "")[:24]
        rows.append(
            {
                "urn": p.urn,
                "name": p.name,
                "la_code": p.la_code,
                "phase": p.phase,
                "school_type": "Community school"
                if "CofE" not in p.name
                else "Voluntary aided school",
                "age_range": "7-11"
                if "Junior" in p.name
                else ("4-11" if p.phase == "primary" else "11-16"),
                "town": p.town,
                "postcode": f"RF{int(p.urn) % 9 + 1} {int(p.urn) % 7 + 1}AB",
                "website": f"https://www.{slug}.example.org",
                "status": "open",
            }
        )
    return rows


def benchmark_rows(years: list[int]) -> list[dict]:
    rows = []
    for measure, by_year in ENGLAND_LEVELS.items():
        for year in sorted(by_year):
            if year <= years[-1]:
                rows.append(
                    {
                        "area": "england",
                        "year": year,
                        "measure": measure,
                        "group": "all",
                        "statistic": "average",
                        "value": by_year[year],
                        "source": ENGLAND_SOURCES.get(
                            (measure, year), "illustrative (sample data)"
                        ),
                    }
                )
    for (measure, year), (value, source) in ENGLAND_MEDIANS.items():
        if year in years:
            rows.append(
                {
                    "area": "england",
                    "year": year,
                    "measure": measure,
                    "group": "all",
                    "statistic": "median",
                    "value": value,
                    "source": source,
                }
            )
    return rows


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def generate(
    out: Path,
    las: list[tuple[str, str, str]],
    n_primary: int,
    n_secondary: int,
    years: list[int],
    seed: int = 2011,
    plant: bool = True,
) -> dict[str, int]:
    """Write schools, results, benchmarks, inspections and surveys for ``las`` into ``out``."""
    rng = np.random.default_rng(seed)
    plans: list[SchoolPlan] = []
    urn = 800001
    for la in las:
        plans += plan_la(rng, la, n_primary, n_secondary, urn, plant)
        urn += n_primary + n_secondary
    results: list[dict] = []
    for phase in ("primary", "secondary"):
        chosen = [p for p in plans if p.phase == phase]
        pupils = simulate(chosen, years, rng)
        results += tabulate(pupils, chosen, phase)
        results += prior_rows(pupils, chosen, phase)
        if phase == "secondary":
            results += cva_rows(pupils, chosen)
    results += context_rows(plans, years, rng)
    write_csv(
        out / "las.csv",
        [dict(zip(["la_code", "name", "region"], la, strict=True)) for la in las],
        ["la_code", "name", "region"],
    )
    write_csv(
        out / "schools.csv",
        school_rows(plans),
        [
            "urn",
            "name",
            "la_code",
            "phase",
            "school_type",
            "age_range",
            "town",
            "postcode",
            "website",
            "status",
        ],
    )
    write_csv(
        out / "results.csv",
        results,
        ["urn", "year", "measure", "group", "value", "cohort", "lower", "upper"],
    )
    write_csv(
        out / "benchmarks.csv",
        benchmark_rows(years),
        ["area", "year", "measure", "group", "statistic", "value", "source"],
    )
    write_csv(
        out / "inspections.csv",
        inspection_rows(plans, rng),
        ["urn", "date", "overall", "behaviour"],
    )
    write_csv(
        out / "surveys.csv",
        survey_rows(plans, years[-1], rng),
        ["urn", "year", "respondents", "question", "responses", "pct_agree"],
    )
    return {"schools": len(plans), "results": len(results)}


def sample(out: Path, seed: int = 2011) -> dict[str, int]:
    """The repository's sample: one fictional LA, 40 primaries and 10 secondaries, 2007-2011."""
    return generate(out, [SAMPLE_LA], 40, 10, LEVELS_YEARS, seed)


def national_las() -> list[tuple[str, str, str]]:
    """Every LA code, name and region DfE lists (reference/la_codes.csv)."""
    path = Path(__file__).parent / "reference" / "la_codes.csv"
    with path.open(encoding="utf-8-sig") as fh:
        return [(r["LEA"], r["LA Name"], r["REGION NAME"]) for r in csv.DictReader(fh)]


def national(out: Path, seed: int = 2011) -> dict[str, int]:
    """About 16,800 primaries and 3,400 secondaries over every LA, five years."""
    las = national_las()
    return generate(out, las, 16800 // len(las), 3400 // len(las), LEVELS_YEARS, seed, plant=False)
