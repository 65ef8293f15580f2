"""Issue 13, storage of staff relays on SQLite and PostgreSQL: message links keep their kind (and a
confirmation its relay), a waiting relay is deleted by [Batalkan] only while no sender holds it,
and the relays among delivered messages are read back whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.buttons import RelayButton
from flows.delivery_model import Link, LinkKind, StaffLink
from flows.intents import Button, EditConfirmation, RelayFile, Say, ToReporter, ToStaff
from storage.models import OutboxRow
from storage.uow import Database
from tests.integration.test_outbox import _case, claim

RELAY = "5d1c9a50-0000-4000-8000-00000000beef"


async def test_given_links_of_each_kind_then_a_reply_finds_case_and_kind(db: Database) -> None:
    case = await _case(db)
    async with db.uow() as uow:
        await uow.cases.link_messages([
            Link(case.id, None, 10, card=True, kind=LinkKind.CARD),
            Link(case.id, None, 11, kind=LinkKind.EVIDENCE),
            Link(case.id, None, 12, kind=LinkKind.CONFIRMATION, relay_id=RELAY)])
        await uow.cases.link_message("staff", 13, case.id)  # as written before kinds were kept
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.cases.staff_link(10) == StaffLink(case.id, LinkKind.CARD)
        assert await uow.cases.staff_link(11) == StaffLink(case.id, LinkKind.EVIDENCE)
        assert await uow.cases.staff_link(13) == StaffLink(case.id, None)
        assert await uow.cases.staff_link(99) is None
        assert await uow.cases.relay_confirmation(RELAY) == 12
        assert await uow.cases.relay_confirmation("no-such-relay") is None


async def test_given_a_waiting_relay_when_cancelled_then_it_is_gone_and_only_once(
    db: Database,
) -> None:
    case = await _case(db)
    relay = Say(ToReporter(case.id), "reporter.question", {"number": case.number, "text": "Q?"},
                case_id=case.id, relay_id=RELAY)
    confirmation = Say(ToStaff(thread_id=5), "staff.relay_waiting", {"number": case.number},
                       buttons=((Button("button.relay_cancel", RelayButton(RELAY)),),),
                       case_id=case.id, link_kind=LinkKind.CONFIRMATION, relay_id=RELAY)
    async with db.uow() as uow:
        await uow.outbox.put([confirmation])
        await uow.outbox.put([relay], datetime.now(UTC) + timedelta(seconds=20))
        await uow.commit()

    async with db.uow() as uow:
        assert await uow.outbox.cancel_relay(RELAY) == relay
        assert await uow.outbox.cancel_relay(RELAY) is None
        await uow.commit()
    [left] = await claim(db, datetime.now(UTC) + timedelta(minutes=1))
    assert left.intent == confirmation  # the confirmation is no relay: it stays


async def test_given_a_relay_a_sender_holds_when_cancelled_then_it_is_too_late(
    db: Database,
) -> None:
    case = await _case(db)
    file = RelayFile(ToReporter(case.id), case.id, case.number, "document", b"%PDF-1.4 x",
                     "application/pdf", "Isi formulir ini", "id", RELAY)
    async with db.uow() as uow:
        await uow.outbox.put([file])
        await uow.commit()
    [held] = await claim(db, datetime.now(UTC))
    assert held.intent == file

    async with db.uow() as uow:
        assert await uow.outbox.cancel_relay(RELAY) is None
        assert await uow.outbox.relays([held.id]) == [file]
        await uow.commit()


async def test_given_an_edit_of_a_confirmation_then_it_round_trips_without_the_relay_column(
    db: Database,
) -> None:
    case = await _case(db)
    edit = EditConfirmation(ToStaff(case.id), RELAY, "staff.relay_sent", {"number": case.number})
    async with db.uow() as uow:
        [queued] = await uow.outbox.put([edit])
        assert await uow.outbox.relays([queued.id]) == []
        row = await uow.session.get(OutboxRow, queued.id)  # type: ignore[attr-defined]
        assert row is not None and row.relay_id is None
        await uow.commit()
    [item] = await claim(db, datetime.now(UTC))
    assert item.intent == edit
