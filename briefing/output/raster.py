"""Raster: a drawing made by a plugin (an ``<svg>`` element) → PNG bytes, for mail clients that show no SVG.

In: one self-contained SVG with ``width`` and ``height`` (or a ``viewBox``). Out: the PNG at ``scale`` × its
size, and that size in CSS pixels. The drawing is laid out by the PDF engine (WeasyPrint: the same SVG
renderer and fonts as the issue's PDF, so the mail's chart looks like the PDF's) on a page of its own size,
and that page is rasterized by PDFium (pypdfium2). This needs no system library beyond the PDF engine's own
Pango (an SVG rasterizer such as cairosvg would need Cairo, pdftoppm the poppler tools) and runs in-process.
The engine fetches nothing but ``data:`` URLs (see :func:`briefing.output.render.render_pdf`).
"""

from __future__ import annotations

import io
import re
from typing import Iterator

SIZE = re.compile(r"<svg\b[^>]*?\bwidth=\"(?P<w>[\d.]+)\"[^>]*?\bheight=\"(?P<h>[\d.]+)\"", re.DOTALL)
VIEWBOX = re.compile(r"<svg\b[^>]*?\bviewBox=\"[\d.\s-]+?\s(?P<w>[\d.]+)\s+(?P<h>[\d.]+)\"", re.DOTALL)


def svg_size(svg: str) -> tuple[float, float]:
    """The drawing's size in CSS pixels, from its root element; ValueError when it says none."""
    head = svg[:2000]
    m = SIZE.search(head) or VIEWBOX.search(head)
    if not m:
        raise ValueError("the drawing gives no width and height")
    return float(m["w"]), float(m["h"])


def svg_to_png(svg: str, scale: float = 2.0) -> tuple[bytes, int, int]:
    """The PNG of ``svg`` drawn at ``scale`` pixels per CSS pixel, and its size in CSS pixels."""
    import pypdfium2

    from .render import render_pdf

    width, height = svg_size(svg)
    page = (f'<!DOCTYPE html><html lang="en"><head><style>@page {{ size: {width}px {height}px; margin: 0 }} '
            f'html, body {{ margin: 0; padding: 0 }} svg {{ display: block; width: {width}px; height: {height}px }}'
            f"</style></head><body>{svg}</body></html>")
    pdf = pypdfium2.PdfDocument(render_pdf(page))
    try:
        bitmap = pdf[0].render(scale=scale * 96 / 72)  # PDFium renders 1 px per PDF point (1/72 in); CSS px are 1/96 in
        image = bitmap.to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
    finally:
        pdf.close()
    return out.getvalue(), round(width), round(height)


def item_charts(issue, log, where: str, scale: float = 2.0) -> Iterator[tuple[object, bytes, int, int]]:
    """Each item's chart (its phone layout when it has one) as a PNG drawn at ``scale``: (item, PNG, width,
    height in CSS pixels), for the mail and the e-book. A chart that cannot be drawn is left out with a warning on
    ``log`` (``where``, with ``{}`` for the error: "for the mail ({}); sent without it"): it costs its picture,
    no more, and the PDF still has it."""
    for section in issue.sections:
        for item in section.items:
            svg = item.figure_svg_small or item.figure_svg
            if not svg:
                continue
            try:
                png, width, height = svg_to_png(svg, scale)
            except Exception as exc:  # a drawing the engine cannot lay out costs its picture, no more
                log.warning("the chart of %r cannot be drawn %s", item.headline,
                            where.format(f"{type(exc).__name__}: {exc}"))
                continue
            yield item, png, width, height
