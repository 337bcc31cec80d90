"""The pipeline, one named step after another:

    load → validate → compute → page models → render HTML → downloads → publish

The site is written to a temporary folder beside the output folder and moved
into place only when everything succeeded, so a failed build leaves the last
good site untouched.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from . import (
    downloads,
    measures,
    memory,
    overall,
    pages,
    render_html,
    sanitise,
    similar,
    standards,
    state,
    validate,
    workers,
)
from .content import Content, check_links, draft_warnings, load_content
from .csvfiles import MAX_FILE_BYTES
from .errors import InputErrors
from .load import load
from .model import STATUSES, Dataset, academic_year, compact, empty_observations, source_text
from .newsite import PLACEHOLDER, placeholders_left
from .registry import Registry, load_registry, load_site_config
from .workers import public_url

KEY = ["area_type", "area", "year", "measure", "group", "statistic"]


@dataclass
class Paths:
    data: Path
    content: Path
    templates: Path
    out: Path


@dataclass
class BuildResult:
    pages: int = 0
    pdfs: int = 0
    pdfs_rendered: int = 0
    pages_rendered: int = 0  # school and LA pages made (the rest kept: nothing they read changed)
    la_figures_made: int = 0  # LAs whose downloads were made (the rest kept, as pages are)
    search_index_kept: bool = False  # no page's searchable text changed: the index stayed
    files: int = 0
    changed: int = 0  # files actually written (the rest kept from the last build)
    unchanged: bool = False  # nothing read had changed: nothing was done
    warnings: list[str] = field(default_factory=list)
    file_years: list[str] = field(default_factory=list)  # the year each dated file was read as
    seconds: float = 0.0
    # Seconds each stage took: where a long build spends its time.
    stages: dict[str, float] = field(default_factory=dict)
    out: Path | None = None


def read_inputs(
    paths: Paths, strict: bool = False, skip_content_warnings: bool = False
) -> tuple[Registry, Dataset, Content]:
    """Load and validate everything; raise InputErrors listing every problem at once.

    Content that names a school or LA missing from the data is an error when
    ``strict`` (``check``), and a warning in a build: the same case studies are
    published with different data folders, and a page without its school link
    is better than no site. The content's warnings come last (a preview
    makes them again for each edit: ``skip_content_warnings``).
    """
    registry = load_registry(paths.data)
    site = load_site_config(paths.content)
    problems: list[str] = []
    validate.check_settings(site, registry, str(paths.content / "site.yml"), problems)
    if problems:  # the rest reads these settings
        raise InputErrors(problems)
    content = load_content(paths.content, site, problems)
    try:
        dataset = load(paths.data, registry)
    except InputErrors as exc:
        raise InputErrors(exc.problems + problems) from None
    if strict:
        held = {s.la_code for s in dataset.schools.values()}
        problems += check_links(content, set(dataset.schools), set(dataset.las), held)
    if problems:
        raise InputErrors(problems)
    if not skip_content_warnings:
        dataset.warnings += content_warnings(paths, content, dataset, links=not strict)
    return registry, dataset, content


def content_warnings(paths: Paths, content: Content, dataset: Dataset, links: bool) -> list[str]:
    """What the editor should know of the content: links to schools or LAs the
    data lacks, drafts kept back, placeholders a new site still holds."""
    held = {s.la_code for s in dataset.schools.values()}
    found = check_links(content, set(dataset.schools), set(dataset.las), held) if links else []
    found += draft_warnings(content)
    found += placeholders_left(content.site, paths.content / "site.yml")
    for page in content.la_commentary.values():
        if PLACEHOLDER in page["html"]:
            found.append(f"{page['path']}: still the placeholder text; write it")
    return found


def drop_duplicates(obs: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    """One figure per key. A year's own file wins over a later file's prior-year
    column; between two files of the same standing the later one wins. Where
    the two disagree, a warning names the school, the measure and both sources.
    """
    if obs["prior"].any():  # else already in order: a national table is not copied
        obs = obs.sort_values("prior", ascending=False, kind="stable")
    dup = obs.duplicated(KEY, keep=False)
    if not dup.any():
        return obs if obs.index.is_monotonic_increasing else obs.sort_index()
    both = obs[dup]
    values = both["value"].round(6).astype(str) + "|" + both["status"].astype(str)
    differ = values.groupby([both[k] for k in KEY]).transform("nunique") > 1
    clashes = both[differ].groupby(KEY, sort=True)
    for n, (_, rows) in enumerate(clashes):
        if n == 10:
            warnings.append(f"... and {clashes.ngroups - 10} more figures that disagree")
            break
        kept = rows.iloc[-1]
        others = "; ".join(
            f"{source_text(r['source'], r['source_row'])} gives {_shown(r)}"
            for _, r in rows.iloc[:-1].iterrows()
        )
        warnings.append(
            f"{kept['area']} {kept['measure']} ({kept['group']}) "
            f"{academic_year(int(kept['year']))}: using {_shown(kept)} from "
            f"{source_text(kept['source'], kept['source_row'])}; {others}"
        )
    return obs.drop_duplicates(KEY, keep="last").sort_index()


def _shown(row: pd.Series) -> str:
    return f"{row['value']:g}" if row["status"] == "ok" else row["status"]


def predecessors(dataset: Dataset) -> dict[str, str]:
    """{successor URN: predecessor URN} from GIAS links and DfE's URN_AC column."""
    links = {s.urn: s.predecessor_urn for s in dataset.schools.values() if s.predecessor_urn}
    for s in dataset.schools.values():
        if s.successor_urn and s.successor_urn in dataset.schools:
            links.setdefault(s.successor_urn, s.urn)
    return links


def compute(dataset: Dataset, registry: Registry, content: Content) -> pages.Report:
    site = content.site
    # The figures as read are let go once computed from: the report holds its own.
    obs, dataset.observations = dataset.observations, empty_observations()
    obs = drop_duplicates(obs, dataset.warnings)
    schools_la = pd.Series({urn: s.la_code for urn, s in dataset.schools.items()}, dtype=object)
    obs = measures.suppress_small_groups(
        obs, site["suppression"]["min_pupils"], registry.partitions, schools_la
    )
    obs = measures.with_benchmarks(
        obs,
        schools_la,
        registry,
        site["benchmarks"]["min_schools_for_la"],
        site["benchmarks"]["min_las_for_england"],
    )
    obs = measures.england_centres(obs, registry)
    obs = measures.by_definition(obs, registry)
    obs = measures.not_calculated(obs, registry)
    # Standards judge each school on its own results, before a converted
    # school's page borrows its predecessor's history.
    placements = standards.place_schools(obs, dataset.schools, registry)
    links = predecessors(dataset)
    obs = measures.with_predecessors(obs, links)
    gaps = measures.gaps(obs, registry)
    phase_of = pd.Series({urn: s.phase for urn, s in dataset.schools.items()}, dtype=object)
    grades = overall.overall_grades(obs, phase_of, registry, site.get("overall_grade") or {})
    features = similar.intake_features(obs)
    family_of = similar.families(features, phase_of, int(site.get("family_size", 15)))
    return pages.Report(
        dataset,
        registry,
        content,
        compact(obs),
        compact(gaps),
        placements,
        predecessor_of=links,
        families=family_of,
        disadvantage=features["disadvantage"].dropna().to_dict(),
        grades={(r.area, int(r.year)): r for r in grades.itertuples(index=False)},
    )


def page_list(report: pages.Report) -> list[tuple[str, str, dict]]:
    """Every HTML page but the schools' and LAs' (see ``workers``): (template, path, model)."""
    ds, content = report.dataset, report.content
    out: list[tuple[str, str, dict]] = []
    schools = sorted(ds.schools.values(), key=lambda s: s.name)
    held = {s.la_code for s in schools}
    las = sorted((la for la in ds.las.values() if la.code in held), key=lambda la: la.name)
    la_codes = {la.code for la in las}
    by_theme: dict[str, list] = {t: [] for t in content.themes}
    for study in content.case_studies:
        linked = [ds.schools[u] for u in study.schools if u in ds.schools]
        for t in study.themes:
            by_theme.setdefault(t, []).append(study)
        out.append(
            (
                "case_study.html",
                f"case-studies/{study.slug}/index.html",
                {
                    "study": study,
                    "schools": linked,
                    "like": pages.schools_like(report, study),
                    "results": pages.case_study_results(report, study),
                    "la": ds.las.get(study.la) if study.la in la_codes else None,
                    "la_name": ds.las[study.la].name if study.la in ds.las else "",
                    "themes": [content.themes[t] for t in study.themes if t in content.themes],
                    "what": study.path,
                },
            )
        )
    for slug, extra in content.pages.items():
        out.append(
            ("page.html", f"case-studies/{slug}/index.html", {**extra, "what": extra["path"]})
        )
    out.append(
        (
            "case_studies.html",
            "case-studies/index.html",
            {
                "studies": content.case_studies,
                "themes": list(content.themes.values()),
                "pages": list(content.pages.values()),
            },
        )
    )
    for tid, theme in content.themes.items():
        out.append(
            (
                "theme.html",
                f"themes/{tid}/index.html",
                {"theme": theme, "studies": by_theme.get(tid, [])},
            )
        )
    az = [
        {"la": la, "schools": sorted(report.schools_by_la[la.code], key=lambda s: s.name)}
        for la in las
    ]
    out.append(
        (
            "home.html",
            "index.html",
            {
                "las": las,
                "featured": [s for s in content.case_studies if s.featured],
                "school_count": len(schools),
            },
        )
    )
    out.append(("search.html", "search/index.html", {"az": az}))
    out.append(("compare.html", "compare/index.html", {}))
    statuses = [st for st in STATUSES.values() if st.id != "ok"]
    out.append(
        (
            "methodology.html",
            "methodology/index.html",
            {
                "registry": report.registry,
                "statuses": statuses,
                "regimes": pages.ofsted_regimes(report.registry.ofsted),
                "not_calculated": pages.not_calculated_rules(report.registry),
            },
        )
    )
    out.append(("downloads.html", "downloads/index.html", {"las": las}))
    out.append(("glossary.html", "glossary/index.html", {"terms": list(content.glossary.values())}))
    out.append(("404.html", "404.html", {}))
    return out


def start_search_index(copies: Path, site_dir: Path) -> subprocess.Popen:
    """Pagefind's static search index (site/pagefind/), built from copies of the
    finished pages (``render_html.search_copy``), at the same paths. Started as
    soon as every page is written: it runs beside the rest of the build
    (downloads, editions), which writes no page."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pagefind",
            "--site",
            str(copies),
            "--output-path",
            str(site_dir / "pagefind"),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_search_index(search: subprocess.Popen, warnings: list[str]) -> bool:
    _, stderr = search.communicate()
    if search.returncode != 0:
        warnings.append(
            "search index not built (is the pagefind package installed?): "
            + (stderr.strip().splitlines() or ["no output"])[-1]
        )
    return search.returncode == 0


def search_digest(copies: render_html.SearchCopies) -> str:
    """What the search index is made from: the pages' search copies (all on
    disk once this returns), and Pagefind."""
    try:
        version = importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        version = ""
    return hashlib.sha256(f"{copies.finish()} pagefind {version}".encode()).hexdigest()


def keep_search_index(live: Path, site_dir: Path) -> bool:
    """The last build's search index, linked into this one: when only figures
    changed, no page's searchable text did (figures are not indexed)."""
    if not (live / "pagefind").is_dir():
        return False

    def link(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:  # another file system
            shutil.copy2(source, target)

    shutil.copytree(live / "pagefind", site_dir / "pagefind", copy_function=link)
    return True


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def branding(site: dict, content_dir: Path) -> tuple[str, bytes | None]:
    """The brand stylesheet, and the logo's bytes; refuses colours that fail WCAG AA."""
    brand = site["branding"]
    where = content_dir / "site.yml"
    problems = []
    for key, against, role in (
        ("primary", "#ffffff", "as white text's background and as link colour on white"),
        ("accent", "#0b0c0c", "behind the black text of focused links"),
    ):
        colour = str(brand.get(key, ""))
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            problems.append(
                f"{where}, branding.{key}: expected a colour like #1d4f91, found {colour!r}"
            )
            continue
        ratio = contrast(colour, against)
        if ratio < 4.5:
            problems.append(
                f"{where}, branding.{key}: {colour} {role} has a contrast of {ratio:.1f}:1; "
                "WCAG 2.2 AA needs at least 4.5:1"
            )
    logo = None
    if brand.get("logo"):
        path = (content_dir / str(brand["logo"])).resolve()
        if not path.is_file() or not path.is_relative_to(content_dir.resolve()):
            problems.append(
                f"{where}, branding.logo: no file {brand['logo']!r} in the content folder"
            )
        else:
            logo = path.read_bytes()
        brand["logo_file"] = "logo" + path.suffix.lower()
    if problems:
        raise InputErrors(problems)
    if logo is not None and brand["logo_file"] == "logo.svg":  # may carry script: checked
        logo = sanitise.svg_logo(logo, f"{where}, branding.logo ({brand['logo']})")
    css = (
        "/* Written by reportgen from content/site.yml (branding). */\n"
        f":root {{ --brand: {brand['primary']}; --accent: {brand['accent']}; }}\n"
    )
    return css, logo


def sitemap(site: dict, paths: list[str]) -> tuple[str, str]:
    """sitemap.xml and robots.txt; the sitemap needs an absolute base_url."""
    base = site["base_url"]
    robots = "User-agent: *\nAllow: /\n"
    if not base.startswith("http"):
        return "", robots
    urls = "".join(
        f"<url><loc>{escape(public_url(site, p))}</loc></url>\n"
        for p in sorted(paths)
        if p.endswith(".html") and p != "404.html"
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n"
    )
    return xml, robots + f"Sitemap: {base.rstrip('/')}/sitemap.xml\n"


def edition_year(report: pages.Report) -> int:
    """The results year a build publishes: the latest held for any school."""
    return max((y[-1] for y in report.years_by_area.values() if y), default=0)


def earlier_editions(out: Path, year: int) -> dict[int, Path]:
    """Report cards of earlier editions to keep: {year: folder holding schools/ and la/}.

    When the live site is of another year, it becomes an edition; editions it
    already kept are carried over.
    """
    found: dict[int, Path] = {}
    for folder in sorted((out / "editions").glob("[0-9][0-9][0-9][0-9]")):
        found[int(folder.name)] = folder
    try:
        live = json.loads((out / "edition.json").read_text(encoding="utf-8"))["year"]
    except (OSError, ValueError, KeyError):
        live = None
    if live and live != year:
        found[int(live)] = out
    found.pop(year, None)
    return found


def archive_editions(editions: dict[int, Path], writer: render_html.Writer) -> None:
    """Copy earlier editions' PDF report cards to editions/<year>/ (stable URLs)."""
    for year, folder in sorted(editions.items()):
        for pdf in sorted(folder.glob("schools/*/report-card.pdf")) + sorted(
            folder.glob("la/*/report-cards.pdf")
        ):
            rel = pdf.relative_to(folder).as_posix()
            writer.write(f"editions/{year}/{rel}", pdf.read_bytes(), f"edition {year}")


def tree_hash(root: Path) -> str:
    """A hash of every file's name and bytes below ``root``."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:  # refused by the loader, by name: not worth reading
                digest.update(f"{size} {path.stat().st_mtime_ns}".encode())
                continue
            with path.open("rb") as fh:
                digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()


def input_hashes(paths: Paths) -> dict[str, str]:
    """Each input folder hashed once per build: data, content, templates, code."""
    return {
        "data": tree_hash(paths.data),
        "content": tree_hash(paths.content),
        "templates": tree_hash(paths.templates),
        "code": tree_hash(Path(__file__).parent),
    }


def fingerprint(hashes: dict[str, str], pdf: bool) -> str:
    """One hash of everything a build reads."""
    return hashlib.sha256(f"pdf={pdf} {sorted(hashes.items())}".encode()).hexdigest()


def pages_token(paths: Paths, hashes: dict[str, str], pdf: bool) -> str:
    """What every school's and LA's pages read besides the figures and records
    (``workers.task_digests``): templates, code, content (with site.yml), the
    data folder's own rules, and whether PDFs are made."""
    rules = tree_hash(paths.data / "rules")
    parts = [hashes["templates"], hashes["code"], hashes["content"], rules, f"pdf={pdf}"]
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()


def cache_dir(paths: Paths) -> Path:
    return state.cache_dir(paths.out)


# A long-running preview keeps the computed data while only content or
# templates change, so an edited case study is back in the browser quickly.
_PREPARED: dict[str, dict] = {}


def data_fingerprint(paths: Paths, hashes: dict[str, str]) -> str:
    """What the computed figures depend on: data (with its rules), site.yml, code."""
    site_yml = paths.content / "site.yml"
    settings = site_yml.read_bytes() if site_yml.exists() else b""
    return hashlib.sha256(settings + hashes["data"].encode() + hashes["code"].encode()).hexdigest()


def prepare(paths: Paths, hashes: dict[str, str]):
    """Inputs read and figures computed, reused while the data is unchanged."""
    key = data_fingerprint(paths, hashes)
    memo = _PREPARED.get(str(paths.out.resolve()))
    if memo is None or memo["key"] != key:
        with memory.large_arrays_mapped():
            registry, dataset, content = read_inputs(paths, skip_content_warnings=True)
            report = compute(dataset, registry, content)
        memo = {
            "key": key,
            "registry": registry,
            "dataset": dataset,
            "report": report,
            "warnings": list(dataset.warnings),
        }
        _PREPARED.clear()
        _PREPARED[str(paths.out.resolve())] = memo
    else:
        registry, dataset, report = memo["registry"], memo["dataset"], memo["report"]
        problems: list[str] = []
        content = load_content(paths.content, load_site_config(paths.content), problems)
        if problems:
            raise InputErrors(problems)
        report.content = content
    dataset.warnings = memo["warnings"] + content_warnings(paths, content, dataset, links=True)
    return registry, dataset, content, report


def build(
    paths: Paths,
    pdf=True,
    jobs: int = 1,
    progress: bool = False,
    executor: str | None = None,
    preview: bool = False,
    allow_shrink: bool = False,
) -> BuildResult:
    """Build the site. A ``preview`` (``serve``) keeps the computed figures for
    its next build, so that an edit of content or templates is quick. One
    build at a time writes an output folder (``state.build_lock``). A build
    that would publish far fewer schools or figures than the last is refused
    unless ``allow_shrink`` (``shrinkage``)."""
    with state.build_lock(paths.out):
        return _build(paths, pdf, jobs, progress, executor, preview, allow_shrink)


def _build(
    paths: Paths,
    pdf: bool,
    jobs: int,
    progress: bool,
    executor: str | None,
    preview: bool,
    allow_shrink: bool,
) -> BuildResult:
    started = time.perf_counter()
    manifest = state.read_manifest(paths.out)
    hashes = input_hashes(paths)
    inputs = fingerprint(hashes, pdf)
    # The live files as the last build published them: any other is made again.
    published = state.as_published(paths.out, manifest)
    search_whole = manifest.get("search_files") == state.tree_stats(paths.out / "pagefind")
    whole = search_whole and len(published) == len(manifest.get("files", {}))
    if manifest.get("inputs") == inputs and whole:
        # Nothing this build reads has changed since the last good build.
        return BuildResult(
            pages=manifest.get("pages", 0),
            pdfs=manifest.get("pdfs", 0),
            files=len(manifest.get("files", {})),
            seconds=time.perf_counter() - started,
            out=paths.out,
            unchanged=True,
        )
    stages = Stages(started)
    registry, dataset, content, report = prepare(paths, hashes)
    counts = published_counts(report)
    if not allow_shrink:
        shrunk = shrinkage(manifest.get("counts") or {}, counts)
        if shrunk:
            raise InputErrors([*shrunk, *_unread(dataset.warnings), SHRINK_FIX])
    stages.done("reading and computing")
    brand_css, logo = branding(content.site, paths.content)
    year = edition_year(report)
    editions = earlier_editions(paths.out, year)
    report.editions = {
        y: {p.parent.name for p in folder.glob("schools/*/report-card.pdf")}
        for y, folder in editions.items()
    }
    page_models = page_list(report)
    paths.out.parent.mkdir(parents=True, exist_ok=True)
    building, spooling = state.beside(paths.out, ".building-"), state.beside(paths.out, ".spool-")
    for stale in [
        *building.parent.glob(f"{building.name}*"),
        *spooling.parent.glob(f"{spooling.name}*"),
    ]:
        shutil.rmtree(stale, ignore_errors=True)  # left by a build that was stopped
    tmp = Path(tempfile.mkdtemp(prefix=building.name, dir=paths.out.parent))
    state.open_modes(tmp)
    search = spool = copies = None
    try:
        writer = render_html.Writer(tmp, paths.out, published, manifest.get("parts"))
        env = render_html.make_env(paths.templates)
        env.globals["pdf"] = pdf
        env.filters["glossed"] = render_html.glossary_linker(content.glossary)
        spool = Path(tempfile.mkdtemp(prefix=spooling.name, dir=paths.out.parent))
        copies = render_html.SearchCopies(cache_dir(paths) / "search")
        count = render_html.render_pages(
            env, writer, page_models, content.site, progress, search=copies
        )
        files = downloads.Downloads(report, writer, spool)
        job = workers.Job(
            report,
            str(paths.templates.resolve()),
            workers.template_files(paths.templates),
            pdf,
            str(cache_dir(paths).resolve() / "pdf"),
            inputs,
            # A worker on another machine cannot write into this build's folder.
            replace(files.figures, folder=None) if executor else files.figures,
            None if executor else str(tmp),
        )
        pdfs = rendered = pages_rendered = figures_made = 0
        compare = []
        todo = workers.tasks(report, pdf, list(files.figures.rows))
        records = workers.TaskRecords(cache_dir(paths) / "tasks")
        digests = workers.task_digests(report, todo, pages_token(paths, hashes, pdf), pdf)
        kept = {}
        for task, digest in digests.items():
            found = records.get(digest)
            if found is None or not writer.can_keep(found.files):
                continue
            if task.data and not files.keep(task.la, found.promised.get(task.la)):
                continue
            kept[task] = found

        def take(out: workers.Output) -> None:
            nonlocal count, pdfs
            compare.extend(out.compare)
            for table in out.tables:
                files.add(*table)
            for path, html in out.search:
                copies.add(path, html)
            count += out.pages
            pdfs += out.pdfs

        for found in kept.values():  # nothing these pages read has changed
            for path, digest, what in found.files:
                writer.keep(path, digest, what)
            take(found)
        todo = [t for t in todo if t not in kept]
        with tqdm(
            total=len(todo), desc="Schools and LAs", unit="part", disable=not progress
        ) as bar:
            for out in workers.run(job, jobs, executor, todo):
                for path, data, what in out.files:
                    writer.write(path, data, what)
                for path, digest, what in out.written:
                    writer.adopt_file(path, digest, what)
                if out.task in digests:
                    records.put(digests[out.task], out, writer.hashes)
                take(out)
                rendered += out.rendered
                pages_rendered += out.pages
                figures_made += len(out.tables)
                bar.update()
        stages.done("pages and downloads")
        if not preview:
            # The figures are not needed any more: they go before Pagefind
            # starts, which takes memory of its own (the parent waits for it).
            _PREPARED.clear()
            report = job = None
            gc.collect()
            memory.trim_heap()
        search_key = search_digest(copies)
        search_kept = (
            search_whole
            and manifest.get("search") == search_key
            and keep_search_index(paths.out, tmp)
        )
        if not search_kept:
            search = start_search_index(copies.folder, tmp)
        render_html.copy_assets(paths.templates, writer)
        writer.write("assets/brand.css", brand_css, "branding")
        if logo:
            writer.write(f"assets/{content.site['branding']['logo_file']}", logo, "logo")
        xml, robots = sitemap(content.site, list(writer.written))
        if xml:
            writer.write("sitemap.xml", xml, "sitemap")
        writer.write("robots.txt", robots, "robots.txt")
        files.finish()
        archive_editions(editions, writer)
        writer.write("edition.json", json.dumps({"year": year}) + "\n", "edition")
        indexed = search_kept or finish_search_index(search, dataset.warnings)
        stages.done("search index and the rest")
        compare.sort(key=lambda r: (r["name"], r["urn"]))
        writer.write("compare/schools.json", downloads.to_json(compare), "compare data")
        state.publish(tmp, paths.out)
        manifest = {
            "inputs": inputs,
            "files": writer.hashes,
            "stats": state.stats_of(paths.out, list(writer.hashes)),
            "parts": writer.parts,
            "search_files": state.tree_stats(paths.out / "pagefind"),
            "pages": count,
            "pdfs": pdfs,
            "counts": counts,
        }
        state.write_manifest(paths.out, manifest | ({"search": search_key} if indexed else {}))
        records.commit()  # only now: they describe the site just published
    except BaseException:
        if search is not None and search.poll() is None:
            search.kill()
            search.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if copies is not None:
            copies.close()
        if spool is not None:
            shutil.rmtree(spool, ignore_errors=True)
    return BuildResult(
        pages=count,
        pdfs=pdfs,
        pdfs_rendered=rendered,
        pages_rendered=pages_rendered,
        la_figures_made=figures_made,
        search_index_kept=search_kept,
        files=len(writer.written),
        changed=len(writer.changed),
        warnings=dataset.warnings,
        file_years=dataset.file_years,
        seconds=time.perf_counter() - started,
        stages=stages.seconds,
        out=paths.out,
    )


SHRINK_FIX = (
    "the last good site is kept; if the data is meant to hold less, build again with --allow-shrink"
)


def published_counts(report: pages.Report) -> dict:
    """What a site publishes, to tell a build that lost most of it: schools,
    and schools' published figures in all and of each measure and year."""
    obs = report.obs
    ok = obs[(obs["area_type"] == "school").to_numpy() & (obs["status"] == "ok").to_numpy()]
    whole = ok[(ok["group"] == "all").to_numpy()]  # all pupils': what a page leads with
    per_measure = whole.groupby([whole["measure"].astype(str), whole["year"]], observed=True).size()
    return {
        "schools": len(report.dataset.schools),
        "figures": len(ok),
        "measures": {f"{m} {academic_year(int(y))}": int(n) for (m, y), n in per_measure.items()},
    }


def shrinkage(last: dict, now: dict) -> list[str]:
    """What this build would publish far less of than the last good site: under
    half its schools or figures, or none of a measure in a year it had 20 or
    more of (an empty folder, a file left out or not recognised, a column
    renamed)."""
    found = []
    for key, what in (("schools", "schools"), ("figures", "school figures")):
        before, after = last.get(key, 0), now.get(key, 0)
        if before >= 10 and after < before / 2:
            found.append(f"this build would publish {after} {what}, where the last had {before}")
    gone = sorted(
        m for m, n in (last.get("measures") or {}).items() if n >= 20 and not now["measures"].get(m)
    )
    if gone and not found:
        names = ", ".join(gone[:10]) + (f" and {len(gone) - 10} more" if len(gone) > 10 else "")
        found.append(f"this build would publish no figures of {names}, which the last site had")
    return found


def _unread(warnings: list[str]) -> list[str]:
    """The warnings that say why figures went missing, with the refusal."""
    signs = ("not a file reportgen knows", "not a column reportgen reads", "no column for")
    return [w for w in warnings if any(s in w for s in signs)][:10]


class Stages:
    """The seconds each stage of a build took, from the end of the one before."""

    def __init__(self, started: float):
        self.last = started
        self.seconds: dict[str, float] = {}

    def done(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = now - self.last
        self.last = now
