"""The report models of `flows.reports`: built from domain records, holding nothing about the
reporter beyond the case's own content."""

from __future__ import annotations

import dataclasses
import hashlib
import typing
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from flows import reports
from flows.lifecycle import CaseStatus
from flows.model import AuditEvent, Case, CaseMessage, Direction, EvidenceFile
from flows.reports import (
    STATUS_ORDER,
    Actor,
    EvidenceEntry,
    Overdue,
    build_case_file,
    build_period_report,
    missed_deadlines,
)
from tests.unit.fakes import policy

T0 = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)
TICKET = "K7QX-M2PA-9RTE-W4NB"
REPORTER_NAME = "Siti Rahmawati"


def make_case(n: int = 1, **changes: object) -> Case:
    values: dict[str, object] = {
        "id": f"c{n}", "number": f"WBS-2026-{n:04d}", "category": "disiplin", "language": "id",
        "report": {"what": "Karaoke di jam kerja", "who": "Tiga guru SD", "when": "Juni",
                   "where": "Ruang guru", "how": "Siaran langsung"},
        "created_at": T0, "updated_at": T0,
    }
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


# ---- the case file


def test_given_a_case_with_records_of_others_when_the_file_is_built_then_only_its_own_are_in_it() -> None:
    case = make_case(acknowledged_at=T0 + timedelta(hours=3))
    messages = [
        CaseMessage("m2", "c1", Direction.FROM_REPORTER, "jawaban", T0 + timedelta(days=2)),
        CaseMessage("m1", "c1", Direction.TO_REPORTER, "pertanyaan", T0 + timedelta(days=1)),
        CaseMessage("m9", "c9", Direction.FROM_REPORTER, f"kode saya {TICKET}", T0),
    ]
    events = [
        AuditEvent(3, T0 + timedelta(days=1), "staff:ab", "relay.to_reporter", case.number, ""),
        AuditEvent(1, T0, "reporter", "case.submitted", case.number, "disiplin"),
        AuditEvent(2, T0 + timedelta(hours=3), "staff:ab", "case.moved", case.number, "received->verifying"),
        AuditEvent(4, T0 + timedelta(days=3), "reporter", "status.checked", case.number, REPORTER_NAME),
        AuditEvent(5, T0 + timedelta(days=3), "operator", "contact.revealed", case.number, TICKET),
        AuditEvent(6, T0 + timedelta(days=3), "system", "relay.undeliverable", case.number, ""),
        AuditEvent(7, T0, "staff:ab", "case.moved", "WBS-2026-0009", "received->verifying"),
    ]
    evidence = [EvidenceEntry("document", 10, "b" * 64, T0 + timedelta(days=1)),
                EvidenceEntry("photo", 20, "a" * 64, T0)]

    built = build_case_file(case, messages, events, evidence, policy=policy(), now=T0 + timedelta(days=4),
                            display_name={"staff:ab": "Rina (Irban II)"}.get, recommendation="Teguran")

    assert [e.text for e in built.exchange] == ["pertanyaan", "jawaban"]
    assert [(e.action, e.actor, e.who) for e in built.timeline] == [
        ("case.submitted", Actor.REPORTER, None),
        ("case.moved", Actor.STAFF, "Rina (Irban II)"),
        ("relay.to_reporter", Actor.STAFF, "Rina (Irban II)"),
    ]
    assert (built.timeline[1].from_status, built.timeline[1].to_status) == (
        CaseStatus.RECEIVED, CaseStatus.VERIFYING)
    assert [e.kind for e in built.evidence] == ["photo", "document"]
    assert built.answers == tuple((f, case.report[f]) for f in reports.ANSWER_FIELDS)
    assert built.recommendation == "Teguran"
    assert built.overdue == ()
    assert TICKET not in repr(built) and REPORTER_NAME not in repr(built)


def test_given_takes_and_hand_overs_when_the_file_is_built_then_the_timeline_names_who_and_to_whom(
) -> None:
    case = make_case()
    names = {"staff:ab": "Rina (Irban II)", "staff:cd": "Budi (Irban I)"}.get
    events = [
        AuditEvent(1, T0, "reporter", "case.submitted", case.number, "disiplin"),
        AuditEvent(2, T0 + timedelta(hours=1), "staff:ab", "case.taken", case.number, "from:-"),
        AuditEvent(3, T0 + timedelta(hours=2), "staff:ab", "case.handed_over", case.number,
                   "staff:ab->staff:cd"),
        AuditEvent(4, T0 + timedelta(hours=3), "staff:ab", "case.taken", case.number,
                   "from:staff:cd"),
        AuditEvent(5, T0 + timedelta(hours=4), "staff:ab", "case.handed_over", case.number,
                   "staff:ab->-"),
        AuditEvent(6, T0 + timedelta(hours=5), "staff:ef", "case.taken", case.number, "from:-"),
    ]

    built = build_case_file(case, [], events, [], policy=policy(), now=T0 + timedelta(days=1),
                            display_name=names)

    assert [(e.action, e.who, e.other) for e in built.timeline] == [
        ("case.submitted", None, None),
        ("case.taken", "Rina (Irban II)", None),
        ("case.handed_over", "Rina (Irban II)", "Budi (Irban I)"),
        ("case.taken", "Rina (Irban II)", "Budi (Irban I)"),
        ("case.handed_over", "Rina (Irban II)", None),
        ("case.taken", None, None),  # a member the caller cannot name
    ]


def test_given_evidence_when_entered_then_size_and_sha256_are_of_the_stored_bytes() -> None:
    data = b"\x89PNG fake image bytes"
    file = EvidenceFile("e1", "photo", "image/png", f"{REPORTER_NAME}.png", data, caption=TICKET)

    entry = EvidenceEntry.of(file, T0)

    assert entry == EvidenceEntry("photo", len(data), hashlib.sha256(data).hexdigest(), T0)
    assert TICKET not in repr(entry) and REPORTER_NAME not in repr(entry)


@pytest.mark.parametrize(("ack_after", "closed_after", "at", "outstanding", "expected"), [
    (None, None, 3, False, ()),
    (None, None, 8, False, (Overdue.ACK,)),
    (2, None, 8, False, ()),
    (9, None, 20, False, (Overdue.ACK,)),          # acknowledged late: the mark stays
    (9, None, 20, True, ()),                        # ... but it is no longer outstanding
    (9, None, 8, True, (Overdue.ACK,)),             # seen before the late acknowledgement
    (1, None, 91, True, (Overdue.FEEDBACK,)),
    (1, 60, 91, True, ()),
    (1, 95, 120, False, (Overdue.FEEDBACK,)),
])
def test_given_deadlines_when_checked_then_missed_ones_are_marked(
    ack_after: int | None, closed_after: int | None, at: int, outstanding: bool,
    expected: tuple[Overdue, ...],
) -> None:
    def day(n: int | None) -> datetime | None:
        return None if n is None else T0 + timedelta(days=n)
    case = make_case(acknowledged_at=day(ack_after), closed_at=day(closed_after))

    assert missed_deadlines(case, policy(), T0 + timedelta(days=at), outstanding=outstanding) == expected


# ---- nothing about the reporter, by construction


class _Spy(Case):
    """A case that records which attributes a builder reads."""

    def __getattribute__(self, name: str) -> object:
        if not name.startswith("__"):
            object.__getattribute__(self, "_read").add(name)
        return object.__getattribute__(self, name)


def _spy(case: Case) -> _Spy:
    spy = _Spy(**{f.name: getattr(case, f.name) for f in dataclasses.fields(Case)})
    object.__setattr__(spy, "_read", set())
    return spy


CONTENT = {"id", "number", "category", "status", "created_at", "acknowledged_at", "closed_at",
           "report", "outcome", "has_contact", "closed", "_read"}


def test_given_a_case_when_reports_are_built_then_only_its_content_fields_are_read() -> None:
    spy = _spy(make_case(status=CaseStatus.CONCLUDED, outcome="Terbukti", closed_at=T0 + timedelta(days=9),
                         acknowledged_at=T0 + timedelta(days=1), topic_id=77, card_message_id=5))
    build_case_file(spy, [], [], [], policy=policy(), now=T0 + timedelta(days=10))
    build_period_report([spy], policy(), date(2026, 4, 1), date(2026, 6, 30), T0 + timedelta(days=10))

    read = object.__getattribute__(spy, "_read")
    assert read <= CONTENT, f"a builder read {sorted(read - CONTENT)}"
    assert "language" not in read and "topic_id" not in read and "evidence_ids" not in read


_ALLOWED_LEAVES = (str, int, float, bool, datetime, date, timedelta, CaseStatus, Direction, Overdue,
                   Actor, type(None))


def _leaf_types(tp: object, seen: set[object]) -> list[object]:
    if dataclasses.is_dataclass(tp):
        if tp in seen:
            return []
        seen.add(tp)
        hints = typing.get_type_hints(tp)
        return [leaf for f in dataclasses.fields(tp) for leaf in _leaf_types(hints[f.name], seen)]
    args = typing.get_args(tp)
    if args:
        return [leaf for a in args if a is not Ellipsis for leaf in _leaf_types(a, seen)]
    return [tp]


@pytest.mark.parametrize("model", [reports.CaseFile, reports.PeriodReport])
def test_given_the_report_models_when_inspected_then_no_field_can_hold_a_secret(model: type) -> None:
    names = set()
    todo, seen = [model], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        hints = typing.get_type_hints(current)
        for f in dataclasses.fields(current):
            names.add(f.name)
            todo += [a for a in [hints[f.name], *typing.get_args(hints[f.name])]
                     if dataclasses.is_dataclass(a)]
            todo += [b for a in typing.get_args(hints[f.name]) for b in typing.get_args(a)
                     if dataclasses.is_dataclass(b)]
    forbidden = ("ticket", "route", "chat", "user", "telegram", "account", "name", "sealed_contact_")
    assert [n for n in names if any(word in n for word in forbidden)] == []
    leaves = _leaf_types(model, set())
    assert all(leaf in _ALLOWED_LEAVES or leaf.__name__ == "tzinfo" for leaf in leaves), leaves


# ---- the period report


def test_given_cases_in_and_around_a_period_when_built_then_each_figure_picks_its_own() -> None:
    start, end = date(2026, 4, 1), date(2026, 4, 30)
    now = datetime(2026, 5, 3, tzinfo=UTC)
    inside = make_case(1, created_at=datetime(2026, 4, 6, 9, tzinfo=UTC))  # W15, never acknowledged
    concluded = make_case(2, created_at=datetime(2026, 4, 1, 0, 30, tzinfo=UTC), category="korupsi",
                          acknowledged_at=datetime(2026, 4, 2, tzinfo=UTC),
                          closed_at=datetime(2026, 4, 20, tzinfo=UTC), status=CaseStatus.CONCLUDED,
                          outcome="Terbukti pungli")
    older_forwarded = make_case(3, created_at=datetime(2026, 3, 1, tzinfo=UTC), category="netralitas",
                                acknowledged_at=datetime(2026, 3, 2, tzinfo=UTC),
                                closed_at=datetime(2026, 4, 10, tzinfo=UTC),
                                status=CaseStatus.FORWARDED, outcome="Bawaslu")
    older_open = make_case(4, created_at=datetime(2026, 1, 10, tzinfo=UTC), status=CaseStatus.CLARIFICATION,
                           acknowledged_at=datetime(2026, 1, 11, tzinfo=UTC))
    later = make_case(5, created_at=datetime(2026, 5, 1, tzinfo=UTC), category="aneh")
    odd_category = make_case(6, created_at=datetime(2026, 4, 30, 23, tzinfo=UTC), category="zzz",
                             acknowledged_at=datetime(2026, 5, 1, tzinfo=UTC), status=CaseStatus.VERIFYING)

    report = build_period_report([inside, concluded, older_forwarded, older_open, later, odd_category],
                                 policy(), start, end, now, recommendations={"c2": "Hukuman disiplin"})

    assert report.total == 3
    assert [s for s, _ in report.by_status] == list(STATUS_ORDER)
    assert dict(report.by_status)[CaseStatus.RECEIVED] == 1
    assert dict(report.by_status)[CaseStatus.CONCLUDED] == 1
    assert report.by_category[-1] == ("zzz", 1)
    assert [c for c, _ in report.by_category[:-1]] == list(policy().categories)
    assert report.new_per_week == (("2026-W14", 1), ("2026-W15", 1), ("2026-W16", 0),
                                   ("2026-W17", 0), ("2026-W18", 1))
    assert [(c.number, c.outcome, c.recommendation) for c in report.concluded] == [
        ("WBS-2026-0002", "Terbukti pungli", "Hukuman disiplin")]
    assert [(c.number, c.outcome) for c in report.forwarded] == [("WBS-2026-0003", "Bawaslu")]
    assert [(o.number, o.marks) for o in report.overdue] == [
        ("WBS-2026-0004", (Overdue.FEEDBACK,)), ("WBS-2026-0001", (Overdue.ACK,))]
    ack = report.acknowledgement()
    assert (ack.within, ack.late, ack.pending, ack.pending_late) == (2, 0, 0, 1)
    closing = report.closing()
    assert (closing.within, closing.late, closing.pending) == (1, 0, 2)
    assert closing.median_days == pytest.approx(19 - 1 / 48)


def test_given_a_zone_when_built_then_days_and_weeks_are_the_institutions() -> None:
    wib = timezone(timedelta(hours=7))
    late_evening = make_case(1, created_at=datetime(2026, 3, 31, 18, tzinfo=UTC))  # 1 April, 01:00 WIB

    in_utc = build_period_report([late_evening], policy(), date(2026, 4, 1), date(2026, 4, 2), T0)
    in_wib = build_period_report([late_evening], policy(), date(2026, 4, 1), date(2026, 4, 2), T0, zone=wib)

    assert (in_utc.total, in_wib.total) == (0, 1)


def test_given_a_period_that_ends_before_it_starts_when_built_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before"):
        build_period_report([], policy(), date(2026, 4, 2), date(2026, 4, 1), T0)
