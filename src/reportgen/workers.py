"""Stage 6 fanned out: school and LA pages, cards and packs rendered in workers.

The unit of work is a ``Task``: a run of up to ``CHUNK`` schools of one LA
(their pages and report cards), an LA's own page and pack, or an LA's figures
as download text (the whole site's downloads are joined from these). Chunks, not
whole LAs, so that an LA publishing only its own schools still uses every
worker; the pack lays out its LA's cards again, in its own task, beside the
chunks. A worker on this machine writes a task's files into the build's
folder (never the live site) and returns their paths and hashes; a worker on
another machine returns the files. Either way the parent records every file
(refusing two at one path) and links the last build's file in place of one
that is the same, so incremental writing and the atomic publish work as in a
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

import contextlib
import functools
import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import downloads, memory, pages, render_html, state
from .errors import InputError
from .lookup import runs_of


@dataclass
class Job:
    """Everything a worker needs, sent once per build."""

    report: pages.Report
    templates_dir: str
    templates: dict[str, bytes]  # every template file, for workers on other machines
    pdf: bool
    pdf_cache: str | None
    token: str  # names this build's set-up, so a worker sets up once per build
    figures: downloads.Figures | None = None  # what makes each LA's downloads
    # The build's folder, where a worker on this machine writes the pages and
    # PDFs it makes (a worker on another machine sends them back instead).
    folder: str | None = None


@dataclass
class Output:
    """What one task rendered: files to write, compare-page data, counts."""

    files: list[tuple[str, str | bytes, str]] = field(default_factory=list)  # (path, content, what)
    written: list[tuple[str, str, str]] = field(default_factory=list)  # (path, hash, what)
    compare: list[dict] = field(default_factory=list)
    tables: list[tuple[str, render_html.Part, render_html.Part]] = field(
        default_factory=list
    )  # (LA, CSV, JSON body): files written (``downloads.Figures.write``), or bytes
    search: list[tuple[str, str]] = field(default_factory=list)  # (path, page to index)
    pages: int = 0
    pdfs: int = 0
    rendered: int = 0  # PDFs rendered, not taken from the cache
    task: Task | None = None


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


CHUNK = 40  # schools a task: small enough to spread one LA over many workers


@dataclass(frozen=True)
class Task:
    """Schools ``start:stop`` of an LA (in name order); with ``la_page`` the
    LA's page and, with PDFs, its pack; with ``data`` its download rows."""

    la: str
    start: int = 0
    stop: int = 0
    la_page: bool = False
    data: bool = False


def tasks(report: pages.Report, pdf: bool, data: Iterable[str] = ()) -> list[Task]:
    """Every task of a build, the biggest first so that the workers finish together
    (a pack lays out all its LA's cards). ``data``: the LAs whose download rows
    are to be made."""
    out = [Task(code, data=True) for code in data if code]
    for code, schools in report.schools_by_la.items():
        for start in range(0, len(schools), CHUNK):
            out.append(Task(code, start, min(len(schools), start + CHUNK)))
        if code in report.dataset.las:
            out.append(Task(code, la_page=True))

    def size(task: Task) -> int:
        if task.data:  # about as long as a chunk's pages
            return CHUNK
        if task.la_page:
            return len(report.schools_by_la[task.la]) if pdf else 1
        return task.stop - task.start

    return sorted(out, key=lambda t: (-size(t), t.la, t.start))


def task_digests(report: pages.Report, todo: list[Task], token: str, pdf: bool) -> dict[Task, str]:
    """For each task, a digest of everything it reads: its LA's and England's
    figures and gaps, every record of its LA's schools, the figures and records
    of their similar schools (for pages), and ``token`` (the templates, code,
    content and rules). A task whose digest is the same as in the last build
    would write the same files, and is not rendered again. A dependency left
    out here would keep a stale page, so the digest takes in more than a page
    reads (all of its LA), never less."""
    ds = report.dataset
    la_of = {urn: s.la_code for urn, s in ds.schools.items()}
    by_area: dict[str, str] = defaultdict(str)  # an area's own figures
    by_la: dict[str, str] = defaultdict(str)  # an LA's and all its schools'
    for frame in (f for f in (report.obs, report.gaps) if not f.empty):
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        codes, las = downloads.la_codes(frame, la_of)
        for c, digest in digests_by(codes, rows):
            by_la[las[c]] += digest
        codes, areas = pd.factorize(frame["area"])
        for c, digest in digests_by(codes, rows):
            by_area[areas[c]] += digest
    grades = defaultdict(list)
    for (urn, year), grade in report.grades.items():
        grades[urn].append((year, grade))

    @functools.cache  # a school is in its LA's digest and in many schools' families
    def record(urn: str) -> bytes:
        school = ds.schools.get(urn)
        return repr(
            (
                school,
                report.placements_by_school.get(urn),
                report.surveys_by_school.get(urn),
                report.inspections_by_school.get(urn),
                report.families.get(urn),
                report.disadvantage.get(urn),
                sorted(grades.get(urn, [])),
                sorted(y for y, urns in report.editions.items() if urn in urns),
                ds.schools.get(report.predecessor_of.get(urn, "")),
                ds.schools.get(report.successor_of.get(urn, "")),
            )
        ).encode()

    @functools.cache  # in the families of some fifteen schools, so of several tasks
    def member(urn: str) -> bytes:
        return record(urn) + f" {by_area[urn]}".encode()

    every_la = repr(sorted(ds.las.items())).encode()
    of_la: dict[str, str] = {}
    out = {}
    for task in todo:
        schools = _schools_of(report, task.la)
        if task.la not in of_la:
            digest = hashlib.sha256(token.encode())
            digest.update(every_la)  # names of LAs appear beside schools of other LAs
            digest.update(f"{by_la['']} {by_la[task.la]}".encode())  # England's, the LA's
            for school in schools:
                digest.update(record(school.urn))
            of_la[task.la] = digest.hexdigest()
        if task.data:  # the LA's figures, each row with its names, after England's
            out[task] = hashlib.sha256(f"{of_la[task.la]} {task}".encode()).hexdigest()
            continue
        # Similar schools may be anywhere: their records and figures, for the
        # task's own schools (an LA's pack has all their cards; its page none).
        own = (schools if pdf else []) if task.la_page else schools[task.start : task.stop]
        family = sorted({f for s in own for f in report.families.get(s.urn, [])})
        digest = hashlib.sha256(f"{of_la[task.la]} {task}".encode())
        for urn in family:
            digest.update(member(urn))
        out[task] = digest.hexdigest()
    return out


def digests_by(codes: np.ndarray, rows: np.ndarray) -> Iterator[tuple[int, str]]:
    """(code, digest of its rows' hashes in order) for each integer code: the
    hashes sorted once and read in slices (a national table has millions)."""
    order, runs = runs_of(codes)
    ordered = rows[order]
    del order
    for code, start, end in runs:
        yield code, hashlib.sha256(ordered[start:end]).hexdigest()


class TaskRecords:
    """What each task wrote in the last builds, by the digest of what it read
    (``task_digests``): its ``Output`` with each file's hash in place of its bytes
    (the files themselves are in the live site), and for an LA's figures the
    digests of the parts its downloads hold.

    A record can be wrong only by being absent. It is JSON (a record cannot run
    code when read, as a pickle can), and it holds a digest of its own body,
    checked before use: a truncated or edited record is not used. A build's
    records are written aside (``pending``) and moved in by ``commit`` only once
    the site they describe is published: a build stopped before then leaves
    none behind that the live site does not bear out."""

    FORMAT = 1

    def __init__(self, folder: Path):
        self.folder = folder
        self.pending = folder / "pending"
        self.used: set[str] = set()
        # A build that stopped left its records aside: they promise files
        # that were never published.
        shutil.rmtree(self.pending, ignore_errors=True)

    def get(self, digest: str) -> Record | None:
        try:
            held = (self.folder / f"{digest}.json").read_bytes()
        except OSError:
            return None
        head, check, body = held[:_AT], held[_AT : _AT + 64], held[_AT + 64 + len(_SEP) : -1]
        if head != _HEAD or check != _check(body, digest).encode():
            return None  # from another version, cut short, or edited: made again
        try:
            found = Record.of(json.loads(body))
        except (KeyError, TypeError, ValueError):
            return None
        self.used.add(digest)
        return found

    def put(self, digest: str, out: Output, hashes: dict[str, str]) -> None:
        body = {
            "files": [[path, hashes[path], what] for path, _, what in [*out.files, *out.written]],
            "compare": out.compare,
            "search": out.search,
            "pages": out.pages,
            "pdfs": out.pdfs,
            # An LA's figures are not stored: they are read back from its files
            # (``downloads.Downloads.keep``), which must hold these parts.
            "tables": [[code, csv.digest, js.digest] for code, csv, js in out.tables],
        }
        self.pending.mkdir(parents=True, exist_ok=True)
        # Keys in the order made: the compare data is written back as it was read.
        text = json.dumps(body).encode()
        data = _HEAD + _check(text, digest).encode() + _SEP + text + b"}"
        (self.pending / f"{digest}.json").write_bytes(data)
        self.used.add(digest)

    def commit(self) -> None:
        """The published build's records moved in; those of tasks it did not have
        forgotten."""
        for path in sorted(self.pending.glob("*.json")) if self.pending.is_dir() else []:
            os.replace(path, self.folder / path.name)
        shutil.rmtree(self.pending, ignore_errors=True)
        for path in self.folder.glob("*") if self.folder.is_dir() else []:
            if path.is_file() and path.stem not in self.used:
                path.unlink(missing_ok=True)  # another task's, or an older format's


# A record is {"check": <digest of the body's bytes>, "body": {...}}, written
# so that the body is checked as the bytes it was written as: it is not made
# again from the parsed record (a national build reads hundreds of records,
# each holding its pages' search copies).
_HEAD, _SEP = b'{"check": "', b'", "body": '
_AT = len(_HEAD)


def _check(body: bytes, digest: str) -> str:
    return hashlib.sha256(f"{TaskRecords.FORMAT} {digest} ".encode() + body).hexdigest()


@dataclass
class Record(Output):
    """A task's ``Output`` as recorded: its files by hash, and the digests of the
    LA's parts its downloads hold."""

    promised: dict[str, tuple[str, str]] = field(default_factory=dict)  # LA: (CSV, JSON)

    @classmethod
    def of(cls, body: dict) -> Record:
        return cls(
            files=[(str(p), str(h), str(w)) for p, h, w in body["files"]],
            compare=list(body["compare"]),
            search=[(str(p), str(html)) for p, html in body["search"]],
            pages=int(body["pages"]),
            pdfs=int(body["pdfs"]),
            promised={str(c): (str(a), str(b)) for c, a, b in body["tables"]},
        )


def _schools_of(report: pages.Report, code: str) -> list:
    return sorted(report.schools_by_la.get(code, []), key=lambda s: (s.name, s.urn))


def render(job: Job | None, task: Task) -> Output:
    """One task's pages and PDFs."""
    job = job or _JOB
    if job is None:
        raise RuntimeError("no build job in this worker")
    tools = _tools(job)
    if task.data:
        out = _data_output(job, task.la)
    else:
        misses = tools.cache.misses if tools.cache else 0
        schools = _schools_of(job.report, task.la)
        if task.la_page:
            out = _la_output(job, tools, task.la, schools)
        else:
            out = _schools_output(job, tools, schools[task.start : task.stop])
        out.rendered = (tools.cache.misses - misses) if tools.cache else 0
    out.task = task
    if job.folder is not None:
        write_files(out, Path(job.folder))
    return out


def write_files(out: Output, folder: Path) -> None:
    """A task's files written into the build's folder by the worker that made
    them: only their paths and hashes go back to the build (at national scale,
    a gigabyte of pages not pickled and piped to it, nor hashed there)."""
    writer = render_html.Writer(folder)  # no live site: it writes every file, and checks its path
    for path, content, what in out.files:
        writer.write(path, content, what)
        out.written.append((path, writer.hashes[path], what))
    out.files = []


def _schools_output(job: Job, tools, schools: list) -> Output:
    """School pages and, with PDFs, their report cards."""
    report = job.report
    site = report.content.site
    out = Output()
    school_template = tools.env.get_template("school.html")
    for school in schools:
        page = pages.school_page(report, school)
        path = page["path"]
        html = school_template.render(
            page=page, site=site, root=render_html.relative_root(path), path=path
        )
        out.files.append((path, html, f"school {school.urn} ({school.source})"))
        out.search.append((path, render_html.search_copy(html)))
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
    return out


def _la_output(job: Job, tools, code: str, schools: list) -> Output:
    """The LA's page and, with PDFs, its pack: a cover, contents, the LA summary
    and every school's card."""
    report = job.report
    site = report.content.site
    out = Output()
    page = pages.la_page(report, code)
    path = page["path"]
    html = tools.env.get_template("la.html").render(
        page=page, site=site, root=render_html.relative_root(path), path=path
    )
    out.files.append((path, html, f"LA {code}"))
    out.search.append((path, html))
    out.pages += 1
    if job.pdf:
        cards = []
        for school in schools:
            card_page = pages.school_page(report, school)
            url = public_url(site, card_page["path"])
            html = tools.renderer.html("report_card.html", page=card_page, site=site, url=url)
            cards.append({"page": card_page, "html": html})

        def front(first_pages: list[int] | None) -> str:
            numbered = [
                {**card, "first_page": first_pages[i] if first_pages else None}
                for i, card in enumerate(cards)
            ]
            return tools.renderer.html(
                "la_pack.html", la=page, cards=numbered, site=site, la_url=public_url(site, path)
            )

        htmls = [card["html"] for card in cards]
        data = tools.cache.get(
            tools.renderer,
            front(None) + "".join(htmls),
            lambda: tools.renderer.pack(front, htmls),
        )
        out.files.append((f"la/{code}/report-cards.pdf", data, f"LA {code} pack"))
        out.pdfs += 1
    return out


def _data_output(job: Job, code: str) -> Output:
    """An LA's figures as download files."""
    report, figures = job.report, job.figures
    rows = report.obs.iloc[figures.rows[code]]
    table = downloads.measure_table(rows, report.registry, figures.names, figures.la_of)
    csv, json_body = map(render_html.Part.of, downloads.measure_text(table))
    return Output(
        tables=[(code, figures.write(code, "csv", csv), figures.write(code, "json", json_body))]
    )


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


def run(
    job: Job, jobs: int = 1, executor: str | None = None, todo: list[Task] | None = None
) -> Iterator[Output]:
    """Every task's output (of ``todo``, by default all), as the tasks finish."""
    if todo is None:
        todo = tasks(job.report, job.pdf, sorted(job.figures.rows) if job.figures else [])
    if not todo:
        return
    global _JOB
    # The computed report is millions of objects that live until the end: kept
    # out of the garbage collector's sweeps, which otherwise walk them all again
    # and again while pages and PDFs are made (and, after a fork, would copy
    # every memory page the parent shares with its workers).
    gc.collect()
    memory.trim_heap()
    gc.freeze()
    try:
        if executor:
            yield from _on_dask(job, todo, executor)
        elif jobs > 1:
            _JOB = job  # forked workers inherit it: nothing is pickled
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                jobs, mp_context=context, initializer=_end_with, initargs=(os.getpid(),)
            ) as pool:
                yield from _results(pool, [pool.submit(render, None, t) for t in todo])
        else:
            for task in todo:
                yield render(job, task)
    finally:
        _JOB = None
        gc.unfreeze()


def _end_with(parent: int) -> None:
    """A worker ends with the build, however the build ends: the kernel kills
    it when the build's process dies (Linux), even by SIGKILL, so no worker
    is left holding the report's memory."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the pool's own shutdown
        state.libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before the line above
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _on_dask(job: Job, todo: list[Task], address: str) -> Iterator[Output]:
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
            yield from _results(pool, [pool.submit(render, sent, t) for t in todo])
    finally:
        client.close()


def _results(pool: Executor, futures: list) -> Iterator[Output]:
    """Outputs as they finish, each let go once handed on: a national build's
    pages and downloads, held to the end, would be gigabytes."""
    pending = set(futures)
    futures.clear()
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        while done:
            yield done.pop().result()
