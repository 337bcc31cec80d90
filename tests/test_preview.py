"""The live preview in a real browser: a saved edit shows by itself, with the
site's Content-Security-Policy in force, and the site to publish untouched.
And the 404 page, shown by a web server at a nested address, styled and linked."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from reportgen.build import Paths, build

from .browser import browser, chromium_path
from .test_serve import small_project

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed")

SLUG = "medway-what-worked"
# A CSP violation, from the page's own listener: Chromium's console message for
# one is not always passed on to Playwright.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));
"""
# A function, not an expression: Playwright evaluates an expression with eval,
# which the policy (rightly) blocks.
CONNECTED = "() => !!window.LiveReload && window.LiveReload.connector.protocol > 0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@contextlib.contextmanager
def preview(paths: Paths, publish: Path, log: Path):
    """``build.py serve`` for the project, until the block ends: its address."""
    port = free_port()
    command = [sys.executable, "-m", "reportgen.cli", "serve", "--port", str(port)]
    command += ["--data", str(paths.data), "--content", str(paths.content)]
    command += ["--templates", str(paths.templates), "--out", str(publish)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        server = subprocess.Popen(
            command, cwd=publish.parent, stdout=out, stderr=subprocess.STDOUT, env=env
        )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()
            with contextlib.suppress(OSError):
                if status_of(base) == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_saved_edit_reloads_the_page_by_itself_within_the_site_s_policy(tmp_path):
    paths = small_project(tmp_path)
    publish = tmp_path / "site"  # holds the published site, which a preview must not touch
    publish.mkdir()
    (publish / "index.html").write_text("the published site")
    log = tmp_path / "serve.log"
    study = paths.content / "case-studies" / f"{SLUG}.md"
    template = paths.templates / "case_study.html"
    with preview(paths, publish, log) as base, browser() as b:
        page = b.new_page()
        page.add_init_script(REPORT_VIOLATIONS)
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.goto(base + f"case-studies/{SLUG}/index.html")
        with contextlib.suppress(Exception):
            page.wait_for_function(CONNECTED, timeout=10_000)
        assert [m for m in console if "violat" in m.lower() or "refused" in m.lower()] == []
        assert page.evaluate(CONNECTED), "livereload did not connect"
        time.sleep(0.5)  # the server counts the page once it has said which it is

        token = f"Saved at {time.time_ns()}"
        study.write_text(study.read_text() + f"\n{token}.\n")
        saved = time.monotonic()
        page.locator("main", has_text=token).wait_for(timeout=20_000)
        took = time.monotonic() - saved
        print(f"the edit showed in the browser {took:.1f} s after it was saved")
        assert took < 10

        # A broken template: the page shows why, styled by the site's stylesheet,
        # over the last good site; the terminal shows it without a traceback.
        page.wait_for_function(CONNECTED, timeout=10_000)
        page.mouse.wheel(0, 600)  # a reload keeps this place: the banner must show from here
        time.sleep(0.5)
        good = template.read_text()
        template.write_text(good.replace("{% block main %}", "{% block main %}{% if %}", 1))
        banner = page.locator(".build-failed")
        banner.wait_for(timeout=20_000)
        assert "templates/case_study.html, line" in banner.inner_text()
        assert token in page.locator("main").inner_text()
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.scrollY") > 0
        seen = banner.evaluate("e => e.getBoundingClientRect().top >= 0")
        assert seen and banner.is_visible(), "the banner is above the reader's place"
        colour = banner.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(164, 32, 15)"  # .build-failed in style.css
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(tmp_path / f"banner-{width}.png"))
        page.wait_for_function(CONNECTED, timeout=10_000)
        time.sleep(0.5)
        template.write_text(good)
        banner.wait_for(state="detached", timeout=20_000)

        assert [m for m in console if "violat" in m.lower() or "refused" in m.lower()] == []
        # Nothing bad in a path serves a server error (a NUL byte made a 500).
        assert status_of(base + "..%00/x") == 404
    text = log.read_text()
    assert "Traceback" not in text and "a mistake in the template" in text
    assert sorted(publish.iterdir()) == [publish / "index.html"]
    assert (publish / "index.html").read_text() == "the published site"


@contextlib.contextmanager
def web_server(folder: Path):
    """The folder served as a web host does: its 404.html for an address not found."""

    class Host(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def send_error(self, code, message=None, explain=None) -> None:
            page = folder / "404.html"
            if code != 404 or not page.is_file():
                return super().send_error(code, message, explain)
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Host, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def test_the_404_page_is_styled_and_its_links_work_at_any_depth(tmp_path):
    paths = small_project(tmp_path)
    site = tmp_path / "site"
    build(Paths(paths.data, paths.content, paths.templates, site), pdf=False)
    with web_server(site) as base, browser() as b:
        page = b.new_page()
        for address in ("schools/nonexistent/deeper/", "schools/999999/", "nothing.html"):
            response = page.goto(base + address)
            assert response.status == 404
            assert page.locator("h1").inner_text() == "Page not found"
            masthead = page.locator(".masthead").evaluate(
                "e => getComputedStyle(e).backgroundColor"
            )
            assert masthead == "rgb(29, 79, 145)", address  # style.css and brand.css applied
            links = page.eval_on_selector_all(
                "a[href]:not([href^='#'])", "as => as.map(a => a.href)"
            )  # the skip link is to the page itself
            assert len(links) > 5
            for link in links:
                url = link.split("#")[0]
                assert url.startswith(base), link  # on this site, not the live one
                assert status_of(url) == 200, link
