"""The world as the sandbox page shows it: plain JSON, with each message's text and entities as
the Bot API returns them (the page builds DOM nodes from those; it never parses HTML)."""

from __future__ import annotations

from typing import Any

from sandbox.cast import STAFF_CHAT, STAFF_GROUP_TITLE, Person
from sandbox.world import SandboxTelegram

MEDIA = ("photo", "document", "voice", "audio", "video", "video_note", "animation", "sticker")


def _media(message: dict) -> dict | None:
    for kind in MEDIA:
        item = message.get(kind)
        if item is None:
            continue
        if kind == "photo":  # the largest size
            item = max(item, key=lambda size: size.get("width", 0) * size.get("height", 0))
        return {"kind": kind, "file_id": item.get("file_id"), "name": item.get("file_name"),
                "mime": item.get("mime_type"), "size": item.get("file_size"),
                "duration": item.get("duration")}
    return None


def _buttons(message: dict) -> list[list[dict]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [[{"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")}
             for b in row] for row in rows]


def _preview(message: dict, bot_id: int) -> dict:
    service = message.get("forum_topic_created")
    sender = message.get("from") or {}
    return {"id": message["message_id"],
            "from": "Peluit" if sender.get("id") == bot_id else sender.get("first_name"),
            "text": (service or {}).get("name") or message.get("text") or message.get("caption")
            or "", "media": (_media(message) or {}).get("kind")}


def message_view(message: dict, bot_id: int) -> dict[str, Any]:
    sender = message.get("from") or {}
    reply = message.get("reply_to_message")
    created = message.get("forum_topic_created")
    # Telegram quirk: a message in a topic "replies" to the topic's first message; not shown.
    shown_reply = reply if reply and not reply.get("forum_topic_created") else None
    return {
        "id": message["message_id"],
        "date": message.get("date"),
        "from": {"id": sender.get("id"), "name": sender.get("first_name", ""),
                 "bot": sender.get("id") == bot_id},
        "thread": message.get("message_thread_id"),
        "text": message.get("text") or message.get("caption") or "",
        "entities": message.get("entities") or message.get("caption_entities") or [],
        "media": _media(message),
        "buttons": _buttons(message),
        "reply_to": _preview(shown_reply, bot_id) if shown_reply else None,
        "protected": bool(message.get("has_protected_content")),
        "edited": bool(message.get("edit_date")),
        "service": {"topic_created": created.get("name")} if created else None,
    }


def world_view(world: SandboxTelegram, people: tuple[Person, ...], languages: dict[int, str],
               *, version: int, generation: int, clock_offset: float,
               seeded: bool) -> dict[str, Any]:
    bot = world.bot_id
    topics = world.topics(STAFF_CHAT)
    closed = world.topic_states(STAFF_CHAT)
    prompts = {}
    for person in people:
        chat = person.id if person.role == "reporter" else STAFF_CHAT
        prompt = world.prompt_for(chat, person.id)
        if prompt is not None:
            prompts[str(person.id)] = {"message_id": prompt.message_id, "thread": prompt.thread_id,
                                       "placeholder": prompt.placeholder}
    return {
        "version": version,
        "world": generation,
        "now": world.now(),
        "clock_offset": clock_offset,
        "seeded": seeded,
        "bot": {"id": bot, "name": "Peluit", "username": world.bot_username},
        "people": [{"id": p.id, "name": p.name, "role": p.role, "description": p.description,
                    "language": languages.get(p.id, p.language)} for p in people],
        "private": {str(p.id): [message_view(m, bot) for m in world.messages(p.id)]
                    for p in people if p.role == "reporter"},
        "group": {"id": STAFF_CHAT, "title": STAFF_GROUP_TITLE,
                  "topics": [{"id": tid, "name": name, "closed": closed.get(tid, False)}
                             for tid, name in topics.items()],
                  "messages": [message_view(m, bot) for m in world.messages(STAFF_CHAT)]},
        "prompts": prompts,
        "notices": [{"seq": n.seq, "user": n.user_id, "text": n.text, "alert": n.alert}
                    for n in world.notices[-20:]],
        "refused": [{"method": c.method, "description": c.description}
                    for c in world.rejected[-5:]],
        "refused_count": len(world.rejected),
    }
