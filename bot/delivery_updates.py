"""Updates that concern delivery to the staff group, handled before any other handler:

- the bot's own membership of the staff group (`my_chat_member`): removed or restricted, staff
  messages wait at once; added or promoted again, the staff watch looks at once;
- `forum_topic_created` messages from the bot itself: the topic it asked for is recorded for its
  case even if the answer to `createForumTopic` was lost (`bot/topics.py`);
- the staff group upgraded to a supergroup (`migrate_to_chat_id`): staff messages wait for the
  operator to set the new id, and the supergroup it became is not treated (and left) as a group
  the bot was never configured for.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.services import PeluitContext
from flows.commands import AdoptTopic

PRESENT = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)


async def delivery_update(update: Update, context: PeluitContext) -> None:
    services = context.services
    chat = update.effective_chat
    if chat is None:
        return
    watches = services.sender.watches
    if any(chat.id in w.migrated_to for w in watches.values()):
        raise ApplicationHandlerStop  # a staff group under its new id: not a foreign group
    if not services.is_staff_group(chat.id):
        return
    main = chat.id == services.staff_chat_id
    watch = watches.get(None if main else chat.id, services.sender.watch)  # each group's own
    if update.my_chat_member is not None:
        if update.my_chat_member.new_chat_member.status in PRESENT:
            watch.back()  # the probe checks the rights it needs
        else:
            watch.lost("removed")
        return
    message = update.message
    if message is None:
        return
    if message.migrate_to_chat_id:
        watch.lost("migrated", migrated_to=message.migrate_to_chat_id)
    created = message.forum_topic_created
    if (created is not None and message.message_thread_id is not None
            and message.from_user is not None and message.from_user.id == context.bot.id):
        outcome = await services.bus.handle(AdoptTopic(name=created.name,
                                                        thread_id=message.message_thread_id,
                                                        group=services.group_of(chat.id)))
        services.sender.take(outcome)


def delivery_handlers() -> list[BaseHandler[Update, PeluitContext, None]]:
    """Registered in a group of their own, before every other handler."""
    return [TypeHandler(Update, delivery_update)]  # type: ignore[arg-type]
