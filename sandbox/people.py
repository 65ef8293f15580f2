"""What a person does on the sandbox page, carried out in the embedded Bot API as a Telegram
client would: write (optionally as a reply, or in a forum topic), send a photo, a document or a
voice note, press an inline button.

Reporters act in their private chat with the bot; staff and the outsider act in the staff group.
The outsider is no member: they are let in for the one message (or press) and out again before
the bot can look, as someone removed from the group right after posting.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sandbox.cast import STAFF_CHAT, Person
from sandbox.world import SandboxTelegram

FILE_KINDS = ("photo", "document", "voice")
MAX_TEXT = 4096
MAX_FILE = 20 * 1024 * 1024


class ActionRefused(Exception):
    """What the person tried is not possible (the message is gone, the button is not there)."""


@dataclass(frozen=True)
class Upload:
    kind: str  # photo / document / voice
    data: bytes
    file_name: str
    mime_type: str
    caption: str | None = None


def chat_of(person: Person) -> int:
    return person.id if person.role == "reporter" else STAFF_CHAT


@contextlib.asynccontextmanager
async def _present(world: SandboxTelegram, person: Person) -> AsyncIterator[None]:
    if person.role != "outsider":
        yield
        return
    world.set_member(STAFF_CHAT, person.id, "member")
    try:
        yield
    finally:
        world.set_member(STAFF_CHAT, person.id, "left")


def _check_reply(world: SandboxTelegram, chat_id: int, reply_to: int | None) -> None:
    if reply_to is not None and not any(m["message_id"] == reply_to for m in world.messages(chat_id)):
        raise ActionRefused("the message to reply to is gone")


def _reply_target(world: SandboxTelegram, person: Person, reply_to: int | None) -> int | None:
    """An explicit reply, else the open reply prompt (ForceReply) meant for this person."""
    if reply_to is not None:
        return reply_to
    prompt = world.prompt_for(chat_of(person), person.id)
    return prompt.message_id if prompt else None


async def write(world: SandboxTelegram, person: Person, text: str, *, reply_to: int | None = None,
                thread_id: int | None = None) -> None:
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise ActionRefused("a message has 1 to 4096 characters")
    chat = chat_of(person)
    reply_to = _reply_target(world, person, reply_to)
    _check_reply(world, chat, reply_to)
    if thread_id is not None and thread_id not in world.topic_states(chat):
        raise ActionRefused("that topic is gone")
    async with _present(world, person):
        await world.send_text(person.id, text, chat_id=chat, reply_to=reply_to,
                              thread_id=None if reply_to else thread_id)
    world.wrote(chat)


async def send_file(world: SandboxTelegram, person: Person, upload: Upload, *,
                    reply_to: int | None = None, thread_id: int | None = None) -> None:
    if upload.kind not in FILE_KINDS or not upload.data or len(upload.data) > MAX_FILE:
        raise ActionRefused("a photo, document or voice note of at most 20 MB")
    chat = chat_of(person)
    # In a topic, a message that replies to nothing "replies" to the topic's first message.
    reply_to = _reply_target(world, person, reply_to) or thread_id
    _check_reply(world, chat, reply_to)
    caption = (upload.caption or "").strip()[:1024] or None
    async with _present(world, person):
        if upload.kind == "photo":
            await world.send_photo(person.id, upload.data, chat_id=chat, caption=caption,
                                   reply_to=reply_to)
        elif upload.kind == "document":
            await world.send_document(person.id, upload.data, upload.file_name or "file",
                                      upload.mime_type or "application/octet-stream",
                                      chat_id=chat, caption=caption, reply_to=reply_to)
        else:  # any sound file, sent as a voice note
            await world.send_media(person.id, "voice", upload.data,
                                   mime_type=upload.mime_type or "audio/ogg",
                                   chat_id=chat, reply_to=reply_to)
    world.wrote(chat)


async def press(world: SandboxTelegram, person: Person, message_id: int, data: str) -> None:
    chat = chat_of(person)
    message = next((m for m in world.bot_messages(chat) if m["message_id"] == message_id), None)
    buttons = [b.get("callback_data") for row in ((message or {}).get("reply_markup") or {})
               .get("inline_keyboard", []) for b in row]
    if message is None or data not in buttons:
        raise ActionRefused("that button is not there any more")
    async with _present(world, person):
        await world.press_as(person.id, message, data)


def set_language(world: SandboxTelegram, person: Person, language: str) -> None:
    """The language of the person's Telegram app (what the bot guesses from before a choice)."""
    world.add_user(person.id, person.name, language_code=language)
    world.on_change()
