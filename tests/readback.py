"""Reading built pages back: tables and links, with the standard library only."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class", "") or ""
        if "visually-hidden" in cls or tag == "sup":
            self._hidden += 1
        if tag == "br" and self._cell is not None:
            self._cell.append(" ")
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None
        elif tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        if tag in ("span", "sup") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._hidden:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table(html: str, caption_start: str) -> list[list[str]]:
    for t in tables(html):
        if t["caption"].startswith(caption_start):
            return t["rows"]
    raise AssertionError(f"no table captioned {caption_start!r}")


def text(html: str) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    import html as _html

    return " ".join(_html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


LINK = re.compile(r'(?:href|src)="([^"#?]*)[^"]*"')


def broken_links(site: Path) -> list[str]:
    broken = []
    for page in site.rglob("*.html"):
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if not target or re.match(r"^[a-z]+:", target):
                continue
            # A root-relative link (the 404 page's, which works at any depth)
            # starts from the site's folder: the sample lives at the root.
            base = site if target.startswith("/") else page.parent
            resolved = (base / target.lstrip("/")).resolve()
            if not resolved.exists():
                broken.append(f"{page.relative_to(site)} -> {target}")
    return broken


def json_download(path: Path) -> tuple[list[str], list[list]]:
    """A download's JSON: its column names, and its rows, each an array of
    values in that order (pandas' ``orient="split"`` without an index)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == ["columns", "data"], path
    assert all(len(row) == len(data["columns"]) for row in data["data"]), path
    return data["columns"], data["data"]


def json_records(path: Path) -> list[dict]:
    """A download's JSON rows as {column: value}."""
    columns, rows = json_download(path)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def raw_csv(path: Path) -> list[dict]:
    """A CSV's rows as DfE wrote them (with its byte-order mark)."""
    import csv

    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def num(cell: str | None) -> float | None:
    """A raw cell as a number ("61%" is 61), or None for a code or a blank."""
    try:
        return float((cell or "").strip().rstrip("%"))
    except ValueError:
        return None
