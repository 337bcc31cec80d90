"""Editorial content: case studies, themes and LA commentary (Markdown + YAML)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import yaml
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .errors import InputError, suggest, suggest_code
from .registry import read_yaml

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.S)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CASE_STUDY_KEYS = {
    "title": str,
    "summary": str,
    "schools": list,
    "la": str,
    "phase": str,
    "themes": list,
    "source": str,
    "featured": bool,
    "years": str,
    "context": dict,
    "aliases": list,
    "quoted": dict,
}
REQUIRED = ("title", "summary", "themes", "source")


@dataclass
class Theme:
    id: str
    name: str
    description: str
    kind: str  # "school" or "authority" (what the school did / what the LA did)


@dataclass
class CaseStudy:
    slug: str
    title: str
    summary: str
    html: str
    source: str
    themes: list[str]
    schools: list[str] = field(default_factory=list)
    la: str = ""
    phase: str = ""
    featured: bool = False
    years: str = ""
    context: dict = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    quoted: dict = field(default_factory=dict)  # measure -> {year: figure the source quotes}
    path: str = ""


@dataclass
class Content:
    site: dict
    themes: dict[str, Theme]
    case_studies: list[CaseStudy]
    la_commentary: dict[str, dict]  # LA code -> {"title", "html", "path"}
    pages: dict[str, dict] = field(default_factory=dict)
    glossary: dict[str, dict] = field(default_factory=dict)


SAFE_SCHEMES = ("http:", "https:", "mailto:", "#", "../", "./")


class _SafeLinks(Treeprocessor):
    """Links and images may point to web pages, mail or this site, nothing else:
    a javascript:, data: or file: address is dropped (its text is kept)."""

    def run(self, root):
        for el in root.iter():
            for attr in ("href", "src"):
                value = (el.get(attr) or "").strip()
                if value and not _safe_url(value):
                    del el.attrib[attr]
            for attr in [a for a in el.attrib if a.lower().startswith("on")]:
                del el.attrib[attr]


def _safe_url(value: str) -> bool:
    lowered = "".join(value.split()).lower()
    if lowered.startswith(SAFE_SCHEMES):
        return True
    return ":" not in lowered.split("/")[0]  # a relative path, no scheme


class _SafeMarkdown(Extension):
    def extendMarkdown(self, md) -> None:  # noqa: N802 (Markdown's API)
        # Raw HTML in the Markdown is shown as text, never passed through.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


def render_markdown(text: str) -> str:
    return markdown.markdown(
        text,
        extensions=["tables", "sane_lists", "attr_list", _SafeMarkdown()],
        output_format="html",
    )


def split_front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8-sig")
    match = FRONT_MATTER.match(text)
    if not match:
        raise InputError(f"{path}, line 1: expected front matter between two '---' lines")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 2}" if mark else ""
        raise InputError(f"{path}{where}: front matter is not valid YAML") from None
    if not isinstance(meta, dict):
        raise InputError(f"{path}, line 2: front matter must be key: value pairs")
    return meta, match.group(2)


def load_themes(content_dir: Path) -> dict[str, Theme]:
    path = content_dir / "themes.yml"
    if not path.exists():
        return {}
    doc = read_yaml(path)
    themes = {}
    for tid, spec in (doc.get("themes") or {}).items():
        if not SLUG.match(tid):
            raise InputError(f"{path}: theme id {tid!r} must be lower-case words joined by '-'")
        themes[tid] = Theme(
            tid, spec["name"], spec.get("description", ""), spec.get("kind", "school")
        )
    return themes


def load_case_study(path: Path, themes: dict[str, Theme], problems: list[str]) -> CaseStudy | None:
    slug = path.stem
    if not SLUG.match(slug):
        problems.append(
            f"{path}: the file name must be lower-case words joined by '-' (it becomes the URL)"
        )
        return None
    try:
        meta, body = split_front_matter(path)
    except InputError as exc:
        problems.append(str(exc))
        return None
    for key in REQUIRED:
        if not meta.get(key):
            problems.append(f"{path}, front matter '{key}': required")
    for key, value in meta.items():
        if key not in CASE_STUDY_KEYS:
            hint = suggest(key, list(CASE_STUDY_KEYS))
            problems.append(
                f"{path}, front matter '{key}': unknown key"
                + (f" (did you mean '{hint}'?)" if hint else "")
            )
        elif not isinstance(value, CASE_STUDY_KEYS[key]) and value is not None:
            problems.append(
                f"{path}, front matter '{key}': expected {CASE_STUDY_KEYS[key].__name__}, "
                f"found {type(value).__name__}"
            )
    for theme in meta.get("themes") or []:
        if theme not in themes:
            hint = suggest(str(theme), list(themes))
            problems.append(
                f"{path}, front matter 'themes': unknown theme {theme!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
            )
    return CaseStudy(
        slug=slug,
        title=str(meta.get("title", "")),
        summary=str(meta.get("summary", "")),
        html=render_markdown(body),
        source=str(meta.get("source", "")),
        themes=list(meta.get("themes") or []),
        schools=[str(u) for u in meta.get("schools") or []],
        la=str(meta.get("la", "")),
        phase=str(meta.get("phase", "")),
        featured=bool(meta.get("featured", False)),
        years=str(meta.get("years", "")),
        context=meta.get("context") or {},
        aliases=list(meta.get("aliases") or []),
        quoted=meta.get("quoted") or {},
        path=str(path),
    )


def load_content(content_dir: Path, site: dict, problems: list[str]) -> Content:
    """Read the content folder; problems are appended to ``problems``."""
    themes = load_themes(content_dir)
    studies = []
    for path in sorted((content_dir / "case-studies").glob("*.md")):
        study = load_case_study(path, themes, problems)
        if study:
            studies.append(study)
    commentary = {}
    for path in sorted((content_dir / "la").glob("*.md")):
        try:
            meta, body = split_front_matter(path)
        except InputError as exc:
            problems.append(str(exc))
            continue
        commentary[path.stem] = {
            "title": meta.get("title", "Commentary"),
            "html": render_markdown(body),
            "path": str(path),
        }
    pages = {}
    for path in sorted((content_dir / "pages").glob("*.md")):
        if not SLUG.match(path.stem):
            problems.append(f"{path}: the file name must be lower-case words joined by '-'")
            continue
        try:
            meta, body = split_front_matter(path)
        except InputError as exc:
            problems.append(str(exc))
            continue
        for key in ("title", "summary"):
            if not meta.get(key):
                problems.append(f"{path}, front matter '{key}': required")
        pages[path.stem] = {
            "slug": path.stem,
            "title": str(meta.get("title", "")),
            "summary": str(meta.get("summary", "")),
            "source": str(meta.get("source", "")),
            "html": render_markdown(body),
            "path": str(path),
        }
    glossary = {}
    path = content_dir / "glossary.yml"
    if path.exists():
        doc = read_yaml(path)
        for gid, spec in (doc.get("terms") or {}).items():
            if not SLUG.match(gid) or "term" not in spec or "means" not in spec:
                problems.append(f"{path}, term '{gid}': needs a lower-case id, 'term' and 'means'")
                continue
            glossary[gid] = {
                "id": gid,
                "term": spec["term"],
                "means": spec["means"],
                "also": list(spec.get("also") or []),
            }
    return Content(site, themes, studies, commentary, pages=pages, glossary=glossary)


def is_placeholder_urn(urn: str) -> bool:
    """The library's case-study schools whose URN the seeds do not give have
    placeholder URNs 990001 to 990999 (data/case-study-schools/): no DfE file
    holds them, so an LA's data without them is no problem."""
    return urn.isdigit() and 990000 <= int(urn) <= 990999


def check_links(
    content: Content, schools: set[str], las: set[str], held: set[str] | None = None
) -> list[str]:
    """Case studies must point at schools and LAs the data holds.

    A case study about a school of an LA none of whose schools the data holds
    (``held``: the LAs with schools) is library content (the good-practice
    studies of other LAs, on an LA's own site): it is published without links
    to a school page, and is no problem.
    """
    held = las if held is None else held
    problems = []
    for study in content.case_studies:
        if study.la and study.la not in held and not any(u in schools for u in study.schools):
            continue
        for urn in study.schools:
            if urn not in schools and not is_placeholder_urn(urn):
                hint = suggest_code(urn, schools)
                problems.append(
                    f"{study.path}, front matter 'schools': no school with URN {urn} in the data"
                    + (f" (did you mean {hint}?)" if hint else "")
                )
        if study.la and study.la not in las:
            problems.append(
                f"{study.path}, front matter 'la': no LA with code {study.la} in the data"
            )
    for code, page in content.la_commentary.items():
        if code not in las:
            problems.append(
                f"{page['path']}: the file name must be an LA code in the data; {code} is not"
            )
    return problems
