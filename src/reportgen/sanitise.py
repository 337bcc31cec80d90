"""What an editor's files may put on the site: allow-lists for Markdown's HTML
and for an SVG logo.

Markdown is cleaned by nh3 (the Rust ammonia sanitiser): it parses the HTML as
a browser does, decodes entities before it checks a URL, and keeps only the
tags, attributes and URL schemes listed here. An SVG logo is checked with the
standard library's XML parser: anything that could run script or fetch from
elsewhere is refused by name, so the editor knows what to remove.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import SplitResult, urlsplit

import nh3

from .errors import InputErrors

# What Python-Markdown emits with the extensions content.py uses (tables,
# sane_lists, attr_list): the site's pages rely on nothing else. No id or
# class (they could clash with the page's own), no style, no data-* (a
# data-pagefind-* attribute would rewrite search results).
MARKDOWN_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "em", "strong", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
MARKDOWN_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}  # and relative links, which nh3 keeps
CONTROL_AND_SPACE = "".join(map(chr, range(0x21)))


def markdown_html(html: str) -> str:
    """Rendered Markdown with only the allow-listed tags, attributes and URLs."""
    return nh3.clean(
        html,
        tags=MARKDOWN_TAGS,
        attributes=MARKDOWN_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_check_url,
        link_rel=None,  # Markdown's links carry no rel today; keep the pages as they are
        strip_comments=True,
    )


def _check_url(tag: str, attr: str, value: str) -> str | None:
    """nh3's own check, and two more: an address that is a script once its
    spaces are gone ('java script:') is dropped, as is an image from elsewhere
    (it would tell another host who reads the page, and the PDF must not
    fetch it)."""
    if attr not in ("href", "src"):
        return value
    parts = _split(re.sub(r"\s", "", value))
    if parts is None or parts.scheme and parts.scheme.lower() not in URL_SCHEMES:
        return None
    if tag == "img" and not is_same_site(value):
        return None
    return value


def is_same_site(url: str) -> bool:
    """A relative address (no scheme, no host), as a browser would read it."""
    # '//host/x' and '///host/x' name another host (urlsplit reads none in the second).
    parts = _split(url)
    return parts is not None and not parts.scheme and not _as_read(url).startswith("//")


def _split(url: str) -> SplitResult | None:
    """The URL's parts as a browser reads them; None if it cannot be read at all."""
    try:
        return urlsplit(_as_read(url))
    except ValueError:  # an address such as http://[bad
        return None


def _as_read(url: str) -> str:
    # Browsers drop tabs and newlines anywhere, control characters and spaces
    # at the ends, and read '\' as '/'.
    return re.sub(r"[\t\n\r]", "", url).strip(CONTROL_AND_SPACE).replace("\\", "/")


SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SVG_ELEMENTS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "defs", "linearGradient", "radialGradient", "stop", "title",
    "desc", "clipPath", "mask", "use", "style", "symbol", "pattern", "marker",
}  # fmt: skip
REFUSED_ELEMENTS = {"script", "foreignobject", "handler", "listener", "iframe", "object", "embed"}
SVG_ATTRIBUTES = {
    # geometry and structure
    "id", "class", "style", "version", "baseProfile", "viewBox", "preserveAspectRatio",
    "x", "y", "width", "height", "rx", "ry", "cx", "cy", "r", "fx", "fy", "fr",
    "x1", "y1", "x2", "y2", "d", "points", "pathLength", "transform", "href",
    "dx", "dy", "rotate", "textLength", "lengthAdjust",
    "offset", "gradientUnits", "gradientTransform", "spreadMethod",
    "clipPathUnits", "maskUnits", "maskContentUnits", "patternUnits",
    "patternContentUnits", "patternTransform", "markerUnits", "markerWidth",
    "markerHeight", "refX", "refY", "orient",
    "role", "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden",
    "focusable", "lang", "tabindex", "type",
    # presentation attributes
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
    "stroke-dashoffset", "opacity", "color", "display", "visibility", "overflow",
    "clip-path", "clip-rule", "mask", "stop-color", "stop-opacity",
    "font-family", "font-size", "font-weight", "font-style", "font-variant",
    "font-stretch", "letter-spacing", "word-spacing", "text-anchor",
    "text-decoration", "dominant-baseline", "alignment-baseline", "baseline-shift",
    "writing-mode", "direction", "unicode-bidi", "white-space",
    "vector-effect", "shape-rendering", "text-rendering", "color-interpolation",
    "paint-order", "marker-start", "marker-mid", "marker-end",
    "transform-origin", "isolation", "mix-blend-mode",
}  # fmt: skip
LINK_ATTRIBUTES = {"href", f"{{{XLINK_NS}}}href"}
KEPT_XML_ATTRIBUTES = {f"{{{XML_NS}}}space", f"{{{XML_NS}}}lang", f"{{{XLINK_NS}}}title"}
# The start of each url(...) target; CSS closes an unclosed url( at the end.
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^\s'\")]*)", re.I)
# CSS that fetches without url(), or hides a word behind an escape (u\72l).
CSS_FETCH = re.compile(r"@import|image-set\(|image\(|src\(|\\", re.I)
FIX = "remove it (a logo is a drawing: export it as a plain SVG) or use a PNG"


def svg_logo(data: bytes, where: str) -> bytes:
    """An SVG logo as the site may serve it, or InputErrors naming what to remove.

    A logo holding nothing outside the allow-list comes back unchanged; one
    with editors' metadata (Inkscape's, say) comes back without it; one that
    could run script or fetch from elsewhere is refused.
    """
    root = _svg_root(_svg_text(data, where), where)
    problems = [p for el in root.iter() for p in _refusals(el, where)]
    if problems:
        raise InputErrors(list(dict.fromkeys(problems)))
    if not _prune(root, _namespace(root.tag)):
        return data
    return _serialise(root)


def _svg_text(data: bytes, where: str) -> str:
    """The logo's text; DOCTYPE and ENTITY declarations refused before parsing
    (an entity can expand to gigabytes, or read a file)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputErrors(
            [
                f"{where}, line {line}: the logo is not UTF-8 (byte 0x{data[exc.start]:02x}); "
                "save it as UTF-8 SVG"
            ]
        ) from None
    lowered = text.lower()
    for declaration in ("<!doctype", "<!entity"):
        if declaration in lowered:
            line = text[: lowered.index(declaration)].count("\n") + 1
            raise InputErrors(
                [
                    f"{where}, line {line}: the logo has a {declaration[2:].upper()} declaration; "
                    "remove it (an SVG needs none: export it as a plain SVG)"
                ]
            )
    if "<?xml-stylesheet" in lowered:
        raise InputErrors([f"{where}: the logo links a stylesheet (<?xml-stylesheet?>); {FIX}"])
    return text


def _svg_root(text: str, where: str) -> ET.Element:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputErrors(
            [
                f"{where}, line {line}: the logo is not valid SVG (XML) at column {column + 1}; "
                "export it again from the drawing program"
            ]
        ) from None
    if _local(root.tag) != "svg":
        raise InputErrors(
            [
                f"{where}: the logo's outer element is <{_local(root.tag)}>, not <svg>; "
                "export it as SVG"
            ]
        )
    return root


def _refusals(el: ET.Element, where: str) -> list[str]:
    """What in one element could run script or fetch from elsewhere."""
    tag = _local(el.tag)
    if tag.lower() in REFUSED_ELEMENTS:
        return [f"{where}: the logo has a <{tag}> element; {FIX}"]
    found = []
    if tag == "style":
        found += _css_refusals(el.text or "", "<style> element", where, whole=True)
    for attr, value in el.attrib.items():
        name = _local(attr)
        if name.lower().startswith("on"):
            found.append(f"{where}: the logo's <{tag}> has an {name} attribute (script); {FIX}")
        elif name == "href" and not re.fullmatch(r"#[\w.:-]+", value.strip()):
            found.append(
                f"{where}: the logo's <{tag}> links to {value!r}; a logo may link "
                'only to its own parts (href="#id"): remove the link'
            )
        else:
            what = f"<{tag}> attribute {name}"
            found += _css_refusals(value, what, where, whole=name == "style")
    return found


def _css_refusals(css: str, what: str, where: str, whole: bool) -> list[str]:
    """CSS may refer to the logo's own parts, url(#id), and fetch nothing.
    ``whole``: a stylesheet or style attribute, where more than url() fetches."""
    found = [
        f"{where}: the logo's {what} fetches {m.group(1)!r}; a logo may refer "
        "only to its own parts, url(#id): remove it"
        for m in CSS_URL.finditer(css)
        if not m.group(1).startswith("#")
    ]
    if whole and (m := CSS_FETCH.search(css)):
        found.append(f"{where}: the logo's {what} has {m.group(0)!r} in its CSS; {FIX}")
    return found


def _prune(el: ET.Element, namespace: str) -> bool:
    """Remove what is not on the allow-list (editors' metadata such as
    Inkscape's: no part of the drawing). True if anything was removed."""
    changed = False
    for attr in list(el.attrib):
        if attr not in SVG_ATTRIBUTES | LINK_ATTRIBUTES | KEPT_XML_ATTRIBUTES:
            del el.attrib[attr]
            changed = True
    for child in list(el):
        if _namespace(child.tag) != namespace or _local(child.tag) not in SVG_ELEMENTS:
            el.remove(child)
            changed = True
        else:
            changed |= _prune(child, namespace)
    return changed


def _serialise(root: ET.Element) -> bytes:
    # SVG as the default namespace, as drawing programs write it (ElementTree
    # would prefix every element with ns0:, and its own default_namespace
    # option refuses attributes without a namespace).
    namespaced = _namespace(root.tag) == SVG_NS
    xlink = False
    for el in root.iter():
        el.tag = _local(el.tag)
        for attr in [a for a in el.attrib if _namespace(a) == XLINK_NS]:
            el.set(f"xlink:{_local(attr)}", el.attrib.pop(attr))
            xlink = True
    if namespaced:
        root.set("xmlns", SVG_NS)
    if xlink:
        root.set("xmlns:xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _namespace(name: str) -> str:
    return name[1:].split("}", 1)[0] if name.startswith("{") else ""
