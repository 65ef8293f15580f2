"""An A4 report page set for fpdf2: bundled fonts, a header and footer on every page, headings,
wrapped paragraphs and one-line table rows. Every string drawn passes through `safe()`.

fpdf2's `cell` and `multi_cell` draw text as given (markdown off, no HTML): nothing a reporter
writes can become formatting, a link or an action in the PDF.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.reports.text import BOLD, REGULAR, REPLACEMENT, safe, t

# fpdf2 logs characters a font lacks: user text must never reach a log (safe() already replaces
# them; this keeps it so if a future fpdf2 logs something else about the text).
logging.getLogger("fpdf").setLevel(logging.ERROR)

SANS = "sans"
GREY = (90, 90, 90)
RULE = (200, 200, 200)
SHADE = (238, 241, 246)
LINE = 5.0  # mm per line of 10 pt text


class Document(FPDF):
    def __init__(self, language: str, institution: str, footer: str, made_at: datetime) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.language = language
        self.institution = safe(institution, one_line=True, limit=200)
        self.footer_text = safe(footer, one_line=True, limit=200)
        self.replaced = False
        self.table_head: tuple[Sequence[str], Sequence[float]] | None = None
        self._char_widths: dict[tuple[str, str, float], dict[str, float]] = {}
        # A random page-count alias: a reporter who writes fpdf2's default "{nb}" gets it back
        # as written, not replaced with the number of pages.
        self.pages_alias = "{" + secrets.token_hex(8) + "}"
        self.alias_nb_pages(self.pages_alias)
        self.add_font(SANS, "", str(REGULAR))
        self.add_font(SANS, "B", str(BOLD))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 18, 15)
        self.set_creator("Peluit")
        self.set_producer("Peluit")
        self.set_creation_date(made_at)  # the report's own time: same values, same bytes
        self.set_font(SANS, size=10)

    # ---- every page

    def header(self) -> None:
        self.set_font(SANS, "B", 8)
        self.set_text_color(*GREY)
        self.set_y(8)
        confidential = t(self.language, "report.confidential")
        right = self.get_string_width(confidential) + 2
        self.cell(self.epw - right, 5, self.fit(self.institution, self.epw - right - 4))
        self.cell(right, 5, confidential, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.set_y(self.t_margin)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        # Left-aligned: the page-count alias is replaced after layout, so right-aligning a text
        # that holds it would shift by the alias's width.
        self.set_y(-12)
        self.set_font(SANS, "", 8)
        self.set_text_color(*GREY)
        page = t(self.language, "report.page", page=self.page_no(), pages=self.pages_alias)
        self.cell(0, 5, self.fit(f"{page} · {self.footer_text}", self.epw))
        self.set_text_color(0, 0, 0)

    # ---- blocks

    def title_block(self, title: str, *lines: str) -> None:
        self.set_font(SANS, "B", 16)
        self.multi_cell(0, 8, safe(title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(SANS, "", 9)
        self.set_text_color(*GREY)
        for line in lines:
            self.multi_cell(0, 4.5, self.mark(safe(line)), align="L",
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(3)

    def heading(self, text: str) -> None:
        if self.will_page_break(LINE * 4):
            self.add_page(same=True)
        self.ln(2)
        self.set_font(SANS, "B", 12)
        self.set_fill_color(*SHADE)
        self.cell(0, 7, f" {safe(text, one_line=True)}", fill=True,
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        self.set_font(SANS, "", 10)

    def subheading(self, text: str, *, size: float = 10) -> None:
        if self.will_page_break(LINE * 2):
            self.add_page(same=True)
        self.set_font(SANS, "B", size)
        self.multi_cell(0, LINE, self.mark(safe(text)), align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(SANS, "", 10)

    def paragraph(self, text: str, *, indent: float = 0, size: float = 10, grey: bool = False,
                  ) -> None:
        """Any length: wrapped at word boundaries, long words broken, across as many pages as
        it takes."""
        self.set_font(SANS, "", size)
        if grey:
            self.set_text_color(*GREY)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, LINE * size / 10, self.mark(safe(text)) or " ",
                        align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def pairs(self, rows: Sequence[tuple[str, str]], *, label_width: float = 50) -> None:
        """Label: value rows; a long value wraps beside its label."""
        for name, value in rows:
            if self.will_page_break(LINE):
                self.add_page(same=True)
            self.set_font(SANS, "B", 10)
            self.cell(label_width, LINE, self.fit(safe(name, one_line=True), label_width - 2))
            self.set_font(SANS, "", 10)
            self.multi_cell(self.epw - label_width, LINE, self.mark(safe(value)) or " ",
                            align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(self, head: Sequence[str], widths: Sequence[float]) -> None:
        """Start a table: its head row now, and again at the top of every page it runs onto."""
        self.table_head = (head, widths)
        self.row(head, widths, bold=True)

    def end_table(self) -> None:
        self.table_head = None
        self.ln(1)

    def row(self, values: Sequence[str], widths: Sequence[float], *, bold: bool = False,
            size: float = 8.5) -> None:
        """One table row, one line high: each value cut with an ellipsis to fit its column."""
        height = LINE * size / 10 + 0.8
        if self.will_page_break(height):
            self.add_page(same=True)
            if self.table_head is not None and not bold:
                self.row(*self.table_head, bold=True)
        self.set_font(SANS, "B" if bold else "", size)
        self.set_fill_color(*SHADE)
        for value, width in zip(values, widths, strict=True):
            shown = self.fit(self.mark(safe(value, one_line=True, limit=400)), width - 1.5)
            self.cell(width, height, shown, fill=bold)
        self.ln(height)

    def note(self, text: str) -> None:
        self.paragraph(text, size=8.5, grey=True)

    def close_with_notes(self) -> bytes:
        if self.replaced:
            self.ln(2)
            self.note(t(self.language, "report.missing_glyphs"))
        return bytes(self.output())

    # ---- helpers

    def mark(self, shown: str) -> str:
        """Remember that a character had to be replaced (the notes at the end say so)."""
        if REPLACEMENT in shown:
            self.replaced = True
        return shown

    def fit(self, text: str, width: float) -> str:
        """`text` cut (with an ellipsis) to fit `width` mm in the current font. Without text
        shaping fpdf2 adds glyph widths (no kerning), so one pass over cached widths will do."""
        widths = self._char_widths.setdefault((self.font_family, self.font_style, self.font_size_pt), {})
        total, ellipsis = 0.0, self._char_width(widths, "…")
        cut = None
        for i, char in enumerate(text):
            total += self._char_width(widths, char)
            if cut is None and total + ellipsis > width:
                cut = i
            if total > width:
                return text[:cut].rstrip() + "…"
        return text

    def _char_width(self, widths: dict[str, float], char: str) -> float:
        if char not in widths:
            widths[char] = self.get_string_width(char)
        return widths[char]
