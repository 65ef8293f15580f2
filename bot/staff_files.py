"""A file from staff for the reporter (a document, photo or voice note, as a reply to the case
card or to a reporter's message, or with `/tanya` as its caption): downloaded and cleaned by the
same code as reporters' files (bot/media), then handed to the bus like a text relay."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update

from bot import dispatch
from bot.reporter import _fetch_clean
from bot.services import PeluitContext
from bot.staff import _split_ref, _text_after_command, staff
from flows.commands import AskReporter, StaffFileRefused, StaffReply
from flows.staff_relay import FILE_KINDS
from flows.uploads import Upload


def _attachment(message: Message) -> tuple[str, Any, str | None] | None:
    if message.photo:
        return "photo", message.photo[-1], "image/jpeg"
    if message.document is not None:
        return "document", message.document, message.document.mime_type
    if message.voice is not None:
        return "voice", message.voice, message.voice.mime_type
    return None


async def staff_file(update: Update, context: PeluitContext) -> None:
    message = update.effective_message
    if message is None:
        return
    found = _attachment(message)
    caption = message.caption or ""
    asking = caption.startswith("/tanya")
    replied = message.reply_to_message
    to_bot = (replied is not None and replied.forum_topic_created is None
              and replied.from_user is not None and replied.from_user.id == context.bot.id)
    if found is None or found[0] not in FILE_KINDS or not (asking or to_bot):
        return  # internal: a file in the group that asks nothing of the bot
    kind, item, mime = found
    cleaned = await _fetch_clean(context, kind, item, mime)
    if isinstance(cleaned, str):  # too_big, unreadable, too_many_pixels
        await dispatch.handle(update, context, StaffFileRefused(reason=cleaned, **staff(update)))
        return
    upload = Upload(kind, cleaned.data, cleaned.mime_type, None, metadata_removed=cleaned.removed,
                    may_carry_metadata=cleaned.may_remain, recording=cleaned.recording)
    if asking:
        ref, words = _split_ref(message, caption.split()[1:])
        await dispatch.handle(update, context, AskReporter(
            ref=ref, text=_text_after_command(message, words), upload=upload, **staff(update)))
        return
    assert replied is not None
    await dispatch.handle(update, context, StaffReply(
        replied_message_id=replied.message_id, text=caption, upload=upload, **staff(update)))

