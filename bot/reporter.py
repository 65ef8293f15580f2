"""Reporter handlers (private chats): thin adapters from updates to `flows` use cases."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError

from bot.context import (
    PeluitContext,
    answer,
    chat_state,
    language,
    release,
    route_of,
    run,
    say,
    uow,
    with_retries,
)
from bot.media.clean import Cleaned, TooManyPixels, Unreadable, clean
from flows import casework, reporting, status, uploads
from flows.intents import Button, Say, ToChat
from flows.reporting import Upload

log = logging.getLogger("peluit.reporter")


def menu(lang: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (Button("button.report", "m:lapor"), Button("button.status", "m:status")),
        (Button("button.help", "m:help"), Button("button.privacy", "m:privacy")),
        (Button("button.lang_id", "m:lang:id"), Button("button.lang_en", "m:lang:en")),
    )


async def start(update: Update, context: PeluitContext) -> None:
    payload = (context.args or [""])[0].lower()
    if payload in ("lapor", "report"):
        await report(update, context)
        return
    lang = await language(context, update)
    route, now = route_of(update), context.services.clock()
    if payload == "status":
        await run(context, update, lang, lambda: status.ask_for_ticket(
            uow(context, update), route, lang, now))
        return
    welcome = Say(ToChat(route), "start.welcome", lang=lang, buttons=menu(lang))
    await run(context, update, lang, lambda: status.forget_prompt(  # the menu: no code awaited
        uow(context, update), route, [welcome]))
    log.info("reporter.start")


async def help_command(update: Update, context: PeluitContext) -> None:
    lang = await language(context, update)
    await say(context, [Say(ToChat(route_of(update)), "help.reporter", lang=lang)])


async def report(update: Update, context: PeluitContext) -> None:
    await _report(update, context)


async def _report(update: Update, context: PeluitContext) -> list | None:
    """Start (or resume) a report; None when the reporter was told why not."""
    lang = await language(context, update)
    message = update.effective_message
    s = context.services
    return await run(context, update, lang, lambda: reporting.start_report(
        uow(context, update), s.policy, route_of(update), lang,
        message.message_id if message else 0, s.clock()))


async def cancel(update: Update, context: PeluitContext) -> None:
    lang = await language(context, update)
    await run(context, update, lang, lambda: reporting.cancel(uow(context, update), route_of(update), lang))


async def status_command(update: Update, context: PeluitContext) -> None:
    lang = await language(context, update)
    code = " ".join(context.args or [])
    route = route_of(update)
    s = context.services
    if not code.strip():
        await run(context, update, lang, lambda: status.ask_for_ticket(
            uow(context, update), route, lang, s.clock()))
        return
    await run(context, update, lang, lambda: status.check_status(
        uow(context, update), s.policy, route, code, lang, s.clock()))


async def text_message(update: Update, context: PeluitContext) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    lang, drafting = await chat_state(context, update)
    s, route = context.services, route_of(update)
    if drafting:
        await run(context, update, lang, lambda: reporting.receive_text(
            uow(context, update), s.policy, route, message.text or "", s.clock(), s.keyring))
        return
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    await run(context, update, lang, lambda: casework.reporter_message(
        uow(context, update), s.policy, route, lang, s.clock(), text=message.text,
        reply_to_message_id=reply_to))


async def unsupported_message(update: Update, context: PeluitContext) -> None:
    """Stickers, locations, contacts, polls, dice: a calm word about what is expected."""
    lang, drafting = await chat_state(context, update)
    s, route = context.services, route_of(update)
    if drafting:
        await run(context, update, lang, lambda: reporting.receive_unsupported(
            uow(context, update), s.policy, route))
        return
    await say(context, [Say(ToChat(route), "intake.text_only", lang=lang)])


async def _caption_held_a_code(update: Update, context: PeluitContext, caption: str) -> bool:
    lang, s, route = await language(context, update), context.services, route_of(update)
    said = await run(context, update, lang, lambda: status.screen_message(
        uow(context, update), s.policy, route, caption, lang, s.clock(), file=True))
    return said != []  # answered, or refused with its own message (None)


def _attachment(message: Message) -> tuple[str, object, str | None, str | None] | None:
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
    await release()  # the download may take seconds: no transaction held meanwhile
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


async def media_message(update: Update, context: PeluitContext) -> None:
    message = update.effective_message
    assert message is not None
    if message.caption and await _caption_held_a_code(update, context, message.caption):
        return  # a status request: the file is neither kept nor relayed (the reporter is told)
    found = _attachment(message)
    if found is None:
        await unsupported_message(update, context)
        return
    kind, item, mime, name = found
    lang, drafting = await chat_state(context, update)
    s, route = context.services, route_of(update)
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    # May this file be taken at all? Asked before the download, with the size Telegram announces.
    offer = uploads.Offer(kind, getattr(item, "file_size", 0) or 0, reply_to)
    refused = await run(context, update, lang, lambda: uploads.check_upload(
        uow(context, update), s.policy, route, lang, offer, s.clock()))
    if refused != []:  # refused (and answered), or an error already told
        return

    async def reject(reason: str) -> None:
        if drafting:
            await run(context, update, lang, lambda: reporting.evidence_rejected(
                uow(context, update), s.policy, route, reason))
        else:
            await say(context, [uploads.refusal_say(s.policy, route, f"evidence_{reason}", lang)])

    cleaned = await _fetch_clean(context, kind, item, mime)
    if isinstance(cleaned, str):
        await reject(cleaned)
        return
    upload = Upload(kind, cleaned.data, cleaned.mime_type, name, caption=message.caption,
                    metadata_removed=cleaned.removed, may_carry_metadata=cleaned.may_remain,
                    recording=cleaned.recording)
    if drafting:
        await run(context, update, lang, lambda: reporting.receive_evidence(
            uow(context, update), s.policy, route, upload, s.clock()))
        return
    await run(context, update, lang, lambda: casework.reporter_message(
        uow(context, update), s.policy, route, lang, s.clock(),
        evidence=upload, text=message.caption, reply_to_message_id=reply_to))


async def intake_button(update: Update, context: PeluitContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = ([*query.data.split(":"), "", "", ""])[:4]
    _, action, version, arg = parts
    lang = await language(context, update)
    s, route = context.services, route_of(update)
    if action == "wipe":
        first = int(version) if version.isdigit() else 0
        last = query.message.message_id if query.message else first
        intents = await run(context, update, lang, lambda: reporting.wipe_conversation(
            uow(context, update), route, first, last, lang))
    else:
        intents = await run(context, update, lang, lambda: reporting.press(
            uow(context, update), s.policy, route, action, version, arg, s.clock(), s.keyring))
    if intents is not None:  # errors were answered with their own message already
        await answer(update)


async def menu_button(update: Update, context: PeluitContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    what = query.data.split(":")[1:]
    route = route_of(update)
    if what[:1] == ["lang"] and len(what) == 2 and what[1] in ("id", "en"):
        async with uow(context, update) as work:
            await work.lock_chat(route)
            await work.chats.set_language(route, what[1])
            draft = await work.drafts.get(route)
            if draft is not None and draft.language != what[1]:
                # A report in progress continues in the language just chosen.
                draft.language = what[1]
                await work.drafts.save(route, draft)
            await work.outbox.put([Say(ToChat(route), "lang.set", lang=what[1])])
            await work.commit()
        context.services.sender.wake()
        await answer(update)
        return
    if what == ["lapor"]:
        # Answered only after the attempt: a refusal (too many reports) is its own answer.
        if await _report(update, context) is not None:
            await answer(update)
        return
    lang = await language(context, update)
    if what == ["status"]:
        if await run(context, update, lang, lambda: status.ask_for_ticket(
                uow(context, update), route, lang, context.services.clock())) is not None:
            await answer(update)
        return
    key = "start.privacy" if what == ["privacy"] else "help.reporter"
    await say(context, [Say(ToChat(route), key, lang=lang)])  # recorded with the update: a
    await answer(update)                                       # redelivery answers nothing
