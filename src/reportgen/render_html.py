"""Stage 6: render page models to HTML with Jinja templates."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .errors import InputError
from .formatting import format_date, in_sentence
from .model import academic_year
from .state import file_stat


def glossary_linker(glossary: dict[str, dict]):
    """A filter linking the first mention of each glossary term in a text."""
    names = []
    for gid, entry in glossary.items():
        for name in [entry["term"].split(" (")[0], *entry["also"]]:
            names.append((name, gid))
    names.sort(key=lambda n: -len(n[0]))  # longest first: "free school meals" before "FSM"
    if not names:
        return lambda text, root="": escape(text)
    pattern = re.compile(
        "|".join(
            rf"(?<![\w-]){re.escape(n)}(?![\w-])" if not n.isupper() else rf"\b{re.escape(n)}\b"
            for n, _ in names
        ),
        re.IGNORECASE,
    )
    lookup = {n.lower(): gid for n, gid in names}

    # The same texts (measure names, category intros) come back on every
    # school's page: each is linked once per build and worker.
    def link(text: object, root: str = "") -> Markup:
        return linked(str(text), root)

    @functools.lru_cache(maxsize=4096)
    def linked(text: str, root: str) -> Markup:
        seen: set[str] = set()

        def swap(match: re.Match) -> str:
            found = match.group(0)
            gid = lookup.get(found.lower())
            if (
                gid is None
                or gid in seen
                or (
                    found.isupper()
                    != any(n.isupper() and n.lower() == found.lower() for n, _ in names)
                )
            ):
                return str(escape(found))
            seen.add(gid)
            return f'<a class="gloss" href="{root}glossary/index.html#{gid}">{escape(found)}</a>'

        out, last = [], 0
        for m in pattern.finditer(text):
            out.append(str(escape(text[last : m.start()])))
            out.append(swap(m))
            last = m.end()
        out.append(str(escape(text[last:])))
        return Markup("".join(out))

    return link


_DICT_ATTRIBUTES = frozenset(dir(dict))


class PageEnvironment(Environment):
    """Jinja, with ``page.school`` looked up in a dict as a key first. Page
    models are dicts, and Jinja tries an attribute first: a failed lookup
    raised and caught for most of the thousand or so values a page shows.
    The result is Jinja's own (a dict's methods are still its attributes)."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_env(templates_dir: Path) -> Environment:
    env = PageEnvironment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["figure"] = figure_once(env)
    env.filters["academic_year"] = academic_year
    env.filters["css_string"] = css_string
    env.filters["in_sentence"] = in_sentence
    env.filters["format_date"] = format_date
    return env


def figure_once(env: Environment):
    """``figure(f)`` for templates: the ``figure_html`` macro's HTML for a Figure,
    made once and kept on it. A page shows a hundred or so figures, and the
    same LA and England figures are on every page of an LA; a macro call is
    among the dearest things Jinja does."""
    macro = None

    def figure(f) -> Markup:
        nonlocal macro
        if f.html is None:
            if macro is None:
                macro = env.get_template("macros.html").module.figure_html
            f.html = macro(f)
        return f.html

    return figure


def css_string(text: object) -> str:
    """Text for inside a double-quoted CSS string (print headers and footers)."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def relative_root(path: str) -> str:
    """'schools/123/index.html' -> '../../' so links work from disk and any sub-path."""
    depth = path.count("/")
    return "../" * depth


def site_path(base_url: str) -> str:
    """The path the site is published at, from its base_url: '/' for
    'https://reportcards.example/', '/schools/' for 'https://example.gov.uk/schools'."""
    path = urlsplit(base_url).path.strip("/")
    return f"/{path}/" if path else "/"


def page_root(path: str, site: dict) -> str:
    """The prefix of a page's links to the rest of the site. Relative, so pages
    work from disk; but 404.html is shown by the web server at whatever address
    was not found (/schools/999999/), so its links start from the site's path."""
    if path == "404.html":
        return site_path(site.get("base_url") or "/")
    return relative_root(path)


@dataclass(frozen=True)
class Part:
    """A piece of a joined file (``Joined``): bytes, or ``length``
    bytes of a file already written from ``start``; with the digest of its bytes."""

    digest: str
    data: bytes = b""
    file: Path | None = None
    start: int = 0
    length: int = 0

    @classmethod
    def of(cls, data: bytes) -> Part:
        return cls(hashlib.sha256(data).hexdigest(), data)

    @property
    def size(self) -> int:
        return self.length if self.file is not None else len(self.data)

    def write_to(self, out) -> None:
        """Into ``out`` (an unbuffered binary file), a file range by the kernel's copy."""
        if self.file is None:
            out.write(self.data)
            return
        with self.file.open("rb", buffering=0) as src:
            offset, left = self.start, self.length
            while left:
                try:
                    copied = os.copy_file_range(src.fileno(), out.fileno(), left, offset)
                except (AttributeError, OSError):  # not Linux, or another file system
                    src.seek(offset)
                    copied = out.write(src.read(min(left, 1 << 26)))
                if not copied:
                    raise OSError(f"{self.file}: shorter than the site's manifest says")
                offset, left = offset + copied, left - copied


def joined_digest(digests: list[str]) -> str:
    """A joined file's digest, made from its parts' digests (see ``Joined``)."""
    return hashlib.sha256(" ".join(digests).encode()).hexdigest()


class Joined:
    """A large file joined from parts as they come (a national download): never
    whole in memory, and not hashed again. Its digest is made from its parts'
    digests. While the parts are the last build's, nothing is written: an
    unchanged file is linked from the live site at ``close``; from the first
    part that differs, the file is made."""

    def __init__(self, writer: Writer, path: str, what: str):
        writer._claim(path, what)
        self.writer, self.path = writer, path
        self.target = writer._target(path)
        self.was = writer.previous_parts.get(path, [])
        self.parts: list[Part] = []
        self.out = None

    def add(self, part: Part) -> None:
        self.parts.append(part)
        if self.out is None:
            n = len(self.parts)
            if n <= len(self.was) and self.was[n - 1] == part.digest:
                return  # as the last build's, so far
            self._open()
        else:
            part.write_to(self.out)

    def _open(self) -> None:
        self.out = self.target.open("wb", buffering=0)
        for part in self.parts:
            part.write_to(self.out)

    def close(self) -> None:
        writer = self.writer
        digests = [part.digest for part in self.parts]
        digest = joined_digest(digests)
        writer.hashes[self.path], writer.parts[self.path] = digest, digests
        if self.out is None and writer._link_live(self.path, digest, self.target):
            return
        if self.out is None:  # the last build's file is gone, or had more parts
            self._open()
        self.out.close()
        writer.changed.append(self.path)


class Writer:
    """Writes the site into a fresh folder; two pages may never share a path.

    A file whose content is the same as in the last build (by the hashes in
    ``previous``) is hard-linked from the live site instead of written again,
    so an unchanged page keeps its file, and ``changed`` counts real writes.
    """

    def __init__(
        self,
        out_dir: Path,
        live: Path | None = None,
        previous: dict | None = None,
        previous_parts: dict | None = None,
    ):
        self.out_dir = out_dir
        self.live = live
        self.previous = previous or {}
        self.previous_parts: dict[str, list[str]] = previous_parts or {}
        self.written: dict[str, str] = {}
        self.hashes: dict[str, str] = {}
        self.parts: dict[str, list[str]] = {}  # a joined file's parts' digests, by path
        self.changed: list[str] = []

    def write(self, path: str, text: str | bytes, what: str) -> None:
        self._claim(path, what)
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        self.hashes[path] = digest
        target = self._target(path)
        if not self._link_live(path, digest, target):
            target.write_bytes(data)
            self.changed.append(path)

    def write_parts(self, path: str, parts: Iterable[str | bytes], what: str) -> None:
        """A large file written as it is made, part by part (a national download):
        never whole in memory. Kept from the last build when it is the same."""
        self._claim(path, what)
        target = self._target(path)
        digest = hashlib.sha256()
        with target.open("wb") as fh:
            for part in parts:
                data = part if isinstance(part, bytes) else part.encode("utf-8")
                digest.update(data)
                fh.write(data)
        self.hashes[path] = digest.hexdigest()
        if not self._link_live(path, self.hashes[path], target):
            self.changed.append(path)  # a new file, or another file system: the copy stays

    def adopt(self, path: str, digests: list[str], what: str) -> None:
        """A file another process wrote into this build's folder, joined from
        parts with ``digests`` (see ``adopt_file``)."""
        self.adopt_file(path, joined_digest(digests), what)
        self.parts[path] = digests

    def adopt_file(self, path: str, digest: str, what: str) -> None:
        """A file another process wrote into this build's folder, with its
        hash; linked from the live site instead when it is the same there."""
        self._claim(path, what)
        self.hashes[path] = digest
        if not self._link_live(path, digest, self.out_dir / path):
            self.changed.append(path)

    def can_keep(self, files: list[tuple[str, str, str]]) -> bool:
        """Whether every (path, hash, what) is in the live site as the last build wrote it."""
        return all(self._in_live(path, digest) for path, digest, _ in files)

    def keep(self, path: str, digest: str, what: str) -> None:
        """A file of the last build, unchanged (see ``can_keep``), linked into this one."""
        self._claim(path, what)
        target = self._target(path)
        if not self._link_live(path, digest, target):
            shutil.copyfile(self.live / path, target)  # another file system
        self.hashes[path] = digest

    def _target(self, path: str) -> Path:
        target = self.out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _in_live(self, path: str, digest: str) -> bool:
        return (
            self.live is not None
            and self.previous.get(path) == digest
            and (self.live / path).is_file()
        )

    def _link_live(self, path: str, digest: str, target: Path) -> bool:
        """Put the live site's file in place of ``target`` when it has ``digest``;
        False when it has not, or cannot be linked (another file system)."""
        if not self._in_live(path, digest):
            return False
        linked = target.with_name(target.name + ".link")
        try:
            os.link(self.live / path, linked)
        except OSError:
            return False
        os.replace(linked, target)
        return True

    def _claim(self, path: str, what: str) -> None:
        if ".." in Path(path).parts or path.startswith("/"):
            raise InputError(f"{what}: refusing to write outside the site ({path!r})")
        if path in self.written:
            raise InputError(f"{what} and {self.written[path]} would both write {path}")
        self.written[path] = what


# A part of a page the search index skips (figures, lists of other schools).
# Such sections are never nested in another section.
_IGNORED = re.compile(r"<section[^>]*\bdata-pagefind-ignore\b[^>]*>.*?</section>", re.DOTALL)


class SearchCopies:
    """Each page as the search index reads it (``search_copy``), in a folder of
    its own for Pagefind, with the digest of them all. Tens of thousands of
    small files at national scale: written by a thread of their own, so that
    the build goes on meanwhile (writing waits for the disk, not for Python).

    The folder is kept from build to build (in the build cache): a copy is
    written only when its text changed, and only the copies of pages that are
    gone are removed. Making and removing twenty thousand files and folders
    took this disk about ten seconds a build. Its list of what it holds
    (``LIST``) is removed while it changes and written again by ``finish``:
    a build that dies leaves no list, and the next starts the folder anew."""

    LIST = "copies.json"

    def __init__(self, folder: Path):
        self.folder = folder
        self.digests: dict[str, str] = {}
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="search-copies")
        self._written: list[Future] = []
        try:
            held = json.loads((folder / self.LIST).read_bytes())
            (folder / self.LIST).unlink()
        except (OSError, ValueError):
            held = None
        if not isinstance(held, dict):  # what the folder holds is not known
            held = {}
            shutil.rmtree(folder, ignore_errors=True)
        self._held: dict[str, list] = held  # path: [digest, size, time, inode]

    def add(self, path: str, html: str) -> None:
        data = html.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        self.digests[path] = digest
        held = self._held.get(path)
        if held is None or held[0] != digest or file_stat(self.folder / path) != held[1:]:
            self._written.append(self._pool.submit(_write_file, self.folder / path, data))

    def finish(self) -> str:
        """Once every copy is on disk (and none of a page that is gone): a digest
        of their paths and contents."""
        try:
            for done in self._written:
                done.result()  # a failed write is raised here
        finally:
            self._pool.shutdown()
            self._written.clear()
        for path in self._held.keys() - self.digests.keys():
            (self.folder / path).unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # its folder, unless another copy is there
                (self.folder / path).parent.rmdir()
        self.folder.mkdir(parents=True, exist_ok=True)
        # Each copy with how it stands on disk: one changed since is written again.
        self._held = {p: [d, *(file_stat(self.folder / p) or [])] for p, d in self.digests.items()}
        (self.folder / self.LIST).write_text(json.dumps(self._held))
        return hashlib.sha256(repr(sorted(self.digests.items())).encode()).hexdigest()

    def close(self) -> None:
        """Stop writing (a failed build): what is not written yet never will be."""
        self._pool.shutdown(cancel_futures=True)


def _write_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def search_copy(html: str) -> str:
    """The page as the search index reads it: without the parts it skips, which
    are most of a school page's bytes (tables and charts), so that indexing a
    national site parses a fraction of it."""
    return _IGNORED.sub("", html)


def render_pages(
    env: Environment,
    writer: Writer,
    pages: Iterable[tuple[str, str, dict]],
    site: dict,
    progress: bool = False,
    search: SearchCopies | None = None,
) -> int:
    """Render (template, path, context) triples. Returns the number of pages.
    With ``search``, a copy of each page goes there too, for the search index."""
    from tqdm import tqdm

    count = 0
    cache = {}
    for template_name, path, context in tqdm(
        list(pages), desc="Pages", unit="page", disable=not progress, leave=False
    ):
        template = cache.get(template_name) or env.get_template(template_name)
        cache[template_name] = template
        html = template.render(page=context, site=site, root=page_root(path, site), path=path)
        writer.write(path, html, context.get("what", path))
        if search is not None:
            search.add(path, html)
        count += 1
    return count


def copy_assets(templates_dir: Path, writer: Writer) -> None:
    assets = templates_dir / "assets"
    for path in sorted(assets.rglob("*")) if assets.is_dir() else []:
        if path.is_file():
            writer.write(
                f"assets/{path.relative_to(assets).as_posix()}", path.read_bytes(), "asset"
            )
