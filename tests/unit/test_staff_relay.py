"""Issue 13: which staff replies relay, the quiet hint, the relay window ([Batalkan]) and when a
question counts as asked. Driven through the message bus over the in-memory unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows import staff_relay
from flows.buttons import RelayButton, decode, encode
from flows.commands import StaffPress, StaffReply
from flows.delivery_model import Link, LinkKind
from flows.intents import EditConfirmation, RelayFile, Say, ToReporter, ToStaff
from flows.model import Direction
from flows.uploads import Upload
from tests.unit.drive import handle, within, without_card_edit
from tests.unit.fakes import FakeUnitOfWork, policy, seed_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICER, COLLEAGUE = 424242001, 424242002
TOPIC = ToStaff(thread_id=55)
AT_ONCE = policy()
WINDOW = policy(relay_delay=timedelta(seconds=20))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


async def _case_with_links(uow: FakeUnitOfWork, **kinds: int):
    """A case whose staff-group messages `kinds` (kind -> message id) are linked; `card` is
    the case's card; `legacy` a link written before kinds were kept."""
    case, _ = await seed_case(uow, 7395501234, NOW - timedelta(days=1))
    async with uow:
        for kind, message_id in kinds.items():
            await uow.cases.link_messages([Link(case.id, None, message_id, kind.endswith("card"),
                                                None if kind.startswith("legacy") else kind)])
        await uow.commit()
    return case


async def reply(uow, message_id: int, text: str = "Ada saksi lain?", who: int = OFFICER,
                p=AT_ONCE, upload: Upload | None = None):
    return await handle(uow, StaffReply(user_id=who, replied_message_id=message_id, text=text,
                                        reply_in=TOPIC, upload=upload), p, NOW)


@pytest.mark.parametrize("kind", [LinkKind.EVIDENCE, LinkKind.NOTE, LinkKind.CONFIRMATION])
async def test_given_an_internal_message_when_replied_to_then_nothing_relays_and_the_hint_comes_once(
    uow: FakeUnitOfWork, kind: str,
) -> None:
    case = await _case_with_links(uow, card=10, **{kind: 11})

    first = await reply(uow, 11, "Cek CCTV lantai 3")
    again = await reply(uow, 11, "Cek CCTV lantai 3 (lagi)")
    colleague = await reply(uow, 11, "Saya ikut", who=COLLEAGUE)

    assert first.intents == [Say(ToStaff(case.id), "staff.relay_hint", {"number": case.number},
                                 lang="id", silent=True)]
    assert again.intents == []  # once per case and officer
    assert [i.key for i in colleague.intents] == ["staff.relay_hint"]
    assert not [i for i in uow.sent if isinstance(i, Say) and isinstance(i.to, ToReporter)]
    assert await uow.cases.messages(case.id) == []


@pytest.mark.parametrize("kind", ["card", LinkKind.REPORTER])
async def test_given_the_card_or_a_reporter_message_when_replied_to_then_it_relays(
    uow: FakeUnitOfWork, kind: str,
) -> None:
    case = await _case_with_links(uow, card=10, reporter=12)

    out = await reply(uow, 10 if kind == "card" else 12)

    relayed = without_card_edit(out.intents, case.id)
    assert [i.key for i in relayed] == ["reporter.question", "staff.relayed"]
    assert relayed[0].to == ToReporter(case.id)


async def test_given_links_from_before_kinds_when_replied_to_then_only_the_card_relays(
    uow: FakeUnitOfWork,
) -> None:
    case = await _case_with_links(uow, legacy_card=10, legacy_other=11)
    async with uow:
        stored = await uow.cases.get(case.id)
        assert stored is not None and stored.card_message_id == 10
        await uow.commit()

    relayed = without_card_edit((await reply(uow, 10)).intents, case.id)
    assert [i.key for i in relayed] == ["reporter.question", "staff.relayed"]
    assert [i.key for i in (await reply(uow, 11)).intents] == ["staff.relay_hint"]


async def test_given_a_message_of_no_case_when_replied_to_then_nothing_happens(
    uow: FakeUnitOfWork,
) -> None:
    await _case_with_links(uow, card=10)
    out = await reply(uow, 99)
    assert (out.intents, out.error) == ([], None)


async def test_given_a_window_when_asking_then_the_question_waits_and_is_not_yet_asked(
    uow: FakeUnitOfWork,
) -> None:
    case = await _case_with_links(uow, card=10)

    await reply(uow, 10, p=WINDOW)

    [confirmation, relay] = uow.sent
    assert confirmation.key == "staff.relay_waiting" and confirmation.relay_id
    assert confirmation.link_kind == LinkKind.CONFIRMATION
    [[button]] = confirmation.buttons
    assert button.data == RelayButton(confirmation.relay_id)
    assert decode(encode(button.data)) == button.data
    assert relay.to == ToReporter(case.id) and relay.relay_id == confirmation.relay_id
    [entry] = [e for e in uow.state.outbox if e.intent is relay]
    assert entry.not_before == NOW + timedelta(seconds=20)
    stored = await uow.cases.get(case.id)
    assert stored is not None and not stored.awaiting_answer  # not asked until it leaves
    assert await uow.cases.messages(case.id) == []


async def test_given_a_waiting_relay_when_batalkan_is_pressed_then_it_is_gone_and_never_asked(
    uow: FakeUnitOfWork,
) -> None:
    case = await _case_with_links(uow, card=10)
    await reply(uow, 10, "Catatan internal", p=WINDOW)
    relay_id = uow.sent[0].relay_id

    pressed = await handle(uow, StaffPress(user_id=COLLEAGUE, button=RelayButton(relay_id)),
                           WINDOW, NOW)
    late = await handle(uow, StaffPress(user_id=OFFICER, button=RelayButton(relay_id)),
                        WINDOW, NOW)

    assert pressed.intents == [EditConfirmation(ToStaff(case.id), relay_id,
                                                "staff.relay_cancelled", {"number": case.number})]
    assert not [e for e in uow.state.outbox if getattr(e.intent, "relay_id", None) == relay_id
                and isinstance(e.intent.to, ToReporter)]
    assert late.answer is not None and late.answer.key == "staff.relay_too_late"
    assert "relay.cancelled" in [e.action for e in uow.state.audit]
    assert "relay.to_reporter" not in [e.action for e in uow.state.audit]
    assert await uow.cases.messages(case.id) == []


async def test_given_a_relay_that_left_then_it_is_asked_and_its_confirmation_says_so(
    uow: FakeUnitOfWork,
) -> None:
    case = await _case_with_links(uow, card=10)
    await reply(uow, 10, "Kapan uangnya diserahkan?", p=WINDOW)
    relay = uow.sent[1]

    said = await within(uow, lambda ctx: staff_relay.sent(ctx, relay), policy=WINDOW, now=NOW)

    assert without_card_edit(said, case.id) == [
        EditConfirmation(ToStaff(case.id), relay.relay_id, "staff.relay_sent",
                         {"number": case.number})]
    [asked] = await uow.cases.messages(case.id)
    assert (asked.direction, asked.body) == (Direction.TO_REPORTER, "Kapan uangnya diserahkan?")
    stored = await uow.cases.get(case.id)
    assert stored is not None and stored.awaiting_answer
    assert "relay.to_reporter" in [e.action for e in uow.state.audit]


async def test_given_a_staff_file_when_relayed_then_it_goes_as_a_file_and_the_officer_is_told(
    uow: FakeUnitOfWork,
) -> None:
    case = await _case_with_links(uow, card=10)
    photo = Upload("photo", b"jpeg", "image/jpeg", None, metadata_removed=True)

    out = await reply(uow, 10, "Lingkari lokasinya", upload=photo)

    [relay] = [i for i in out.intents if isinstance(i, RelayFile)]
    assert (relay.kind, relay.data, relay.text, relay.to) == (
        "photo", b"jpeg", "Lingkari lokasinya", ToReporter(case.id))
    assert [i.key for i in out.intents if isinstance(i, Say)] == [
        "staff.relayed", "staff.file_metadata_removed"]


async def test_given_a_staff_file_peluit_cannot_clean_then_it_is_held_back_once(
    uow: FakeUnitOfWork,
) -> None:
    case = await _case_with_links(uow, card=10)
    pdf = Upload("document", b"%PDF", "application/pdf", None, may_carry_metadata=True)

    held = await reply(uow, 10, "", upload=pdf)
    taken = await reply(uow, 10, "", upload=pdf)

    assert [i.key for i in held.intents] == ["staff.file_held"]
    taken_intents = without_card_edit(taken.intents, case.id)
    assert [type(i).__name__ for i in taken_intents] == ["RelayFile", "Say", "Say"]
    assert [i.key for i in taken_intents if isinstance(i, Say)] == [
        "staff.relayed", "staff.file_metadata_kept"]

