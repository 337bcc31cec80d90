"""Stage 7: PDF report cards and LA packs with WeasyPrint.

One ``PdfRenderer`` per process holds the font configuration and the parsed
stylesheet, which are the expensive parts to set up. The URL fetcher serves
only files below the templates' ``pdf/`` folder (the shipped fonts): a card
can never reach the network or any other file.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from jinja2 import Environment

from .errors import InputError

PDF_FOLDER = "pdf"
STYLESHEET = "card.css"
UA_STYLESHEET = "ua.css"  # element defaults, in place of WeasyPrint's long built-in one


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
            if not url.startswith("file://"):
                raise FatalURLFetchingError(
                    f"refused to fetch {url!r}: PDFs use project files only"
                )
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if not path.is_relative_to(self.root):
                raise FatalURLFetchingError(f"refused to read {path}: outside {self.root}")
            return super().fetch(url, headers)

    return ProjectOnlyFetcher()


class PdfRenderer:
    """Renders card HTML to PDF bytes; set up once per process."""

    def __init__(self, env: Environment, templates_dir: Path):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        self.env = env
        self.folder = (templates_dir / PDF_FOLDER).resolve()
        if not (self.folder / STYLESHEET).exists():
            raise InputError(f"{self.folder / STYLESHEET}: the PDF stylesheet is missing")
        self.fetcher = make_fetcher(self.folder)
        self.fonts = FontConfiguration()
        self.css = CSS(
            filename=str(self.folder / STYLESHEET),
            font_config=self.fonts,
            url_fetcher=self.fetcher,
        )
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

    def html(self, template: str, **context) -> str:
        return self.env.get_template(f"{PDF_FOLDER}/{template}").render(**context)

    def pdf(self, html: str) -> bytes:
        document = self.document_class(
            string=html, base_url=self.base_url, url_fetcher=self.fetcher
        )
        # A fixed identifier derived from the content keeps output byte-identical.
        identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
        return document.write_pdf(
            stylesheets=[self.css],
            font_config=self.fonts,
            pdf_variant="pdf/ua-1",
            pdf_identifier=identifier,
            uncompressed_pdf=False,
        )


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
    copied rather than rendered again."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.hits = 0
        self.misses = 0
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def get(self, renderer: PdfRenderer, html: str) -> bytes:
        key = hashlib.sha256((renderer.fingerprint + html).encode("utf-8")).hexdigest()
        path = self.folder / f"{key}.pdf" if self.folder else None
        if path is not None and path.exists():
            self.hits += 1
            return path.read_bytes()
        self.misses += 1
        data = renderer.pdf(html)
        if path is not None:
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return data
