"""PDF for leadership: one case's file, and a period's report with its charts. In memory only.

Both take the plain values of `flows.reports` and texts from the catalogs. They are CPU-bound
(tens to hundreds of milliseconds): call them from a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

from datetime import tzinfo
from io import BytesIO

from bot.i18n import label
from bot.reports.charts import statistics_chart_png
from bot.reports.document import Document
from bot.reports.text import category_name, day, number, size, status_name, t, when
from flows.lifecycle import CaseStatus
from flows.model import Direction
from flows.reports import (
    CaseFile,
    ClosedCase,
    DeadlineSummary,
    Overdue,
    PeriodReport,
    TimelineEntry,
)

_OUTCOME_LABEL = {CaseStatus.CONCLUDED: "report.label.conclusion",
                  CaseStatus.FORWARDED: "report.label.forwarded_to",
                  CaseStatus.NOT_ACTIONABLE: "report.label.reason"}
_ACTION = {"case.submitted": "report.action.submitted", "relay.to_reporter": "report.action.to_reporter",
           "relay.to_staff": "report.action.to_staff"}


# ---- the case file


def case_file_pdf(case: CaseFile, lang: str, institution_name: str) -> bytes:
    z = case.zone
    doc = Document(lang, institution_name, t(lang, "report.case.title", number=case.number),
                   case.generated_at)
    doc.add_page()
    doc.title_block(t(lang, "report.case.title", number=case.number),
                    t(lang, "report.generated", at=when(case.generated_at, z, lang, with_zone=True)))
    doc.heading(t(lang, "report.case.summary"))
    marks = [t(lang, f"report.overdue.{m.value}", days=_deadline_days(case, m))
             for m in case.overdue]
    doc.pairs([
        (t(lang, "report.label.number"), case.number),
        (t(lang, "field.category"), category_name(lang, case.category)),
        (t(lang, "report.label.status"), status_name(lang, case.status)),
        (t(lang, "report.label.created"), when(case.created_at, z, lang)),
        (t(lang, "report.label.acknowledged"), when(case.acknowledged_at, z, lang)),
        (t(lang, "report.label.closed"), when(case.closed_at, z, lang)),
        (t(lang, "report.label.sealed_contact"),
         t(lang, "word.yes" if case.has_sealed_contact else "word.no")),
        (t(lang, "report.label.overdue"), "; ".join(marks) or t(lang, "report.overdue.none")),
    ])

    doc.heading(t(lang, "report.case.answers"))
    for field, answer in case.answers:
        doc.subheading(t(lang, f"field.{field}"))
        doc.paragraph(answer or "–", indent=4)
        doc.ln(1)

    doc.heading(t(lang, "report.case.evidence"))
    for i, item in enumerate(case.evidence, start=1):
        kind = label(lang, f"report.kind.{item.kind}", item.kind)
        doc.subheading(t(lang, "report.evidence.item", index=i, kind=kind, size=size(item.size),
                         at=when(item.received_at, z, lang)), size=9.5)
        doc.paragraph(t(lang, "report.evidence.hash", hash=item.sha256), indent=4, size=8.5)
    if not case.evidence:
        doc.paragraph(t(lang, "report.none"))

    doc.heading(t(lang, "report.case.exchange"))
    for entry in case.exchange:
        key = ("report.exchange.to_reporter" if entry.direction is Direction.TO_REPORTER
               else "report.exchange.from_reporter")
        doc.subheading(t(lang, key, at=when(entry.at, z, lang)), size=9.5)
        doc.paragraph(entry.text, indent=4)
        doc.ln(1)
    if not case.exchange:
        doc.paragraph(t(lang, "report.none"))

    doc.heading(t(lang, "report.case.timeline"))
    widths = (32, 58, doc.epw - 90)
    for entry in case.timeline:
        doc.row([when(entry.at, z, lang), _who(entry, lang), _what(entry, lang)], widths, size=9)

    doc.heading(t(lang, "report.case.outcome"))
    outcome_key = _OUTCOME_LABEL.get(case.status, "report.label.conclusion")
    doc.subheading(t(lang, outcome_key))
    doc.paragraph(case.outcome or t(lang, "report.not_yet"), indent=4)
    doc.ln(1)
    doc.subheading(t(lang, "report.label.recommendation"))
    doc.paragraph(case.recommendation or t(lang, "report.not_yet"), indent=4)
    return doc.close_with_notes()


def _deadline_days(case: CaseFile, mark: Overdue) -> int:
    return (case.ack_deadline if mark is Overdue.ACK else case.feedback_deadline).days


def _who(entry: TimelineEntry, lang: str) -> str:
    if entry.who:
        return entry.who
    return t(lang, f"report.actor.{entry.actor.value}")


def _what(entry: TimelineEntry, lang: str) -> str:
    if entry.action == "case.moved" and entry.from_status and entry.to_status:
        return t(lang, "report.action.moved", from_status=status_name(lang, entry.from_status),
                 to_status=status_name(lang, entry.to_status))
    if entry.action == "case.taken":
        return (t(lang, "report.action.taken_from", other=entry.other) if entry.other
                else t(lang, "report.action.taken"))
    if entry.action == "case.handed_over":
        return (t(lang, "report.action.handed_to", other=entry.other) if entry.other
                else t(lang, "report.action.released"))
    key = _ACTION.get(entry.action)
    return t(lang, key) if key else entry.action


# ---- the period report


def period_report_pdf(report: PeriodReport, lang: str, institution_name: str) -> bytes:
    z = report.zone
    title = t(lang, "report.period.title", start=report.start.isoformat(), end=report.end.isoformat())
    doc = Document(lang, institution_name, title, report.generated_at)
    doc.add_page()
    at = when(report.generated_at, z, lang, with_zone=True)
    doc.title_block(title, t(lang, "report.generated", at=at), t(lang, "report.period.basis", at=at))

    doc.heading(t(lang, "report.period.counts"))
    counts = (doc.epw / 2, 25)
    doc.row([t(lang, "report.period.total"), str(report.total)], counts, bold=True, size=10)
    doc.ln(2)
    doc.subheading(t(lang, "report.period.by_status"))
    for status, count in report.by_status:
        doc.row([status_name(lang, status), str(count)], counts, size=9.5)
    doc.ln(2)
    doc.subheading(t(lang, "report.period.by_category"))
    for category, count in report.by_category:
        doc.row([category_name(lang, category), str(count)], counts, size=9.5)

    doc.heading(t(lang, "report.period.deadlines"))
    _deadline(doc, lang, t(lang, "report.period.ack", days=report.ack_deadline.days),
              report.acknowledgement())
    _deadline(doc, lang, t(lang, "report.period.close", days=report.feedback_deadline.days),
              report.closing())

    doc.add_page()
    doc.heading(t(lang, "report.period.charts"))
    image = BytesIO(statistics_chart_png(report, lang))
    doc.image(image, x=doc.l_margin, w=doc.epw)

    doc.add_page()
    doc.heading(f"{t(lang, 'report.period.overdue')} ({len(report.overdue)})")
    if report.overdue:
        widths = (30, 48, 42, 14, doc.epw - 134)
        doc.table([t(lang, f"report.col.{c}") for c in ("number", "category", "status", "age", "overdue")],
                  widths)
        for case in report.overdue:
            marks = ", ".join(t(lang, f"report.mark.{m.value}") for m in case.marks)
            doc.row([case.number, category_name(lang, case.category), status_name(lang, case.status),
                     str(case.age_days), marks], widths)
        doc.end_table()
    else:
        doc.paragraph(t(lang, "report.none"))

    # The lists of closed cases run long and wide: one line per case, on landscape pages.
    doc.add_page(orientation="L")
    doc.heading(f"{t(lang, 'report.period.forwarded')} ({len(report.forwarded)})")
    _closed(doc, lang, z, report.forwarded, ("authority",))
    doc.heading(f"{t(lang, 'report.period.concluded')} ({len(report.concluded)})")
    _closed(doc, lang, z, report.concluded, ("conclusion", "recommendation"))
    return doc.close_with_notes()


def _deadline(doc: Document, lang: str, heading: str, summary: DeadlineSummary) -> None:
    doc.subheading(heading)
    doc.paragraph(t(lang, "report.period.deadline_row", within=summary.within, late=summary.late,
                    pending=summary.pending, pending_late=summary.pending_late,
                    median=number(summary.median_days)), indent=4, size=9.5)
    doc.ln(1)


def _closed(doc: Document, lang: str, zone: tzinfo, cases: tuple[ClosedCase, ...],
            texts: tuple[str, ...]) -> None:
    """One line per case: number, category, day closed, then the authority, or the conclusion
    and the recommendation, each cut to fit."""
    if not cases:
        doc.paragraph(t(lang, "report.none"))
        return
    fixed = (30, 52, 22)
    widths = (*fixed, *[(doc.epw - sum(fixed)) / len(texts)] * len(texts))
    doc.table([t(lang, f"report.col.{c}") for c in ("number", "category", "closed", *texts)], widths)
    for case in cases:
        shown = (case.outcome, case.recommendation or "–")[: len(texts)]
        doc.row([case.number, category_name(lang, case.category), day(case.closed_at, zone, lang),
                 *shown], widths)
    doc.end_table()
