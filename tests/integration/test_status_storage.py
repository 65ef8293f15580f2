"""Storage for issue 10's status rules, on SQLite and PostgreSQL: the reply prompt kept per chat,
held cases left out of staff views, several codes looked up at once, and counted guesses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from flows.intents import ChatRoute, Say, ToChat
from flows.tickets import new_ticket_code
from storage.models import ChatRow
from storage.uow import Database
from tests.integration.test_repositories import NOW, OTHER, ROUTE, a_case, add_case


async def test_given_a_reply_prompt_then_it_is_kept_per_chat_until_cleared(db: Database) -> None:
    async with db.uow() as uow:
        await uow.chats.set_language(ROUTE, "en")
        await uow.chats.set_ticket_prompt(ROUTE, "id", NOW + timedelta(minutes=15))
        await uow.chats.set_ticket_prompt(OTHER, "id", NOW + timedelta(minutes=5))  # a new chat
        await uow.commit()

    async with db.uow() as uow:
        assert (await uow.chats.state(ROUTE)).ticket_prompt == NOW + timedelta(minutes=15)
        assert await uow.chats.language(ROUTE) == "en"  # the language stays as chosen
        assert await uow.chats.language(OTHER) == "id"
        assert (await uow.chats.state(ChatRoute(1))).ticket_prompt is None
        await uow.chats.clear_ticket_prompt(ROUTE)
        await uow.chats.clear_ticket_prompt(ChatRoute(1))  # nothing to clear: nothing happens
        await uow.commit()

    async with db.uow() as uow:
        assert (await uow.chats.state(ROUTE)).ticket_prompt is None
        assert (await uow.chats.state(OTHER)).ticket_prompt == NOW + timedelta(minutes=5)
        assert await uow.chats.language(ROUTE) == "en"
    async with db.sessions() as session:  # only keyed hashes: no chat id in the table
        rows = (await session.execute(select(ChatRow))).scalars().all()
    assert len(rows) == 2 and all(str(int(ROUTE)).encode() not in r.chat_hash for r in rows)


async def test_given_a_case_held_by_the_new_case_delay_then_staff_lists_leave_it_out_until_then(
    db: Database,
) -> None:
    shown = a_case(1)
    held = replace(a_case(2), post_after=NOW + timedelta(minutes=30))
    await add_case(db, shown)
    await add_case(db, held)

    async with db.uow() as uow:
        assert [c.number for c in await uow.cases.open_cases(NOW)] == [shown.number]
        assert await uow.cases.counts(NOW) == {("received", "korupsi"): 1}
        later = NOW + timedelta(minutes=30)
        assert [c.number for c in await uow.cases.open_cases(later)] == [shown.number, held.number]
        assert await uow.cases.counts(later) == {("received", "korupsi"): 2}


async def test_given_several_codes_then_one_lookup_tells_which_open_a_case(db: Database) -> None:
    first, second = a_case(1), a_case(2)
    ticket = await add_case(db, first)
    await add_case(db, second)
    strangers = [new_ticket_code() for _ in range(40)]

    async with db.uow() as uow:
        assert await uow.cases.known_tickets([*strangers[:20], ticket, *strangers[20:]]) == {ticket}
        assert await uow.cases.known_tickets(strangers) == set()
        assert await uow.cases.known_tickets([]) == set()


async def test_given_a_case_moved_to_another_chat_then_its_route_follows(db: Database) -> None:
    case = a_case(1)
    await add_case(db, case, route=ROUTE)

    async with db.uow() as uow:
        assert await uow.cases.route_of(case.id) == ROUTE
        await uow.cases.set_route(case.id, OTHER)
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.cases.route_of(case.id) == OTHER


async def test_given_attempts_counted_several_at_once_then_the_window_count_adds_up(
    db: Database,
) -> None:
    async with db.uow() as uow:
        assert await uow.throttle.count("status:x", 900, NOW) == 0
        assert await uow.throttle.add("status:x", 3, 900, NOW) == 3
        assert await uow.throttle.add("status:x", 2, 900, NOW + timedelta(minutes=1)) == 5
        assert await uow.throttle.hit("status:x", 6, 900, NOW + timedelta(minutes=2)) is True
        assert await uow.throttle.hit("status:x", 6, 900, NOW + timedelta(minutes=3)) is False
        await uow.commit()

    async with db.uow() as uow:
        assert await uow.throttle.count("status:x", 900, NOW + timedelta(minutes=4)) == 7
        later = NOW + timedelta(minutes=15)  # a new window
        assert await uow.throttle.count("status:x", 900, later) == 0
        assert await uow.throttle.add("status:x", 4, 900, later) == 4


async def test_given_a_message_with_a_reply_prompt_when_queued_then_it_comes_out_with_it(
    db: Database,
) -> None:
    asking = Say(ToChat(ROUTE), "status.ask_code", lang="en", reply_prompt="status.code_placeholder")
    plain = Say(ToChat(OTHER), "status.ask_code")
    async with db.uow() as uow:
        await uow.outbox.put([asking, plain])
        await uow.commit()

    async with db.uow() as uow:
        claimed = await uow.outbox.claim(datetime.now(UTC))
    assert sorted((i.intent for i in claimed), key=lambda s: s.lang) == [asking, plain]
