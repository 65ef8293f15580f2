"""`/alihkan <group>`: move a case to another configured staff group (an officer who finds
they are conflicted, a report that belongs to another team).

In the group it leaves, the card is rewritten to say only that the case was moved (no content,
no buttons) and its topic is renamed so and closed; from then on the case does not exist for
that group's staff (flows/casework.find_case), so nothing they reply relays. The new group gets
the case as if it were new: a topic, the full card, copies of the evidence. Nobody handles it
there yet. Audited with the groups' short names, never their members.
"""

from __future__ import annotations

from flows import routing
from flows.announcement import staff_announcement
from flows.context import Context
from flows.intents import Intent, MarkMoved, Say, ToStaff
from flows.model import Case


async def transfer(ctx: Context, case: Case, staff_user_id: int, to_name: str,
                   reply_in: ToStaff) -> list[Intent]:
    uow, policy = ctx.uow, ctx.policy
    lang = policy.staff_language
    found, group = routing.group_named(policy, to_name)
    if not found:
        return [Say(reply_in, "staff.transfer_unknown_group",
                    {"name": to_name[:40], "names": routing.group_names(policy)}, lang=lang)]
    if group == case.staff_group:
        return [Say(reply_in, "staff.transfer_same_group", {"number": case.number}, lang=lang)]
    old = ToStaff(thread_id=case.topic_id, group=case.staff_group)
    old_card = case.card_message_id
    before, after = routing.group_name(policy, case.staff_group), routing.group_name(policy, group)
    await uow.cases.transfer(case.id, group)
    await uow.audit.record(uow.actor_token("staff", staff_user_id), "case.transferred",
                           case.number, f"{before}->{after}")
    case.staff_group, case.topic_id, case.card_message_id = group, None, None
    case.handler, case.handler_name = None, ""
    return [MarkMoved(old, case.number, old_card, lang=lang), *staff_announcement(policy, case),
            Say(ToStaff(case.id), "staff.transferred_in", {"number": case.number, "from": before},
                lang=lang)]

