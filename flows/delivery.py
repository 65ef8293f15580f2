"""What deliveries mean, decided here so the sender is transport only: where a message goes, what
a sent message links to, and what a failure means (try again when, park, give up, tell staff),
and the one forum topic per case.

The sender claims (or is handed) messages, renders and sends them, and reports back through
the message bus: `ClaimDeliveries`, `Delivered`, `DeliveryFailed`, `TopicWanted`, `TopicMade`,
`AdoptTopic` (see flows/handlers.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from flows import staff_relay
from flows.announcement import case_card
from flows.commands import (
    AdoptTopic,
    ClaimDeliveries,
    Delivered,
    DeliveryFailed,
    Locate,
    TopicMade,
    TopicWanted,
)
from flows.context import Context, Reply
from flows.delivery_model import (
    Gone,
    Handled,
    NotYet,
    Queued,
    Refused,
    Retry,
    Unexpected,
    Unreachable,
    Where,
)
from flows.intents import EditCard, Intent, Say, ShowTopicStatus, ToChat, ToReporter, ToStaff
from flows.lifecycle import CaseStatus

log = logging.getLogger("peluit.sender")
MAX_ERRORS = 3
"""Unexpected errors before a message is parked."""


def backoff(attempt: int, cap: float) -> float:
    """Seconds before try number `attempt` + 1: 0.5, 1, 2, 4 ... up to `cap`."""
    return min(0.5 * 2 ** min(max(attempt - 1, 0), 30), cap)


async def where(ctx: Context, item: Queued) -> Where | Gone:
    """Where a message goes now. A case's staff messages go to the case's staff group: its
    topic, or (a group without topics) replies to its card; any other staff message to the group
    it names. Nothing is decrypted but a reporter's route."""
    target = item.target
    if isinstance(target, ToChat):
        return Where(target.route)
    if isinstance(target, ToReporter):
        route = await ctx.uow.cases.route_of(target.case_id)
        return Where(route) if route is not None else Gone("no_route")
    if target.case_id is None:
        return Where(None, target.thread_id, group=target.group)
    found = await ctx.uow.cases.destination(target.case_id)
    if found is None:  # a case that is gone
        if isinstance(item.intent, EditCard):
            return Gone("no_card")
        thread = None if isinstance(item.intent, ShowTopicStatus) else target.thread_id
        return Where(None, thread, group=target.group)
    group = found.group
    if isinstance(item.intent, EditCard):  # the card message itself, wherever it is
        if found.card_message_id is None:
            return Gone("no_card")
        return Where(None, found.topic_id, number=found.number, edit=found.card_message_id,
                     group=group)
    if isinstance(item.intent, ShowTopicStatus):  # nothing to show in a group without topics
        return Where(None, found.topic_id, group=group)
    if found.topic_id:
        return Where(None, found.topic_id, number=found.number, group=group)
    thread = target.thread_id if target.group == group else None
    return Where(None, thread, found.card_message_id, found.number, group=group)


async def claim(ctx: Context, command: ClaimDeliveries) -> Reply:
    """Record finished deliveries, then lease what is due, each with where it goes now."""
    intents = await record(ctx, command.delivered)
    items = (await ctx.uow.outbox.claim(ctx.now, command.limit, command.lease)
             if command.limit > 0 else [])
    return Reply(list(intents), value=[(item, await where(ctx, item)) for item in items])


async def locate(ctx: Context, command: Locate) -> Reply:
    return Reply(value=await where(ctx, command.item))


async def record(ctx: Context, sent: Sequence[object]) -> list[Intent]:
    """Link what was sent, record the staff relays that left after their window (what that
    says in the group is returned), and drop them from the outbox."""
    links = [link for s in sent for link in s.links]  # type: ignore[attr-defined]
    if links:
        await ctx.uow.cases.link_messages(links)
    intents: list[Intent] = []
    for link in links:
        if link.prompt is not None:  # a reply to it completes its move
            await ctx.uow.prompts.add(link.message_id, link.prompt, link.group)
    if sent:
        ids = [s.item_id for s in sent]  # type: ignore[attr-defined]
        relays = [s.item_id for s in sent if s.relay]  # type: ignore[attr-defined]
        for relay in await ctx.uow.outbox.relays(relays):
            intents += await staff_relay.sent(ctx, relay)
        await ctx.uow.outbox.done(ids)
    return intents


async def delivered(ctx: Context, command: Delivered) -> Reply:
    return Reply(list(await record(ctx, command.reports)))


async def failed(ctx: Context, command: DeliveryFailed) -> Reply:
    """What a failed delivery means: Telegram's passing troubles are tried again (backing off)
    until the horizon; its definite answers are final for a reporter's message (staff are told
    when the reporter cannot be reached) and park a staff message (kept until the group answers
    again); errors that are not Telegram's park the message after a few."""
    item, verdict, policy = command.item, command.verdict, ctx.policy
    outbox = ctx.uow.outbox
    if isinstance(verdict, NotYet):
        await _retry(ctx, item, verdict.seconds, verdict.reason, quiet=True)
        return Reply(value=Handled(retry_in=verdict.seconds))
    if isinstance(verdict, Gone):
        return await _give_up(ctx, item, verdict.reason, tell_staff=True)
    if isinstance(verdict, Retry):
        if item.created_at is not None and ctx.now - item.created_at > policy.delivery_horizon:
            if item.for_staff:  # never dropped: kept until the staff group answers again
                group = await staff_group_of(ctx, item)
                await outbox.park(item.id, parked_for(group), "horizon")
                return Reply(value=Handled(parked=True, lost="horizon", group=group))
            log.error("sender.gave_up reason=horizon last=%s", verdict.reason)
            return await _give_up(ctx, item, "horizon", tell_staff=True)
        delay = (verdict.delay if verdict.delay is not None
                 else backoff(item.attempts, policy.delivery_backoff_cap))
        await _retry(ctx, item, delay, verdict.reason)
        pause = verdict.delay if verdict.delay is not None and item.for_staff else None
        return Reply(value=Handled(pause=pause, retry_in=delay))
    if isinstance(verdict, Unreachable):
        if item.for_staff:
            group = await staff_group_of(ctx, item)
            await outbox.park(item.id, parked_for(group), verdict.reason)
            return Reply(value=Handled(parked=True, lost=verdict.reason,
                                       migrated_to=verdict.migrated_to, group=group))
        return await _give_up(ctx, item, verdict.reason, tell_staff=True)
    if isinstance(verdict, Refused):
        if item.for_staff:
            await outbox.park(item.id, "refused", verdict.reason)
            return Reply(value=Handled(parked=True, alarm="refused"))
        return await _give_up(ctx, item, verdict.reason, tell_staff=False)
    assert isinstance(verdict, Unexpected)
    errors = item.errors + 1
    if errors >= MAX_ERRORS:
        await outbox.retry(item.id, ctx.now, verdict.reason, unexpected=True)
        await outbox.park(item.id, "error", verdict.reason)
        return Reply(value=Handled(parked=True, alarm="error"))
    log.error("sender.delivery_error type=%s errors=%d", verdict.reason, errors)
    delay = backoff(errors, policy.delivery_backoff_cap)
    await _retry(ctx, item, delay, verdict.reason, unexpected=True)
    return Reply(value=Handled(retry_in=delay))


async def staff_group_of(ctx: Context, item: Queued) -> int | None:
    """The staff group a staff-bound message goes to (None: the main group)."""
    target = item.target
    if not isinstance(target, ToStaff):
        return None
    if target.case_id is None:
        return target.group
    found = await ctx.uow.cases.destination(target.case_id)
    return found.group if found is not None else target.group


def parked_for(group: int | None) -> str:
    """The outbox's parked reason for a staff group's messages: each group's watch releases
    its own ("staff": the main group)."""
    return "staff" if group is None else f"staff:{group}"


async def _retry(ctx: Context, item: Queued, delay: float, reason: str, *,
                 unexpected: bool = False, quiet: bool = False) -> None:
    (log.info if quiet else log.warning)("sender.retry reason=%s attempt=%d", reason,
                                         item.attempts)
    await ctx.uow.outbox.retry(item.id, ctx.now + timedelta(seconds=delay), reason,
                               unexpected=unexpected)


async def _give_up(ctx: Context, item: Queued, reason: str, *, tell_staff: bool) -> Reply:
    log.warning("sender.failed reason=%s", reason)
    await ctx.uow.outbox.fail(item.id, reason)
    intents: list[Intent] = []
    target = item.target
    if tell_staff and isinstance(target, ToReporter):
        found = await ctx.uow.cases.destination(target.case_id)
        if found is not None:
            intents.append(Say(ToStaff(target.case_id), "staff.reporter_unreachable",
                               {"number": found.number}, lang=ctx.policy.staff_language))
            await ctx.uow.audit.record("system", "relay.undeliverable", found.number)
    return Reply(intents=list(intents), value=Handled())


# ---- one forum topic per case (see bot/topics.py for the crash this guards against)


async def topic_wanted(ctx: Context, command: TopicWanted) -> Reply:
    """The case's topic now (`value`: its thread id, or None in a group without topics), or
    NotYet while an earlier request may still be answered, or the topic's name to ask
    Telegram for (a str: the request is noted first, so a crash leaves it adoptable)."""
    case = await ctx.uow.cases.get(command.case_id)
    if case is None:
        return Reply(value=Gone("case gone"))
    if (case.topic_id and case.topic_id != command.stale) or not command.forum:
        return Reply(value=case.topic_id)
    asked = await ctx.uow.outbox.topic_request_age(case.id)
    if asked is not None and asked.total_seconds() < command.grace:
        return Reply(value=NotYet(command.grace - asked.total_seconds(), "topic_requested"))
    await ctx.uow.outbox.request_topic(case.id)
    return Reply(value=ctx.topic_name(case.number, case.category, case.status.value))


async def topic_made(ctx: Context, command: TopicMade) -> Reply:
    if command.thread_id is None:  # refused outright: no topic was made, none to wait for
        await ctx.uow.outbox.forget_topic_request(command.case_id)
        return Reply()
    return await _settle(ctx, command.case_id, command.thread_id, "opened")


async def adopt(ctx: Context, command: AdoptTopic) -> Reply:
    """Telegram announced a topic the bot made: record it for the case it was made for, unless
    that case's request was settled already."""
    number = command.name.split(" ", 1)[0]
    case = await ctx.uow.cases.by_number(number)
    names = ({ctx.topic_name(case.number, case.category, s.value) for s in CaseStatus}
             if case is not None else set())  # named when it was asked for
    if case is None or case.staff_group != command.group or command.name not in names:
        return Reply(value=False)
    settled = await _settle(ctx, case.id, command.thread_id, "adopted")
    return Reply(intents=settled.intents, value=settled.value == command.thread_id)


async def _settle(ctx: Context, case_id: str, thread_id: int, how: str) -> Reply:
    """Record the topic of an open request (once); a topic that replaces a deleted one gets the
    case card again, with a word why. `value`: the case's topic now."""
    case = await ctx.uow.cases.get(case_id)
    if case is None:
        return Reply(value=Gone("case gone"))
    if not await ctx.uow.outbox.settle_topic(case_id, thread_id):
        return Reply(value=case.topic_id)
    intents: list[Intent] = []
    if case.topic_id and case.topic_id != thread_id:
        lang = ctx.policy.staff_language
        await ctx.uow.audit.record("system", "topic.recreated", case.number)
        intents = [Say(ToStaff(case.id), "staff.topic_recreated", {"number": case.number},
                       lang=lang), case_card(ctx.policy, case)]
        how = "recreated"
    log.info("sender.topic_%s", how)
    return Reply(intents=list(intents), value=thread_id)
