"""Live preview: build, serve on localhost, rebuild when an input changes.

The preview builds into its own folder beside the output folder (site/ ->
.site-preview/), without PDFs, so the site to publish is never touched by it.
It serves the last good build. When a rebuild fails, its errors are printed in
the terminal and shown at the top of every page in the browser, and the site
itself is left as it was; the next good build clears them.

Pages reload by themselves after each rebuild, with the site's own Content
Security Policy in force: livereload's script is linked from the preview's own
address (script-src 'self'), never written inline, and its websocket is on the
same host and port (connect-src 'self').
"""

from __future__ import annotations

import argparse
import html
import mimetypes
import sys
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, InputErrors

if TYPE_CHECKING:
    from .build import Paths

HEAD_END = b"</head>"
BODY = b"<body>"


def preview_folder(out: Path) -> Path:
    """Where the preview builds: hidden, beside the output folder (site/ ->
    .site-preview/). Hidden, so it is not taken for the site to upload; its own
    name gives it its own build cache (``build.cache_dir``: ..site-preview-cache)."""
    return out.parent / f".{out.name}-preview"


def live_script(port: int) -> bytes:
    """A link to livereload's client, served by the preview itself: the pages'
    policy allows scripts from their own address only. livereload.js reads the
    host and port of its websocket from this address."""
    return f'<script src="/livereload.js?port={port}" defer></script>'.encode()


def describe(exc: BaseException, templates: Path | None = None) -> list[str]:
    """A failed build's problems as messages for the person editing the site:
    where the problem is and what it is, never a traceback."""
    import jinja2
    import yaml

    if isinstance(exc, InputErrors):
        return list(exc.problems)
    if isinstance(exc, InputError):
        return [str(exc)]
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = _shown(exc.filename or exc.name or "a template", templates)
        return [f"{where}, line {exc.lineno}: a mistake in the template: {exc.message}"]
    if isinstance(exc, jinja2.TemplateNotFound):
        return [f"a template is missing from the templates folder: {exc.name}"]
    if isinstance(exc, jinja2.TemplateError):
        return [f"{_template_line(exc, templates)}a template could not be filled in: {exc}"]
    if isinstance(exc, yaml.YAMLError):
        return [f"a settings file is not valid YAML: {exc}"]
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc)
        where = f": {exc.filename}" if exc.filename else ""
        return [f"a file could not be read or written ({what}){where}"]
    return [
        f"the build stopped on an unexpected error ({type(exc).__name__}: {exc}). "
        "Undo your last change and tell the site's developers what it was."
    ]


def _shown(filename: str, templates: Path | None) -> str:
    """A template's file named from the templates folder's parent: templates/school.html."""
    path = Path(filename)
    if templates is not None:
        with_parent = templates.resolve().parent
        if path.resolve().is_relative_to(with_parent):
            return path.resolve().relative_to(with_parent).as_posix()
    return filename


def _template_line(exc: BaseException, templates: Path | None) -> str:
    """'templates/school.html, line 40: ' from the innermost template frame, if any.
    Jinja puts the template's own file and line into the traceback."""
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".txt")) and Path(frame.filename).is_file():
            found = f"{_shown(frame.filename, templates)}, line {frame.lineno}: "
    return found


class PreviewApp:
    """A small WSGI app serving the built site, with the last build error on top.

    ``script`` is put before each page's ``</head>`` (livereload's client)."""

    def __init__(self, root: Path, script: bytes = b""):
        self.root = root.resolve()
        self.script = script
        self.error: list[str] = []

    def banner(self) -> bytes:
        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.error)
        count = len(self.error)
        problems = "the problem" if count == 1 else f"the {count} problems"
        # Styled by .build-failed in style.css (the policy blocks inline styles);
        # tabindex: a long list scrolls in it, and a keyboard has to reach it.
        return (
            '<div class="build-failed" role="alert" tabindex="0"><p><strong>The last change '
            "could not be built, so this preview shows the site as it was before it.</strong> "
            f"Fix {problems} below and save the file: the preview rebuilds by itself.</p>"
            f"<ul>{items}</ul></div>"
        ).encode()

    def locate(self, path_info: str) -> Path | None:
        """The file a request path names inside the site, or None for any path
        that is not one (outside the site, a NUL byte, not UTF-8, too long...)."""
        try:
            # WSGI gives the path's bytes as latin-1 characters; pages' paths are UTF-8.
            path = path_info.encode("latin-1").decode("utf-8")
            if "\0" in path:
                return None
            target = (self.root / (path.lstrip("/") or "index.html")).resolve()
            if not target.is_relative_to(self.root):
                return None
            if target.is_dir():
                target = target / "index.html"
            return target if target.is_file() else None
        except (OSError, ValueError):
            return None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/") or "/"
        target = self.locate(path)
        status = "200 OK"
        if (
            target is not None
            and target.name == "index.html"
            and not path.endswith(("/", "index.html"))
        ):
            # /schools/123 -> /schools/123/, or the page's relative links go one level up.
            where = urllib.parse.quote(path.encode("latin-1")) + "/"
            start_response("301 Moved Permanently", [("Location", where)])
            return [b""]
        if target is None:
            status, target = "404 Not Found", self.locate("/404.html")
        try:
            body = target.read_bytes() if target is not None else None
        except OSError:  # gone while a rebuild swapped the site in
            body = None
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found"]
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind == "text/html":
            if self.error:
                body = body.replace(BODY, BODY + self.banner(), 1)
            body = body.replace(HEAD_END, self.script + HEAD_END, 1)
            kind += "; charset=utf-8"
        start_response(
            status,
            [
                ("Content-Type", kind),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),  # a reload shows the latest build
            ],
        )
        return [body]


def report(problems: list[str]) -> None:
    """A failed rebuild's problems in the terminal, as the banner lists them."""
    print(
        f"error: {len(problems)} problem(s); the preview still shows the last good build.",
        file=sys.stderr,
    )
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    sys.stderr.flush()


class Preview:
    """The preview's builds: each into ``paths.out`` (the preview folder), its
    problems, if it fails, given to ``app`` for the banner and printed."""

    def __init__(self, paths: Paths, app: PreviewApp):
        self.paths = paths
        self.app = app

    def rebuild(self) -> bool:
        from . import build as building

        started = time.perf_counter()
        try:
            result = building.build(self.paths, pdf=False, preview=True)
        except Exception as exc:  # any failure: shown, and the last good site kept
            self.app.error = describe(exc, self.paths.templates)
            report(self.app.error)
            return False
        self.app.error = []
        seconds = time.perf_counter() - started
        print(f"Rebuilt: {result.changed} files changed in {seconds:.2f} s.", flush=True)
        return True


def serve(args: argparse.Namespace) -> int:
    from livereload import Server
    from livereload.handlers import LiveReloadHandler

    from .build import Paths

    class PreviewServer(Server):
        def get_web_handlers(self, script):
            # Without livereload's inline script: the pages' policy blocks it.
            # PreviewApp links livereload.js instead (live_script).
            return super().get_web_handlers(b"")

    paths = Paths(args.data, args.content, args.templates, preview_folder(args.out))
    preview = Preview(paths, PreviewApp(paths.out, live_script(args.port)))

    def rebuild() -> None:
        preview.rebuild()
        # Every open page reloads now, once. livereload's own reload after a
        # task comes only 3 s after its last one (a quick second save was never
        # shown), and it skips this one as too soon.
        if LiveReloadHandler.waiters:
            LiveReloadHandler.reload_waiters("*")

    preview.rebuild()
    if not paths.out.exists():
        print("error: no site to preview yet; fix the errors above and run again.", file=sys.stderr)
        return 2
    server = PreviewServer(preview.app)
    for folder in (paths.data, paths.content, paths.templates):
        server.watch(str(folder), rebuild)
    print(
        f"Previewing at http://127.0.0.1:{args.port}/ (Ctrl-C to stop). The preview is "
        f"built in {paths.out}, without PDFs; {args.out} is not changed by it: "
        "build to publish.",
        flush=True,
    )
    # debug=False: no tracebacks in the browser, and no restart when a Python
    # file of reportgen changes (tornado's autoreload).
    server.serve(host="127.0.0.1", port=args.port, open_url_delay=None, debug=False)
    return 0
