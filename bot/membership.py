"""Who counts as staff: members of the staff group now (asked of Telegram, cached for
`member_cache_seconds`, forgotten at once when a `chat_member` update says it changed)."""

from __future__ import annotations

import time

from bot.calls import with_retries
from bot.services import PeluitContext, Services


def forget_member(services: Services, user_id: int) -> None:
    """Telegram said this person's membership of the staff group changed: ask again next time."""
    services.members.pop(user_id, None)


async def is_staff_member(context: PeluitContext, user_id: int) -> bool:
    services = context.services
    cached = services.members.get(user_id)
    if cached and time.monotonic() - cached[0] < services.member_cache_seconds:
        return cached[1]
    member = await with_retries(lambda: context.bot.get_chat_member(services.staff_chat_id, user_id))
    ok = member.status in ("creator", "administrator", "member") or bool(
        getattr(member, "is_member", False))
    services.members[user_id] = (time.monotonic(), ok)
    return ok
