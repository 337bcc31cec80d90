"""The live preview's server: the last good site, with a failed build's errors on top."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from reportgen import build as building
from reportgen import serve
from reportgen.build import Paths
from reportgen.serve import PreviewApp

from .conftest import ROOT

PAGE = b"<!DOCTYPE html><html><head><title>Home</title></head><body><h1>Home</h1></body></html>"


def call(app, path):
    seen = {}

    def start(status, headers):
        seen["status"] = status
        seen["headers"] = dict(headers)

    body = b"".join(app({"PATH_INFO": path}, start))
    return seen["status"], body


def test_preview_serves_the_site_and_shows_build_errors(tmp_path):
    (tmp_path / "schools").mkdir()
    (tmp_path / "index.html").write_bytes(PAGE)
    app = PreviewApp(tmp_path)
    status, body = call(app, "/")
    assert status.startswith("200") and b"<h1>Home</h1>" in body and b"alert" not in body
    app.error = ["data/results.csv, row 4, column value: expected a number, found 'x'"]
    status, body = call(app, "/index.html")
    assert b'role="alert"' in body and b"row 4, column value" in body
    # Styled by the site's stylesheet: the pages' policy (style-src 'self') blocks inline styles.
    assert b'class="build-failed"' in body and b"style=" not in body
    assert b"the problem below" in body
    assert (tmp_path / "index.html").read_bytes() == PAGE
    assert call(app, "/../etc/passwd")[0].startswith("404")
    assert call(app, "/schools/nothing.html")[0].startswith("404")


def test_the_live_reload_script_is_linked_from_the_preview_not_inline(tmp_path):
    (tmp_path / "index.html").write_bytes(PAGE)
    app = PreviewApp(tmp_path, serve.live_script(8123))
    body = call(app, "/")[1]
    assert b'<script src="/livereload.js?port=8123" defer></script></head>' in body
    assert b"<script>" not in body and b'<script type="text/javascript">' not in body


@pytest.mark.parametrize(
    "path",
    [
        "/..%00/x",
        "/\0",
        "/index.html\0.txt",
        "/\xff\xfe",  # not UTF-8
        "/" + "a" * 5000,  # longer than a file name can be
        "/" + "/".join(["b" * 200] * 40),  # longer than a path can be
        "/../../../../etc/passwd",
        "/index.html/x",
    ],
    ids=[
        "escaped",
        "nul",
        "nul-in-name",
        "not-utf8",
        "long-name",
        "long-path",
        "up",
        "file-as-dir",
    ],
)
def test_a_bad_path_is_not_found_never_a_server_error(tmp_path, path):
    (tmp_path / "index.html").write_bytes(PAGE)
    app = PreviewApp(tmp_path)
    assert call(app, path)[0].startswith("404")


def test_a_missing_page_shows_the_site_s_404_page(tmp_path):
    (tmp_path / "404.html").write_bytes(PAGE.replace(b"Home", b"Page not found"))
    app = PreviewApp(tmp_path, serve.live_script(8000))
    status, body = call(app, "/schools/999999/")
    assert status.startswith("404") and b"<h1>Page not found</h1>" in body
    assert b"/livereload.js" in body  # it reloads after a rebuild too


def test_a_folder_without_its_slash_is_redirected_so_relative_links_work(tmp_path):
    (tmp_path / "schools" / "1").mkdir(parents=True)
    (tmp_path / "schools" / "1" / "index.html").write_bytes(PAGE)
    seen = {}

    def start(status, headers):
        seen.update(status=status, headers=dict(headers))

    PreviewApp(tmp_path)({"PATH_INFO": "/schools/1"}, start)
    assert seen["status"].startswith("301") and seen["headers"]["Location"] == "/schools/1/"


def test_the_preview_builds_beside_the_site_never_in_it():
    assert serve.preview_folder(Path("site")) == Path(".site-preview")
    assert serve.preview_folder(Path("/x/la/site")) == Path("/x/la/.site-preview")
    assert building.cache_dir(Paths(*[Path()] * 3, Path(".site-preview"))) != building.cache_dir(
        Paths(*[Path()] * 3, Path("site"))
    )


def small_project(tmp_path: Path) -> Paths:
    """The case-study schools only: a site built in seconds."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copytree(ROOT / "data" / "case-study-schools", data / "case-study-schools")
    shutil.copy(ROOT / "data" / "la_and_region_codes_meta.csv", data)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return Paths(data, tmp_path / "content", tmp_path / "templates", tmp_path / ".site-preview")


def test_every_failed_rebuild_is_a_message_and_the_last_good_site_stays(
    tmp_path, monkeypatch, capsys
):
    paths = small_project(tmp_path)
    preview = serve.Preview(paths, PreviewApp(paths.out))
    assert preview.rebuild() and preview.app.error == []
    home = (paths.out / "index.html").read_bytes()
    template = paths.templates / "home.html"
    good = template.read_text()

    # A template's syntax error names the file and line.
    template.write_text(good.replace("{% block main %}", "{% block main %}{% if %}", 1))
    assert not preview.rebuild()
    assert len(preview.app.error) == 1
    assert preview.app.error[0].startswith("templates/home.html, line ")
    assert "a mistake in the template" in preview.app.error[0]

    # A template that names something its page does not have.
    template.write_text(good.replace("{% block main %}", "{% block main %}{{ page.nothing.x }}", 1))
    assert not preview.rebuild()
    assert "templates/home.html, line " in preview.app.error[0]
    template.write_text(good)

    # YAML that does not parse.
    site_yml = paths.content / "site.yml"
    settings = site_yml.read_text()
    site_yml.write_text(settings + "\nbenchmarks: [unclosed\n")
    assert not preview.rebuild() and "site.yml" in " ".join(preview.app.error)
    site_yml.write_text(settings)

    # A full disk, and an error nobody foresaw.
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(paths.out))

    monkeypatch.setattr(building, "build", full)
    assert not preview.rebuild()
    assert preview.app.error == [
        f"a file could not be read or written (No space left on device): {paths.out}"
    ]
    monkeypatch.setattr(building, "build", lambda *a, **k: {}["missing"])
    assert not preview.rebuild() and "unexpected error (KeyError" in preview.app.error[0]
    monkeypatch.undo()

    err = capsys.readouterr().err
    assert "Traceback" not in err and "No space left on device" in err
    assert "the preview still shows the last good build" in err
    assert (paths.out / "index.html").read_bytes() == home
    assert preview.rebuild() and preview.app.error == []


def test_describe_names_the_template_without_a_traceback(tmp_path):
    import jinja2

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "a.html").write_text("<p>\n{% for %}\n")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path / "templates")))
    with pytest.raises(jinja2.TemplateSyntaxError) as caught:
        env.get_template("a.html")
    (message,) = serve.describe(caught.value, tmp_path / "templates")
    assert message.startswith("templates/a.html, line 2: a mistake in the template")
    assert serve.describe(jinja2.TemplateNotFound("b.html")) == [
        "a template is missing from the templates folder: b.html"
    ]
