"""Command line: ``python build.py`` / ``reportgen`` and its sub-commands."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .errors import InputError, InputErrors

COMMANDS = ("build", "serve", "check", "synth", "new")
# The checkout reportgen runs from: its templates and its library of case studies.
PROJECT = Path(__file__).resolve().parents[2]


def project_templates() -> Path:
    """templates/ of the current folder when it has one, else the project's own:
    an LA's site folder made by ``new site`` holds no templates."""
    here = Path("templates")
    return here if here.is_dir() else PROJECT / "templates"


def _folders(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, default=Path("data"), help="data folder (default: data)"
    )
    parser.add_argument(
        "--content", type=Path, default=Path("content"), help="content folder (default: content)"
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=None,
        help="templates folder (default: templates/ here, else the project's)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("site"), help="output folder (default: site)"
    )


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Build the School Report Cards site from data/, content/ and templates/.",
    )
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build", help="build the site (the default)")
    for p in (parser, b):
        _folders(p)
        p.add_argument(
            "--pdf",
            dest="pdf",
            action="store_true",
            default=True,
            help="render PDF report cards and LA packs (the default)",
        )
        p.add_argument("--no-pdf", dest="pdf", action="store_false", help="HTML only")
        p.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="render schools' pages and PDFs in N worker processes (one per core is best)",
        )
        p.add_argument(
            "--executor",
            metavar="dask://HOST:PORT",
            help="render on a Dask cluster instead (pip install distributed)",
        )
        p.add_argument(
            "--allow-shrink",
            action="store_true",
            help="publish even though far fewer schools or figures than the last site",
        )
        p.add_argument("--quiet", action="store_true", help="print only errors")
    s = sub.add_parser("serve", help="build, serve on localhost and rebuild on change")
    _folders(s)
    s.add_argument("--port", type=int, default=8000)
    c = sub.add_parser("check", help="validate the inputs without writing a site")
    _folders(c)
    y = sub.add_parser("synth", help="write a generated dataset in the tidy format")
    y.add_argument("--out", type=Path, required=True)
    y.add_argument("--scale", choices=["la", "national"], default="la")
    y.add_argument("--seed", type=int, default=2011)
    n = sub.add_parser(
        "new",
        help="start a case study, or a new LA's site",
        description='new case-study "Title": a case study in content/case-studies/. '
        "new site DIR --la CODE: a fresh project folder for an LA's own site.",
    )
    n.add_argument("kind", choices=["case-study", "site"])
    n.add_argument("name", metavar="TITLE|DIR", help="the case study's title, or the site's folder")
    n.add_argument("--content", type=Path, default=Path("content"))
    n.add_argument("--la", metavar="CODE", help="new site: the LA's three-digit code, e.g. 850")
    n.add_argument(
        "--publisher", help='new site: who publishes it, e.g. "Hampshire County Council"'
    )
    return parser


def report_errors(exc: InputError) -> int:
    problems = exc.problems if isinstance(exc, InputErrors) else [str(exc)]
    print(
        f"error: {len(problems)} problem(s) in the input; the site was not changed.",
        file=sys.stderr,
    )
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    return 2


def print_warnings(warnings: list[str]) -> None:
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)


def print_file_years(file_years: list[str]) -> None:
    """Which year each dated file was read as, and why: a wrong year would put
    every figure of a file under another year, so the user sees it."""
    if file_years:
        print("Years of the files read:")
        for line in file_years:
            print(f"  {line}")


def cmd_build(args: argparse.Namespace) -> int:
    from .build import Paths, build

    paths = Paths(args.data, args.content, args.templates, args.out)
    try:
        result = build(
            paths,
            pdf=args.pdf,
            jobs=args.jobs,
            progress=not args.quiet and sys.stderr.isatty(),
            executor=args.executor,
            allow_shrink=args.allow_shrink,
        )
    except InputError as exc:
        return report_errors(exc)
    except OSError as exc:  # a full or read-only disk, a folder that cannot be made
        print(
            f"error: could not write the site: {exc.strerror or exc} "
            f"({exc.filename or args.out}); the last good site was kept. "
            "Free some space or fix the folder's permissions, then build again.",
            file=sys.stderr,
        )
        return 2
    if not args.quiet:
        print_file_years(result.file_years)
        print_warnings(result.warnings)
        if result.unchanged:
            print(f"Nothing changed since the last build of {result.out} ({result.seconds:.2f} s).")
            return 0
        print(
            f"Built {result.pages} pages and {result.pdfs} PDFs into {result.out}: "
            f"{result.changed} of {result.files} files written, {result.pdfs_rendered} PDFs "
            "rendered, the rest unchanged, "
            f"in {result.seconds:.1f} s with {len(result.warnings)} warning(s)."
        )
        print("Time: " + "; ".join(f"{s} {t:.1f} s" for s, t in result.stages.items()) + ".")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .build import Paths, branding, read_inputs

    try:
        _, dataset, content = read_inputs(
            Paths(args.data, args.content, args.templates, args.out), strict=True
        )
        branding(content.site, args.content)  # what a build would refuse, check refuses
    except InputError as exc:
        return report_errors(exc)
    print_file_years(dataset.file_years)
    print_warnings(dataset.warnings)
    print(
        f"OK: {len(dataset.schools)} schools, {len(dataset.las)} LAs, "
        f"{len(dataset.observations)} figures, {len(content.case_studies)} case studies."
    )
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from . import synth

    if args.scale == "la":
        counts = synth.sample(args.out, args.seed)
    else:
        counts = synth.national(args.out, args.seed)
    print(f"Wrote {counts['schools']} schools and {counts['results']} results rows to {args.out}.")
    return 0


def slugify(title: str) -> str:
    # "St Mary's Café" -> st-marys-cafe: accents dropped, apostrophes joined.
    import unicodedata

    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    plain = re.sub(r"['\u2019]", "", plain.lower())
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "case-study"


def cmd_new(args: argparse.Namespace) -> int:
    if args.kind == "site":
        return cmd_new_site(args)
    args.title = args.name
    slug = slugify(args.title)
    path = args.content / "case-studies" / f"{slug}.md"
    if path.exists():
        print(f"error: {path} already exists", file=sys.stderr)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    import json

    # A JSON string is a YAML double-quoted string: quotes, backslashes and
    # colons in the title are read back as typed.
    title = json.dumps(args.title, ensure_ascii=False)
    from .content import load_themes

    themes = list(load_themes(args.content))
    theme_line = (
        f"themes: [{themes[0]}]   # ids from content/themes.yml, e.g. {', '.join(themes[:4])}\n"
        if themes
        else "themes: []             # add themes to content/themes.yml first\n"
    )
    path.write_text(
        "---\n"
        "draft: true            # kept off the site until you delete this line\n"
        f"title: {title}\n"
        'summary: "One or two sentences: what the school did and what changed."\n'
        "schools: []            # URNs of the schools this is about, e.g. [800001]\n"
        'la: ""                 # LA code, e.g. "999"\n'
        "phase: primary         # primary or secondary\n"
        + theme_line
        + 'source: "Who supplied this case study, and when."\n'
        "featured: false\n"
        "---\n\n## The school\n\n## What it changed\n\n"
        "## The difference it made\n\n## Key lessons\n",
        encoding="utf-8",
    )
    print(f"Wrote {path} (a draft: delete its 'draft: true' line to publish it)")
    return 0


def cmd_new_site(args: argparse.Namespace) -> int:
    from .newsite import new_site

    if not args.la:
        print("error: say which LA the site is for: --la CODE (e.g. --la 850)", file=sys.stderr)
        return 2
    try:
        made = new_site(Path(args.name), args.la, args.publisher, PROJECT / "content")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folder = Path(args.name)
    print(f"Wrote a new site for {made.name} (LA {made.code}) in {folder}:")
    print(f"  {folder / 'data'}/      drop the DfE and Ofsted downloads here (see its README)")
    print(f"  {folder / 'content'}/   site.yml (replace the values marked [Replace: ...]),")
    print(f"                  la/{made.code}.md (your commentary) and the case-study library")
    print("Then build it:")
    print(
        f"  python3 {PROJECT / 'build.py'} --data {folder / 'data'} "
        f"--content {folder / 'content'} --out {folder / 'site'}"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(args)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser()
    args = parser.parse_args(argv)
    if getattr(args, "templates", "unset") is None:
        args.templates = project_templates()
    command = args.command or "build"
    handler = {
        "build": cmd_build,
        "check": cmd_check,
        "synth": cmd_synth,
        "new": cmd_new,
        "serve": cmd_serve,
    }[command]
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
