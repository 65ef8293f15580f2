"""Reports for leadership as plain values: one case's file, and a period's figures.

The caller fetches the records (cases, their messages, audit events, evidence metadata) and calls
`build_case_file` or `build_period_report`; renderers in `bot/reports/` turn the values into PDF,
PNG and CSV. No framework, no database.

Nothing here can carry a ticket code or anything about the reporter's account: no model has a field
for it, and the builders read only a case's own content (category, status, dates, the 5W+1H
answers, the outcome, whether sealed contact details exist), its messages, and audit events of the
kinds the reporter's own status view shows. File names and captions of evidence are left out too:
a reporter's file name can name them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from flows.lifecycle import CaseStatus
from flows.model import AuditEvent, Case, CaseMessage, Direction, EvidenceFile
from flows.policy import Policy
from flows.status import TIMELINE_ACTIONS

ANSWER_FIELDS = ("what", "who", "when", "where", "how")
"""The 5W+1H answers, in the order the reporter gave them."""
STATUS_ORDER = (CaseStatus.RECEIVED, CaseStatus.VERIFYING, CaseStatus.NEEDS_INFO,
                CaseStatus.CLARIFICATION, CaseStatus.CONCLUDED, CaseStatus.FORWARDED,
                CaseStatus.NOT_ACTIONABLE)
"""The procedure's order: open statuses first, then the three ways a case closes."""


class Overdue(StrEnum):
    ACK = "ack"
    """Not acknowledged within the acknowledgement deadline."""
    FEEDBACK = "feedback"
    """Not closed (final feedback to the reporter) within the feedback deadline."""


class Actor(StrEnum):
    STAFF = "staff"
    REPORTER = "reporter"
    SYSTEM = "system"


# ---- the case file


@dataclass(frozen=True)
class EvidenceEntry:
    kind: str
    size: int
    """Bytes."""
    sha256: str
    """Hex digest of the stored (metadata-stripped) file, for checking a copy later."""
    received_at: datetime | None

    @classmethod
    def of(cls, file: EvidenceFile, received_at: datetime | None) -> EvidenceEntry:
        return cls(file.kind, len(file.data), hashlib.sha256(file.data).hexdigest(), received_at)


@dataclass(frozen=True)
class ExchangeEntry:
    direction: Direction
    text: str
    at: datetime


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: Actor
    who: str | None
    """A staff member's display name inside the institution, as resolved by the caller; None for
    the reporter, the system, or a staff member the caller could not name."""
    action: str
    from_status: CaseStatus | None = None
    to_status: CaseStatus | None = None
    other: str | None = None
    """Whom the case was handed to (`case.handed_over`; None: back to nobody) or taken from
    (`case.taken`; None: nobody handled it), named as `who` is."""


@dataclass(frozen=True)
class CaseFile:
    number: str
    category: str
    status: CaseStatus
    created_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    answers: tuple[tuple[str, str], ...]
    """(field, text) for each of ANSWER_FIELDS, in that order."""
    evidence: tuple[EvidenceEntry, ...]
    exchange: tuple[ExchangeEntry, ...]
    timeline: tuple[TimelineEntry, ...]
    outcome: str | None
    """The conclusion (concluded), the authority (forwarded) or the reason (not actionable)."""
    recommendation: str | None
    overdue: tuple[Overdue, ...]
    """The deadlines this case missed, acknowledged or closed late, or still not."""
    ack_deadline: timedelta
    feedback_deadline: timedelta
    has_sealed_contact: bool
    generated_at: datetime
    zone: tzinfo = UTC
    """Where dates are shown (the institution's time zone)."""


def missed_deadlines(case: Case, policy: Policy, at: datetime, *, outstanding: bool = False,
                     ) -> tuple[Overdue, ...]:
    """The deadlines `case` missed as seen at `at`; steps taken after `at` count as not taken.
    With `outstanding`, only those still missed at `at` (not acknowledged / not closed yet)."""
    marks = []
    for mark, done, deadline in ((Overdue.ACK, case.acknowledged_at, policy.ack_deadline),
                                 (Overdue.FEEDBACK, case.closed_at, policy.feedback_deadline)):
        done = done if done is not None and done <= at else None
        if outstanding and done is not None:
            continue
        if (done or at) - case.created_at > deadline:
            marks.append(mark)
    return tuple(marks)


def _timeline_entry(event: AuditEvent, display_name: Callable[[str], str | None]) -> TimelineEntry:
    actor = {"reporter": Actor.REPORTER, "system": Actor.SYSTEM, "operator": Actor.SYSTEM}.get(
        event.actor, Actor.STAFF)
    who = display_name(event.actor) if actor is Actor.STAFF else None
    before = after = None
    if event.action == "case.moved" and "->" in event.detail:
        old, new = event.detail.split("->", 1)
        before, after = _status(old), _status(new)
    elif event.action == "case.submitted":
        after = CaseStatus.RECEIVED
    other = None
    if event.action == "case.taken":
        other = _staff_name(event.detail.removeprefix("from:"), display_name)
    elif event.action == "case.handed_over" and "->" in event.detail:
        other = _staff_name(event.detail.split("->", 1)[1], display_name)
    return TimelineEntry(event.at, actor, who, event.action, before, after, other)


def _staff_name(actor: str, display_name: Callable[[str], str | None]) -> str | None:
    """A staff member named in an event's detail ("-": nobody)."""
    return display_name(actor) if actor.startswith("staff:") else None


def _status(value: str) -> CaseStatus | None:
    try:
        return CaseStatus(value)
    except ValueError:
        return None


CASE_FILE_ACTIONS = TIMELINE_ACTIONS | {"case.taken", "case.handed_over"}
"""The events a case file's timeline shows: the reporter's timeline's, and who took the case or
handed it over (staff business, never shown to the reporter)."""


def build_case_file(
    case: Case, messages: Iterable[CaseMessage], events: Iterable[AuditEvent],
    evidence: Iterable[EvidenceEntry], *, policy: Policy, now: datetime,
    display_name: Callable[[str], str | None] = lambda _actor: None,
    recommendation: str | None = None, zone: tzinfo = UTC,
) -> CaseFile:
    """One case's file. `messages` and `events` may hold other cases' records (they are left
    out); audit events other than the moves, relays, submission, taking and handing over are left
    out too (a status
    check by the reporter, an undeliverable message or a contact disclosure say something about
    the reporter, not about the case). `display_name` turns a staff actor token into a name."""
    exchange = tuple(ExchangeEntry(m.direction, m.body, m.created_at)
                     for m in sorted(messages, key=lambda m: m.created_at) if m.case_id == case.id)
    timeline = tuple(_timeline_entry(e, display_name)
                     for e in sorted(events, key=lambda e: (e.at, e.id))
                     if e.case_number == case.number and e.action in CASE_FILE_ACTIONS)
    return CaseFile(
        number=case.number, category=case.category, status=case.status,
        created_at=case.created_at, acknowledged_at=case.acknowledged_at, closed_at=case.closed_at,
        answers=tuple((f, case.report.get(f, "")) for f in ANSWER_FIELDS),
        evidence=tuple(sorted(evidence, key=lambda e: (e.received_at is None, e.received_at))),
        exchange=exchange, timeline=timeline, outcome=case.outcome, recommendation=recommendation,
        overdue=missed_deadlines(case, policy, now), ack_deadline=policy.ack_deadline,
        feedback_deadline=policy.feedback_deadline, has_sealed_contact=case.has_contact,
        generated_at=now, zone=zone,
    )


# ---- the period report


@dataclass(frozen=True)
class CaseTiming:
    number: str
    category: str
    status: CaseStatus
    created_at: datetime
    days_to_ack: float | None
    """None while not acknowledged."""
    days_to_close: float | None
    """None while open."""


@dataclass(frozen=True)
class OverdueCase:
    number: str
    category: str
    status: CaseStatus
    created_at: datetime
    marks: tuple[Overdue, ...]
    age_days: int


@dataclass(frozen=True)
class ClosedCase:
    number: str
    category: str
    closed_at: datetime
    outcome: str
    """The conclusion (concluded) or the authority (forwarded)."""
    recommendation: str | None = None


@dataclass(frozen=True)
class DeadlineSummary:
    within: int
    late: int
    pending: int
    """Not done yet, and still within the deadline."""
    pending_late: int
    """Not done yet, and past the deadline."""
    median_days: float | None


@dataclass(frozen=True)
class PeriodReport:
    start: date
    end: date
    """Inclusive."""
    generated_at: datetime
    """Statuses, times and overdue marks are as of this moment."""
    ack_deadline: timedelta
    feedback_deadline: timedelta
    by_status: tuple[tuple[CaseStatus, int], ...]
    """Cases received in the period, by their status when the report was made, every status."""
    by_category: tuple[tuple[str, int], ...]
    """The policy's categories first (zeros too), then any other category found."""
    new_per_week: tuple[tuple[str, int], ...]
    """ISO week ("2026-W14") → cases received, every week the period touches."""
    timings: tuple[CaseTiming, ...]
    overdue: tuple[OverdueCase, ...]
    """Cases (received in the period or before) still unacknowledged or open past a deadline."""
    forwarded: tuple[ClosedCase, ...]
    """Cases forwarded to another authority during the period."""
    concluded: tuple[ClosedCase, ...]
    """Cases concluded during the period, with conclusion and recommendation."""
    zone: tzinfo = UTC

    @property
    def total(self) -> int:
        return sum(n for _, n in self.by_status)

    def acknowledgement(self) -> DeadlineSummary:
        return _summary([t.days_to_ack for t in self.timings], self.ack_deadline,
                        [self._age(t) for t in self.timings])

    def closing(self) -> DeadlineSummary:
        return _summary([t.days_to_close for t in self.timings], self.feedback_deadline,
                        [self._age(t) for t in self.timings])

    def _age(self, timing: CaseTiming) -> float:
        return _days(self.generated_at - timing.created_at)


def _days(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / 86400)


def _summary(days: Sequence[float | None], deadline: timedelta, ages: Sequence[float],
             ) -> DeadlineSummary:
    limit = _days(deadline)
    done = sorted(d for d in days if d is not None)
    waiting = [age for d, age in zip(days, ages, strict=True) if d is None]
    median = None
    if done:
        mid = len(done) // 2
        median = done[mid] if len(done) % 2 else (done[mid - 1] + done[mid]) / 2
    return DeadlineSummary(
        within=sum(d <= limit for d in done), late=sum(d > limit for d in done),
        pending=sum(a <= limit for a in waiting), pending_late=sum(a > limit for a in waiting),
        median_days=median)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _weeks(start: date, end: date) -> list[str]:
    weeks: list[str] = []
    day = start
    while day <= end:
        if not weeks or weeks[-1] != iso_week(day):
            weeks.append(iso_week(day))
        day += timedelta(days=1)
    return weeks


def period_bounds(start: date, end: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The period as [first moment, first moment after) in `zone`."""
    return (datetime.combine(start, time(), zone),
            datetime.combine(end + timedelta(days=1), time(), zone))


def build_period_report(
    cases: Iterable[Case], policy: Policy, start: date, end: date, now: datetime, *,
    zone: tzinfo = UTC, recommendations: Mapping[str, str] | None = None,
) -> PeriodReport:
    """The figures for `start`..`end` (inclusive days in `zone`), with statuses, times and overdue
    marks as of `now`. Pass every case received before the end of the period that was open at
    its start or later (more is harmless: cases received after the period are left out, and each
    figure picks its own). `recommendations` maps case id → recommendation."""
    if end < start:
        raise ValueError("the period ends before it starts")
    first, after = period_bounds(start, end, zone)
    recommendations = recommendations or {}
    by_status = dict.fromkeys(STATUS_ORDER, 0)
    by_category = dict.fromkeys(policy.categories, 0)
    per_week = dict.fromkeys(_weeks(start, end), 0)
    timings, overdue, forwarded, concluded = [], [], [], []
    for case in cases:
        if case.created_at >= after:
            continue
        if case.created_at >= first:
            timings.append(_timing(case, now))
            by_status[case.status] += 1
            by_category[case.category] = by_category.get(case.category, 0) + 1
            per_week[iso_week(case.created_at.astimezone(zone).date())] += 1
        marks = missed_deadlines(case, policy, now, outstanding=True)
        if marks:
            overdue.append(OverdueCase(case.number, case.category, case.status, case.created_at,
                                       marks, int(_days(now - case.created_at))))
        if case.closed_at is not None and first <= case.closed_at < after and case.outcome:
            closed = ClosedCase(case.number, case.category, case.closed_at, case.outcome,
                                recommendations.get(case.id))
            if case.status is CaseStatus.FORWARDED:
                forwarded.append(closed)
            elif case.status is CaseStatus.CONCLUDED:
                concluded.append(closed)
    return PeriodReport(
        start=start, end=end, generated_at=now, ack_deadline=policy.ack_deadline,
        feedback_deadline=policy.feedback_deadline,
        by_status=tuple(by_status.items()),
        by_category=tuple(sorted(by_category.items(), key=_category_order(policy))),
        new_per_week=tuple(per_week.items()),
        timings=tuple(sorted(timings, key=lambda t: t.created_at)),
        overdue=tuple(sorted(overdue, key=lambda o: o.created_at)),
        forwarded=tuple(sorted(forwarded, key=lambda c: (c.closed_at, c.number))),
        concluded=tuple(sorted(concluded, key=lambda c: (c.closed_at, c.number))),
        zone=zone,
    )


def _category_order(policy: Policy) -> Callable[[tuple[str, int]], tuple[int, str]]:
    known = {name: i for i, name in enumerate(policy.categories)}
    return lambda item: (known.get(item[0], len(known)), item[0])


def _timing(case: Case, at: datetime) -> CaseTiming:
    def days(done: datetime | None) -> float | None:
        return _days(done - case.created_at) if done is not None and done <= at else None
    return CaseTiming(case.number, case.category, case.status, case.created_at,
                      days(case.acknowledged_at), days(case.closed_at))
