"""What editors' files may put on the site: Markdown's HTML, an SVG logo, the
files a PDF may read."""

from __future__ import annotations

import gzip
from pathlib import Path

import markdown
import pytest

from reportgen.build import Paths, build
from reportgen.content import render_markdown
from reportgen.errors import InputErrors
from reportgen.sanitise import svg_logo

from .conftest import ROOT

# --- Markdown ---------------------------------------------------------------


def test_markdown_attributes_cannot_rewrite_search_or_the_page():
    html = render_markdown(
        'Abbey\n{: data-pagefind-meta="url:https://evil.example/phish" }\n\n'
        '## Results {#main .hidden style="display:none" onclick="x()" }\n\n'
        '[Report](https://www.gov.uk){: ping="https://evil.example/p" data-pagefind-filter="x" }'
    )
    assert html == (
        '<p>Abbey</p>\n<h2>Results</h2>\n<p><a href="https://www.gov.uk">Report</a></p>'
    )


@pytest.mark.parametrize(
    "link",
    [
        "&#106;avascript&#58;alert(1)",
        "&#x6A;avascript:alert(1)",
        "javascript&colon;alert(1)",
        "jav&#x09;ascript:alert(1)",
        "data:text/html,<script>x</script>",
        "vbscript:x",
        "java  script:alert(1)",
    ],
)
def test_an_encoded_script_link_loses_its_address(link):
    assert render_markdown(f"[Open]({link})") == "<p><a>Open</a></p>"


@pytest.mark.parametrize(
    "src",
    [
        "https://evil.example/x.png",
        "http://evil.example/x.png",
        "//evil.example/x.png",
        "///evil.example/x.png",
        " \t//evil.example/x.png",
        "/\\evil.example/x.png",
        "\\\\\\\\evil.example/x.png",  # Markdown's \\\\ is one backslash: \\evil
        "data:image/svg+xml,<svg/>",
        "&#104;ttps://evil.example/x.png",
    ],
)
def test_an_image_from_elsewhere_is_not_fetched(src):
    assert render_markdown(f"![Chart]({src})") == '<p><img alt="Chart"></p>'


def test_links_and_images_of_the_site_stay_as_written():
    html = render_markdown(
        "[a](../../themes/phonics/index.html) [b](#key-lessons) [c](mailto:head@school.example)"
        ' [d](http://www.ofsted.gov.uk "Ofsted") ![e](../../assets/chart.png)'
    )
    assert html == (
        '<p><a href="../../themes/phonics/index.html">a</a> <a href="#key-lessons">b</a> '
        '<a href="mailto:head@school.example">c</a> '
        '<a href="http://www.ofsted.gov.uk" title="Ofsted">d</a> '
        '<img alt="e" src="../../assets/chart.png"></p>'
    )


def test_the_sanitiser_takes_nothing_from_the_sample_content():
    # Every case study, commentary and page as Markdown alone renders it: the
    # allow-list holds all that legitimate content uses.
    from reportgen.content import _SafeMarkdown

    files = sorted((ROOT / "content").rglob("*.md"))
    assert len(files) > 20
    for path in files:
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        plain = markdown.markdown(
            body, extensions=["tables", "sane_lists", "attr_list", _SafeMarkdown()]
        )
        assert render_markdown(body) == plain, path


def test_a_planted_search_result_never_reaches_the_index(project):
    study = project / "content" / "case-studies" / "barton-moss-primary-school.md"
    study.write_text(
        study.read_text()
        + '\nAbbey\n{: data-pagefind-meta="url:https://evil.example/phish" }\n'
        + "\n[Abbey](&#106;avascript&#58;alert(1))\n"
    )
    out = project / "site"
    build(Paths(project / "data", project / "content", project / "templates", out), pdf=False)
    page = (out / "case-studies" / "barton-moss-primary-school" / "index.html").read_text()
    assert "<p>Abbey</p>" in page and "<p><a>Abbey</a></p>" in page
    fragments = [gzip.decompress(p.read_bytes()) for p in (out / "pagefind").rglob("*.pf_fragment")]
    assert any(b"Abbey" in f for f in fragments)
    assert not [f for f in fragments if b"evil.example" in f or b"avascript" in f]


# --- SVG logo ---------------------------------------------------------------

CLEAN = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 120 40" role="img" aria-label="Riverford Council">
  <title>Riverford Council</title>
  <defs>
    <linearGradient id="sky"><stop offset="0" stop-color="#1d70b8"/></linearGradient>
    <clipPath id="clip"><rect width="120" height="40" rx="4"/></clipPath>
  </defs>
  <style>.river { fill: url(#sky); stroke: #fff; }</style>
  <g clip-path="url(#clip)">
    <path class="river" d="M0 30 Q30 20 60 30 T120 30 V40 H0 Z"/>
    <circle cx="20" cy="12" r="6" fill="#ffdd00"/>
    <use xlink:href="#sky" href="#sky"/>
    <text x="40" y="20" font-family="Arial" font-size="12"><tspan>Riverford</tspan></text>
  </g>
</svg>
"""


def test_a_clean_logo_passes_unchanged():
    assert svg_logo(CLEAN, "content/logo.svg") is CLEAN


def test_editors_metadata_is_dropped_and_the_drawing_kept():
    inkscape = (
        b'<svg xmlns="http://www.w3.org/2000/svg" '
        b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        b'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" viewBox="0 0 9 9">'
        b'<sodipodi:namedview id="view"/><metadata><title>x</title></metadata>'
        b'<g inkscape:label="Layer 1" data-name="l"><rect width="9" height="9"/></g></svg>'
    )
    assert svg_logo(inkscape, "logo.svg") == (
        b"<?xml version='1.0' encoding='utf-8'?>\n"
        b'<svg viewBox="0 0 9 9" xmlns="http://www.w3.org/2000/svg">'
        b'<g><rect width="9" height="9" /></g></svg>'
    )


def refused(data: bytes) -> list[str]:
    with pytest.raises(InputErrors) as caught:
        svg_logo(data, "content/assets/logo.svg")
    for problem in caught.value.problems:
        assert problem.startswith("content/assets/logo.svg") and "\n" not in problem
    return caught.value.problems


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'


def test_a_planted_script_is_refused():
    assert refused(CLEAN.replace(b"</g>", b"<script>fetch('/x')</script></g>")) == [
        "content/assets/logo.svg: the logo has a <script> element; remove it "
        "(a logo is a drawing: export it as a plain SVG) or use a PNG"
    ]


def test_an_onload_attribute_is_refused():
    [problem] = refused(CLEAN.replace(b'role="img"', b'role="img" onload="alert(1)"'))
    assert "the logo's <svg> has an onload attribute (script); remove it" in problem


def test_a_foreign_object_is_refused():
    html = '<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">Hi</p></foreignObject>'
    [problem] = refused(SVG.format(html).encode())
    assert "the logo has a <foreignObject> element" in problem


@pytest.mark.parametrize(
    "element",
    [
        '<use href="https://evil.example/sprite.svg#logo"/>',
        '<a xlink:href="javascript:alert(1)"><rect width="1" height="1"/></a>',
        '<image href="data:image/svg+xml;base64,PHN2Zy8+"/>',
    ],
)
def test_a_link_out_of_the_logo_is_refused(element):
    [problem] = refused(SVG.format(element).encode())
    assert "links to" in problem and "may link only to its own parts" in problem


@pytest.mark.parametrize(
    "element",
    [
        "<style>rect { fill: url(https://evil.example/a.svg#g) }</style>",
        "<rect style=\"fill: url('//evil.example/p.svg#g')\"/>",
        '<rect fill="url(http://evil.example/a.svg#g)"/>',
        '<rect fill="url(https://evil.example/a.svg#g"/>',  # CSS closes it at the end
        '<style>@import "https://evil.example/x.css";</style>',
    ],
)
def test_css_that_fetches_from_elsewhere_is_refused(element):
    [problem] = refused(SVG.format(element).encode())
    assert "evil.example" in problem or "'@import'" in problem


def test_an_entity_bomb_is_refused_before_it_is_parsed():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "aaaaaaaaaa">\n'
        + b"".join(b'<!ENTITY %c "%s">\n' % (98 + i, b"&%c;" % (97 + i) * 10) for i in range(9))
        + b'<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&j;&x;</text></svg>'
    )
    assert refused(bomb) == [
        "content/assets/logo.svg, line 2: the logo has a DOCTYPE declaration; "
        "remove it (an SVG needs none: export it as a plain SVG)"
    ]
    assert "ENTITY declaration" in refused(CLEAN.replace(b"<svg", b'<!ENTITY a "b"><svg'))[0]


# --- The PDF renderer's files -----------------------------------------------


@pytest.mark.parametrize(
    "climb",
    [
        "%2e%2e/secret.txt",
        "%2E%2E/secret.txt",
        "fonts/%2e%2e/%2e%2e/secret.txt",
        "%2e%2e%2fsecret.txt",
        "fonts/..%2F..%2Fsecret.txt",
    ],
)
def test_the_pdf_fetcher_refuses_encoded_climbs_out_of_its_folder(tmp_path, climb):
    from weasyprint.urls import FatalURLFetchingError

    from reportgen.render_pdf import make_fetcher

    folder = tmp_path / "pdf"
    (folder / "fonts").mkdir(parents=True)
    (folder / "card.css").write_text("p { color: black }")
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = make_fetcher(folder)
    css = fetcher.fetch(f"{folder.as_uri()}/card.css")
    assert css.read() == b"p { color: black }"
    css.close()
    with pytest.raises(FatalURLFetchingError, match="refused"):
        fetcher.fetch(f"{folder.as_uri()}/{climb}")
    hostname = "/%2e%2e" * (len(folder.parts) + 1) + "/etc/hostname"
    with pytest.raises(FatalURLFetchingError, match="refused"):
        fetcher.fetch(f"{folder.as_uri()}{hostname}")
    with pytest.raises(FatalURLFetchingError, match="refused"):
        fetcher.fetch(f"file://evil.example{Path(folder, 'card.css')}")
