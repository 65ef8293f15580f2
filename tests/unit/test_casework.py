"""flows.casework: the anonymous relay both ways, status moves, lists, statistics and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows import casework
from flows.buttons import MenuButton
from flows.commands import CaseRef, MoveByCommand, ShowStatistics
from flows.context import Context
from flows.errors import InvalidTransition, TextRequired, UnknownCase
from flows.intents import (
    ChatRoute,
    EditCard,
    Intent,
    OutcomeBlock,
    Say,
    SendEvidence,
    ShowTopicStatus,
    StatusName,
    ToChat,
    ToReporter,
    ToStaff,
    moment,
)
from flows.lifecycle import CLOSED, MOVES, CaseStatus, Move
from flows.model import Case, Direction
from flows.uploads import Upload
from tests.unit.drive import (
    ask_reporter,
    handle,
    list_open,
    move_case,
    press_button,
    remind_overdue,
    reporter_message,
    run,
    show_case,
    statistics,
    within,
)
from tests.unit.fakes import FakeUnitOfWork, policy, seed_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = ChatRoute(7395501234)
OTHER = ChatRoute(7395509999)
STAFF_USER = 424242001
TOPIC = ToStaff(thread_id=55)
POLICY = policy()
C = CaseStatus


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


def says(intents: list[Intent]) -> list[Say]:
    return [i for i in intents if isinstance(i, Say)]


def without_card_edit(intents: list[Intent], case: Case) -> list[Intent]:
    """The intents but the card's edit, which must be there (a case seeded days ago: the
    card's last activity changes)."""
    edits = [i for i in intents if isinstance(i, EditCard)]
    assert [e.card.case_id for e in edits] == [case.id]
    assert edits[0].card.params["activity"] == moment(NOW)
    return [i for i in intents if not isinstance(i, EditCard)]


def keys(intents: list[Intent]) -> list[str]:
    return [s.key for s in says(intents)]


async def load(uow: FakeUnitOfWork, case: Case) -> Case:
    found = await uow.cases.get(case.id)
    assert found is not None
    return found


async def ask(uow: FakeUnitOfWork, case: Case, text: str, now: datetime = NOW) -> list[Intent]:
    return await ask_reporter(uow, POLICY, CaseRef(case_id=case.id), STAFF_USER, text, now, TOPIC)


async def move(
    uow: FakeUnitOfWork, case: Case, trigger: str, text: str | None = None, now: datetime = NOW
) -> list[Intent]:
    return await move_case(uow, POLICY, CaseRef(case_id=case.id), trigger, STAFF_USER, text, now, TOPIC)


# --------------------------------------------------------------------------- staff → reporter


async def test_given_an_open_case_when_staff_ask_then_the_reporter_gets_it_as_petugas_and_staff_a_receipt(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1), language="en")

    out = await ask(uow, case, "  Kapan tepatnya uang diserahkan?  ")

    assert without_card_edit(out, case) == [
        Say(ToReporter(case.id), "reporter.question",
            {"number": case.number, "text": "Kapan tepatnya uang diserahkan?"}, lang="en", case_id=case.id),
        Say(TOPIC, "staff.relayed", {"number": case.number}, lang="id"),
    ]
    assert uow.sent[-3:] == out
    [message] = await uow.cases.messages(case.id)
    assert (message.direction, message.body) == (Direction.TO_REPORTER, "Kapan tepatnya uang diserahkan?")
    stored = await load(uow, case)
    assert stored.awaiting_answer is True
    assert stored.acknowledged_at == NOW


async def test_given_a_question_then_the_audit_names_the_staff_member_by_pseudonym_only(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW)

    await ask(uow, case, "Siapa saksinya?")

    event = uow.state.audit[-1]
    assert (event.action, event.case_number, event.detail) == ("relay.to_reporter", case.number, "")
    assert event.actor == uow.actor_token("staff", STAFF_USER)
    assert event.actor.startswith("staff:")
    assert str(STAFF_USER) not in event.actor
    assert "saksi" not in repr(uow.state.audit)


async def test_given_an_earlier_acknowledgement_when_asking_again_then_it_is_kept(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=3))
    await ask(uow, case, "Pertanyaan pertama?", NOW - timedelta(days=2))

    await ask(uow, case, "Pertanyaan kedua?")

    assert (await load(uow, case)).acknowledged_at == NOW - timedelta(days=2)


@pytest.mark.parametrize("ref", [
    CaseRef(number="wbs-2026-1"),
    CaseRef(number=" WBS – 2026 – 0001 "),
    CaseRef(message_id=901),
    CaseRef(topic_id=77),
])
async def test_given_any_way_of_pointing_at_a_case_when_asking_then_that_case_gets_the_question(
    uow: FakeUnitOfWork, ref: CaseRef,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW)
    other, _ = await seed_case(uow, OTHER, NOW)
    async with uow:
        stored = await load(uow, case)
        stored.topic_id = 77
        await uow.cases.save(stored)
        await uow.cases.link_message("staff", 901, case.id)
        await uow.commit()

    out = await ask_reporter(uow, POLICY, ref, STAFF_USER, "Ada bukti?", NOW, TOPIC)

    assert out[0].to == ToReporter(case.id)  # type: ignore[union-attr]
    assert (await load(uow, other)).awaiting_answer is False


@pytest.mark.parametrize("ref", [CaseRef(number="WBS-2026-0099"), CaseRef(number="rubbish"),
                                 CaseRef(message_id=1), CaseRef(topic_id=1), CaseRef()])
async def test_given_no_such_case_when_asking_then_unknown_case_and_nothing_is_written(
    uow: FakeUnitOfWork, ref: CaseRef,
) -> None:
    await seed_case(uow, ROUTE, NOW)
    committed, sent = uow.committed, list(uow.sent)

    async def asking(ctx: Context) -> list[Intent]:  # inside the unit of work, as the bus runs it
        return await casework.ask(ctx, await casework.find_case(ctx, ref), STAFF_USER, "Halo?", TOPIC)

    with pytest.raises(UnknownCase):
        await within(uow, asking, policy=POLICY, now=NOW)

    assert (uow.committed, uow.sent) == (committed, sent)


@pytest.mark.parametrize("status", sorted(CLOSED))
async def test_given_a_closed_case_when_staff_ask_then_refused_and_nothing_reaches_the_reporter(
    uow: FakeUnitOfWork, status: CaseStatus,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW, status=status)

    out = await ask(uow, case, "Masih ada info?")

    assert out == [Say(TOPIC, "staff.case_closed", {"number": case.number}, lang="id")]
    assert await uow.cases.messages(case.id) == []
    assert not any(isinstance(getattr(i, "to", None), ToReporter) for i in uow.sent)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
async def test_given_an_empty_question_when_asked_then_staff_are_told_and_nothing_is_relayed(
    uow: FakeUnitOfWork, text: str,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW)

    # `/tanya` without words gets its usage from the bus; the use case itself refuses them too.
    out = await within(uow, lambda ctx: casework.ask(ctx, case, STAFF_USER, text, TOPIC),
                       policy=POLICY, now=NOW)

    assert keys(out) == ["staff.empty_question"]
    assert await uow.cases.messages(case.id) == []
    assert (await load(uow, case)).awaiting_answer is False


async def test_given_a_very_long_question_then_it_is_cut_at_the_answer_limit(uow: FakeUnitOfWork) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW)

    out = await ask(uow, case, "q" * (POLICY.max_answer_chars + 50))

    assert says(out)[0].params["text"] == "q" * POLICY.max_answer_chars


# --------------------------------------------------------------------------- reporter → staff


async def reply(uow: FakeUnitOfWork, route: ChatRoute = ROUTE, **kwargs: object) -> list[Intent]:
    return await reporter_message(uow, POLICY, route, "id", NOW, **kwargs)  # type: ignore[arg-type]


async def test_given_a_reply_to_a_case_message_then_the_answer_goes_to_that_case(
    uow: FakeUnitOfWork,
) -> None:
    first, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2), awaiting_answer=True)
    second, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1), awaiting_answer=True)
    async with uow:
        await uow.cases.link_message(ROUTE, 77, second.id)
        await uow.commit()

    out = await reply(uow, text="Uangnya diserahkan Selasa pagi.", reply_to_message_id=77)

    assert without_card_edit(out, second) == [
        Say(ToStaff(second.id), "staff.reporter_answer",
            {"number": second.number, "text": "Uangnya diserahkan Selasa pagi."}, lang="id",
            case_id=second.id, link_kind="reporter"),
        Say(ToChat(ROUTE), "reporter.answer_sent", {"number": second.number}, lang="id"),
    ]
    [message] = await uow.cases.messages(second.id)
    assert (message.direction, message.body) == (Direction.FROM_REPORTER, "Uangnya diserahkan Selasa pagi.")
    assert (await load(uow, second)).awaiting_answer is False
    assert (await load(uow, first)).awaiting_answer is True
    assert (uow.state.audit[-1].actor, uow.state.audit[-1].action) == ("reporter", "relay.to_staff")
    assert uow.locked == [ROUTE]


async def test_given_a_reply_linked_in_another_chat_then_it_does_not_count_here(uow: FakeUnitOfWork) -> None:
    case, _ = await seed_case(uow, OTHER, NOW)
    async with uow:
        await uow.cases.link_message(OTHER, 77, case.id)
        await uow.commit()

    out = await reply(uow, ROUTE, text="Halo", reply_to_message_id=77)

    assert keys(out) == ["start.welcome"]  # this chat never reported: the welcome
    assert await uow.cases.messages(case.id) == []


async def held_press(uow: FakeUnitOfWork, choice: str, route: ChatRoute = ROUTE) -> list[Intent]:
    return await press_button(uow, POLICY, route, MenuButton("held", choice), NOW,
                              message_id=900)


async def test_given_one_case_awaiting_an_answer_then_a_plain_message_is_asked_about_for_it(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, ROUTE, NOW - timedelta(days=3))
    waiting, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2), awaiting_answer=True)

    out = await reply(uow, text="Jawaban saya")

    assert keys(out) == ["reporter.ask_relay"]
    assert out[0].params == {"number": waiting.number}  # type: ignore[union-attr]
    assert uow.staff_bound() == [] and await uow.cases.messages(waiting.id) == []

    sent = await held_press(uow, "send")

    assert keys(sent) == ["staff.reporter_answer", "reporter.answer_sent"]
    assert sent[0].to == ToStaff(waiting.id)  # type: ignore[union-attr]


async def test_given_an_officer_waiting_for_an_answer_when_the_reporter_replies_to_an_unlinked_message_then_it_goes_at_once(
    uow: FakeUnitOfWork,
) -> None:
    # A question is linked only once Telegram has answered (and after a restart it may be sent
    # twice): the reporter who replies to it before that is answering, not starting something new.
    waiting, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2), awaiting_answer=True)

    out = await reply(uow, text="Rincian: kwitansi ada pada saya", reply_to_message_id=4242)

    assert keys(out) == ["staff.reporter_answer", "reporter.answer_sent"]
    assert ROUTE not in uow.state.held
    assert [m.body for m in await uow.cases.messages(waiting.id)] == [
        "Rincian: kwitansi ada pada saya"]


async def test_given_no_question_waiting_when_the_reporter_replies_to_a_message_then_it_goes_but_a_plain_one_is_asked_about(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))

    replied = await reply(uow, text="Satu hal lagi", reply_to_message_id=4242)
    plain = await reply(uow, text="Halo, saya mau lapor yang lain")

    assert keys(replied) == ["staff.reporter_answer", "reporter.answer_sent"]
    assert keys(plain) == ["reporter.ask_relay"]
    assert uow.state.held[ROUTE].text == "Halo, saya mau lapor yang lain"
    assert [m.body for m in await uow.cases.messages(case.id)] == ["Satu hal lagi"]


async def test_given_a_single_open_case_when_a_free_message_then_it_is_held_and_the_reporter_asked(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, ROUTE, NOW - timedelta(days=9), status=C.CONCLUDED)
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))

    out = await reply(uow, text="Tambahan info")

    [asked] = says(out)
    assert (asked.key, asked.params) == ("reporter.ask_relay", {"number": case.number})
    assert [[b.data for b in row] for row in asked.buttons] == [
        [MenuButton("held", "send")], [MenuButton("held", "new"), MenuButton("held", "drop")]]
    assert uow.staff_bound() == [] and await uow.cases.messages(case.id) == []
    assert uow.state.held[ROUTE].text == "Tambahan info"  # kept until the choice


async def test_given_two_free_messages_when_sent_to_the_officer_then_both_go_as_one(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))
    await reply(uow, text="Tambahan info")
    await reply(uow, text="Dan satu lagi")

    out = await held_press(uow, "send")

    assert without_card_edit(out, case) == [
        Say(ToStaff(case.id), "staff.reporter_answer",
            {"number": case.number, "text": "Tambahan info\nDan satu lagi"}, lang="id",
            case_id=case.id, link_kind="reporter"),
        Say(ToChat(ROUTE), "reporter.answer_sent", {"number": case.number}, lang="id"),
    ]
    [message] = await uow.cases.messages(case.id)
    assert message.body == "Tambahan info\nDan satu lagi"
    assert ROUTE not in uow.state.held
    assert keys(await held_press(uow, "send")) == ["reporter.held_gone"]  # pressed twice
    assert len(await uow.cases.messages(case.id)) == 1


async def test_given_a_held_message_when_a_new_report_is_chosen_then_it_is_dropped_and_a_draft_begins(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))
    await reply(uow, text="Ada kejadian lain di kantor kecamatan")

    out = await held_press(uow, "new")

    # the intro and the first question are one message
    [first] = [s for s in out if isinstance(s, Say)]
    assert (first.key, first.params["note"], first.params["step"]) == (
        "intake.ask_category", "intake.intro", 1)
    assert ROUTE in uow.state.drafts and ROUTE not in uow.state.held
    assert uow.staff_bound() == [] and await uow.cases.messages(case.id) == []


async def test_given_a_held_message_when_cancelled_then_nothing_is_sent(uow: FakeUnitOfWork) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))
    await reply(uow, text="Salah kirim")

    out = await held_press(uow, "drop")

    assert keys(out) == ["reporter.held_dropped"]
    assert ROUTE not in uow.state.held and ROUTE not in uow.state.drafts
    assert uow.staff_bound() == [] and await uow.cases.messages(case.id) == []


async def test_given_a_held_message_when_its_case_closed_meanwhile_then_the_closed_answer(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))
    await reply(uow, text="Tambahan")
    async with uow:
        stored = await load(uow, case)
        stored.status, stored.closed_at, stored.outcome = C.NOT_ACTIONABLE, NOW, "Di luar wewenang."
        await uow.cases.save(stored)
        await uow.commit()

    out = await held_press(uow, "send")

    assert keys(out) == ["reporter.case_closed"]
    assert await uow.cases.messages(case.id) == []


async def test_given_several_cases_awaiting_then_the_reporter_is_asked_which(uow: FakeUnitOfWork) -> None:
    a, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2), awaiting_answer=True)
    b, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1), awaiting_answer=True)

    out = await reply(uow, text="Yang mana ya")

    assert out == [Say(ToChat(ROUTE), "reporter.which_case", {"numbers": f"{a.number}, {b.number}"},
                       lang="id")]
    assert await uow.cases.messages(a.id) == [] and await uow.cases.messages(b.id) == []


async def test_given_no_case_for_the_chat_when_a_first_message_then_the_welcome_with_the_menu(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, OTHER, NOW)

    out = await reply(uow, text="halo, saya mau lapor")

    [said] = says(out)
    assert (said.key, said.params) == ("start.welcome", {"institution": ""})
    assert [b.data for row in said.buttons for b in row][:2] == [
        MenuButton("lapor"), MenuButton("status")]
    assert uow.staff_bound() == [] and ROUTE not in uow.state.held


async def test_given_no_case_for_the_chat_when_a_file_then_the_no_case_hint(
    uow: FakeUnitOfWork,
) -> None:
    out = await reply(uow, evidence=Upload("photo", b"\xff\xd8\xff", "image/jpeg", None))

    assert out == [Say(ToChat(ROUTE), "reporter.no_case", lang="id")]


async def test_given_only_closed_cases_then_the_latest_is_named_with_its_outcome(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, ROUTE, NOW - timedelta(days=30), status=C.CONCLUDED)
    case, _ = await seed_case(uow, ROUTE, NOW, status=C.NOT_ACTIONABLE)
    async with uow:
        stored = await load(uow, case)
        stored.outcome = "Bukan wewenang kami; silakan ke Ombudsman."
        await uow.cases.save(stored)
        await uow.commit()

    out = await reply(uow, text="Why was it rejected? I have the photo.")

    [said] = says(out)
    assert said.key == "reporter.case_closed"
    assert said.params == {"number": case.number, "status": StatusName("not_actionable"),
                           "outcome": OutcomeBlock("Bukan wewenang kami; silakan ke Ombudsman.")}
    assert [[b.data for b in row] for row in said.buttons] == [[MenuButton("lapor")]]
    assert await uow.cases.messages(case.id) == [] and uow.staff_bound() == []


async def test_given_a_reply_to_a_closed_case_then_the_reporter_is_told_it_is_closed(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW, status=C.CONCLUDED)
    async with uow:
        await uow.cases.link_message(ROUTE, 5, case.id)
        await uow.commit()

    out = await reply(uow, text="Terima kasih", reply_to_message_id=5)

    assert keys(out) == ["reporter.case_closed"]
    assert says(out)[0].params["number"] == case.number
    assert await uow.cases.messages(case.id) == []


async def test_given_a_file_from_the_reporter_then_it_is_stored_on_the_case_and_re_sent_to_staff(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW, awaiting_answer=True)

    out = await reply(uow, evidence=Upload("document", b"%PDF-1.7", "application/pdf", "kuitansi.pdf"))

    stored = await load(uow, case)
    [evidence_id] = stored.evidence_ids
    assert without_card_edit(out, case) == [  # one message: the copy is its own notice
        SendEvidence(ToStaff(case.id), evidence_id, case.id, "id"),
        Say(ToChat(ROUTE), "reporter.answer_sent", {"number": case.number}, lang="id"),
    ]
    file = await uow.evidence.get(evidence_id)
    assert file is not None and (file.kind, file.data, file.file_name) == (
        "document", b"%PDF-1.7", "kuitansi.pdf")
    assert stored.awaiting_answer is False


# --------------------------------------------------------------------------- moves


ALLOWED = [(s, m) for m in MOVES for s in m.source]


@pytest.mark.parametrize(("source", "m"), ALLOWED, ids=[f"{s.value}:{m.trigger}" for s, m in ALLOWED])
async def test_given_an_allowed_move_then_the_reporter_is_told_and_the_audit_records_it(
    uow: FakeUnitOfWork, source: CaseStatus, m: Move,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=4), status=source)
    text = "Diteruskan ke Inspektorat Jenderal" if m.needs_text else None

    out = await move_case(uow, POLICY, CaseRef(number=case.number), m.trigger, STAFF_USER, text,
                          NOW, TOPIC)

    stored = await load(uow, case)
    assert stored.status is m.dest
    # Concluding without "Rekomendasi:" asks the officer for the recommendation next.
    asked = [s.key for s in says(out) if s.awaits is not None]
    assert asked == (["staff.prompt.recommendation"] if m.trigger == "conclude" else [])
    to_reporter, to_staff = [s for s in says(out) if s.awaits is None]
    assert to_reporter == Say(ToReporter(case.id), f"reporter.status.{m.dest.value}",
                              {"number": case.number, "status": m.dest.value, "outcome": text or ""},
                              lang="id", case_id=case.id)
    assert (to_staff.to, to_staff.key, to_staff.params) == (
        TOPIC, "staff.moved", {"number": case.number, "status": m.dest.value})
    assert to_staff.buttons == ()  # the live card offers the moves; a receipt none
    [edit] = [i for i in out if isinstance(i, EditCard)]
    shown = [b.key for row in edit.card.buttons for b in row]
    take = [] if m.dest in CLOSED else ["button.take"]  # nobody handles it yet: [Ambil]
    assert shown == [f"move.{x.trigger}" for x in MOVES if m.dest in x.source] + take
    assert f"state.{m.dest.value}" and edit.card.params["status"] == m.dest.value
    [topic] = [i for i in out if isinstance(i, ShowTopicStatus)]
    closes = None if (source in CLOSED) == (m.dest in CLOSED) else m.dest in CLOSED
    assert (topic.case_id, topic.status, topic.close) == (case.id, m.dest.value, closes)
    event = uow.state.audit[-1]
    assert (event.action, event.case_number, event.detail) == (
        "case.moved", case.number, f"{source.value}->{m.dest.value}")
    assert event.actor == uow.actor_token("staff", STAFF_USER)
    assert stored.acknowledged_at == NOW
    assert stored.updated_at == NOW
    assert stored.closed_at == (NOW if m.dest in CLOSED else None)
    assert stored.outcome == text
    if m.dest is C.NEEDS_INFO:
        assert stored.awaiting_answer is True
    if m.dest in CLOSED:
        assert stored.awaiting_answer is False


async def test_given_a_conclusion_without_text_then_text_required_and_nothing_changes(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW, status=C.CLARIFICATION)
    committed, audit = uow.committed, list(uow.state.audit)

    with pytest.raises(TextRequired):  # inside the unit of work, as the bus runs it
        await within(uow, lambda ctx: casework.move(ctx, case, "conclude", STAFF_USER, "   ", TOPIC),
                     policy=POLICY, now=NOW)

    assert (await load(uow, case)).status is C.CLARIFICATION
    assert (uow.committed, uow.state.audit) == (committed, audit)


async def test_given_a_move_command_without_its_text_then_staff_are_told_what_to_send_and_nothing_changes(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW, status=C.CLARIFICATION)
    audit = list(uow.state.audit)

    said = await handle(uow, MoveByCommand(command="selesai", ref=CaseRef(case_id=case.id),
                                           text=None, user_id=STAFF_USER, reply_in=TOPIC),
                        POLICY, NOW)

    assert [(s.to, s.key, s.params) for s in says(said.intents)] == [
        (TOPIC, "staff.move_hint", {"command": "selesai", "number": case.number})]
    assert (await load(uow, case)).status is C.CLARIFICATION
    assert uow.state.audit == audit


async def test_given_a_move_not_allowed_now_then_invalid_transition_and_nothing_changes(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW, status=C.CONCLUDED)
    sent = list(uow.sent)

    with pytest.raises(InvalidTransition):
        await move(uow, case, "verify")

    stored = await load(uow, case)
    assert (stored.status, stored.acknowledged_at) == (C.CONCLUDED, None)
    assert uow.sent == sent


async def test_given_an_acknowledged_case_when_moved_later_then_the_first_acknowledgement_stays(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=5))
    await move(uow, case, "verify", now=NOW - timedelta(days=4))

    await move(uow, case, "clarify")

    assert (await load(uow, case)).acknowledged_at == NOW - timedelta(days=4)


async def test_given_a_case_then_the_card_shows_it_without_the_ticket(uow: FakeUnitOfWork) -> None:
    case, ticket = await seed_case(uow, ROUTE, NOW)

    [card] = await show_case(uow, POLICY, CaseRef(number=case.number), TOPIC, NOW)

    assert isinstance(card, Say) and card.card and card.to == TOPIC
    assert card.params["number"] == case.number and card.params["what"] == case.report["what"]
    assert [b.key for row in card.buttons for b in row] == ["move.verify", "button.take"]
    assert card.params["handler"] == ""  # nobody handles it yet (the card says so)
    assert ticket not in repr(card) and str(ROUTE) not in repr(card)


# --------------------------------------------------------------------------- lists, statistics, reminders


async def test_given_open_cases_when_listed_then_oldest_first_with_overdue_markers(
    uow: FakeUnitOfWork,
) -> None:
    fresh, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    unanswered, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=8), category="penipuan")
    ancient, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=100), status=C.VERIFYING)
    await seed_case(uow, ROUTE, NOW - timedelta(days=200), status=C.CONCLUDED)
    in_time, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=30), status=C.CLARIFICATION)

    [out] = await list_open(uow, POLICY, NOW, TOPIC)

    assert isinstance(out, Say) and out.key == "staff.open_cases" and out.to == TOPIC
    assert out.params["rows"] == [
        [ancient.number, "korupsi", "verifying", 100, "feedback", "", ""],
        [in_time.number, "korupsi", "clarification", 30, "", "", ""],
        [unanswered.number, "penipuan", "received", 8, "ack", "", ""],
        [fresh.number, "korupsi", "received", 1, "", "", ""],
    ]


async def test_given_a_received_case_acknowledged_by_a_question_then_it_is_not_ack_overdue(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=10))
    await ask(uow, case, "Boleh tahu nama saksinya?", NOW - timedelta(days=9))

    [out] = await list_open(uow, POLICY, NOW, TOPIC)

    assert out.params["rows"] == [[case.number, "korupsi", "received", 10, "", "", ""]]  # type: ignore[union-attr]


async def test_given_no_open_cases_when_listed_then_none(uow: FakeUnitOfWork) -> None:
    await seed_case(uow, ROUTE, NOW, status=C.FORWARDED)

    [out] = await list_open(uow, POLICY, NOW, TOPIC)

    assert (out.key, out.params) == ("staff.no_open_cases", {"rows": []})  # type: ignore[union-attr]


async def stats_counts(uow: FakeUnitOfWork, out: object, now: datetime) -> dict[str, object]:
    """/statistik answers with the chart of this month, made when sent: its counts, as the
    sender reads them through the ports."""
    from flows.intents import SendReport
    from flows.report_sources import period_report

    assert isinstance(out, SendReport) and out.kind == "statistics" and out.to == TOPIC
    assert out.start is not None and out.end is not None
    async with uow:
        report = await period_report(uow, POLICY, out.start, out.end, now)
    return {"total": report.total,
            "by_status": [(s.value, n) for s, n in report.by_status if n],
            "by_category": [(c, n) for c, n in report.by_category if n]}


async def test_given_cases_when_statistics_then_counts_by_status_and_category(uow: FakeUnitOfWork) -> None:
    for status, category in [(C.RECEIVED, "korupsi"), (C.RECEIVED, "penipuan"), (C.CONCLUDED, "korupsi"),
                             (C.VERIFYING, "korupsi"), (C.RECEIVED, "korupsi")]:
        await seed_case(uow, ROUTE, NOW, status=status, category=category)

    [out] = await statistics(uow, POLICY, TOPIC, NOW)

    assert await stats_counts(uow, out, NOW) == {
        "total": 5,
        "by_status": [("received", 3), ("verifying", 1), ("concluded", 1)],
        "by_category": [("korupsi", 4), ("penipuan", 1)],
    }


async def test_given_no_cases_when_statistics_then_zero(uow: FakeUnitOfWork) -> None:
    [out] = await statistics(uow, POLICY, TOPIC, NOW)

    assert await stats_counts(uow, out, NOW) == {"total": 0, "by_status": [], "by_category": []}


async def test_given_overdue_cases_then_the_reminder_fires_once_a_day_only(uow: FakeUnitOfWork) -> None:
    late, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=8))
    await seed_case(uow, ROUTE, NOW - timedelta(days=1))

    first = await remind_overdue(uow, POLICY, NOW)
    again = await remind_overdue(uow, POLICY, NOW + timedelta(hours=5))
    tomorrow = await remind_overdue(uow, POLICY, NOW + timedelta(days=1))

    assert first == [Say(ToStaff(), "staff.overdue", {"rows": [(late.number, "ack", 8, "")]}, lang="id")]
    assert again == []
    assert keys(tomorrow) == ["staff.overdue"]
    assert [e.detail for e in uow.state.audit if e.action == "reminder.overdue"] == ["1", "1"]


async def test_given_nothing_overdue_then_the_reminder_says_nothing(uow: FakeUnitOfWork) -> None:
    await seed_case(uow, ROUTE, NOW - timedelta(days=1))

    assert await remind_overdue(uow, POLICY, NOW) == []
    assert "reminder.overdue" not in uow.actions()


# --------------------------------------------------------------------------- what staff may never see


async def test_given_a_whole_conversation_then_no_staff_message_holds_the_route_or_the_ticket(
    uow: FakeUnitOfWork,
) -> None:
    case, ticket = await seed_case(uow, ROUTE, NOW - timedelta(days=9))
    await show_case(uow, POLICY, CaseRef(number=case.number), TOPIC, NOW)
    await move(uow, case, "verify")
    await move(uow, case, "request_info")
    await ask(uow, case, "Ada foto?")
    await reply(uow, text="Ini fotonya", evidence=Upload("photo", b"jpg", "image/jpeg", None))
    await reply(uow, text=f"Kode tiket saya {ticket.lower()}, tolong dicek")
    await reply(uow, text=ticket.replace("-", " "), evidence=Upload("photo", b"jpg", "image/jpeg", None))
    await move(uow, case, "resume")
    await list_open(uow, POLICY, NOW, TOPIC)
    await statistics(uow, POLICY, TOPIC, NOW)
    await remind_overdue(uow, POLICY, NOW)
    await move(uow, case, "reject", "Bukan kewenangan kami")

    staff = repr(uow.staff_bound())
    assert len(uow.staff_bound()) >= 9  # one message per reporter file (issue 13)
    for secret in (ticket, ticket.replace("-", ""), str(int(ROUTE))):
        assert secret not in staff
    assert str(STAFF_USER) not in repr(uow.state.audit)


# --------------------------------------------------------------------------- a ticket code is no answer


@pytest.mark.parametrize("typed", ["{t}", "status {t}", "Ini kode saya: {t}.", "{bare}", "{lower}"])
async def test_given_a_ticket_code_in_an_answer_then_it_is_a_status_request_and_nothing_is_relayed(
    uow: FakeUnitOfWork, typed: str,
) -> None:
    case, ticket = await seed_case(uow, ROUTE, NOW - timedelta(days=2), awaiting_answer=True)
    text = typed.format(t=ticket, bare=ticket.replace("-", ""), lower=ticket.lower())

    out = await reply(uow, text=text)

    assert keys(out) == ["status.code_not_relayed", "status.show"]
    assert uow.staff_bound() == []
    assert await uow.cases.messages(case.id) == []
    assert (await load(uow, case)).awaiting_answer  # still waiting for a real answer


async def test_given_a_file_with_a_code_in_its_caption_then_the_file_is_not_kept(
    uow: FakeUnitOfWork,
) -> None:
    _, ticket = await seed_case(uow, ROUTE, NOW - timedelta(days=2))

    out = await reply(uow, text=f"bukti {ticket}", evidence=Upload("document", b"%PDF", "application/pdf", "a.pdf"))

    assert keys(out) == ["status.file_not_kept", "status.show"]
    assert uow.staff_bound() == [] and uow.state.evidence == {}


async def test_given_a_wrong_code_in_an_answer_then_it_is_not_relayed_and_counts_as_a_guess(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))

    out = await reply(uow, text="apakah kodenya 7Q3M-9X2K-HB4T-0RVW?")

    assert keys(out) == ["status.unknown_in_text"]
    assert uow.staff_bound() == [] and await uow.cases.messages(case.id) == []
    assert uow.state.throttle["status:*"].count == 1


async def test_given_a_long_word_that_reads_as_a_code_then_the_answer_is_relayed(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, ROUTE, NOW - timedelta(days=2))

    out = await reply(uow, text="Saya masih mempertimbangkan hal itu.")

    assert keys(out) == ["reporter.ask_relay"]
    assert uow.state.held[ROUTE].text == "Saya masih mempertimbangkan hal itu."
    assert uow.state.throttle == {}


async def test_given_no_case_when_a_code_is_written_then_it_is_a_status_request(
    uow: FakeUnitOfWork,
) -> None:
    _, ticket = await seed_case(uow, OTHER, NOW - timedelta(days=2))

    out = await reply(uow, text=ticket)

    assert keys(out) == ["status.code_not_relayed", "status.show", "status.moved_away"]
    assert uow.staff_bound() == []


# --------------------------------------------------------------------------- held cases


HELD_UNTIL = NOW + timedelta(minutes=40)


async def test_given_a_case_held_back_by_the_new_case_delay_then_no_staff_view_reaches_it(
    uow: FakeUnitOfWork,
) -> None:
    seen, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=9))
    held, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=9), post_after=HELD_UNTIL)

    [listing] = await list_open(uow, POLICY, NOW, TOPIC)
    [stats] = await run(uow, ShowStatistics(period="30", user_id=STAFF_USER, reply_in=TOPIC),
                        POLICY, NOW)
    reminder = await remind_overdue(uow, POLICY, NOW)

    assert [row[0] for row in listing.params["rows"]] == [seen.number]  # type: ignore[union-attr]
    assert (await stats_counts(uow, stats, NOW))["total"] == 1
    assert [row[0] for row in reminder[0].params["rows"]] == [seen.number]  # type: ignore[union-attr]
    for ref in (CaseRef(number=held.number), CaseRef(case_id=held.id)):
        with pytest.raises(UnknownCase):
            await show_case(uow, POLICY, ref, TOPIC, NOW)
        with pytest.raises(UnknownCase):
            await ask_reporter(uow, POLICY, ref, STAFF_USER, "Halo?", NOW, TOPIC)
        with pytest.raises(UnknownCase):
            await move_case(uow, POLICY, ref, "verify", STAFF_USER, None, NOW, TOPIC)
    assert all(repr(held.number) not in repr(i) for i in uow.sent)
    assert (await load(uow, held)).status is C.RECEIVED


async def test_given_a_held_case_after_its_announcement_time_then_every_view_sees_it(
    uow: FakeUnitOfWork,
) -> None:
    held, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=9), post_after=HELD_UNTIL)
    later = HELD_UNTIL

    reminder = await remind_overdue(uow, POLICY, later)
    [listing] = await list_open(uow, POLICY, later, TOPIC)
    [stats] = await run(uow, ShowStatistics(period="30", user_id=STAFF_USER, reply_in=TOPIC),
                        POLICY, later)
    [card] = await show_case(uow, POLICY, CaseRef(number=held.number), TOPIC, later)
    asked = await ask_reporter(uow, POLICY, CaseRef(number=held.number), STAFF_USER, "Halo?",
                               later, TOPIC)

    assert [row[0] for row in listing.params["rows"]] == [held.number]  # type: ignore[union-attr]
    assert (await stats_counts(uow, stats, later))["total"] == 1
    assert card.params["number"] == held.number  # type: ignore[union-attr]
    assert keys(asked) == ["reporter.question", "staff.relayed"]
    assert keys(reminder) == ["staff.overdue"]
