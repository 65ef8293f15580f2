"""The statistics picture: cases by status and by category, new cases per week, days to
acknowledgement and to closing against the deadlines, and the figures as text beside them.

Drawn with Pillow (already a dependency): bar charts need no plotting library, and Pillow writes
no font cache and interprets no text. Every number on a bar is drawn next to it; the layout
functions are public so tests can find the bars and read their lengths back from the pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from bot.reports.text import BOLD, REGULAR, category_name, number, safe, status_name, t
from flows.reports import DeadlineSummary, PeriodReport

WIDTH, HEIGHT = 1600, 1400
BAR = (46, 110, 178)
WITHIN = (64, 150, 96)
LATE = (204, 74, 58)
INK = (33, 33, 33)
GREY = (110, 110, 110)
GRID = (222, 222, 222)
WHITE = (255, 255, 255)
VALUE_SIZE = 18
VALUE_GAP = 8
LABEL_WIDTH = 300
TITLE_HEIGHT = 44

Box = tuple[int, int, int, int]
"""left, top, right, bottom"""


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size,
                              layout_engine=ImageFont.Layout.BASIC)


@dataclass(frozen=True)
class HBar:
    label: str
    value: int
    y: int
    """Centre line of the bar."""
    x0: int
    length: int
    thickness: int
    label_size: int


def hbar_layout(box: Box, labels: Sequence[str], values: Sequence[int]) -> list[HBar]:
    """Where each horizontal bar goes in a panel: the longest bar spans the room left after the
    labels and the widest number."""
    left, top, right, bottom = box
    top += TITLE_HEIGHT
    row = max(14, min(46, (bottom - top) // max(len(values), 1)))
    x0 = left + LABEL_WIDTH
    full = right - x0 - VALUE_GAP - int(font(VALUE_SIZE).getlength(str(max(values, default=0)))) - 4
    peak = max(max(values, default=0), 1)
    return [HBar(label, value, top + row * i + row // 2, x0, round(full * value / peak),
                 max(6, int(row * 0.62)), max(11, min(19, row - 10)))
            for i, (label, value) in enumerate(zip(labels, values, strict=True))]


def _title(draw: ImageDraw.ImageDraw, box: Box, title: str) -> None:
    draw.text((box[0], box[1]), safe(title, one_line=True), font=font(22, bold=True), fill=INK)


def _fit(text: str, size: int, width: float) -> str:
    text = safe(text, one_line=True, limit=200)
    if font(size).getlength(text) <= width:
        return text
    while text and font(size).getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def draw_hbars(draw: ImageDraw.ImageDraw, box: Box, title: str, labels: Sequence[str],
               values: Sequence[int]) -> None:
    _title(draw, box, title)
    for bar in hbar_layout(box, labels, values):
        name = _fit(bar.label, bar.label_size, LABEL_WIDTH - 12)
        draw.text((box[0], bar.y), name, font=font(bar.label_size), fill=INK, anchor="lm")
        if bar.length:
            half = bar.thickness // 2
            draw.rectangle((bar.x0, bar.y - half, bar.x0 + bar.length - 1, bar.y + half), fill=BAR)
        draw.text((bar.x0 + bar.length + VALUE_GAP, bar.y), str(bar.value), font=font(VALUE_SIZE),
                  fill=INK, anchor="lm")


def draw_columns(draw: ImageDraw.ImageDraw, box: Box, title: str, labels: Sequence[str],
                 values: Sequence[int], colours: Sequence[tuple[int, int, int]] | None = None,
                 marker: tuple[float, str] | None = None) -> None:
    """Vertical bars with their numbers above; `marker` (position in columns, text) draws a
    dashed deadline line."""
    _title(draw, box, title)
    left, top, right, bottom = box
    top, base = top + TITLE_HEIGHT + 26, bottom - 30
    n = max(len(values), 1)
    step = (right - left) / n
    peak = max(max(values, default=0), 1)
    small = font(15)
    every = max(1, math.ceil(max((small.getlength(x) for x in labels), default=0) / (step - 6)))
    numbers = small.getlength(str(peak)) <= step - 2  # all of them, or none where they would crowd
    draw.line((left, base, right, base), fill=GREY, width=1)
    if marker is not None:
        x = left + step * marker[0]
        for y in range(top - 20, base, 12):
            draw.line((x, y, x, min(y + 6, base)), fill=LATE, width=2)
        draw.text((x + 6, top - 20), marker[1], font=small, fill=LATE, anchor="la")
    for i, value in enumerate(values):
        x0, x1 = left + step * i + step * 0.12, left + step * (i + 1) - step * 0.12
        height = round((base - top) * value / peak)
        if height:
            draw.rectangle((x0, base - height, x1, base - 1), fill=(colours or [BAR] * n)[i])
        centre = (x0 + x1) / 2
        if numbers:
            draw.text((centre, base - height - 4), str(value), font=small, fill=INK, anchor="md")
        if i % every == 0:
            draw.text((centre, base + 6), labels[i], font=small, fill=GREY, anchor="ma")


def bin_width(deadline_days: int) -> int:
    """The widest whole number of days that divides the deadline into at least six bins, so that
    no bin holds both cases on time and cases late."""
    most = max(1, math.ceil(deadline_days / 6))
    return max(d for d in range(1, most + 1) if deadline_days % d == 0) if deadline_days else 1


def histogram(days: Sequence[float], deadline_days: int) -> tuple[list[str], list[int], int]:
    """Counts per bin of days up to twice the deadline, one open bin after it, and how many bins
    lie within the deadline."""
    width = bin_width(deadline_days)
    within = deadline_days // width
    bins = 2 * within
    counts = [0] * (bins + 1)
    for d in days:
        counts[min(int(d // width), bins)] += 1
    labels = [str(i * width) for i in range(bins)] + [f"≥{bins * width}"]
    return labels, counts, within


def _deadline_panel(draw: ImageDraw.ImageDraw, box: Box, title: str, days: Sequence[float],
                    deadline_days: int, language: str) -> None:
    labels, counts, within = histogram(days, deadline_days)
    colours = [WITHIN if i < within else LATE for i in range(len(counts))]
    label = t(language, "report.chart.deadline", days=deadline_days)
    marker = (deadline_days / bin_width(deadline_days), label)
    draw_columns(draw, box, title, labels, counts, colours, marker)


def _figures(draw: ImageDraw.ImageDraw, box: Box, report: PeriodReport, language: str) -> None:
    _title(draw, box, t(language, "report.chart.figures"))
    lines: list[tuple[str, bool]] = [(t(language, "report.chart.total", count=report.total), True)]
    for key, days, summary in (("report.period.ack", report.ack_deadline.days, report.acknowledgement()),
                               ("report.period.close", report.feedback_deadline.days, report.closing())):
        lines += [(t(language, key, days=days), True), *_summary_lines(summary, language)]
    lines += [(t(language, "report.chart.overdue", count=len(report.overdue)), False),
              (t(language, "report.chart.forwarded", count=len(report.forwarded)), False),
              (t(language, "report.chart.concluded", count=len(report.concluded)), False)]
    y = box[1] + TITLE_HEIGHT
    for text, bold in lines:
        draw.text((box[0], y), _fit(text, 19, box[2] - box[0]), font=font(19, bold), fill=INK)
        y += 27 if bold else 25


def _summary_lines(summary: DeadlineSummary, language: str) -> list[tuple[str, bool]]:
    return [("   " + t(language, "report.chart.on_time", count=summary.within), False),
            ("   " + t(language, "report.chart.late", count=summary.late), False),
            ("   " + t(language, "report.chart.pending", count=summary.pending + summary.pending_late,
                       late=summary.pending_late), False),
            ("   " + t(language, "report.chart.median", days=number(summary.median_days)), False)]


def statistics_chart_png(report: PeriodReport, lang: str) -> bytes:
    """The whole picture, WIDTH × HEIGHT, as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)
    title = t(lang, "report.chart.title", start=report.start.isoformat(), end=report.end.isoformat())
    draw.text((30, 22), safe(title, one_line=True), font=font(34, bold=True), fill=INK)
    generated = report.generated_at.astimezone(report.zone).strftime("%Y-%m-%d %H:%M %Z").strip()
    draw.text((30, 66), t(lang, "report.generated", at=generated), font=font(18), fill=GREY)
    draw.line((30, 100, WIDTH - 30, 100), fill=GRID, width=2)
    draw_hbars(draw, STATUS_BOX, t(lang, "report.chart.by_status"),
               [status_name(lang, s) for s, _ in report.by_status], [n for _, n in report.by_status])
    draw_hbars(draw, CATEGORY_BOX, t(lang, "report.chart.by_category"),
               [category_name(lang, c) for c, _ in report.by_category],
               [n for _, n in report.by_category])
    draw_columns(draw, WEEK_BOX, t(lang, "report.chart.per_week"),
                 [w.split("-")[1] for w, _ in report.new_per_week], [n for _, n in report.new_per_week])
    _figures(draw, FIGURES_BOX, report, lang)
    _deadline_panel(draw, ACK_BOX, t(lang, "report.chart.ack"),
                    [x.days_to_ack for x in report.timings if x.days_to_ack is not None],
                    report.ack_deadline.days, lang)
    _deadline_panel(draw, CLOSE_BOX, t(lang, "report.chart.close"),
                    [x.days_to_close for x in report.timings if x.days_to_close is not None],
                    report.feedback_deadline.days, lang)
    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


STATUS_BOX: Box = (30, 120, 780, 520)
CATEGORY_BOX: Box = (820, 120, 1570, 520)
WEEK_BOX: Box = (30, 560, 1050, 950)
FIGURES_BOX: Box = (1090, 560, 1570, 950)
ACK_BOX: Box = (30, 990, 780, 1370)
CLOSE_BOX: Box = (820, 990, 1570, 1370)
