"""Text for reports: catalog labels, dates and sizes, and user text made safe to draw.

A report is attacker input: answers, questions, conclusions can hold any Unicode. `safe()` turns
it into text the bundled font can draw: line breaks normalised, control characters, surrogates and
characters the font lacks shown as U+FFFD, invisible format characters the font lacks and bidi
overrides dropped (they could make a PDF line read differently from what was written). Nothing is
ever interpreted as markup: the renderers draw text, they never parse it.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

from bot.i18n import label, text

FONTS = Path(__file__).parent / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
REPLACEMENT = "\ufffd"
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_INVISIBLE = frozenset({"Cf", "Mn", "Me"})
_UNDRAWABLE = frozenset({"Cc", "Cs", "Co", "Cn"})


@cache
def _drawable() -> frozenset[int]:
    """Code points both bundled fonts have a glyph for."""
    from fontTools.ttLib import TTFont  # reports are rare: load on first use

    regular = TTFont(REGULAR, lazy=True).getBestCmap()
    bold = TTFont(BOLD, lazy=True).getBestCmap()
    return frozenset(regular) & frozenset(bold)


def safe(value: str, *, one_line: bool = False, limit: int | None = None) -> str:
    """`value` as the fonts can draw it (see the module's docstring). `one_line` folds line
    breaks into spaces; `limit` cuts the input first (for lines that are cut to fit anyway)."""
    value = value[:limit] if limit is not None else value
    if value.isascii() and value.isprintable():
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    value = unicodedata.normalize("NFC", value)
    drawable = _drawable()
    out: list[str] = []
    for char in value:
        if char == "\n":
            out.append(" " if one_line else "\n")
        elif char in _BIDI_CONTROLS:
            continue
        elif unicodedata.category(char) in _UNDRAWABLE:
            out.append(REPLACEMENT)
        elif ord(char) not in drawable:
            if unicodedata.category(char) not in _INVISIBLE:
                out.append(REPLACEMENT)
        else:
            out.append(char)
    return "".join(out)


def t(language: str, key: str, **params: object) -> str:
    """A plain-text catalog entry with its placeholders filled (values are drawn, not parsed)."""
    template = text(language, key)
    return template.format_map({k: str(v) for k, v in params.items()}) if params else template


def status_name(language: str, status: str) -> str:
    return t(language, f"state.{status}")


def category_name(language: str, category: str) -> str:
    """Categories are configuration: a category without a catalog entry shows its code."""
    return safe(label(language, f"category.{category}", category), one_line=True)


def when(moment: datetime | None, zone: tzinfo, language: str, *, with_zone: bool = False) -> str:
    if moment is None:
        return t(language, "report.not_yet")
    local = moment.astimezone(zone)
    shown = local.strftime("%Y-%m-%d %H:%M")
    return f"{shown} {local.tzname() or ''}".rstrip() if with_zone else shown


def day(moment: datetime | None, zone: tzinfo, language: str) -> str:
    return moment.astimezone(zone).date().isoformat() if moment else t(language, "report.not_yet")


def size(n_bytes: int) -> str:
    """Human size, with the exact byte count (evidence sizes are checked against copies)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n_bytes >= factor:
            return f"{n_bytes / factor:.1f} {unit} ({n_bytes} B)"
    return f"{n_bytes} B"


def number(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"
