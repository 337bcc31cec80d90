"""Stage 6 fanned out: school and LA pages, cards and packs rendered in workers.

The unit of work is one LA: its worker builds the page models of the LA's
schools and of the LA, renders their HTML and (with PDFs) each report card
and the LA pack, and returns the files for the parent to write. The parent
alone writes, so incremental writing and the atomic publish work as in a
one-process build.

Expensive set-up (the Jinja environment, WeasyPrint's fonts and stylesheet)
happens once per worker, not once per task. Three ways to run, one interface
(``concurrent.futures``):

- one process (``--jobs 1``): the tasks run in the build's own process;
- local worker processes (``--jobs N``): forked, so they share the computed
  report with the parent without copying or pickling it (as Sphinx does);
- a Dask cluster (``--executor dask://HOST:PORT``): the job (report and
  templates) is sent once to every worker, then the tasks go out through
  Dask's ``concurrent.futures`` executor.
"""

from __future__ import annotations

import gc
import multiprocessing
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import pages, render_html
from .errors import InputError


@dataclass
class Job:
    """Everything a worker needs, sent once per build."""

    report: pages.Report
    templates_dir: str
    templates: dict[str, bytes]  # every template file, for workers on other machines
    pdf: bool
    pdf_cache: str | None
    token: str  # names this build's set-up, so a worker sets up once per build


@dataclass
class Output:
    """What one task rendered: files to write, compare-page data, counts."""

    files: list[tuple[str, str | bytes, str]] = field(default_factory=list)
    compare: list[dict] = field(default_factory=list)
    pages: int = 0
    pdfs: int = 0
    rendered: int = 0  # PDFs rendered, not taken from the cache


def template_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


_JOB: Job | None = None  # the job of a local build, inherited by forked workers
_TOOLS = threading.local()  # per worker thread: the set-up for the current job


def _tools(job: Job):
    """The Jinja environment and PDF renderer for a job, made once per worker."""
    if getattr(_TOOLS, "token", None) == job.token:
        return _TOOLS
    folder = Path(job.templates_dir)
    if not folder.is_dir():  # a worker on another machine: the templates came with the job
        folder = Path(tempfile.mkdtemp(prefix="reportgen-templates-"))
        for name, data in job.templates.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    env = render_html.make_env(folder)
    env.globals["pdf"] = job.pdf
    env.filters["glossed"] = render_html.glossary_linker(job.report.content.glossary)
    _TOOLS.env = env
    _TOOLS.renderer = _TOOLS.cache = None
    if job.pdf:
        from .render_pdf import PdfCache, PdfRenderer

        _TOOLS.renderer = PdfRenderer(env, folder)
        cache = Path(job.pdf_cache) if job.pdf_cache else None
        _TOOLS.cache = PdfCache(cache if cache and cache.parent.is_dir() else None)
    _TOOLS.token = job.token
    gc.freeze()  # a Dask worker: the job just received stays to the end (see ``run``)
    return _TOOLS


def public_url(site: dict, path: str) -> str:
    """The address of a page as readers will see it (folder URL, no index.html)."""
    return site["base_url"].rstrip("/") + "/" + path.removesuffix("index.html")


def render_la(job: Job | None, code: str) -> Output:
    """One LA's school pages, its LA page and, with PDFs, the cards and the pack."""
    job = job or _JOB
    if job is None:
        raise RuntimeError("no build job in this worker")
    tools = _tools(job)
    report = job.report
    site = report.content.site
    out = Output()
    misses = tools.cache.misses if tools.cache else 0
    school_template = tools.env.get_template("school.html")
    cards = []
    for school in sorted(report.schools_by_la.get(code, []), key=lambda s: (s.name, s.urn)):
        page = pages.school_page(report, school)
        path = page["path"]
        html = school_template.render(
            page=page, site=site, root=render_html.relative_root(path), path=path
        )
        out.files.append((path, html, f"school {school.urn} ({school.source})"))
        out.pages += 1
        if page["year"]:
            out.compare.append(compare_row(page, path))
        if job.pdf:
            url = public_url(site, path)
            card = tools.renderer.html("report_card.html", page=page, site=site, url=url)
            out.files.append(
                (
                    path.replace("index.html", "report-card.pdf"),
                    tools.cache.get(tools.renderer, card),
                    f"report card of {school.urn}",
                )
            )
            out.pdfs += 1
            cards.append({"page": page, "url": url})
    if code in report.dataset.las:
        page = pages.la_page(report, code)
        path = page["path"]
        html = tools.env.get_template("la.html").render(
            page=page, site=site, root=render_html.relative_root(path), path=path
        )
        out.files.append((path, html, f"LA {code}"))
        out.pages += 1
        if job.pdf:
            pack = tools.renderer.html(
                "la_pack.html", la=page, cards=cards, site=site, la_url=public_url(site, path)
            )
            out.files.append(
                (
                    f"la/{code}/report-cards.pdf",
                    tools.cache.get(tools.renderer, pack),
                    f"LA {code} pack",
                )
            )
            out.pdfs += 1
    out.rendered = (tools.cache.misses - misses) if tools.cache else 0
    return out


def compare_row(page: dict, path: str) -> dict:
    """What the compare page's script shows of a school: its headline figures."""
    return {
        "urn": page["school"].urn,
        "name": page["school"].name,
        "la": page["la"].name if page["la"] else "",
        "phase": page["school"].phase,
        "year": page["year_label"],
        "url": path,
        "figures": [
            {
                "measure": row["measure"].name,
                "text": row["this"].text,
                "la": row["la"].text,
                "england": row["england"].text,
            }
            for block in page["categories"]
            for row in block["rows"]
            if row["measure"].headline
        ],
    }


def run(job: Job, jobs: int = 1, executor: str | None = None) -> Iterator[Output]:
    """Every LA's output, as the tasks finish. The biggest LAs go first, so the
    workers finish together."""
    report = job.report
    codes = sorted(report.schools_by_la, key=lambda c: (-len(report.schools_by_la[c]), c))
    global _JOB
    # The computed report is millions of objects that live until the end: kept
    # out of the garbage collector's sweeps, which otherwise walk them all again
    # and again while pages and PDFs are made (and, after a fork, would copy
    # every memory page the parent shares with its workers).
    gc.freeze()
    try:
        if executor:
            yield from _on_dask(job, codes, executor)
        elif jobs > 1:
            _JOB = job  # forked workers inherit it: nothing is pickled
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(jobs, mp_context=context) as pool:
                yield from _results(pool, [pool.submit(render_la, None, c) for c in codes])
        else:
            for code in codes:
                yield render_la(job, code)
    finally:
        _JOB = None
        gc.unfreeze()


def _on_dask(job: Job, codes: list[str], address: str) -> Iterator[Output]:
    if not address.startswith("dask://"):
        raise InputError(f"--executor {address}: give a Dask scheduler as dask://HOST:PORT")
    try:
        from distributed import Client
    except ImportError as exc:
        raise InputError(
            "--executor dask://…: the Dask client is not installed (pip install 'distributed')"
        ) from exc
    client = Client("tcp://" + address.removeprefix("dask://"), timeout=30)
    try:
        sent = client.scatter(job, broadcast=True)  # once per worker, not once per task
        with client.get_executor() as pool:
            yield from _results(pool, [pool.submit(render_la, sent, c) for c in codes])
    finally:
        client.close()


def _results(pool: Executor, futures: list) -> Iterator[Output]:
    for future in as_completed(futures):
        yield future.result()
