"""SVG sanitising: keep the drawing, drop everything that can act.

An SVG is a document, not a picture: it can carry script, event handlers,
HTML (``<foreignObject>``) and references that make a viewer fetch other
files. Uploaded SVG is parsed with defusedxml (no entity declarations, so no
XML bombs or file reads through external entities) and rebuilt from an
allow-list of SVG elements and attributes:

- elements outside the list are dropped with their content (``<script>``,
  ``<foreignObject>``, animation elements that could rewrite links,
  editors' private elements such as Inkscape's);
- attributes outside the list are dropped, so are all event handlers
  (``on*``);
- ``href`` and ``xlink:href`` stay only as same-document ``#fragment``
  references, or as embedded raster images (``data:image/png|jpeg|gif|webp``)
  on ``<image>`` and ``<feImage>``;
- CSS (``style`` attributes and ``<style>`` sheets) loses ``@import`` and
  every ``url(…)`` that is not a ``#fragment``; CSS with escapes, an
  unclosed ``url(`` or other ways to load things is dropped whole.

The output is serialised afresh, so comments, processing instructions and
the DOCTYPE are gone. A DOCTYPE alone is accepted on input: Illustrator and
older editors write the SVG 1.1 one; what makes DTDs dangerous is entities,
and those are refused.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: Written as a literal prefixed name, with xmlns:xlink declared on the root.
XLINK_HREF_OUT = "xlink:href"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Deeper nesting than any drawing needs; guards the recursive rebuild.
MAX_DEPTH = 200
#: Larger sides (in px) than any real drawing; beyond it the size is unknown.
MAX_SIDE = 1_000_000

ELEMENTS = _words(
    """
    svg g defs symbol use switch a title desc
    path rect circle ellipse line polyline polygon
    text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker image
    style
    filter feBlend feColorMatrix feComponentTransfer feComposite
    feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight
    feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur
    feImage feMerge feMergeNode feMorphology feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence
    """
)

#: Elements whose href may embed a raster image as a data: URI.
IMAGE_ELEMENTS = frozenset({"image", "feImage"})

ATTRIBUTES = _words(
    """
    id class style lang tabindex
    viewBox preserveAspectRatio version baseProfile
    x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength
    dx dy rotate textLength lengthAdjust startOffset method spacing side
    transform opacity fill fill-opacity fill-rule stroke stroke-width
    stroke-opacity stroke-linecap stroke-linejoin stroke-miterlimit
    stroke-dasharray stroke-dashoffset clip-path clip-rule mask filter
    color display visibility overflow paint-order vector-effect
    mix-blend-mode isolation shape-rendering image-rendering text-rendering
    color-interpolation color-interpolation-filters color-rendering
    font-family font-size font-size-adjust font-stretch font-style
    font-variant font-weight text-anchor dominant-baseline
    alignment-baseline baseline-shift letter-spacing word-spacing
    text-decoration writing-mode direction unicode-bidi
    stop-color stop-opacity flood-color flood-opacity lighting-color
    marker-start marker-mid marker-end markerWidth markerHeight markerUnits
    refX refY orient
    gradientUnits gradientTransform spreadMethod offset
    patternUnits patternContentUnits patternTransform
    clipPathUnits maskUnits maskContentUnits
    filterUnits primitiveUnits in in2 result stdDeviation mode operator
    k1 k2 k3 k4 type values tableValues slope intercept amplitude exponent
    scale xChannelSelector yChannelSelector baseFrequency numOctaves seed
    stitchTiles order kernelMatrix divisor bias targetX targetY edgeMode
    kernelUnitLength preserveAlpha surfaceScale diffuseConstant
    specularConstant specularExponent azimuth elevation pointsAtX pointsAtY
    pointsAtZ limitingConeAngle z radius
    requiredFeatures requiredExtensions systemLanguage
    media href
    """
)

DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
#: The one url() kept: a same-document fragment, closed, with nothing else in it.
CSS_FRAGMENT_URL = re.compile(r"url\(\s*(['\"]?)#[^'\"()\s]*\1\s*\)", re.IGNORECASE)
#: Any url( left over; browsers also accept one that runs unclosed to the end.
CSS_ANY_URL = re.compile(r"url\s*\(", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
#: Other ways CSS can run or load something; such CSS is dropped whole.
CSS_FORBIDDEN = re.compile(
    r"@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding"
    r"|image-set\s*\(|(?<![\w-])src\s*\(",
    re.IGNORECASE,
)
LENGTH = re.compile(
    r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*$"
)
PX_PER_UNIT = {
    None: 1.0,
    "px": 1.0,
    "pt": 96 / 72,
    "pc": 16.0,
    "mm": 96 / 25.4,
    "cm": 96 / 2.54,
    "in": 96.0,
}


class SvgError(ValueError):
    """An SVG that cannot be kept; ``reason`` is for the uploader (Chinese)."""

    def __init__(self, reason: str, *, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class CleanSvg:
    data: bytes
    width: int | None
    height: int | None


def sanitise_svg(data: bytes) -> CleanSvg:
    """The drawing of ``data`` without anything that can act or fetch.

    Raises ``SvgError`` for XML that is malformed, declares entities, or
    whose root is not ``<svg>``.
    """
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True)
    except DefusedXmlException:
        raise SvgError(
            "SVG 中含有实体声明或外部引用（可用于 XML 炸弹或读取服务器文件），已拒绝。",
            code="unsafe",
        ) from None
    except ET.ParseError as error:
        raise SvgError(f"SVG 不是有效的 XML：{error}", code="corrupt") from None

    namespace, name = _split(root.tag)
    if name != "svg" or namespace not in (SVG_NS, ""):
        raise SvgError("文件的根元素不是 <svg>，不是 SVG 图像。", code="mismatch")

    clean = _clean_element(root, depth=0)
    clean.attrib = {"xmlns": SVG_NS, **clean.attrib}
    if any(XLINK_HREF_OUT in element.attrib for element in clean.iter()):
        clean.set("xmlns:xlink", XLINK_NS)
    width, height = _size(clean)
    out = ET.tostring(clean, encoding="utf-8", xml_declaration=True)
    return CleanSvg(data=out, width=width, height=height)


def _split(tag) -> tuple[str | None, str]:
    if not isinstance(tag, str):  # comments and processing instructions
        return None, ""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _clean_element(source: ET.Element, *, depth: int) -> ET.Element | None:
    if depth > MAX_DEPTH:
        raise SvgError("SVG 嵌套层级过深，已拒绝。", code="unsafe")
    namespace, name = _split(source.tag)
    if namespace not in (SVG_NS, "") or name not in ELEMENTS:
        return None

    element = ET.Element(name)
    for key, value in source.attrib.items():
        cleaned = _clean_attribute(name, key, value)
        if cleaned is not None:
            element.set(*cleaned)

    if name == "style":
        css = _clean_css(source.text or "", stylesheet=True)
        if css is None:
            return None
        element.text = css
        return element

    element.text = source.text
    previous = None
    for child in source:
        clean_child = _clean_element(child, depth=depth + 1)
        if clean_child is not None:
            clean_child.tail = child.tail
            element.append(clean_child)
            previous = clean_child
        elif child.tail:
            # Text after a dropped element still belongs to this one.
            if previous is not None:
                previous.tail = (previous.tail or "") + child.tail
            else:
                element.text = (element.text or "") + child.tail
    return element


def _clean_attribute(element: str, key: str, value: str) -> tuple[str, str] | None:
    namespace, name = _split(key)
    if namespace == XLINK_NS and name == "href":
        return (XLINK_HREF_OUT, value) if _safe_href(element, value) else None
    if namespace == XML_NS and name in ("space", "lang"):
        return key, value
    if namespace or name.lower().startswith("on") or name not in ATTRIBUTES:
        return None
    if name == "href":
        return (name, value) if _safe_href(element, value) else None
    if name == "style":
        css = _clean_css(value, stylesheet=False)
        return (name, css) if css else None
    compact = re.sub(r"\s+", "", value).lower()
    if "javascript:" in compact:
        return None
    if "url(" in compact:
        css = _clean_css(value, stylesheet=False)
        # fill="url(http://…)" cannot be repaired in place; drop it.
        if css is None or css != value:
            return None
    return name, value


def _safe_href(element: str, value: str) -> bool:
    value = value.strip()
    if value.startswith("#"):
        return True
    return element in IMAGE_ELEMENTS and bool(DATA_IMAGE.match(value))


def _clean_css(css: str, *, stylesheet: bool) -> str | None:
    """CSS without imports or external urls; None when it cannot be trusted."""
    if "\\" in css:
        # Escapes can spell url( or @import in ways no pattern here sees.
        return None
    if stylesheet:
        css = CSS_IMPORT.sub("", css)
    if CSS_FORBIDDEN.search(css):
        return None

    def keep_fragments(match: re.Match) -> str:
        return match.group(0) if CSS_FRAGMENT_URL.fullmatch(match.group(0)) else "none"

    css = CSS_URL.sub(keep_fragments, css)
    # An unclosed url( (CSS closes it at the end of the text) or one that a
    # lazy match above ran past cannot be repaired in place: refuse the CSS.
    if CSS_ANY_URL.search(CSS_FRAGMENT_URL.sub("", css)):
        return None
    return css


def _size(root: ET.Element) -> tuple[int | None, int | None]:
    """Pixels from width/height in absolute units, else from the viewBox."""
    width = _length(root.get("width"))
    height = _length(root.get("height"))
    if width is None or height is None:
        box = _view_box(root.get("viewBox"))
        if box:
            box_width, box_height = box
            if width is None and height is None:
                width, height = box_width, box_height
            elif width is None:
                width = height * box_width / box_height
            else:
                height = width * box_height / box_width
    if not _plausible(width) or not _plausible(height):
        return None, None
    return max(1, round(width)), max(1, round(height))


def _plausible(number: float | None) -> bool:
    # "1e400" parses as infinity and round() of it raises; "1e300" rounds to
    # an integer no database column holds. Neither describes a real drawing,
    # so the size is left unknown rather than refusing the file.
    return number is not None and math.isfinite(number) and 0 < number <= MAX_SIDE


def _length(value: str | None) -> float | None:
    match = LENGTH.match(value or "")
    if not match:
        return None
    number = float(match.group(1)) * PX_PER_UNIT[match.group(2)]
    return number if _plausible(number) else None


def _view_box(value: str | None) -> tuple[float, float] | None:
    parts = re.split(r"[\s,]+", (value or "").strip())
    if len(parts) != 4:
        return None
    try:
        width, height = float(parts[2]), float(parts[3])
    except ValueError:
        return None
    return (width, height) if _plausible(width) and _plausible(height) else None
