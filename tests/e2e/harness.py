"""Run the real Peluit application over HTTP against the stand-in Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import build_application, serve
from bot.i18n import text
from bot.settings import Settings, load_settings
from sandbox.botapi import FakeTelegram
from storage.db import migrate

STAFF_CHAT = -1001987650000
STAFF = (987650101, 987650102)
OUTSIDER = 987650199


def settings_for(fake: FakeTelegram, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url,
        "PELUIT_STAFF_CHAT_ID": STAFF_CHAT, "PELUIT_DATA_DIR": data_dir,
        "PELUIT_POLL_TIMEOUT_SECONDS": 1, "PELUIT_SEND_GLOBAL_PER_SECOND": 1000,
        "PELUIT_SEND_GROUP_PER_MINUTE": 100000, "PELUIT_MEMBER_CACHE_SECONDS": 0,
        "PELUIT_HEALTH_PORT": 0,  # tests run side by side: no fixed port (a test may choose one)
        "PELUIT_RELAY_DELAY_SECONDS": 0,  # relays at once; the window's own tests set one
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class Running:
    fake: FakeTelegram
    settings: Settings
    app: Any
    stop: asyncio.Event
    task: asyncio.Task[None]
    last_seen: dict[int, int] = field(default_factory=dict)

    @property
    def services(self) -> Any:
        return self.app.bot_data["services"]

    async def settle(self, seconds: float = 10.0) -> None:
        """Wait until every queued message has been delivered."""
        async def empty() -> bool:
            async with self.services.db.uow() as uow:
                return await uow.outbox.pending_count() == 0
        await self.fake.wait_for(empty, seconds)


@contextlib.asynccontextmanager
async def running_peluit(fake: FakeTelegram, data_dir: Path, database_url: str | None = None,
                         **overrides: Any) -> AsyncIterator[Running]:
    """Start Peluit (polling) on `database_url` (SQLite in `data_dir` when None); stop it after."""
    if database_url:
        overrides["PELUIT_DATABASE_URL"] = database_url
        if not database_url.startswith("sqlite"):
            await migrate(database_url)  # what an operator does with `peluit migrate`
    settings = settings_for(fake, data_dir, **overrides)
    app = build_application(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, app=app))
    running = Running(fake, settings, app, stop, task)
    try:
        await fake.wait_for(lambda: task.done() or fake.calls_to("getUpdates")
                            or fake.webhook_url, 15)
        if task.done():
            task.result()
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def world(fake: FakeTelegram) -> None:
    fake.add_group(STAFF_CHAT, "Tim WBS Inspektorat", forum=True, members=STAFF)
    fake.add_user(OUTSIDER, "Orang Luar")
    for staff_id in STAFF:
        fake.add_user(staff_id, "Petugas")
    fake.rate_limits(per_group_per_minute=100000, global_per_second=100000)


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


class Reporter:
    """A person in a private chat with the bot, doing what a reporter does."""

    def __init__(self, fake: FakeTelegram, user_id: int, language: str = "id", *,
                 first_name: str = "Pelapor", username: str | None = None) -> None:
        self.fake, self.user_id, self.language = fake, user_id, language
        self.first_name, self.username = first_name, username or f"saksi{user_id}"
        fake.add_user(user_id, first_name, username=self.username, language_code=language)
        self.seen = 0
        self.timeout = 10.0
        self.ignore_resent = False
        """Skip exact copies of messages already seen (same text, same button data): delivery is
        at-least-once, so after a crash a message may arrive twice, and a person ignores it."""

    def bot_messages(self) -> list[dict]:
        return self.fake.bot_messages(self.user_id)

    async def expect(self, contains: str | None = None, *, button: str | None = None,
                     timeout: float | None = None) -> dict:
        """The next bot message (after the last one expected) matching text and/or a button."""
        def signature(m: dict) -> tuple[str, tuple[str, ...]]:
            return (m.get("text") or m.get("caption") or "", tuple(buttons(m)))

        def find() -> dict | None:
            messages = self.bot_messages()
            earlier = {signature(m) for m in messages if m["message_id"] <= self.seen}
            for m in messages:
                if m["message_id"] <= self.seen:
                    continue
                if self.ignore_resent and signature(m) in earlier:
                    continue
                body = m.get("text") or m.get("caption") or ""
                if contains is not None and contains not in body:
                    continue
                if button is not None and not any(d.startswith(button) for d in buttons(m)):
                    continue
                return m
            return None
        message = await self.fake.wait_for(find, timeout or self.timeout)
        self.seen = message["message_id"]
        return message

    async def say(self, text: str, **kw: Any) -> dict:
        return await self.fake.send_text(self.user_id, text, **kw)

    async def press(self, prefix: str, *, in_message: dict | None = None) -> dict:
        """Press the button whose callback data starts with `prefix` on the newest message showing it."""
        candidates = [in_message] if in_message else reversed(self.bot_messages())
        for message in candidates:
            for data in buttons(message):
                if data.startswith(prefix):
                    return await self.fake.press(self.user_id, message, data)
        raise AssertionError(f"no button {prefix!r} visible; last: {self.bot_messages()[-1:]}")


REPORT = {
    "what": "Kepala bidang perizinan meminta uang pelicin Rp5 juta untuk menerbitkan izin usaha.",
    "who": "Inisial BS, Kepala Bidang Perizinan, DPMPTSP Kabupaten",
    "when": "Senin, 3 Maret 2025, sekitar pukul 10.00",
    "where": "Ruang kerja Kabid, lantai 2 kantor DPMPTSP",
    "how": "Diminta transfer ke rekening pribadi atas nama kerabat, bukti chat WhatsApp ada.",
}


def first_words(language: str, key: str) -> str:
    """The first line of a catalog text as Telegram shows it (tags removed, up to any {param}),
    past the placeholders that may lead it (a note, "Langkah 3 dari 8")."""
    visible = html.unescape(re.sub(r"<[^>]+>", "", text(language, key)))
    for line in visible.splitlines():
        if not line.startswith("{") and line.split("{")[0].strip():
            return line.split("{")[0].strip()
    raise AssertionError(f"{key}: no words before its placeholders")


def held_back(message: dict, language: str) -> bool:
    """Whether `message` is the warning that holds back a file Peluit cannot clean."""
    warning = re.sub(r"<[^>]+>", "", text(language, "intake.metadata_held")).splitlines()[0]
    return warning in (message.get("text") or "")


async def send_evidence(r: Reporter, data: bytes, name: str, mime: str, *,
                        caption: str | None = None) -> dict:
    """Send one file at the evidence step; a file Peluit cannot clean is held back with a
    warning the first time, and sent again (as a reporter who accepts the warning does). Returns
    the bot's answer that took it."""
    await r.fake.send_document(r.user_id, data, name, mime, caption=caption)
    answer = await r.expect(button="i:done:")
    if held_back(answer, r.language):
        await r.fake.send_document(r.user_id, data, name, mime, caption=caption)
        answer = await r.expect(button="i:done:")
    return answer


async def file_report(r: Reporter, report: dict[str, str] | None = None, *, category: int = 0,
                      evidence: list[tuple[str, bytes, str]] | None = None,
                      contact: str | None = None) -> str:
    """Walk the whole intake; returns the ticket code shown at the end."""
    report = report or REPORT
    await r.say("/lapor")
    menu = await r.expect(button="i:cat:")
    choice = [d for d in buttons(menu) if d.startswith("i:cat:")][category]
    await r.fake.press(r.user_id, menu, choice)
    question = await r.expect(button="i:back:")  # the first question
    for step in ("what", "who", "when", "where", "how"):
        await r.say(report[step])
        question = await r.expect(button="i:back:")  # the next question follows at once
    assert any(d.startswith("i:done:") for d in buttons(question)), "not the evidence question"
    for name, data, mime in evidence or []:
        await send_evidence(r, data, name, mime)
    await r.press("i:done:")
    await r.expect(button="i:anon:")
    if contact:
        await r.press("i:contact:")
        await r.expect()
        await r.say(contact)  # locked away at once: the review follows
    else:
        await r.press("i:anon:")
    await r.expect(button="i:submit:")
    await r.press("i:submit:")
    done = await r.expect(button="i:wipe:")
    match = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done["text"])
    assert match, done["text"]
    return match.group(0)
