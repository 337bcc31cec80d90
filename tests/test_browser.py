"""Pages in a real browser: the compare page's script, and no request to another host."""

import pytest

from .browser import browser, chromium_path, serve
from .readback import table

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed")


def test_compare_two_schools_side_by_side(sample_site):
    with serve(sample_site) as base, browser() as b:
        page = b.new_page()
        outside = []
        page.on("request", lambda r: r.url.startswith(base) or outside.append(r.url))
        page.goto(base + "compare/index.html")
        page.wait_for_selector("#compare-app:not([hidden])")
        options = page.eval_on_selector_all("#school-names option", "os => os.map(o => o.value)")
        with_results = [
            f
            for f in (sample_site / "schools").iterdir()
            if "No results are held for this school" not in (f / "index.html").read_text()
        ]
        assert len(options) == len(with_results) == 73
        first = next(o for o in options if o.startswith("Beacon Hill Primary School"))
        second = next(o for o in options if o.startswith("Abbey Fields Junior School"))
        page.fill("#school-1", first)
        page.dispatch_event("#school-1", "change")
        page.fill("#school-2", second)
        page.dispatch_event("#school-2", "change")
        rows = page.eval_on_selector_all(
            "#compare-result tr", "rs => rs.map(r => [...r.cells].map(c => c.innerText))"
        )
        assert rows[0][1].startswith("Beacon Hill Primary School")
        level4 = next(r for r in rows if r[0] == "Level 4+ in English and maths")
        expected = [
            next(
                r[1]
                for r in table(
                    (sample_site / "schools" / urn / "index.html").read_text(),
                    "Pupil Attainment in",
                )
                if r[0] == "Level 4+ in English and maths"
            )
            for urn in ("800003", "800001")
        ]
        assert level4[1:] == expected  # as on each school's own page
        page.screenshot(path=str(sample_site.parent / "compare.png"), full_page=True)
        assert outside == []


def test_compare_page_explains_itself_without_javascript(sample_site):
    with serve(sample_site) as base, browser() as b:
        context = b.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(base + "compare/index.html")
        assert page.is_visible("#compare-fallback")
        assert not page.is_visible("#compare-app")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Beacon Hill", "Beacon Hill Primary School"),
        ("800046", "Wenlow High School"),
        ("Barton Moss PS", "Barton Moss Primary School"),
    ],
)
def test_search_finds_a_school_and_the_result_opens_it(sample_site, query, expected):
    with serve(sample_site) as base, browser() as b:
        page = b.new_page()
        page.goto(base + "search/index.html")
        page.fill(".pagefind-ui__search-input", query)
        link = page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
        titles = page.eval_on_selector_all(
            ".pagefind-ui__result-link", "ls => ls.map(l => l.innerText)"
        )
        assert any(expected in t for t in titles), titles
        page.click(f".pagefind-ui__result-link:has-text('{expected}')")
        page.wait_for_load_state()
        assert expected in page.inner_text("h1")
        assert link is not None


def test_search_for_a_school_finds_its_page_not_those_that_list_it(sample_site):
    # Other schools' pages and case studies name it among similar schools (no
    # case study is about it); those lists are not indexed.
    with serve(sample_site) as base, browser() as b:
        page = b.new_page()
        page.goto(base + "search/index.html")
        page.fill(".pagefind-ui__search-input", "Beacon Hill Primary School")
        page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
        page.wait_for_timeout(500)  # the UI fills in results as their fragments load
        hrefs = page.eval_on_selector_all(
            ".pagefind-ui__result-link", "ls => ls.map(l => l.getAttribute('href'))"
        )
        school_pages = {h for h in hrefs if "/schools/" in h}
        assert len(school_pages) == 1, hrefs
        assert not [h for h in hrefs if "/case-studies/" in h], hrefs
        page.click(".pagefind-ui__result-link[href*='/schools/']")
        page.wait_for_load_state()
        assert page.inner_text("h1") == "Beacon Hill Primary School"
