"""Who may act where, decided once for every update (a `TypeHandler` in an early group, as
python-telegram-bot's examples do), before any handler runs:

- any group other than the staff groups: say nothing, leave (once);
- a press on a message sent in inline mode (no chat): Peluit offers no inline mode;
- in a staff group, a command, a reply to the bot or a press counts only from people who are
  members of that group now (each group's own; asked of Telegram, cached; bot/membership.py).
  Plain talk in the group is nobody's business: it is not even looked at.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop, BaseHandler, ChatMemberHandler, TypeHandler

from bot.calls import answer
from bot.i18n import language_of
from bot.membership import forget_member, is_staff_member
from bot.render import plain
from bot.services import PeluitContext

log = logging.getLogger("peluit.staff")
LEFT_GROUPS = "peluit.left_groups"
"""bot_data key: groups this process has left (or was removed from), so queued messages from
them do not make it call leaveChat again."""


async def guard(update: Update, context: PeluitContext) -> None:
    query = update.callback_query
    if query is not None and query.message is None and query.inline_message_id is not None:
        user = update.effective_user
        await answer(update, plain(language_of(user.language_code if user else None),
                                   "error.inline_button")[:200])
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        return
    services = context.services
    if not services.is_staff_group(chat.id):
        await _leave(update, context)
        raise ApplicationHandlerStop
    if _acts(update, context) and not await _member(update, context):
        if query is not None:
            await answer(update)
        raise ApplicationHandlerStop


def _acts(update: Update, context: PeluitContext) -> bool:
    """A staff-group update that could act: a press, a command, or a reply to the bot."""
    if update.callback_query is not None:
        return True
    message = update.message
    if message is None or update.edited_message is not None:
        return False
    if (message.text or message.caption or "").startswith("/"):  # a file with /tanya too
        return True
    replied = message.reply_to_message
    return bool(replied and replied.forum_topic_created is None and replied.from_user
                and replied.from_user.id == context.bot.id)


async def _member(update: Update, context: PeluitContext) -> bool:
    user = update.effective_user
    if user is None or user.is_bot:
        return False
    chat = update.effective_chat
    ok = await is_staff_member(context, user.id, chat.id if chat is not None else None)
    if not ok:
        log.info("staff.not_member")
    return ok


async def _leave(update: Update, context: PeluitContext) -> None:
    """Any group other than the staff groups: say nothing, leave (once)."""
    chat = update.effective_chat
    assert chat is not None
    left: set[int] = context.bot_data.setdefault(LEFT_GROUPS, set())
    change = update.my_chat_member
    if change is not None:
        if change.new_chat_member.status in ("left", "kicked"):
            left.add(chat.id)  # removed from the group: nothing to leave
            return
        left.discard(chat.id)  # added (again): leave again
    elif chat.id in left:
        return  # a message that was already on its way when the bot left
    left.add(chat.id)
    log.info("group.left")
    try:
        await context.bot.leave_chat(chat.id)
    except (BadRequest, Forbidden):  # already out (another replica left, or the bot was removed)
        log.info("group.already_left")


async def membership_changed(update: Update, context: PeluitContext) -> None:
    """Someone joined, left or was removed from the staff group (a chat_member update, which
    Telegram sends to administrator bots): their cached membership is forgotten at once, so a
    removed member's next command or press is checked with Telegram again."""
    change, chat = update.chat_member, update.effective_chat
    if change is not None:
        forget_member(context.services, change.new_chat_member.user.id,
                      chat.id if chat is not None else None)
        log.info("staff.membership_changed")


def guard_handlers(staff_chat_id: int | tuple[int, ...],
                   ) -> list[BaseHandler[Update, PeluitContext, None]]:
    groups = list(staff_chat_id) if isinstance(staff_chat_id, tuple) else staff_chat_id
    return [ChatMemberHandler(membership_changed, ChatMemberHandler.CHAT_MEMBER,  # type: ignore[list-item]
                              chat_id=groups),
            TypeHandler(Update, guard)]  # type: ignore[list-item]
