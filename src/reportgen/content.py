"""Editorial content: case studies, themes and LA commentary (Markdown + YAML)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import yaml
from markdown.extensions import Extension

from .errors import InputError, suggest, suggest_code
from .registry import read_yaml
from .sanitise import markdown_html

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.S)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
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
    draft: bool = False  # draft: true in its front matter: not published yet
    path: str = ""


@dataclass
class Content:
    site: dict
    themes: dict[str, Theme]
    case_studies: list[CaseStudy]
    la_commentary: dict[str, dict]  # LA code -> {"title", "html", "path"}
    pages: dict[str, dict] = field(default_factory=dict)
    glossary: dict[str, dict] = field(default_factory=dict)
    drafts: list[CaseStudy] = field(default_factory=list)  # checked, kept off the site


class _SafeMarkdown(Extension):
    def extendMarkdown(self, md) -> None:  # noqa: N802 (Markdown's API)
        # Raw HTML in the Markdown is shown as text, never passed through.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def render_markdown(text: str) -> str:
    """Markdown as HTML holding only what sanitise.markdown_html allows: an
    attribute added with attr_list ({: data-pagefind-meta=... }), an encoded
    javascript: link or an image from elsewhere does not reach the page."""
    html = markdown.markdown(
        text,
        extensions=["tables", "sane_lists", "attr_list", _SafeMarkdown()],
        output_format="html",
    )
    return markdown_html(html)


def read_text(path: Path) -> str:
    """A content file's text; one not saved as UTF-8 is named with its line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(_not_utf8(path, data, exc.start)) from None


def _not_utf8(path: Path, data: bytes, at: int) -> str:
    line = data[:at].count(b"\n") + 1
    byte = data[at]
    # Word and Notepad on Windows save as Windows-1252: say what the byte was there.
    seen = data[at : at + 1].decode("cp1252", errors="replace")
    meant = f", which Windows-1252 reads as {seen!r}" if seen.isprintable() else ""
    return (
        f"{path}, line {line}: the file is not UTF-8 (byte 0x{byte:02x}{meant}); "
        "save it as UTF-8 (in Notepad or Word: Save As, Encoding: UTF-8)"
    )


def split_front_matter(path: Path) -> tuple[dict, str]:
    text = read_text(path)
    match = FRONT_MATTER.match(text)
    if not match:
        raise InputError(f"{path}, line 1: expected front matter between two '---' lines")
    first_line = text[: match.start(1)].count("\n") + 1
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise InputError(_yaml_problem(path, match.group(1), first_line, exc)) from None
    if not isinstance(meta, dict):
        raise InputError(f"{path}, line {first_line}: front matter must be key: value pairs")
    return meta, match.group(2)


def _yaml_problem(path: Path, front: str, first_line: int, exc: yaml.YAMLError) -> str:
    """One line naming the front-matter line YAML could not read, and the fix."""
    lines = front.split("\n")
    mark = getattr(exc, "problem_mark", None)
    if mark is not None and mark.line >= len(lines):  # at the end: where the value began
        mark = getattr(exc, "context_mark", None) or mark
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        line = first_line + front[: exc.position].count("\n")
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return f"{path}, line {line}: the front matter holds the character U+{code:04X}; delete it"
    if mark is None:
        problem = " ".join(str(exc).split())
        return f"{path}: front matter is not valid YAML ({problem}); check its quotes and colons"
    where = f"{path}, line {first_line + mark.line}"
    problem = " ".join(str(getattr(exc, "problem", "") or "").split())
    text = lines[mark.line] if mark.line < len(lines) else ""
    key, colon, value = text.partition(":")
    if "mapping values are not allowed" in problem and colon:
        quoted = value.strip().replace('"', "'")
        return (
            f"{where}: the {key.strip()} contains ': ', so it must be in quotes: "
            f'{key.strip()}: "{quoted}"'
        )
    if "\t" in problem:
        return f"{where}: front matter is indented with a tab; use spaces"
    return (
        f"{where}: front matter is not valid YAML ({problem or 'unreadable'}); "
        "check the quotes and colons on that line (text with ': ' or a '#' goes in quotes)"
    )


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
    values = read_keys(meta, f"{path}, front matter", problems)
    for theme in values.get("themes", []):
        if theme not in themes:
            hint = suggest(theme, list(themes))
            problems.append(
                f"{path}, front matter 'themes': unknown theme {theme!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
            )
    return CaseStudy(
        slug=slug,
        title=values.get("title", ""),
        summary=values.get("summary", ""),
        html=render_markdown(body),
        source=values.get("source", ""),
        themes=values.get("themes", []),
        schools=values.get("schools", []),
        la=values.get("la", ""),
        phase=values.get("phase", ""),
        featured=values.get("featured", False),
        years=values.get("years", ""),
        context=values.get("context", {}),
        aliases=values.get("aliases", []),
        quoted=values.get("quoted", {}),
        draft=values.get("draft", False),
        path=str(path),
    )


def read_keys(meta: dict, where: str, problems: list[str]) -> dict:
    """The front matter's values read by their keys' readers; a key unknown or
    a value of the wrong kind is a problem naming the key and the fix."""
    values = {}
    for key, value in meta.items():
        name = str(key)
        if name not in CASE_STUDY_KEYS:
            hint = suggest(name, list(CASE_STUDY_KEYS))
            problems.append(
                f"{where} '{name}': unknown key" + (f" (did you mean '{hint}'?)" if hint else "")
            )
        elif value is not None:
            try:
                values[name] = CASE_STUDY_KEYS[name](value)
            except _Wrong as exc:
                problems.append(f"{where} '{name}': {exc}")
    return values


class _Wrong(ValueError):
    """A value of the wrong kind: the message says what was found and the fix."""


def _found(value: object) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true or false)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list [...]"
    if isinstance(value, dict):
        return "key: value pairs {...}"
    return repr(str(value))


def _text(value: object) -> str:
    # A number or date is text here (title: 2008, years: 2005); a list or
    # key: value pairs is a sign the text needed quotes.
    if isinstance(value, (str, int, float, datetime.date)) and not isinstance(value, bool):
        return str(value)
    raise _Wrong(f'expected text, found {_found(value)}; put the text in quotes: "..."')


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise _Wrong(f"expected true or false, found {_found(value)}")


def _items(value: object) -> list:
    """A list, or one value as a one-item list (schools: 990003)."""
    if isinstance(value, list):
        return value
    if isinstance(value, (dict, bool)):
        raise _Wrong(f"expected a list such as [a, b], found {_found(value)}")
    return [value]


def _names(value: object) -> list[str]:
    return [_text(v) for v in _items(value)]


def _ids(value: object) -> list[str]:
    """Theme ids or URNs: words without spaces, so 'a, b' is two of them."""
    return [part for v in _items(value) for part in re.split(r"[,\s]+", _text(v)) if part]


def _urns(value: object) -> list[str]:
    urns = _ids(value)
    for urn in urns:
        if not urn.isdigit():
            raise _Wrong(f"{urn!r} is not a URN; write each school's number, e.g. [800001]")
    return urns


def _la(value: object) -> str:
    # la: 850 unquoted is the number 850: the code is its 3 digits.
    code = _text(value).strip()
    if code and not re.fullmatch(r"\d{3}", code):
        raise _Wrong(f'{code!r} is not an LA code; write its 3 digits in quotes, e.g. la: "850"')
    return code


def _mapping(value: object, example: str) -> dict:
    if isinstance(value, dict):
        return value
    raise _Wrong(f"expected key: value pairs such as {example}, found {_found(value)}")


def _number(value: object, what: str, fix: str) -> float | int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise _Wrong(f"{what} is {_found(value)}, not a number; {fix}")


def _context(value: object) -> dict:
    spec = _mapping(value, "{pct_fsm: 35}")
    for key, figure in spec.items():
        _number(figure, str(key), f"write the number alone, e.g. {key}: 35")
    return spec


def _quoted(value: object) -> dict:
    """measure -> {year: the figure the source quotes}; years as numbers."""
    spec = _mapping(value, "{ks2_l4_en: {2007: 72}}")
    for measure, by_year in spec.items():
        for year, figure in _mapping(by_year, "{2007: 72}").items():
            _year(year, str(measure))
            _number(figure, f"{measure} in {year}", f"write the figure alone, e.g. {year}: 72")
    return spec


def _year(year: object, measure: str) -> int:
    if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2100:
        return year
    ends = re.fullmatch(r"(\d{2})(\d{2})[/-](\d{2})", str(year).strip())
    fix = f"{ends.group(1)}{ends.group(3)} for {year}" if ends else "2011 for 2010/11"
    raise _Wrong(
        f"{measure}: {_found(year)} is not a year; write the year the school year "
        f"ends as a number ({fix})"
    )


CASE_STUDY_KEYS = {
    "title": _text,
    "summary": _text,
    "schools": _urns,
    "la": _la,
    "phase": _text,
    "themes": _ids,
    "source": _text,
    "featured": _flag,
    "years": _text,
    "context": _context,
    "aliases": _names,
    "quoted": _quoted,
    "draft": _flag,  # true: checked, but kept off the site until removed or false
}


def load_content(content_dir: Path, site: dict, problems: list[str]) -> Content:
    """Read the content folder; problems are appended to ``problems``."""
    themes = load_themes(content_dir)
    studies, drafts = [], []
    for path in sorted((content_dir / "case-studies").glob("*.md")):
        study = load_case_study(path, themes, problems)
        if study:
            (drafts if study.draft else studies).append(study)
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
    return Content(site, themes, studies, commentary, pages=pages, glossary=glossary, drafts=drafts)


def draft_warnings(content: Content) -> list[str]:
    """One line naming the drafts a build keeps back, so the editor knows why
    their pages are missing."""
    if not content.drafts:
        return []
    names = ", ".join(study.path for study in content.drafts)
    return [
        f"not published, marked 'draft: true': {names}; "
        "remove that line (or set it to false) to publish"
    ]


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
