"""Reports made from the database, in memory: what the sender posts for `SendReport` and what
`peluit report` writes for the operator. The records are read through the ports
(`flows.report_sources`) in one unit of work; the rendering runs in a worker thread. Nothing is
written to disk here: the bytes go to Telegram (or to the file the operator named).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.reports.charts import statistics_chart_png
from bot.reports.csv import period_csv
from bot.reports.pdf import case_file_pdf, period_report_pdf
from bot.reports.text import category_name, number, status_name, t
from flows import report_sources
from flows.policy import Policy
from flows.ports import AllGroups
from flows.reports import CaseFile, PeriodReport
from storage.uow import Database

CAPTION_LIMIT = 1024
"""Telegram's caption limit (characters)."""

REPORT_INSTITUTION = "Whistleblowing System"
"""On a case file and a period report when PELUIT_INSTITUTION_NAME is empty."""


@dataclass(frozen=True)
class Made:
    data: bytes
    file_name: str
    caption: str


def statistics_caption(report: PeriodReport, lang: str) -> str:
    """The counts of the chart as plain text (no markup: a caption is never parsed)."""
    lines = [t(lang, "report.chart.title", start=report.start.isoformat(),
               end=report.end.isoformat()),
             t(lang, "report.chart.total", count=report.total), ""]
    lines += [f"{status_name(lang, s.value)}: {n}" for s, n in report.by_status]
    lines.append("")
    lines += [f"{category_name(lang, c)}: {n}" for c, n in report.by_category if n]
    ack, close = report.acknowledgement(), report.closing()
    lines += ["", t(lang, "report.caption.deadline", what=t(lang, "report.chart.ack"),
                    days=report.ack_deadline.days, within=ack.within, late=ack.late,
                    pending=ack.pending + ack.pending_late, median=number(ack.median_days)),
              t(lang, "report.caption.deadline", what=t(lang, "report.chart.close"),
                days=report.feedback_deadline.days, within=close.within, late=close.late,
                pending=close.pending + close.pending_late, median=number(close.median_days)),
              t(lang, "report.chart.overdue", count=len(report.overdue))]
    text = "\n".join(lines)
    return text if len(text) <= CAPTION_LIMIT else text[: CAPTION_LIMIT - 1] + "…"


class ReportMaker:
    """Makes reports from the database. `clock`: the bot's clock (the same one the message bus
    uses), so "now" in a report is the bot's now; the wall clock when none is given."""

    def __init__(self, db: Database, policy: Policy,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.db, self.policy = db, policy
        self._clock = clock or (lambda: datetime.now(UTC))

    def _now(self) -> datetime:
        return self._clock()

    async def case_file_model(self, case_id: str, now: datetime | None = None) -> CaseFile | None:
        async with self.db.uow() as uow:
            return await report_sources.case_file(uow, case_id, self.policy, now or self._now())

    async def period_model(self, start: date, end: date, now: datetime | None = None,
                           group: int | AllGroups | None = None) -> PeriodReport:
        """The counts of staff group `group` (None: the main group; `ALL_GROUPS`: every one)."""
        async with self.db.uow() as uow:
            return await report_sources.period_report(uow, self.policy, start, end,
                                                       now or self._now(), group)

    async def case_file(self, case_id: str, lang: str) -> Made | None:
        """The case file as PDF; None when the case is gone."""
        model = await self.case_file_model(case_id)
        if model is None:
            return None
        data = await asyncio.to_thread(case_file_pdf, model, lang,
                                       self.policy.institution_name or REPORT_INSTITUTION)
        return Made(data, f"berkas-{model.number}.pdf",
                    t(lang, "report.caption.case_file", number=model.number))

    async def statistics(self, start: date, end: date, lang: str,
                         group: int | AllGroups | None = None) -> Made:
        model = await self.period_model(start, end, group=group)
        data = await asyncio.to_thread(statistics_chart_png, model, lang)
        return Made(data, f"statistik-{start.isoformat()}-{end.isoformat()}.png",
                    statistics_caption(model, lang))

    async def period(self, start: date, end: date, lang: str,
                     group: int | AllGroups | None = None) -> Made:
        model = await self.period_model(start, end, group=group)
        data = await asyncio.to_thread(period_report_pdf, model, lang,
                                       self.policy.institution_name or REPORT_INSTITUTION)
        return Made(data, f"laporan-wbs-{start.isoformat()}-{end.isoformat()}.pdf",
                    t(lang, "report.caption.period", start=start.isoformat(),
                      end=end.isoformat(), total=model.total))

    async def period_csv(self, start: date, end: date,
                         group: int | AllGroups | None = None) -> str:
        model = await self.period_model(start, end, group=group)
        return period_csv(model)
