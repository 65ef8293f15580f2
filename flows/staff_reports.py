"""Staff asking for reports: `/berkas` (a case's file), `/statistik [period]` (the chart) and
`/laporan <period>` (the PDF for leadership).

Each answers with a `SendReport`: the report is made from the records when it is sent, in
memory, and posted into the staff group with protected content. A case file goes into the
case's topic. Making a case file or a period report is written to the audit log (who, which
case or period), never what the report says.
"""

from __future__ import annotations

from datetime import datetime

from flows.casework import find_case
from flows.commands import CaseRef
from flows.context import Context
from flows.intents import Intent, Say, SendReport, ToStaff
from flows.report_sources import Period, parse_period, zone_of


def _today(ctx: Context) -> datetime:
    return ctx.now.astimezone(zone_of(ctx.policy))


def _period(ctx: Context, words: str) -> Period | None:
    return parse_period(words, _today(ctx).date())


async def statistics(ctx: Context, words: str, reply_in: ToStaff) -> list[Intent]:
    """The chart of a period (this month when none is named), the counts as its caption."""
    lang = ctx.policy.staff_language
    period = _period(ctx, words)
    if period is None:
        return [Say(reply_in, "staff.usage_statistik", lang=lang)]
    return [SendReport(reply_in, "statistics", start=period.start, end=period.end, lang=lang)]


async def case_file(ctx: Context, ref: CaseRef, user_id: int) -> list[Intent]:
    """The case file, posted into the case's topic (wherever it was asked for)."""
    case = await find_case(ctx, ref)
    await ctx.uow.audit.record(ctx.uow.actor_token("staff", user_id), "case.file_made",
                               case.number)
    return [SendReport(ToStaff(case.id), "case_file", case_id=case.id,
                       lang=ctx.policy.staff_language)]


async def period_report(ctx: Context, words: str, user_id: int, reply_in: ToStaff) -> list[Intent]:
    """The period report for leadership; the period must be named."""
    lang = ctx.policy.staff_language
    period = _period(ctx, words) if words.strip() else None
    if period is None:
        return [Say(reply_in, "staff.usage_laporan", lang=lang)]
    await ctx.uow.audit.record(ctx.uow.actor_token("staff", user_id), "report.period_made",
                               None, f"{period.start.isoformat()}..{period.end.isoformat()}")
    return [SendReport(reply_in, "period", start=period.start, end=period.end, lang=lang)]
