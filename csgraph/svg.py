"""SVG drawn on the server, for reports and for the site: maps, bar charts and network views.

Documents are built as XML elements rather than pasted strings, so every text, fiche text included,
reaches the file escaped; characters XML cannot hold at all (control characters) are dropped. Styling is
carried by presentation attributes, never `style`: the site's Content-Security-Policy forbids inline styles,
and the same SVG is inlined in its pages. PNG is the same SVG rasterised by resvg, a self-contained wheel
(no browser, no Cairo).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from csgraph.errors import InputError
from csgraph.writing import write_bytes, write_text

SVG_NS = "http://www.w3.org/2000/svg"

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

CHARACTER_WIDTH = 0.6
"""Average advance of a character in ems, for sizing boxes around text without measuring fonts; DejaVu
Sans and Verdana are wide, so this errs on the side of room."""

PNG_SCALE = 2
"""Pixels per SVG unit in a PNG: sharp enough for a printed report."""

PNG_MAX_SIDE = 4096
"""Big network views are scaled down to this many pixels on their longer side."""

NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

IMAGE_SUFFIXES = (".svg", ".png")


def clean(text: object) -> str:
    """The text as XML can hold it: characters XML 1.0 forbids are dropped (escaping is the serialiser's)."""
    return NOT_IN_XML.sub("", str(text))


def coordinate(value: float) -> str:
    """`12.5`, `3`, `-0.4`: one decimal at most, so the same drawing gives the same bytes."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def attribute_name(name: str) -> str:
    """`font_size` → `font-size`, `class_` → `class` (Python keywords take a trailing underscore)."""
    return name.rstrip("_").replace("_", "-")


def element(parent: ET.Element | None, tag: str, text: object = None, **attributes: object) -> ET.Element:
    """A child element of `parent` (a root when None); numbers are written short, None attributes left out."""
    values = {
        attribute_name(name): coordinate(value) if isinstance(value, float) else clean(value)
        for name, value in attributes.items()
        if value is not None
    }
    node = ET.Element(tag, values) if parent is None else ET.SubElement(parent, tag, values)
    if text is not None:
        node.text = clean(text)
    return node


def document(width: float, height: float, title: str) -> ET.Element:
    """An `<svg>` root sized in whole pixels, with its title first (what screen readers and viewers show).

    Whole pixels, so that a PNG at twice the size keeps exactly the same proportions.
    """
    width, height = float(math.ceil(width)), float(math.ceil(height))
    root = element(
        None,
        "svg",
        xmlns=SVG_NS,
        width=float(width),
        height=float(height),
        viewBox=f"0 0 {coordinate(width)} {coordinate(height)}",
        role="img",
        font_family=FONT,
    )
    element(root, "title", title)
    return root


def serialised(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode") + "\n"


def text_width(text: str, size: float) -> float:
    return CHARACTER_WIDTH * size * len(text)


def shortened(text: str, size: float, room: float) -> str:
    """The text cut with `…` to fit `room` units at `size` (the whole text goes into a `<title>` beside)."""
    if text_width(text, size) <= room:
        return text
    fits = max(1, int(room / (CHARACTER_WIDTH * size)))
    return text[: fits - 1].rstrip() + "…"


def wrapped(text: str, room: float, size: float, lines: int) -> list[str]:
    """Words to lines that fit `room`; the last line cut with `…` when there is more."""
    fits = max(1, int(room / text_width("x", size)))
    found: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > fits:
            found.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        found.append(current)
    if len(found) > lines:
        found = [*found[: lines - 1], shortened(" ".join(found[lines - 1 :]), size, room - size)]
    return found


def svg_size(svg: str) -> tuple[float, float]:
    root = ET.fromstring(svg)
    return float(root.get("width", 0)), float(root.get("height", 0))


def png_size(svg: str) -> tuple[int, int]:
    """Pixels of the PNG made from `svg`: PNG_SCALE per unit, less when the longer side would pass the cap."""
    width, height = svg_size(svg)
    scale = min(PNG_SCALE, PNG_MAX_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def png_bytes(svg: str) -> bytes:
    """The SVG rasterised on a white background, with the system's fonts (no browser needed)."""
    import resvg_py

    width, height = png_size(svg)
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, width=width, height=height, background="#ffffff"))


def check_image(out: Path) -> None:
    """Refuse an output that is neither .svg nor .png before any work is done for it."""
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"cannot write {out.name}: the output must end in {' or '.join(IMAGE_SUFFIXES)}")


def write_image(out: Path, svg: str) -> None:
    """`svg` to `out` as SVG or PNG, as its suffix says."""
    check_image(out)
    if out.suffix.lower() == ".png":
        write_bytes(out, png_bytes(svg))
    else:
        write_text(out, svg)
