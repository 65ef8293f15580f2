"""Status by ticket code, from any chat: the only way back for a reporter, guarded against guessing."""

from __future__ import annotations

from datetime import datetime

from flows.errors import MalformedTicketInput, TooManyAttempts, UnknownTicket
from flows.intents import ChatRoute, Intent, Say, ToChat
from flows.model import Direction
from flows.policy import Policy
from flows.ports import UnitOfWork
from flows.tickets import MalformedTicket, normalize_ticket

TIMELINE_ACTIONS = {"case.submitted", "case.moved", "relay.to_reporter", "relay.to_staff"}


async def check_status(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, raw_code: str, language: str,
    now: datetime,
) -> list[Intent]:
    """Show a case's status to whoever holds its ticket code, and route replies to this chat."""
    window = policy.status_window.total_seconds()
    chat_key = f"status:{uow.actor_token('chat', route)}"
    async with uow:
        await uow.lock_chat(route)
        try:
            ticket = normalize_ticket(raw_code)
        except MalformedTicket:
            raise MalformedTicketInput from None
        # Failed guesses count, per chat and overall; once either limit is reached, every code
        # is refused until the window has passed, the right one too (a guesser learns nothing).
        limits = ((chat_key, policy.status_attempts_per_chat),
                  ("status:*", policy.status_attempts_global))
        if await uow.throttle.any_exceeded(limits, window, now):
            raise TooManyAttempts
        case = await uow.cases.by_ticket(ticket)
        if case is None:
            for key, limit in limits:
                await uow.throttle.hit(key, limit, window, now)
            await uow.commit()
            raise UnknownTicket
        await uow.cases.set_route(case.id, route)
        await uow.chats.set_language(route, language)
        events = await uow.audit.for_case(case.number)
        timeline = [[e.at.date().isoformat(), e.action, e.detail.split("->")[-1]]
                    for e in events if e.action in TIMELINE_ACTIONS][-8:]
        question = ""
        if case.awaiting_answer:
            asked = [m for m in await uow.cases.messages(case.id)
                     if m.direction is Direction.TO_REPORTER]
            question = asked[-1].body if asked else ""
        await uow.audit.record("reporter", "status.checked", case.number)
        say = Say(ToChat(route), "status.show", {
            "number": case.number, "status": case.status.value, "timeline": timeline,
            "question": question, "outcome": case.outcome or "",
        }, lang=language, case_id=case.id)
        await uow.outbox.put([say])
        await uow.commit()
        return [say]
