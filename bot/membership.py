"""Who counts as staff in a staff group: its members now (asked of Telegram, cached for
`member_cache_seconds`, forgotten at once when a `chat_member` update says it changed)."""

from __future__ import annotations

import time

from bot.calls import with_retries
from bot.services import PeluitContext, Services


def forget_member(services: Services, user_id: int, chat_id: int | None = None) -> None:
    """Telegram said this person's membership of a staff group changed: ask again next time."""
    chat = services.staff_chat_id if chat_id is None else chat_id
    services.members.pop((chat, user_id), None)


async def is_staff_member(context: PeluitContext, user_id: int,
                          chat_id: int | None = None) -> bool:
    """Whether `user_id` is a member of staff group `chat_id` (None: the main group) now: each
    group's membership is its own."""
    services = context.services
    chat = services.staff_chat_id if chat_id is None else chat_id
    cached = services.members.get((chat, user_id))
    if cached and time.monotonic() - cached[0] < services.member_cache_seconds:
        return cached[1]
    member = await with_retries(lambda: context.bot.get_chat_member(chat, user_id))
    ok = member.status in ("creator", "administrator", "member") or bool(
        getattr(member, "is_member", False))
    services.members[(chat, user_id)] = (time.monotonic(), ok)
    return ok
