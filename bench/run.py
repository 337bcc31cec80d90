"""Benchmark: build times on a generated dataset, on this machine.

    python bench/run.py --las 150      # about 16,800 primaries and 3,400 secondaries
    python bench/run.py --las 10       # a quicker run (about 1,340 schools)

Prints, in one run: cold full HTML build (pages/s), a second build with
nothing changed, a rebuild after one school's data changed, PDF milliseconds
per card (one process) on a sample of cards, and peak memory; beside them a
bare Jinja render-and-write of the same number of pages, the floor for this
stack. Figures are measured, never assumed: paste them into the README.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jinja2 import Environment  # noqa: E402

from reportgen import synth  # noqa: E402
from reportgen.build import Paths, build, compute, page_list, public_url, read_inputs  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--las", type=int, default=10, help="how many LAs (150 = national)")
    parser.add_argument("--cards", type=int, default=100, help="PDF cards to time")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    data = work / "data"
    las = synth.national_las()[: args.las]
    gen_s, counts = timed(
        lambda: synth.generate(
            data, las, 16800 // 150, 3400 // 150, synth.LEVELS_YEARS, plant=False
        )
    )
    paths = Paths(data, ROOT / "content", ROOT / "templates", work / "site")
    cold_s, result = timed(lambda: build(paths, pdf=False))
    noop_s, _ = timed(lambda: build(paths, pdf=False))
    results = data / "results.csv"
    results.write_text(results.read_text() + f"{800001},2011,attendance,all,99.0,,,\n")
    one_s, one = timed(lambda: build(paths, pdf=False))
    floor_s = bare_jinja(result.pages, work / "bare")

    registry, dataset, content = read_inputs(paths)
    report = compute(dataset, registry, content)
    models = [m for m in page_list(report) if m[0] == "school.html"][: args.cards]
    env = make_env(paths.templates)
    env.filters["glossed"] = glossary_linker(content.glossary)
    renderer = PdfRenderer(env, paths.templates)
    html = [
        renderer.html(
            "report_card.html", page=p, site=content.site, url=public_url(content.site, path)
        )
        for _, path, p in models
    ]
    renderer.pdf(html[0])  # fonts warm, as in a worker after set-up
    pdf_s, _ = timed(lambda: [renderer.pdf(h) for h in html])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"dataset: {counts['schools']} schools in {len(las)} LAs, {counts['results']} result rows "
        f"(generated in {gen_s:.1f} s)"
    )
    print("| what | measured | reference |")
    print("|---|---|---|")
    print(
        f"| cold full HTML build | {result.pages} pages in {cold_s:.1f} s = "
        f"{result.pages / cold_s:.0f} pages/s | bare Jinja render+write of as many pages: "
        f"{result.pages / floor_s:.0f} pages/s (ours is {cold_s / floor_s:.1f}x its time) |"
    )
    print(f"| second build, nothing changed | {noop_s:.2f} s | target 2 s |")
    print(
        f"| rebuild after one school's data changed | {one_s:.1f} s, "
        f"{one.changed} files written | |"
    )
    print(
        f"| PDF report card, one process | {pdf_s / len(html) * 1000:.0f} ms per card "
        f"({len(html)} cards) | target 120 ms |"
    )
    print(f"| peak memory | {peak_mb:.0f} MB | target 2,048 MB |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
