"""The period's figures as CSV, for the institution's own reporting: counts only, never a case's
content (no numbers, no conclusions, no names)."""

from __future__ import annotations

import csv
import io

from flows.reports import DeadlineSummary, PeriodReport

HEADER = ("metric", "key", "value")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def period_csv(report: PeriodReport) -> str:
    """Rows of (metric, key, value); status and category keys are codes, not translations."""
    rows: list[tuple[str, str, object]] = [
        ("period", "start", report.start.isoformat()),
        ("period", "end", report.end.isoformat()),
        ("period", "generated_at", report.generated_at.isoformat(timespec="seconds")),
        ("deadline_days", "ack", report.ack_deadline.days),
        ("deadline_days", "feedback", report.feedback_deadline.days),
        ("total", "", report.total),
        *(("status", status.value, n) for status, n in report.by_status),
        *(("category", category, n) for category, n in report.by_category),
        *(("week", week, n) for week, n in report.new_per_week),
        *_deadline_rows("ack", report.acknowledgement()),
        *_deadline_rows("close", report.closing()),
        ("overdue", "ack", sum("ack" in c.marks for c in report.overdue)),
        ("overdue", "feedback", sum("feedback" in c.marks for c in report.overdue)),
        ("forwarded", "", len(report.forwarded)),
        ("concluded", "", len(report.concluded)),
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows((metric, _cell(key), value) for metric, key, value in rows)
    return out.getvalue()


def _deadline_rows(metric: str, summary: DeadlineSummary) -> list[tuple[str, str, object]]:
    median = "" if summary.median_days is None else f"{summary.median_days:.2f}"
    return [(metric, "within", summary.within), (metric, "late", summary.late),
            (metric, "pending", summary.pending), (metric, "pending_late", summary.pending_late),
            (metric, "median_days", median)]


def _cell(value: str) -> str:
    """Category codes come from configuration; a spreadsheet must still never run one."""
    return f"'{value}" if value.startswith(_FORMULA) else value
