"""Several staff groups: which group a case belongs to (flows/routing.py), and that staff of
one group see and act on their group's cases only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flows import routing
from flows.commands import CaseRef, MakeCaseFile, MakePeriodReport, StaffReply
from flows.delivery import where
from flows.delivery_model import Queued, Where
from flows.errors import UnknownCase
from flows.intents import ChatRoute, Say, SendReport, ToStaff, target_of
from flows.lifecycle import CaseStatus
from flows.policy import Policy
from flows.ports import ALL_GROUPS
from flows.report_sources import period_report, zone_of
from flows.reports import period_bounds
from tests.unit.drive import (
    ask_reporter,
    handle,
    list_open,
    move_case,
    remind_overdue,
    run,
    show_case,
    statistics,
    within,
)
from tests.unit.fakes import FakeSealer, FakeUnitOfWork, policy, seed_case
from tests.unit.test_reporting import keys, say, tap, to_review

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = ChatRoute(7395501234)
STAFF_USER = 424242001
ESCALATION = -1002000000001
HARASSMENT = -1002000000002
NEUTRALITY = -1002000000003
ROUTED = policy(escalation_group=ESCALATION,
                routes=(("pelecehan", HARASSMENT), ("netralitas", NEUTRALITY)))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


# ---- the decision


@pytest.mark.parametrize(("pol", "category", "conflict", "group"), [
    (policy(), "korupsi", False, None),  # one group: exactly as before
    (policy(), "korupsi", True, None),  # no escalation group: the main group, said honestly
    (policy(), "pelecehan", True, None),
    (ROUTED, "korupsi", False, None),  # an unrouted category: the main group
    (ROUTED, "pelecehan", False, HARASSMENT),
    (ROUTED, "netralitas", False, NEUTRALITY),
    (ROUTED, "pelecehan", True, ESCALATION),  # a conflict beats the category's route
    (ROUTED, "korupsi", True, ESCALATION),
    (ROUTED, None, False, None),
    (policy(routes=(("pelecehan", HARASSMENT),)), "pelecehan", True, HARASSMENT),
])
def test_given_groups_and_a_report_then_its_group_is_escalation_then_route_then_main(
    pol: Policy, category: str | None, conflict: bool, group: int | None,
) -> None:
    assert routing.group_for(pol, category, conflict) == group
    assert routing.escalates(pol, conflict) == (conflict and pol.escalation_group is not None)


def test_given_routes_then_every_group_is_listed_once_main_first() -> None:
    pol = policy(escalation_group=ESCALATION, routes=(("pelecehan", HARASSMENT),
                                                      ("netralitas", HARASSMENT)))
    assert pol.staff_groups == (None, ESCALATION, HARASSMENT)
    assert policy().staff_groups == (None,)


# ---- submission


async def _submit(uow: FakeUnitOfWork, category: str, *, conflict: bool) -> None:
    sealer = FakeSealer()
    out = await to_review(uow, sealer, ROUTED)
    if category != "korupsi":  # to_review picks korupsi: change it on the draft
        uow.state.drafts[ROUTE].category = category
    uow.state.drafts[ROUTE].conflict = conflict
    out = await tap(uow, sealer, out, "button.submit", ROUTED)
    assert "intake.submitted" in keys(out)


@pytest.mark.parametrize(("category", "conflict", "group", "audited"), [
    ("korupsi", False, None, None),
    ("pelecehan", False, HARASSMENT, "category"),
    ("pelecehan", True, ESCALATION, "escalation"),
])
async def test_given_a_submitted_report_then_the_case_belongs_to_its_group_and_its_news_goes_there(
    uow: FakeUnitOfWork, category: str, conflict: bool, group: int | None, audited: str | None,
) -> None:
    await _submit(uow, category, conflict=conflict)

    [case] = uow.state.cases.values()
    assert case.staff_group == group
    routed = [e.detail for e in uow.state.audit if e.action == "case.routed"]
    assert routed == ([audited] if audited else [])
    # The card and every other staff message of the case go where the case belongs.
    async with uow:
        staff = uow.staff_bound()
        assert staff
        for intent in staff:
            found = await where(_ctx(uow), Queued(1, target_of(intent), intent))
            assert isinstance(found, Where) and found.route is None and found.group == group


def _ctx(uow: FakeUnitOfWork):  # a bare context for delivery decisions
    from flows.context import Context

    return Context(uow, ROUTED, NOW, FakeSealer(), "id")


# ---- the reporter decides about conflict


async def _at_who(uow: FakeUnitOfWork, sealer: FakeSealer, pol: Policy):
    from tests.unit.drive import start_report

    out = await start_report(uow, pol, ROUTE, "id", 100, NOW)
    out = await tap(uow, sealer, out, "category.korupsi", pol)
    out = await say(uow, sealer, "Pungutan liar saat mengurus izin usaha.", pol)
    assert keys(out) == ["intake.ask_who"]
    return out


async def _press(uow: FakeUnitOfWork, sealer: FakeSealer, shown, key: str, pol: Policy):
    """A press through the bus, returning its outcome (the answer shown at once, too)."""
    from flows.buttons import decode, encode
    from flows.commands import Press
    from tests.unit.test_reporting import find_button

    data = decode(encode(find_button(shown, key).data))
    return await handle(uow, Press(route=ROUTE, button=data, message_id=0), pol, NOW, sealer)


@pytest.mark.parametrize(("pol", "pressed", "answer", "group"), [
    (ROUTED, "button.conflict_yes", "intake.conflict.goes_escalation", ESCALATION),
    (ROUTED, "button.conflict_unknown", "intake.conflict.goes_escalation", ESCALATION),
    (ROUTED, "button.conflict_no", "intake.conflict.goes_main", None),
    (policy(), "button.conflict_yes", "intake.conflict.no_escalation", None),  # said honestly
])
async def test_given_the_who_question_when_the_reporter_answers_about_conflict_then_the_case_goes_where_promised(
    uow: FakeUnitOfWork, pol: Policy, pressed: str, answer: str, group: int | None,
) -> None:
    sealer = FakeSealer()
    who = await _at_who(uow, sealer, pol)
    out = await say(uow, sealer, "Kepala Seksi Perizinan", pol)  # typed first, pressed after
    assert keys(out) == ["intake.ask_when"]

    outcome = await _press(uow, sealer, who, pressed, pol)  # the older message's button

    assert outcome.error is None and outcome.intents == []  # a word on screen, no message
    assert outcome.answer is not None and outcome.answer.key == answer
    review = await to_review_from_when(uow, sealer, pol)
    [shown] = [s for s in review if s.key == "intake.review"]
    expected = answer if answer != "intake.conflict.goes_main" else ""
    assert str(shown.params["conflict_note"]) == expected  # the review says it again
    out = await tap(uow, sealer, review, "button.submit", pol)
    [case] = uow.state.cases.values()
    assert case.staff_group == group


async def to_review_from_when(uow: FakeUnitOfWork, sealer: FakeSealer, pol: Policy):
    for text in ("Maret 2026", "Kantor dinas", "Diminta uang tunai"):
        out = await say(uow, sealer, text, pol)
    out = await tap(uow, sealer, out, "button.skip_evidence", pol)
    return await tap(uow, sealer, out, "button.anonymous", pol)


async def test_given_the_review_when_conflict_is_changed_there_then_the_review_shows_it(
    uow: FakeUnitOfWork,
) -> None:
    sealer = FakeSealer()
    await _at_who(uow, sealer, ROUTED)
    await say(uow, sealer, "Inspektur Pembantu", ROUTED)
    review = await to_review_from_when(uow, sealer, ROUTED)
    assert str(says_of(review).params["conflict"]) == "intake.conflict.answer_none"

    outcome = await _press(uow, sealer, review, "button.conflict_yes", ROUTED)

    again = says_of(outcome.intents)
    assert again.key == "intake.review"
    assert str(again.params["conflict"]) == "intake.conflict.answer_yes"
    assert str(again.params["conflict_note"]) == "intake.conflict.goes_escalation"
    marked = [b for row in again.buttons for b in row if b.key == "button.conflict_yes"]
    assert marked[0].params["mark"] == "✓ "


def says_of(intents) -> Say:
    [shown] = [i for i in intents if isinstance(i, Say)]
    return shown


async def test_given_an_unknown_conflict_answer_then_stale_and_nothing_changes(
    uow: FakeUnitOfWork,
) -> None:
    from flows.buttons import IntakeButton
    from flows.commands import Press

    sealer = FakeSealer()
    await _at_who(uow, sealer, ROUTED)
    outcome = await handle(uow, Press(route=ROUTE, button=IntakeButton("conflict", 0, "maybe"),
                                      message_id=0), ROUTED, NOW, sealer)
    assert outcome.error is not None
    assert uow.state.drafts[ROUTE].conflict is False


# ---- scoped staff powers


async def _two_cases(uow: FakeUnitOfWork):
    main, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=10))
    escalated, _ = await seed_case(uow, ChatRoute(7395509999), NOW - timedelta(days=10),
                                   staff_group=ESCALATION)
    return main, escalated


async def test_given_a_case_of_another_group_when_named_by_number_then_not_found_and_nothing_changes(
    uow: FakeUnitOfWork,
) -> None:
    main, escalated = await _two_cases(uow)
    before = len(uow.state.audit)

    for reply_in, other in ((ToStaff(), escalated), (ToStaff(group=ESCALATION), main)):
        with pytest.raises(UnknownCase):
            await show_case(uow, ROUTED, CaseRef(number=other.number), reply_in, NOW)
        with pytest.raises(UnknownCase):
            await move_case(uow, ROUTED, CaseRef(number=other.number), "verify", STAFF_USER,
                            None, NOW, reply_in)
        with pytest.raises(UnknownCase):
            await ask_reporter(uow, ROUTED, CaseRef(number=other.number), STAFF_USER, "Halo?",
                               NOW, reply_in)
        with pytest.raises(UnknownCase):  # a press carries the case id: the same answer
            await move_case(uow, ROUTED, CaseRef(case_id=other.id), "verify", STAFF_USER,
                            None, NOW, reply_in)

    assert uow.state.cases[escalated.id].status is CaseStatus.RECEIVED
    assert uow.state.cases[main.id].status is CaseStatus.RECEIVED
    assert len(uow.state.audit) == before


async def test_given_a_case_of_its_own_group_then_that_group_acts_on_it(
    uow: FakeUnitOfWork,
) -> None:
    _, escalated = await _two_cases(uow)
    here = ToStaff(group=ESCALATION)

    said = await move_case(uow, ROUTED, CaseRef(number=escalated.number), "verify", STAFF_USER,
                           None, NOW, here)

    assert uow.state.cases[escalated.id].status is CaseStatus.VERIFYING
    assert any(isinstance(s, Say) and s.to == here for s in said)


async def test_given_cases_in_two_groups_then_kasus_and_statistik_show_each_group_its_own(
    uow: FakeUnitOfWork,
) -> None:
    main, escalated = await _two_cases(uow)

    def rows(said):
        return [r[0] for s in said if isinstance(s, Say) for r in s.params.get("rows", [])]

    assert rows(await list_open(uow, ROUTED, NOW, ToStaff())) == [main.number]
    assert rows(await list_open(uow, ROUTED, NOW, ToStaff(group=ESCALATION))) == [escalated.number]
    assert rows(await list_open(uow, ROUTED, NOW, ToStaff(group=HARASSMENT))) == []
    # /statistik is a chart made when it is sent: it goes to the group it was asked in.
    [main_stats] = await statistics(uow, ROUTED, ToStaff(), NOW, "30")
    [esc_stats] = await statistics(uow, ROUTED, ToStaff(group=ESCALATION), NOW, "30")
    [none_stats] = await statistics(uow, ROUTED, ToStaff(group=NEUTRALITY), NOW, "30")
    assert esc_stats.to == ToStaff(group=ESCALATION)
    assert (await _report_total(uow, main_stats), await _report_total(uow, esc_stats),
            await _report_total(uow, none_stats)) == (1, 1, 0)


async def _report_total(uow: FakeUnitOfWork, out: object, now: datetime = NOW,
                        kind: str = "statistics") -> int:
    """The total of the report the sender makes for `out` (a SendReport) when it is sent: the
    cases of the group it is posted in."""
    assert isinstance(out, SendReport) and out.kind == kind
    assert out.start is not None and out.end is not None
    async with uow:
        report = await period_report(uow, ROUTED, out.start, out.end, now, out.to.group)
    return report.total


async def test_given_cases_in_two_groups_then_laporan_counts_each_groups_own_and_the_operator_all(
    uow: FakeUnitOfWork,
) -> None:
    await _two_cases(uow)
    await seed_case(uow, ChatRoute(7395508888), NOW - timedelta(days=5), staff_group=ESCALATION,
                    status=CaseStatus.CONCLUDED)

    [main_report] = await run(uow, MakePeriodReport(
        period="30", user_id=STAFF_USER, reply_in=ToStaff()), ROUTED, NOW)
    [esc_report] = await run(uow, MakePeriodReport(
        period="30", user_id=STAFF_USER, reply_in=ToStaff(group=ESCALATION)), ROUTED, NOW)

    assert esc_report.to == ToStaff(group=ESCALATION)
    assert await _report_total(uow, main_report, kind="period") == 1
    assert await _report_total(uow, esc_report, kind="period") == 2
    async with uow:  # `peluit report` without --group: every group's cases together
        first, after = period_bounds(date(2026, 2, 1), date(2026, 3, 2), zone_of(ROUTED))
        everything = await uow.cases.for_period(first, after, NOW, ALL_GROUPS)
    assert sorted(c.number for c in everything) == sorted(
        c.number for c in uow.state.cases.values())
    assert len(everything) == 3


async def test_given_a_case_of_another_group_when_its_file_is_asked_then_not_found_and_nothing_made(
    uow: FakeUnitOfWork,
) -> None:
    _, escalated = await _two_cases(uow)
    before = len(uow.state.audit)

    with pytest.raises(UnknownCase):
        await run(uow, MakeCaseFile(ref=CaseRef(number=escalated.number), user_id=STAFF_USER,
                                       reply_in=ToStaff()), ROUTED, NOW)
    [made] = await run(uow, MakeCaseFile(ref=CaseRef(number=escalated.number),
                                            user_id=STAFF_USER,
                                            reply_in=ToStaff(group=ESCALATION)), ROUTED, NOW)

    assert isinstance(made, SendReport) and made.case_id == escalated.id
    assert len(uow.state.audit) == before + 1  # the file made in its own group, audited once


async def test_given_overdue_cases_in_two_groups_then_each_group_is_reminded_of_its_own_once_a_day(
    uow: FakeUnitOfWork,
) -> None:
    main, escalated = await _two_cases(uow)

    said = await remind_overdue(uow, ROUTED, NOW)
    again = await remind_overdue(uow, ROUTED, NOW + timedelta(hours=1))

    by_group = {s.to.group: [r[0] for r in s.params["rows"]] for s in said
                if isinstance(s, Say) and isinstance(s.to, ToStaff)}
    assert by_group == {None: [main.number], ESCALATION: [escalated.number]}
    assert again == []


async def test_given_a_message_id_linked_in_another_group_when_replied_to_then_nothing_happens(
    uow: FakeUnitOfWork,
) -> None:
    main, escalated = await _two_cases(uow)
    async with uow:  # the same message id in two groups, each its own case's card
        await uow.cases.link_message("staff", 900, main.id, "card")
        await uow.cases.link_message(f"staff:{ESCALATION}", 901, escalated.id, "card")
        await uow.commit()

    outcome = await handle(uow, StaffReply(replied_message_id=901, text="Pertanyaan", user_id=1,
                                           reply_in=ToStaff()), ROUTED, NOW)

    assert outcome.intents == [] and outcome.error is None
    assert uow.state.cases[escalated.id].awaiting_answer is False


async def test_given_a_topic_id_used_in_two_groups_then_each_group_finds_its_own_case(
    uow: FakeUnitOfWork,
) -> None:
    main, escalated = await _two_cases(uow)
    uow.state.cases[main.id].topic_id = 77
    uow.state.cases[escalated.id].topic_id = 77

    from flows import casework

    async def found(group):
        async def use(ctx):
            ctx.staff_group = group
            return (await casework.find_case(ctx, CaseRef(topic_id=77))).id
        return await within(uow, use, policy=ROUTED, now=NOW)

    assert await found(None) == main.id
    assert await found(ESCALATION) == escalated.id
    with pytest.raises(UnknownCase):
        await found(HARASSMENT)


# ---- transfer (/alihkan)


async def test_given_a_case_when_transferred_then_the_old_card_says_moved_and_the_new_group_gets_it(
    uow: FakeUnitOfWork,
) -> None:
    from flows.commands import TransferCase
    from flows.intents import MarkMoved, OpenTopic

    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    stored = uow.state.cases[case.id]
    stored.topic_id, stored.card_message_id, stored.handler = 77, 501, "staff:someone"
    in_topic = ToStaff(thread_id=77)

    outcome = await handle(uow, TransferCase(ref=CaseRef(topic_id=77), to="eskalasi",
                                             user_id=STAFF_USER, reply_in=in_topic), ROUTED, NOW)

    assert outcome.error is None
    moved = [i for i in outcome.intents if isinstance(i, MarkMoved)]
    assert moved == [MarkMoved(ToStaff(thread_id=77, group=None), case.number, 501)]
    assert "uang" not in repr(moved) and REPORT_WORDS not in repr(moved)  # no content
    assert any(isinstance(i, OpenTopic) and i.case_id == case.id for i in outcome.intents)
    [card] = [i for i in outcome.intents if isinstance(i, Say) and i.card]
    assert card.params["what"] == case.report["what"]  # the full card, for the new group
    after = uow.state.cases[case.id]
    assert (after.staff_group, after.topic_id, after.card_message_id, after.handler) == (
        ESCALATION, None, None, None)
    [audited] = [e for e in uow.state.audit if e.action == "case.transferred"]
    assert audited.detail == "utama->eskalasi" and audited.case_number == case.number
    # The old group: the case does not exist for it any more; the new group finds it.
    with pytest.raises(UnknownCase):
        await show_case(uow, ROUTED, CaseRef(number=case.number), ToStaff(), NOW)
    with pytest.raises(UnknownCase):
        await ask_reporter(uow, ROUTED, CaseRef(topic_id=77), STAFF_USER, "Halo?", NOW, in_topic)
    assert await show_case(uow, ROUTED, CaseRef(number=case.number), ToStaff(group=ESCALATION),
                           NOW)


REPORT_WORDS = "Kepala"


@pytest.mark.parametrize(("name", "key"), [
    ("keuangan", "staff.transfer_unknown_group"),
    ("utama", "staff.transfer_same_group"),
])
async def test_given_a_wrong_group_name_when_transferring_then_nothing_changes(
    uow: FakeUnitOfWork, name: str, key: str,
) -> None:
    from flows.commands import TransferCase

    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    before = len(uow.state.audit)

    outcome = await handle(uow, TransferCase(ref=CaseRef(number=case.number), to=name,
                                             user_id=STAFF_USER, reply_in=ToStaff()), ROUTED, NOW)

    assert [i.key for i in outcome.intents if isinstance(i, Say)] == [key]
    assert uow.state.cases[case.id].staff_group is None and len(uow.state.audit) == before


def test_given_group_names_then_each_configured_group_is_found_by_its_short_name() -> None:
    assert routing.group_named(ROUTED, "utama") == (True, None)
    assert routing.group_named(ROUTED, "Eskalasi") == (True, ESCALATION)
    assert routing.group_named(ROUTED, "pelecehan") == (True, HARASSMENT)
    assert routing.group_named(policy(), "eskalasi") == (False, None)  # none configured
    assert routing.group_named(ROUTED, "korupsi") == (False, None)  # not routed
    assert routing.group_name(ROUTED, NEUTRALITY) == "netralitas"
    assert routing.group_names(ROUTED) == "utama, eskalasi, pelecehan, netralitas"
