"""Who handles a case: `/ambil` takes it, `/serahkan` hands it back (no one) or to another
member of the staff group. Each change is audited under pseudonyms; the card shows the handler.

Handlers are known by the same keyed pseudonym as in the audit log; their names live in the
staff directory (stored encrypted) and are only ever shown in the staff group, never to a
reporter (who sees "Petugas WBS" whatever happens here).
"""

from __future__ import annotations

from flows.announcement import card_update
from flows.commands import HandOverTo, StaffMember
from flows.context import Context
from flows.intents import Intent, Say, ToStaff
from flows.model import Case


async def note_member(ctx: Context, member: StaffMember) -> str:
    """Keep the member's name in the staff directory; their pseudonym."""
    actor = ctx.uow.actor_token("staff", member.user_id)
    if member.name:
        await ctx.uow.staff.remember(actor, member.name, member.username or None, ctx.now)
    return actor


def _say(ctx: Context, reply_in: ToStaff, key: str, case: Case | None = None,
         **params: object) -> Say:
    return Say(reply_in, key, dict(params), lang=ctx.policy.staff_language,
               case_id=case.id if case else None)


async def _assign(ctx: Context, case: Case, actor: str | None, name: str) -> list[Intent]:
    case.handler, case.handler_name = actor, name if actor else ""
    await ctx.uow.cases.save(case)  # not news for the reporter: their "last update" stays
    return [card_update(ctx.policy, case, ctx.now)]


async def take(ctx: Context, case: Case, me: StaffMember, reply_in: ToStaff) -> list[Intent]:
    """`/ambil` (or [Ambil] on the card): the case is mine now."""
    actor = await note_member(ctx, me)
    if case.handler == actor:
        return [_say(ctx, reply_in, "staff.handler_already_yours", case, number=case.number)]
    before = case.handler
    intents = await _assign(ctx, case, actor, me.name)
    await ctx.uow.audit.record(actor, "case.taken", case.number, f"from:{before or '-'}")
    return [_say(ctx, reply_in, "staff.handler_taken", case, number=case.number,
                 handler=me.name), *intents]


async def hand_over(ctx: Context, case: Case, me: StaffMember, to: HandOverTo,
                    reply_in: ToStaff) -> list[Intent]:
    """`/serahkan`: back to no handler; `/serahkan @username` or as a reply to a member's
    message: to that member (someone the staff group knows)."""
    actor = await note_member(ctx, me)
    if not to.member_ok:
        return [_say(ctx, reply_in, "staff.handover_not_member", case)]
    target: str | None = None
    name = ""
    if to.member is not None:
        target, name = await note_member(ctx, to.member), to.member.name
    elif to.username:
        target = await ctx.uow.staff.by_username(to.username)
        if target is None:
            return [_say(ctx, reply_in, "staff.handover_unknown", case,
                         username=to.username.lstrip("@"))]
        name = (await ctx.uow.staff.names([target])).get(target, "")
    if target == case.handler:
        key = "staff.handler_unchanged" if target else "staff.handler_none_already"
        return [_say(ctx, reply_in, key, case, number=case.number, handler=name)]
    before = case.handler
    intents = await _assign(ctx, case, target, name)
    await ctx.uow.audit.record(actor, "case.handed_over", case.number,
                               f"{before or '-'}->{target or '-'}")
    if target is None:
        return [_say(ctx, reply_in, "staff.handler_released", case, number=case.number), *intents]
    return [_say(ctx, reply_in, "staff.handler_handed", case, number=case.number, handler=name),
            *intents]
