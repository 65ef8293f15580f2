"""Every button press, one handler: the data is decoded (flows/buttons.py) into the command of
the chat it was pressed in; the bus decides what it means and how it is answered."""

from __future__ import annotations

from telegram import Message, Update

from bot import dispatch
from bot.services import PeluitContext
from bot.staff import staff
from flows.buttons import MoveButton, RelayButton, decode
from flows.commands import Press, StaffPress


async def press(update: Update, context: PeluitContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    button = decode(query.data)
    if context.services.is_staff_group(chat.id):
        await dispatch.handle(update, context, StaffPress(
            button=button if isinstance(button, MoveButton | RelayButton) else None,
            **staff(update)))
    elif chat.type == "private":
        message_id = query.message.message_id if isinstance(query.message, Message) else 0
        await dispatch.handle(update, context, Press(
            button=button, message_id=message_id, **dispatch.reporter(update)))
