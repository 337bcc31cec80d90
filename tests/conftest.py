from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reportgen.build import Paths, build
from reportgen.model import School, observations
from reportgen.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The sample site, built once for the whole test session."""
    out = tmp_path_factory.mktemp("sample") / "site"
    build(Paths(ROOT / "data", ROOT / "content", ROOT / "templates", out))
    return out


@pytest.fixture
def project(tmp_path) -> Path:
    """A writable copy of the sample project (data, content, templates)."""
    for name in ("data", "content", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def school_obs(rows: list[tuple]) -> list[dict]:
    """(urn, year, measure, value[, cohort, lower, upper, status]) -> observation dicts."""
    out = []
    for r in rows:
        urn, year, measure, value, *rest = r
        cohort, lower, upper, status = (list(rest) + [float("nan")] * 3 + ["ok"])[:4]
        if not isinstance(status, str):
            status = "ok"
        out.append(
            {
                "area_type": "school",
                "area": urn,
                "year": year,
                "measure": measure,
                "value": value,
                "cohort": cohort,
                "lower": lower,
                "upper": upper,
                "status": status if value == value else (status if status != "ok" else "missing"),
                "source": "test",
            }
        )
    return out


def make_frame(rows: list[dict]):
    return observations(rows)


def make_school(urn: str, **kw) -> School:
    return School(
        urn=urn,
        name=kw.pop("name", f"School {urn}"),
        la_code=kw.pop("la_code", "999"),
        phase=kw.pop("phase", "primary"),
        **kw,
    )
