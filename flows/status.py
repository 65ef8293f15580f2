"""Status by ticket code, from any chat: the only way back for a reporter, guarded against guessing.

A ticket code is a credential, so it must never reach staff. Whatever a reporter writes (a text,
an answer during a report, contact details, a file's caption) is screened first: a code in it
makes the message a status request, and the message itself is neither relayed nor stored.
*Cek status* asks for the code with a reply prompt; the chat's next message is taken as the code.

Guessing: every failed lookup of a code counts against the chat (`status_attempts_per_chat` per
window; then every code is refused until the window ends, the right one too). Across all chats,
failed guesses are only counted: above `status_attempts_global` in a window the log and staff
are told, at most once a window. Nobody is refused because others guess (an 80-bit code cannot
be guessed; docs/THREAT_MODEL.md has the arithmetic).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from flows.errors import MalformedTicketInput, TooManyAttempts, UnknownTicket
from flows.intents import ChatRoute, Intent, Say, ToChat, ToStaff
from flows.model import Case, Direction
from flows.policy import Policy
from flows.ports import UnitOfWork
from flows.tickets import Candidate, MalformedTicket, normalize_ticket, ticket_candidates

log = logging.getLogger("peluit.status")

TIMELINE_ACTIONS = {"case.submitted", "case.moved", "relay.to_reporter", "relay.to_staff"}
PROMPT_TTL = timedelta(minutes=15)
"""How long after *Cek status* the chat's next message is taken as the code."""
PLACEHOLDER = "status.code_placeholder"
MAX_LOOKUPS = 32
"""Most codes one message may hold: natural text holds a few words that read as codes at most; a
message holding more is refused whole, unlooked (each lookup is a guess)."""
GLOBAL_KEY = "status:*"
ALERT_KEY = "status:alert"


def ask_code(route: ChatRoute, language: str, key: str = "status.ask_code") -> Say:
    return Say(ToChat(route), key, lang=language, reply_prompt=PLACEHOLDER)


async def _finish(uow: UnitOfWork, intents: list[Intent]) -> list[Intent]:
    await uow.outbox.put(intents)
    await uow.commit()
    return intents


async def ask_for_ticket(
    uow: UnitOfWork, route: ChatRoute, language: str, now: datetime
) -> list[Intent]:
    """*Cek status* (menu, `/start status`, `/status` alone): ask for the code with a reply
    prompt, and take the chat's next message as the code (for `PROMPT_TTL`)."""
    async with uow:
        await uow.lock_chat(route)
        await uow.chats.set_ticket_prompt(route, language, now + PROMPT_TTL)
        return await _finish(uow, [ask_code(route, language)])


async def forget_prompt(uow: UnitOfWork, route: ChatRoute, intents: list[Intent]) -> list[Intent]:
    """Say `intents` (e.g. the welcome of `/start`), and stop waiting for a code in this chat."""
    async with uow:
        await uow.lock_chat(route)
        await uow.chats.clear_ticket_prompt(route)
        return await _finish(uow, intents)


async def check_status(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, raw_code: str, language: str,
    now: datetime,
) -> list[Intent]:
    """`/status <code>`: show a case's status to whoever holds its ticket code, and route
    replies to this chat."""
    async with uow:
        await uow.lock_chat(route)
        try:
            ticket = normalize_ticket(raw_code)
        except MalformedTicket:
            raise MalformedTicketInput from None
        await uow.chats.clear_ticket_prompt(route)
        # A refusal writes nothing: a guesser learns nothing, not even whether the code exists.
        if await _budget_left(uow, policy, route, now) < 1:
            raise TooManyAttempts
        case = await uow.cases.by_ticket(ticket)
        if case is None:
            await uow.outbox.put(await _count_failures(uow, policy, route, 1, now))
            await uow.commit()
            raise UnknownTicket
        return await _finish(uow, await _show(uow, route, case, language))


async def screen_message(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, text: str, language: str, now: datetime,
    *, file: bool = False,
) -> list[Intent]:
    """A reporter's text or a file's caption, before anything else is done with it: when it
    holds a ticket code, the status request is answered (and committed) and its intents are
    returned; otherwise [] and nothing was written."""
    async with uow:
        await uow.lock_chat(route)
        return await status_request(uow, policy, route, text, language, now, file=file) or []


async def status_request(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, text: str, language: str, now: datetime,
    *, drafted_at: datetime | None = None, file: bool = False,
) -> list[Intent] | None:
    """In an open unit of work, with the chat locked: whether the message is a status request.

    Returns None for ordinary text (nothing written); otherwise answers it, commits and returns
    the intents. The message itself is then neither relayed nor stored. A reply prompt opened
    after the draft's last change (`drafted_at`) makes the whole text the code; a caption
    (`file`) is only searched for codes, and the file is not kept.
    """
    found = ticket_candidates(text)
    asked = not file and await _asked(uow, route, now, drafted_at)
    if asked:  # whatever it holds, it was meant as the code: no word in it is ordinary text
        await uow.chats.clear_ticket_prompt(route)
        found = [Candidate(c.code, code_like=True) for c in found]
        try:
            whole = normalize_ticket(text)
        except MalformedTicket:
            if not found:
                await uow.chats.set_ticket_prompt(route, language, now + PROMPT_TTL)
                return await _finish(uow, [ask_code(route, language, "status.ask_again")])
        else:
            found = [Candidate(whole, code_like=True), *(c for c in found if c.code != whole)]
    if not found:
        return None
    note = [Say(ToChat(route), "status.file_not_kept", lang=language)] if file else []
    guesses = [c.code for c in found if c.code_like]
    if len(found) > MAX_LOOKUPS or await _budget_left(uow, policy, route, now) < max(1, len(guesses)):
        minutes = int(policy.status_window.total_seconds() // 60)
        key = "status.too_many" if asked else "status.too_many_in_text"
        return await _finish(uow, [*note, Say(ToChat(route), key, {"minutes": minutes},
                                              lang=language)])
    known = await uow.cases.known_tickets([c.code for c in found])
    match = next((c.code for c in found if c.code in known), None)
    if match is not None:
        case = await uow.cases.by_ticket(match)
        if case is not None:
            if not (note or asked):
                note = [Say(ToChat(route), "status.code_not_relayed", lang=language)]
            return await _finish(uow, [*note, *await _show(uow, route, case, language)])
    if not guesses:
        return None  # a word or phrase that reads as a code but is none: ordinary text
    alert = await _count_failures(uow, policy, route, len(guesses), now)
    key = "status.unknown" if asked else "status.unknown_in_text"
    return await _finish(uow, [*note, Say(ToChat(route), key, lang=language), *alert])


async def _asked(
    uow: UnitOfWork, route: ChatRoute, now: datetime, drafted_at: datetime | None
) -> bool:
    """A reply prompt is open, and is newer than the draft's last change (a reporter who went
    on with the report after asking has moved on)."""
    until = await uow.chats.ticket_prompt(route)
    if until is None or until <= now:
        return False
    return drafted_at is None or drafted_at <= until - PROMPT_TTL


def _chat_key(uow: UnitOfWork, route: ChatRoute) -> str:
    return f"status:{uow.actor_token('chat', route)}"


async def _budget_left(uow: UnitOfWork, policy: Policy, route: ChatRoute, now: datetime) -> int:
    """Failed guesses this chat may still make in the current window."""
    window = policy.status_window.total_seconds()
    used = await uow.throttle.count(_chat_key(uow, route), window, now)
    return policy.status_attempts_per_chat - used


async def _count_failures(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, failed: int, now: datetime
) -> Sequence[Intent]:
    """Count failed guesses against the chat, and overall; an unusual overall rate is reported
    (the log and the staff group, once a window), never refused."""
    window = policy.status_window.total_seconds()
    await uow.throttle.add(_chat_key(uow, route), failed, window, now)
    total = await uow.throttle.add(GLOBAL_KEY, failed, window, now)
    if total <= policy.status_attempts_global or not await uow.throttle.hit(
            ALERT_KEY, 1, window, now):
        return []
    minutes = int(window // 60)
    log.warning("status.guessing failed=%d window_minutes=%d", total, minutes)
    await uow.audit.record("system", "status.guessing", None, str(total))
    return [Say(ToStaff(), "staff.status_guessing", {"count": total, "minutes": minutes},
                lang=policy.staff_language)]


async def _show(uow: UnitOfWork, route: ChatRoute, case: Case, language: str) -> list[Intent]:
    """The case's status for this chat, which from now on receives the case's messages; the
    chat that received them until now is told (the audit records the move, without ids)."""
    intents: list[Intent] = []
    before = await uow.cases.route_of(case.id)
    await uow.cases.set_route(case.id, route)
    if before is not None and before != route:
        told = await uow.chats.language(before) or case.language
        intents.append(Say(ToChat(before), "status.moved_away", {"number": case.number},
                           lang=told))
        await uow.audit.record("reporter", "route.moved", case.number)
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
    intents.insert(0, Say(ToChat(route), "status.show", {
        "number": case.number, "status": case.status.value, "timeline": timeline,
        "question": question, "outcome": case.outcome or "",
    }, lang=language, case_id=case.id))
    return intents


__all__ = ["PLACEHOLDER", "PROMPT_TTL", "ask_for_ticket", "check_status", "forget_prompt",
           "screen_message", "status_request"]
