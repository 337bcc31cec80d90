"""Live preview: build, serve on localhost, rebuild when an input changes.

A failed rebuild prints its errors and keeps serving the last good site.
"""

from __future__ import annotations

import argparse
import sys

from .errors import InputError


def serve(args: argparse.Namespace) -> int:
    from livereload import Server

    from .build import Paths, build
    from .cli import report_errors

    paths = Paths(args.data, args.content, args.templates, args.out)

    def rebuild() -> None:
        try:
            result = build(paths)
            print(f"Rebuilt {result.pages} pages in {result.seconds:.1f} s.")
        except InputError as exc:
            report_errors(exc)

    rebuild()
    if not paths.out.exists():
        print("error: no site to serve yet; fix the errors above and run again.", file=sys.stderr)
        return 2
    server = Server()
    for folder in (paths.data, paths.content, paths.templates):
        server.watch(str(folder), rebuild)
    server.serve(root=str(paths.out), host="127.0.0.1", port=args.port, open_url_delay=None)
    return 0
