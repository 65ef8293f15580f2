"""Reports from the records: what `/berkas`, `/statistik`, `/laporan` and `peluit report` read,
through the ports (a unit of work), and turn into the values of `flows.reports`.

Also the periods staff name: `/statistik 2026-11` (a month), `/statistik 30` (the last 30 days),
`2026-Q4` (a quarter), `2026` (a year), nothing (this month so far).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo

from flows.model import AuditEvent
from flows.policy import Policy
from flows.ports import AllGroups, UnitOfWork
from flows.reports import (
    CaseFile,
    EvidenceEntry,
    PeriodReport,
    build_case_file,
    build_period_report,
    period_bounds,
)

MAX_DAYS = 3660
"""The longest period a report covers (about ten years)."""


_ZONE_NAMES = {7: "WIB", 8: "WITA", 9: "WIT"}


def zone_of(policy: Policy) -> tzinfo:
    """The institution's time zone, named as Indonesia names it (WIB, WITA, WIT)."""
    hours = policy.utc_offset / timedelta(hours=1)
    name = _ZONE_NAMES.get(int(hours)) if hours == int(hours) else None
    return timezone(policy.utc_offset, name) if name else timezone(policy.utc_offset)


def staff_display_name(actor: str, names: Mapping[str, str] | None = None) -> str | None:
    """How a staff member is named in a case file's timeline: their name in the staff directory
    (`names`, by audit pseudonym: as Telegram showed it when they last took or handed over a
    case) when it is known, else the label of their audit pseudonym ("Petugas 7f3a91"), the same
    for every move they made and meaningless outside. None: not a staff pseudonym."""
    kind, _, token = actor.partition(":")
    if kind != "staff" or not token:
        return None
    return (names or {}).get(actor) or f"Petugas {token[:6]}"


def named_actors(events: Sequence[AuditEvent]) -> list[str]:
    """Every staff pseudonym the events name: who acted, and whom a case was taken from or
    handed to (`case.taken` "from:<actor>", `case.handed_over` "<before>-><after>")."""
    found = {e.actor for e in events}
    for event in events:
        if event.action == "case.taken":
            found.add(event.detail.removeprefix("from:"))
        elif event.action == "case.handed_over":
            found.update(event.detail.split("->", 1))
    return sorted(a for a in found if a.startswith("staff:"))


async def case_file(uow: UnitOfWork, case_id: str, policy: Policy, now: datetime) -> CaseFile | None:
    """One case's file as the records hold it now; None when the case is gone. Reads only the
    case's own content, messages, evidence metadata (hashed, never its file name or caption),
    audit events and the directory names of the staff in them: nothing about the reporter's chat
    or ticket."""
    case = await uow.cases.get(case_id)
    if case is None:
        return None
    messages = await uow.cases.messages(case.id)
    events = await uow.audit.for_case(case.number)
    names = await uow.staff.names(named_actors(events))
    evidence = [EvidenceEntry.of(file, at) for file, at in await uow.evidence.received(case.id)]
    return build_case_file(case, messages, events, evidence, policy=policy, now=now,
                           display_name=lambda actor: staff_display_name(actor, names),
                           recommendation=case.recommendation, zone=zone_of(policy))


async def period_report(uow: UnitOfWork, policy: Policy, start: date, end: date,
                        now: datetime, group: int | AllGroups | None = None) -> PeriodReport:
    """The period's report over the cases of staff group `group` (None: the main group;
    `ALL_GROUPS`: every group, for the operator)."""
    zone = zone_of(policy)
    first, after = period_bounds(start, end, zone)
    cases = await uow.cases.for_period(first, after, now, group)
    recommendations = {c.id: c.recommendation for c in cases if c.recommendation}
    return build_period_report(cases, policy, start, end, now, zone=zone,
                               recommendations=recommendations)


# ---- periods


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    """Inclusive."""


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_DAYS = re.compile(r"^(\d{1,4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.|/|_)(\d{4}-\d{2}-\d{2})$")


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str | None, today: date) -> Period | None:
    """The period a staff member named, or None when the words name none (the caller shows the
    usage). A period never ends after `today`; one that starts after it is no period."""
    words = (text or "").strip()
    period: Period | None = None
    try:
        if not words:
            period = Period(today.replace(day=1), today)
        elif found := _RANGE.match(words):
            period = Period(date.fromisoformat(found[1]), date.fromisoformat(found[2]))
        elif found := _MONTH.match(words):
            year, month = int(found[1]), int(found[2])
            period = Period(date(year, month, 1), _month_end(year, month))
        elif found := _QUARTER.match(words):
            year, quarter = int(found[1]), int(found[2])
            period = Period(date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
        elif (found := _DAYS.match(words)) and not _YEAR.match(words):
            days = int(found[1])
            if not 1 <= days <= MAX_DAYS:
                return None
            period = Period(today - timedelta(days=days - 1), today)
        elif found := _YEAR.match(words):
            year = int(found[1])
            period = Period(date(year, 1, 1), date(year, 12, 31))
    except ValueError:  # 2026-13, 2026-02-30, year 0
        return None
    if period is None or period.start > today or period.end < period.start:
        return None
    end = min(period.end, today)
    if (end - period.start).days >= MAX_DAYS:
        return None
    return Period(period.start, end)
