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

from flows.context import Context
from flows.errors import MalformedTicketInput, TooManyAttempts, UnknownTicket
from flows.intents import (
    ChatRoute,
    ContactBlock,
    Intent,
    OutcomeBlock,
    QuestionBlock,
    Say,
    StatusName,
    Timeline,
    ToChat,
    ToStaff,
    moment,
)
from flows.model import Case, Direction
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


async def ask_for_ticket(ctx: Context, route: ChatRoute) -> list[Intent]:
    """*Cek status* (menu, `/start status`, `/status` alone): ask for the code with a reply
    prompt, and take the chat's next message as the code (for `PROMPT_TTL`)."""
    await ctx.uow.chats.set_ticket_prompt(route, ctx.language, ctx.now + PROMPT_TTL)
    return [ask_code(route, ctx.language)]


async def check_status(ctx: Context, route: ChatRoute, raw_code: str) -> list[Intent]:
    """`/status <code>`: show a case's status to whoever holds its ticket code, and route
    replies to this chat. A wrong code is counted against the chat (and overall)."""
    uow, language = ctx.uow, ctx.language
    try:
        ticket = normalize_ticket(raw_code)
    except MalformedTicket:
        raise MalformedTicketInput from None
    await uow.chats.clear_ticket_prompt(route)
    # A refusal writes nothing: a guesser learns nothing, not even whether the code exists.
    if await _budget_left(ctx, route) < 1:
        raise TooManyAttempts
    case = await uow.cases.by_ticket(ticket)
    if case is None:
        alert = await _count_failures(ctx, route, 1)
        return [*alert, Say(ToChat(route), UnknownTicket.key, lang=language)]
    return await _show(ctx, route, case)


async def status_request(
    ctx: Context, route: ChatRoute, text: str, *, drafted_at: datetime | None = None,
    file: bool = False,
) -> list[Intent] | None:
    """Whether a reporter's message (or a file's caption, `file`) is a status request.

    Returns None for ordinary text (nothing written); otherwise answers it. The message itself
    is then neither relayed nor stored. A reply prompt opened after the draft's last change
    (`drafted_at`) makes the whole text the code; a caption is only searched for codes, and the
    file is not kept.
    """
    uow, language, policy, now = ctx.uow, ctx.language, ctx.policy, ctx.now
    found = ticket_candidates(text)
    asked = not file and _asked(ctx, drafted_at)
    if asked:  # whatever it holds, it was meant as the code: no word in it is ordinary text
        await uow.chats.clear_ticket_prompt(route)
        found = [Candidate(c.code, code_like=True) for c in found]
        try:
            whole = normalize_ticket(text)
        except MalformedTicket:
            if not found:
                await uow.chats.set_ticket_prompt(route, language, now + PROMPT_TTL)
                return [ask_code(route, language, "status.ask_again")]
        else:
            found = [Candidate(whole, code_like=True), *(c for c in found if c.code != whole)]
    if not found:
        return None
    note = [Say(ToChat(route), "status.file_not_kept", lang=language)] if file else []
    guesses = [c.code for c in found if c.code_like]
    if len(found) > MAX_LOOKUPS or await _budget_left(ctx, route) < max(1, len(guesses)):
        minutes = int(policy.status_window.total_seconds() // 60)
        key = "status.too_many" if asked else "status.too_many_in_text"
        return [*note, Say(ToChat(route), key, {"minutes": minutes}, lang=language)]
    known = await uow.cases.known_tickets([c.code for c in found])
    match = next((c.code for c in found if c.code in known), None)
    if match is not None:
        case = await uow.cases.by_ticket(match)
        if case is not None:
            if not (note or asked):
                note = [Say(ToChat(route), "status.code_not_relayed", lang=language)]
            return [*note, *await _show(ctx, route, case)]
    if not guesses:
        return None  # a word or phrase that reads as a code but is none: ordinary text
    alert = await _count_failures(ctx, route, len(guesses))
    key = "status.unknown" if asked else "status.unknown_in_text"
    return [*note, Say(ToChat(route), key, lang=language), *alert]


def _asked(ctx: Context, drafted_at: datetime | None) -> bool:
    """A reply prompt is open, and is newer than the draft's last change (a reporter who went
    on with the report after asking has moved on)."""
    until = ctx.chat.ticket_prompt
    if until is None or until <= ctx.now:
        return False
    return drafted_at is None or drafted_at <= until - PROMPT_TTL


def _chat_key(uow: UnitOfWork, route: ChatRoute) -> str:
    return f"status:{uow.actor_token('chat', route)}"


async def _budget_left(ctx: Context, route: ChatRoute) -> int:
    """Failed guesses this chat may still make in the current window."""
    window = ctx.policy.status_window.total_seconds()
    used = await ctx.uow.throttle.count(_chat_key(ctx.uow, route), window, ctx.now)
    return ctx.policy.status_attempts_per_chat - used


async def _count_failures(ctx: Context, route: ChatRoute, failed: int) -> Sequence[Intent]:
    """Count failed guesses against the chat, and overall; an unusual overall rate is reported
    (the log and the staff group, once a window), never refused."""
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
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


async def _show(ctx: Context, route: ChatRoute, case: Case) -> list[Intent]:
    """The case's status for this chat, which from now on receives the case's messages; the
    chat that received them until now is told (the audit records the move, without ids)."""
    uow, language = ctx.uow, ctx.language
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
    timeline = Timeline([moment(e.at), e.action, e.detail.split("->")[-1]]
                        for e in events if e.action in TIMELINE_ACTIONS)[-8:]
    question = ""
    if case.awaiting_answer:
        asked = [m for m in await uow.cases.messages(case.id)
                 if m.direction is Direction.TO_REPORTER]
        question = asked[-1].body if asked else ""
    await uow.audit.record("reporter", "status.checked", case.number)
    intents.insert(0, Say(ToChat(route), "status.show", {
        "number": case.number, "status": StatusName(case.status.value),
        "timeline": Timeline(timeline), "question": QuestionBlock(question),
        "outcome": OutcomeBlock(case.outcome or ""),
        "contact": ContactBlock("yes" if case.has_contact else ""),
    }, lang=language, case_id=case.id))
    return intents


__all__ = ["PLACEHOLDER", "PROMPT_TTL", "ask_for_ticket", "check_status", "status_request"]
