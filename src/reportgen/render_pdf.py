"""Stage 7: PDF report cards and LA packs with WeasyPrint.

One ``PdfRenderer`` per process holds the font configuration and the parsed
stylesheet, which are the expensive parts to set up. The URL fetcher serves
only files below the templates' ``pdf/`` folder (the shipped fonts): a card
can never reach the network or any other file.

An LA pack is put together from documents laid out one at a time (its front
matter, then each card), joined into one PDF: laid out as one long document,
a pack took twice as long a card as the cards did on their own.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from jinja2 import Environment

from .errors import InputError

PDF_FOLDER = "pdf"
STYLESHEET = "card.css"
UA_STYLESHEET = "ua.css"  # element defaults, in place of WeasyPrint's long built-in one
PACK_STYLESHEET = "pack.css"  # what differs in a pack: its own page numbers
VARIANT = "pdf/ua-1"


class RefusedURL(Exception):
    pass


def make_fetcher(root: Path):
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class ProjectOnlyFetcher(URLFetcher):
        """Only file: URLs inside ``root``; everything else stops the render."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file"})
            self.root = root.resolve()

        def fetch(self, url, headers=None):
            path = self.local_path(url)
            # Fetch the file checked, by its own plain URL: open() may have kept
            # the caller's request, whose URL urllib would read afresh.
            self._request = None
            return super().fetch(path.as_uri(), headers)

        def local_path(self, url: str) -> Path:
            """The file a URL names, decoded as urllib decodes it (%2e%2e is
            '..'), with links and '..' resolved; refused unless inside root."""
            parts = urlsplit(url)
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                raise FatalURLFetchingError(
                    f"refused to fetch {url!r}: PDFs use project files only"
                )
            try:
                path = Path(url2pathname(parts.path)).resolve()
            except (OSError, ValueError):  # a NUL byte, a loop of links
                raise FatalURLFetchingError(f"refused to fetch {url!r}: no such file") from None
            if not path.is_relative_to(self.root):
                raise FatalURLFetchingError(f"refused to read {path}: outside {self.root}")
            return path

    return ProjectOnlyFetcher()


class PdfRenderer:
    """Renders card HTML to PDF bytes; set up once per process."""

    def __init__(self, env: Environment, templates_dir: Path):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        # Without HarfBuzz's subsetter (libharfbuzz-subset0), WeasyPrint subsets
        # fonts with fontTools, which stamps each subset with the time it is made
        # unless SOURCE_DATE_EPOCH says otherwise: the same card would differ
        # from one build to the next.
        os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
        self.env = env
        self.folder = (templates_dir / PDF_FOLDER).resolve()
        if not (self.folder / STYLESHEET).exists():
            raise InputError(f"{self.folder / STYLESHEET}: the PDF stylesheet is missing")
        self.fetcher = make_fetcher(self.folder)
        self.fonts = FontConfiguration()
        self.css = self.stylesheet(filename=str(self.folder / STYLESHEET))
        pack = self.folder / PACK_STYLESHEET
        self.pack_css = [self.stylesheet(filename=str(pack))] if pack.exists() else []
        self.base_url = self.folder.as_uri() + "/"
        ua = self.folder / UA_STYLESHEET
        self.document_class = _with_defaults(CSS(filename=str(ua)) if ua.exists() else None)
        # What else a PDF depends on: its stylesheet, fonts and WeasyPrint itself.
        import weasyprint

        digest = hashlib.sha256(weasyprint.__version__.encode())
        for path in sorted(self.folder.rglob("*")):
            if path.is_file() and path.suffix in (".css", ".ttf", ".otf", ".woff", ".woff2"):
                digest.update(path.name.encode() + path.read_bytes())
        self.fingerprint = digest.hexdigest()

    def stylesheet(self, **source):
        from weasyprint import CSS

        return CSS(**source, font_config=self.fonts, url_fetcher=self.fetcher)

    def html(self, template: str, **context) -> str:
        return self.env.get_template(f"{PDF_FOLDER}/{template}").render(**context)

    def layout(self, html: str, extra: list | None = None):
        """HTML laid out in pages: a WeasyPrint document, not yet written."""
        document = self.document_class(
            string=html, base_url=self.base_url, url_fetcher=self.fetcher
        )
        return document.render(
            stylesheets=[self.css, *(extra or [])], font_config=self.fonts, pdf_variant=VARIANT
        )

    def write(self, document, identity: str) -> bytes:
        # A fixed identifier derived from the content keeps output byte-identical.
        identifier = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32].encode()
        return document.write_pdf(
            pdf_variant=VARIANT, pdf_identifier=identifier, uncompressed_pdf=False
        )

    def pdf(self, html: str) -> bytes:
        return self.write(self.layout(html), html)

    def pack(self, front: Callable[[list[int] | None], str], cards: list[str]) -> bytes:
        """An LA pack: ``front(first_pages)`` is the HTML of the cover, contents and
        summary given the page each card starts on (None: not known yet), then
        every card's HTML. Pages are numbered through the pack."""
        # Every card's pages are kept until the pack is written: the garbage
        # collector would walk them all again each time more pile up.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._pack(front, cards)
        finally:
            if collecting:
                gc.enable()

    def _pack(self, front: Callable[[list[int] | None], str], cards: list[str]) -> bytes:
        head = self.layout(front(None), self.pack_css)
        while True:
            start, firsts, laid_out = len(head.pages) + 1, [], []
            for html in cards:
                # Each card carries on the pack's page numbers where the last stopped.
                first = self.stylesheet(string=f"@page :first {{ counter-reset: page {start} }}")
                laid_out.append(self.layout(html, [*self.pack_css, first]))
                firsts.append(start)
                start += len(laid_out[-1].pages)
            contents = front(firsts)
            numbered = self.layout(contents, self.pack_css)
            if len(numbered.pages) == len(head.pages):
                break
            head = numbered  # page numbers made the contents longer: number again
        pages = [page for document in (numbered, *laid_out) for page in document.pages]
        return self.write(numbered.copy(pages), contents + "".join(cards))


def _with_defaults(ua):
    """WeasyPrint's HTML, starting from our element defaults. The hook is
    WeasyPrint's own (``_ua_stylesheets``); if a release drops it, the
    built-in defaults apply and cards look the same, a little slower."""
    from weasyprint import HTML

    if ua is None:
        return HTML

    class CardHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [ua]

    return CardHTML


class PdfCache:
    """Rendered PDFs kept by the hash of their HTML, so an unchanged card is
    copied rather than rendered again (when it is as it was written)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.hits = 0
        self.misses = 0
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def get(
        self, renderer: PdfRenderer, html: str, make: Callable[[], bytes] | None = None
    ) -> bytes:
        """The PDF of ``html`` (made by ``make``, by default the card renderer)."""
        key = hashlib.sha256((renderer.fingerprint + html).encode("utf-8")).hexdigest()
        path = self.folder / f"{key}.pdf" if self.folder else None
        kept = _checked(path) if path is not None else None
        if kept is not None:
            self.hits += 1
            return kept
        self.misses += 1
        data = make() if make else renderer.pdf(html)
        if path is not None:
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(hashlib.sha256(data).digest() + data)
            tmp.replace(path)
        return data


def _checked(path: Path) -> bytes | None:
    """A cached PDF, if it is whole: each is kept after the digest of its bytes,
    so one cut short or changed on disk is made again, never published."""
    try:
        held = path.read_bytes()
    except OSError:
        return None
    digest, data = held[:32], held[32:]
    return data if len(held) > 32 and hashlib.sha256(data).digest() == digest else None
