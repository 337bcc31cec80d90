"""Live preview: build, serve on localhost, rebuild when an input changes.

The preview serves the last good site. When a rebuild fails, its errors are
printed in the terminal and shown at the top of every page in the browser,
and the site itself is left as it was; the next good build clears them.
"""

from __future__ import annotations

import argparse
import html
import mimetypes
import sys
import time
from pathlib import Path

from .errors import InputError, InputErrors


class PreviewApp:
    """A small WSGI app serving the built site, with the last build error on top."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.error: list[str] = []

    def banner(self) -> bytes:
        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.error)
        return (
            '<div role="alert" style="background:#a4200f;color:#fff;padding:1rem;'
            'font:1rem/1.4 system-ui,sans-serif"><strong>The last build failed; this is the '
            f"previous good site.</strong><ul>{items}</ul></div>"
        ).encode()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/").lstrip("/") or "index.html"
        target = (self.root / path).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root) or not target.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found"]
        body = target.read_bytes()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind == "text/html" and self.error:
            body = body.replace(b"<body>", b"<body>" + self.banner(), 1)
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]


def serve(args: argparse.Namespace) -> int:
    from livereload import Server

    from .build import Paths, build
    from .cli import report_errors

    paths = Paths(args.data, args.content, args.templates, args.out)
    app = PreviewApp(paths.out)

    def rebuild() -> None:
        started = time.perf_counter()
        try:
            result = build(paths, pdf=False, preview=True)
        except InputError as exc:
            report_errors(exc)
            app.error = exc.problems if isinstance(exc, InputErrors) else [str(exc)]
            return
        app.error = []
        print(f"Rebuilt: {result.changed} files changed in {time.perf_counter() - started:.2f} s.")

    rebuild()
    if not paths.out.exists():
        print("error: no site to serve yet; fix the errors above and run again.", file=sys.stderr)
        return 2
    server = Server(app)
    for folder in (paths.data, paths.content, paths.templates):
        server.watch(str(folder), rebuild, delay=0.2)
    print(f"Previewing {paths.out} at http://127.0.0.1:{args.port}/ (Ctrl-C to stop)")
    server.serve(host="127.0.0.1", port=args.port, open_url_delay=None)
    return 0
