"""The losses chart: daily personnel losses over the last weeks and small panels for other categories, as SVG.

In: :class:`ChartDay` values (numbers only) and labels. Out: one self-contained ``<svg>`` element — no external
reference, no script, no style sheet, every text escaped — sized by its viewBox to the page's width.
Days without figures get no bar; a change covering several days (missing reports before it) is drawn lighter.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from xml.sax.saxutils import escape

from briefing_plugins._losses_figures import ChartDay, fmt_date

WIDTH = 680
# The two layouts: the page's (and the PDF's), and a phone's, where the drawing is shown at about its own size.
WIDE = {"width": WIDTH, "left": 58, "right": 46, "heading": 14, "heading_wrap": 200, "main_h": 150, "label": 10.5,
        "every": 5, "small_h": 70, "small_label": 9.5, "small_every": 14, "caption": 9.5, "caption_wrap": 118}
NARROW = {"width": 360, "left": 46, "right": 44, "heading": 13.5, "heading_wrap": 40, "main_h": 130, "label": 11.5,
          "every": 7, "small_h": 54, "small_label": 11, "small_every": 10, "caption": 10.5, "caption_wrap": 56}
FONT = "DejaVu Sans, Arial, sans-serif"
INK = "#1b1b1b"
GRID = "#d9d2d2"
MAIN = "#7a1f1f"
MAIN_LIGHT = "#d4a9a9"
SMALL = "#3d5a6c"
SMALL_LIGHT = "#adc0cb"
MUTED = "#6b6b6b"


def _attr(value) -> str:
    return escape(str(value), {'"': "&quot;"})


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def nice_step(span: float, ticks: int = 4) -> int:
    """A round tick step (1, 2, 2.5, 5 × 10^n, whole numbers) giving about ``ticks`` intervals."""
    if span <= 0:
        return 1
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return max(1, int(round(m * power)))
    return max(1, int(10 * power))


class Svg:
    def __init__(self):
        self.parts: list[str] = []

    def add(self, tag: str, text: str | None = None, **attrs) -> None:
        attributes = " ".join(f'{k.rstrip("_").replace("_", "-")}="{_attr(v)}"' for k, v in attrs.items())
        if text is None:
            self.parts.append(f"<{tag} {attributes}/>")
        else:
            self.parts.append(f"<{tag} {attributes}>{escape(text)}</{tag}>")

    def text(self, x, y, s, size=11, anchor="start", weight="normal", fill=INK) -> None:
        self.add("text", s, x=_num(x), y=_num(y), font_size=size, text_anchor=anchor, font_weight=weight,
                 fill=fill, font_family=FONT)


def _panel(svg: Svg, days: list[ChartDay], key: str, x0: float, y0: float, w: float, h: float, *,
           color: str, light: str, title: str, size: float, ticks: int) -> None:
    """One bar chart: title above, bars for each day, y grid with labels on the left, value of the last day."""
    values = [d.values.get(key) for d in days]
    known = [v for v in values if v is not None]
    svg.text(x0, y0 - 8, title, size=size + 1.5, weight="bold")
    top = max(known + [1])
    bottom = min(known + [0])
    step = nice_step(top - bottom, ticks)
    hi = step * math.ceil(top / step)
    lo = step * math.floor(bottom / step) if bottom < 0 else 0
    scale = h / (hi - lo) if hi > lo else 1

    def y(v: float) -> float:
        return y0 + (hi - v) * scale

    tick = lo
    while tick <= hi + 1e-9:
        svg.add("line", x1=_num(x0), x2=_num(x0 + w), y1=_num(y(tick)), y2=_num(y(tick)),
                stroke=INK if tick == 0 else GRID, stroke_width="0.8" if tick == 0 else "0.6")
        svg.text(x0 - 4, y(tick) + size * 0.35, f"{tick:,}", size=size, anchor="end", fill=MUTED)
        tick += step
    slot = w / len(days)
    bar = max(1.0, slot * 0.72)
    for i, (d, v) in enumerate(zip(days, values)):
        if v is None:
            continue
        x = x0 + i * slot + (slot - bar) / 2
        top_y, bottom_y = (y(v), y(0)) if v >= 0 else (y(0), y(v))
        svg.add("rect", x=_num(x), y=_num(top_y), width=_num(bar), height=_num(max(bottom_y - top_y, 0.6)),
                fill=light if d.span > 1 else color)
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        i, v = last
        svg.text(x0 + w + 3, y(v) + size * 0.35, f"{v:+,}".replace("-", "\u2212"), size=size, weight="bold",
                 fill=color)


def _date_axis(svg: Svg, days: list[ChartDay], x0: float, y: float, w: float, size: float, every: int) -> None:
    slot = w / len(days)
    for i, d in enumerate(days):
        if (len(days) - 1 - i) % every:
            continue
        label = f"{d.date:%b} {d.date.day}"
        svg.text(x0 + i * slot + slot / 2, y, label, size=size, anchor="middle", fill=MUTED)


def losses_chart(days: list[ChartDay], small: list[tuple[str, str]], *, personnel_label: str = "Soldiers killed",
                 end: dt.date | None = None, narrow: bool = False) -> str:
    """The SVG: personnel per day on top, one small panel per (key, title) in ``small`` below.

    ``narrow`` lays the same drawing out for a phone (360 units wide, shown at about its own size there): the
    small panels one under another, fewer date labels, the texts wrapped, so that no label is smaller than
    10 px on a 390 px screen. The default layout (680 wide) is the page's and the PDF's.
    """
    end = end or days[-1].date
    layout = NARROW if narrow else WIDE
    width = layout["width"]
    svg = Svg()
    left, right = layout["left"], layout["right"]
    main_w = width - left - right
    heading = f"Russian losses per day, the {len(days)} days to {fmt_date(end)}"
    heading_lines = textwrap.wrap(heading, layout["heading_wrap"])
    for n, line in enumerate(heading_lines):
        svg.text(0, 16 + n * 18, line, size=layout["heading"], weight="bold")
    main_top = 56 + (len(heading_lines) - 1) * 18
    main_h = layout["main_h"]
    _panel(svg, days, "personnel", left, main_top, main_w, main_h, color=MAIN, light=MAIN_LIGHT,
           title=f"{personnel_label} per day", size=layout["label"], ticks=4)
    _date_axis(svg, days, left, main_top + main_h + 14, main_w, layout["label"] - 0.5, every=layout["every"])

    y0 = main_top + main_h + 58
    small_h = layout["small_h"]
    bottom = main_top + main_h + 34
    if small and narrow:  # one under another, each as wide as the main panel
        for key, title in small:
            _panel(svg, days, key, left, y0, main_w, small_h, color=SMALL, light=SMALL_LIGHT, title=title,
                   size=layout["small_label"], ticks=2)
            _date_axis(svg, days, left, y0 + small_h + 13, main_w, layout["small_label"] - 0.5,
                       every=layout["small_every"])
            bottom = y0 + small_h + 34
            y0 += small_h + 54
    elif small:
        gap = 44
        pw = (width - left - right - gap * (len(small) - 1)) / len(small)
        for n, (key, title) in enumerate(small):
            x0 = left + n * (pw + gap)
            _panel(svg, days, key, x0, y0, pw, small_h, color=SMALL, light=SMALL_LIGHT, title=title,
                   size=layout["small_label"], ticks=2)
            _date_axis(svg, days, x0, y0 + small_h + 13, pw, layout["small_label"], every=layout["small_every"])
        bottom = y0 + small_h + 34
    missing = sum(1 for d in days if d.span == 0)
    multi = sum(1 for d in days if d.span > 1)
    caption = "Daily change in the General Staff's running totals; the last day's value is labelled."
    if multi:
        caption += " Lighter bars: a change over several days (no figures for the days before)."
    if missing:
        caption += f" No bar: no change known ({missing} days)."
    step = layout["caption"] + 3.5
    lines = textwrap.wrap(caption, layout["caption_wrap"])
    for n, line in enumerate(lines):
        svg.text(0, bottom + n * step, line, size=layout["caption"], fill=MUTED)
    height = bottom + (len(lines) - 1) * step + 8
    title = f"Russian losses per day, {len(days)} days to {end.isoformat()}"
    desc = "; ".join(f"{d.date.isoformat()}: {d.values.get('personnel')}" for d in days
                     if d.values.get("personnel") is not None)
    return (f'<svg viewBox="0 0 {width} {_num(height)}" width="{width}" height="{_num(height)}" role="img" '
            f'aria-label="{_attr(title)}"><title>{escape(title)}</title><desc>{escape("Personnel per day: " + desc)}'
            f"</desc>" + "".join(svg.parts) + "</svg>")
