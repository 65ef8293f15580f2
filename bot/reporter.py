"""Reporter handlers (private chats): read the update, build the command, hand it to the bus.

The one thing done here beyond that is transport: downloading an offered file (when the bus
says it may be taken) and cleaning it, off the event loop."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from bot import dispatch
from bot.calls import with_retries
from bot.media.clean import Cleaned, TooManyPixels, Unreadable, clean
from bot.services import PeluitContext
from flows.commands import (
    CancelReport,
    CheckStatus,
    FileFailed,
    OfferFile,
    ReceiveFile,
    ReporterOther,
    ReporterText,
    ShowHelp,
    Start,
    StartReport,
    UnknownCommand,
)
from flows.uploads import Upload

log = logging.getLogger("peluit.reporter")


def _message_id(update: Update) -> int:
    return update.effective_message.message_id if update.effective_message else 0


def _reply_to(message: Message) -> int | None:
    return message.reply_to_message.message_id if message.reply_to_message else None


async def start(update: Update, context: PeluitContext) -> None:
    payload = (context.args or [""])[0]
    await dispatch.handle(update, context, Start(payload=payload, message_id=_message_id(update),
                                                 **dispatch.reporter(update)))


async def report(update: Update, context: PeluitContext) -> None:
    await dispatch.handle(update, context, StartReport(
        message_id=_message_id(update), **dispatch.reporter(update)))


async def cancel(update: Update, context: PeluitContext) -> None:
    await dispatch.handle(update, context, CancelReport(**dispatch.reporter(update)))


async def help_command(update: Update, context: PeluitContext) -> None:
    await dispatch.handle(update, context, ShowHelp(**dispatch.reporter(update)))


async def unknown_command(update: Update, context: PeluitContext) -> None:
    await dispatch.handle(update, context, UnknownCommand(**dispatch.reporter(update)))


async def status_command(update: Update, context: PeluitContext) -> None:
    code = " ".join(context.args or [])
    await dispatch.handle(update, context, CheckStatus(code=code, **dispatch.reporter(update)))


async def text_message(update: Update, context: PeluitContext) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await dispatch.handle(update, context, ReporterText(
        text=message.text, reply_to=_reply_to(message), **dispatch.reporter(update)))


async def unsupported_message(update: Update, context: PeluitContext) -> None:
    """Stickers, locations, contacts, polls, dice."""
    await dispatch.handle(update, context, ReporterOther(**dispatch.reporter(update)))


def _attachment(message: Message) -> tuple[str, Any, str | None, str | None] | None:
    if message.photo:
        return "photo", message.photo[-1], "image/jpeg", None
    for kind in ("document", "video", "voice", "audio", "video_note", "animation"):
        item = getattr(message, kind)
        if item is not None:
            return (kind, item, getattr(item, "mime_type", None), getattr(item, "file_name", None))
    return None


async def _fetch_clean(context: PeluitContext, kind: str, item: Any, mime: str | None) -> Cleaned | str:
    """The file downloaded and cleaned, or why it cannot be taken (too_big, unreadable,
    too_many_pixels). Cleaning runs off the event loop: pictures in a worker thread, sound and
    video in a child process."""
    try:
        telegram_file = await with_retries(lambda: context.bot.get_file(item.file_id))
        data = bytes(await with_retries(telegram_file.download_as_bytearray))
    except TelegramError as exc:  # too big, gone, or Telegram failing after retries: say so calmly
        log.info("reporter.download_failed type=%s", type(exc).__name__)
        return "too_big" if "too big" in exc.message.lower() else "unreadable"
    policy = context.services.policy
    if len(data) > policy.max_file_bytes:
        return "too_big"
    try:
        return await clean(kind, data, mime, policy.max_image_pixels)
    except TooManyPixels:
        log.info("reporter.evidence_refused reason=too_many_pixels")
        return "too_many_pixels"
    except Unreadable:
        return "unreadable"


def _seconds(item: Any) -> int:
    """A recording's length in whole seconds (an int, or a timedelta in newer PTB)."""
    duration = getattr(item, "duration", None)
    if hasattr(duration, "total_seconds"):
        return int(duration.total_seconds())
    return int(duration) if isinstance(duration, int | float) else 0


async def media_message(update: Update, context: PeluitContext) -> None:
    message = update.effective_message
    assert message is not None
    found = _attachment(message)
    if found is None:
        await unsupported_message(update, context)
        return
    kind, item, mime, name = found
    common = dispatch.reporter(update)
    offered = await dispatch.handle(update, context, OfferFile(
        kind=kind, size=getattr(item, "file_size", 0) or 0, caption=message.caption,
        reply_to=_reply_to(message), **common))
    if offered is None or not offered.take_file:
        return  # refused and answered, a status request, or a redelivery
    cleaned = await _fetch_clean(context, kind, item, mime)
    if isinstance(cleaned, str):
        await dispatch.handle(update, context, FileFailed(reason=cleaned, **common))
        return
    upload = Upload(kind, cleaned.data, cleaned.mime_type, name, caption=message.caption,
                    metadata_removed=cleaned.removed, may_carry_metadata=cleaned.may_remain,
                    recording=cleaned.recording, duration=_seconds(item))
    await dispatch.handle(update, context, ReceiveFile(
        upload=upload, reply_to=_reply_to(message), **common))
