"""How one outgoing intent becomes Bot API calls: where it goes (chat, topic, the card to reply
to), its text or file, and the pace Telegram allows (about 30 messages a second, 20 a minute in a
group). A multi-part text that fails half-way resumes after the parts already sent."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram.error import BadRequest

from bot.delivery import ANSWER, Permanent, carefully, post
from bot.evidence_copy import file_name, staff_caption, staff_file_name
from bot.render import fill, plain, render_say
from bot.topics import Topics
from flows.bus import MessageBus
from flows.delivery_model import Link, LinkKind, Where
from flows.intents import (
    EditCard,
    EditConfirmation,
    MarkMoved,
    RelayFile,
    Say,
    SendEvidence,
    SendReport,
    WipeChat,
)
from flows.policy import Policy
from storage import pacing
from storage.uow import Database

if TYPE_CHECKING:
    from bot.reports.maker import Made, ReportMaker

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CAPTION_WORDS = 900
"""The most of an officer's words a file's caption carries (Telegram allows 1024 in all)."""


class Pace:
    """A minimal-interval pacer: at most one message per `interval` seconds, shared by callers."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.next_at = 0.0
        self.lock = asyncio.Lock()

    def pause_until(self, at: float) -> None:
        self.next_at = max(self.next_at, at)

    async def wait(self) -> None:
        async with self.lock:
            delay = self.next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.next_at = max(self.next_at, time.monotonic()) + self.interval


class SharedPace:
    """A staff group's pace kept in the database (PostgreSQL), shared by every replica: each
    message reserves the group's next slot there (storage/pacing.py) and waits for it."""

    def __init__(self, db: Database, chat_id: int, interval: float) -> None:
        self.db, self.key, self.interval = db, pacing.pace_key(chat_id), interval
        self.local = Pace(0)
        """A pause Telegram asked for (retry_after), seen here at once."""

    def pause_until(self, at: float) -> None:
        self.local.pause_until(at)
        seconds = at - time.monotonic()
        if seconds > 0:  # the other replicas hold back too (best effort)
            task = asyncio.get_running_loop().create_task(
                pacing.pause(self.db.engine, self.key, seconds))
            _PAUSES.add(task)
            task.add_done_callback(_PAUSES.discard)

    async def wait(self) -> None:
        await self.local.wait()
        delay = await pacing.reserve(self.db.engine, self.key, self.interval)
        if delay > 0:
            await asyncio.sleep(delay)


_PAUSES: set[asyncio.Task[None]] = set()


class Posting:
    def __init__(self, bot: Bot, db: Database, bus: MessageBus, policy: Policy,
                 staff_chat_id: int, *, global_per_second: float, group_per_minute: float,
                 topic_grace: float, queued: Any, groups: tuple[int, ...] = (),
                 group_window: float = 60.0) -> None:
        self.bot, self.db, self.policy, self.staff_chat_id = bot, db, policy, staff_chat_id
        self.bus = bus
        self.groups = frozenset((staff_chat_id, *groups))
        """Every staff group's chat id (the main one too)."""
        self.global_pace = Pace(global_per_second)
        interval = group_window / group_per_minute if group_per_minute > 0 else 0.0
        shared = db.is_postgres and interval > 0
        self.staff_paces: dict[int, Pace | SharedPace] = {
            chat: SharedPace(db, chat, interval) if shared else Pace(
                1 / interval if interval > 0 else 0) for chat in self.groups}
        """Each staff group's pace: in the database on PostgreSQL (shared by replicas), else in
        the process."""
        self.topics = Topics(bot, bus, policy, staff_chat_id, grace=topic_grace,
                             pace=self._pace_staff, queued=queued)
        self._progress: dict[int, int] = {}
        """Parts of a long text already sent, per outbox id (a retry resumes after them)."""
        self._reports: ReportMaker | None = None

    def forget(self, item_id: int) -> None:
        self._progress.pop(item_id, None)

    def pause_staff(self, at: float) -> None:
        """Telegram asked to wait (a staff group's 429): every staff group's pace holds back."""
        for pace in self.staff_paces.values():
            pace.pause_until(at)

    async def _pace_staff(self, chat_id: int | None = None) -> None:
        await self.global_pace.wait()
        await self.staff_paces[chat_id if chat_id is not None else self.staff_chat_id].wait()

    async def _paced(self, chat_id: int, call: Callable[[int | None], Awaitable[Any]],
                     thread: int | None, case_id: str | None) -> Any:
        if chat_id in self.groups:
            await self._pace_staff(chat_id)
        else:
            await self.global_pace.wait()
        try:
            return await carefully(lambda: call(thread))
        except BadRequest as exc:
            answer = ANSWER.get()
            gone = answer is not None and answer.definite and "thread not found" in exc.message.lower()
            if thread is None or not gone or not case_id:
                raise
            thread = await self.topics.open(case_id, stale=thread, chat_id=chat_id)
            return await carefully(lambda: call(thread))

    def chat_id(self, where: Where) -> int:
        """A reporter's chat, or the staff group of `where` (None: the main group)."""
        if where.route is not None:
            return int(where.route)
        return where.group if where.group is not None else self.staff_chat_id

    async def say(self, item_id: int, say: Say, where: Where) -> list[Link]:
        chat_id, thread = self.chat_id(where), where.thread_id
        reply = None if say.card or where.reply_to is None else ReplyParameters(
            where.reply_to, allow_sending_without_reply=True)
        rendered = render_say(say)
        staff = where.route is None
        start = self._progress.get(item_id, 0)
        links: list[Link] = []
        for index, part in enumerate(rendered.texts):
            if index < start:
                continue
            markup = rendered.markup if index == len(rendered.texts) - 1 else None

            async def call(thread_id: int | None, part: str = part, markup: Any = markup) -> Any:
                return await post(self.bot, "sendMessage", {
                    "chat_id": chat_id, "text": part, "parse_mode": "HTML",
                    "reply_markup": markup, "message_thread_id": thread_id,
                    "protect_content": staff, "link_preview_options": NO_PREVIEW,
                    "reply_parameters": reply, "disable_notification": say.silent or None})

            message = await self._paced(chat_id, call, thread, say.case_id if staff else None)
            self._progress[item_id] = index + 1
            if say.case_id and message.message_id is not None:
                first = index == 0
                kind = LinkKind.CARD if say.card else say.link_kind
                links.append(Link(say.case_id, where.route, message.message_id,
                                  say.card and first, kind, say.relay_id if staff else None,
                                  say.awaits, group=where.group if staff else None))
        return links

    async def mark_moved(self, intent: MarkMoved, where: Where) -> None:
        """The card in the group a case left says only that it was moved: no content, no
        buttons. A card message that is gone (or already says so) leaves nothing to do."""
        if intent.card_message_id is None:
            return
        words = fill(intent.lang, intent.key, {"number": intent.number})

        async def call(thread_id: int | None) -> Any:
            return await self.bot.edit_message_text(
                words, chat_id=self.chat_id(where), message_id=intent.card_message_id,
                parse_mode="HTML", reply_markup=None)

        try:
            await self._paced(self.chat_id(where), call, None, None)
        except BadRequest as exc:
            said = exc.message.lower()
            if "not modified" not in said and "message to edit not found" not in said:
                raise

    async def edit_card(self, intent: EditCard, where: Where) -> None:
        """The card message shows the card as it is now. An edit that changes nothing, or a
        card message that is gone, leaves nothing to do. A card long enough to take several
        messages has its first one edited (its buttons stay on the last)."""
        if where.edit is None:
            return
        rendered = render_say(intent.card)
        markup = rendered.markup if len(rendered.texts) == 1 else None

        async def call(thread_id: int | None) -> Any:
            return await self.bot.edit_message_text(
                rendered.texts[0], chat_id=self.chat_id(where), message_id=where.edit,
                parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True)

        try:
            await self._paced(self.chat_id(where), call, None, None)
        except BadRequest as exc:
            said = exc.message.lower()
            if "not modified" not in said and "message to edit not found" not in said:
                raise

    async def evidence(self, intent: SendEvidence, where: Where) -> list[Link]:
        chat_id, thread = self.chat_id(where), where.thread_id
        async with self.db.uow() as uow:
            evidence = await uow.evidence.get(intent.evidence_id)
        if evidence is None:
            raise Permanent("evidence_gone")
        staff = where.route is None
        # Never the reporter's own file name ("scan_KTP_Budi.pdf" identifies): a neutral one.
        name = file_name(evidence)
        common: dict[str, Any] = {"protect_content": staff}
        if where.reply_to is not None:
            common["reply_parameters"] = ReplyParameters(where.reply_to,
                                                         allow_sending_without_reply=True)
        if staff and evidence.answer:  # a voice answer: which question it answers
            common["caption"] = fill(self.policy.staff_language, "staff.voice_answer", {
                "number": where.number,
                "step": plain(self.policy.staff_language, f"field.{evidence.answer}")})
            common["parse_mode"] = "HTML"
        elif staff and evidence.kind != "video_note":  # a video note takes no caption
            common["caption"] = staff_caption(self.policy.staff_language, where.number,
                                              evidence.caption)
            common["parse_mode"] = "HTML"

        async def call(thread_id: int | None) -> Any:
            kw = {**common, "message_thread_id": thread_id}
            data = evidence.data
            if evidence.kind == "photo":
                return await self.bot.send_photo(chat_id, data, **kw)
            if evidence.kind == "video":
                return await self.bot.send_video(chat_id, data, filename=name, **kw)
            if evidence.kind == "voice":
                return await self.bot.send_voice(chat_id, data, filename=name, **kw)
            if evidence.kind == "audio":
                return await self.bot.send_audio(chat_id, data, filename=name, **kw)
            if evidence.kind == "video_note":
                return await self.bot.send_video_note(chat_id, data, **kw)
            return await self.bot.send_document(chat_id, data, filename=name, **kw)

        message = await self._paced(chat_id, call, thread, intent.case_id if staff else None)
        if not intent.case_id or message.message_id is None:
            return []
        return [Link(intent.case_id, where.route, message.message_id, kind=LinkKind.EVIDENCE,
                     group=where.group if staff else None)]

    async def report(self, intent: SendReport, where: Where) -> list[Link]:
        """A report made now from the records, in memory, posted into the staff group it was
        asked in (a case file into its case's topic, in the case's group) with protected
        content: no forwarding, no saving. Statistics and a period report count only the cases
        of that group."""
        if self._reports is None:  # fpdf2 and the fonts load with the first report, not at start
            from bot.reports.maker import ReportMaker

            # The bot's clock (the message bus's): a report's "now" (which cases staff may see
            # yet, what is overdue) is the same moment every other staff view uses.
            self._reports = ReportMaker(self.db, self.policy, clock=lambda: self.bus.clock())
        made: Made | None
        if intent.kind == "case_file" and intent.case_id:
            made = await self._reports.case_file(intent.case_id, intent.lang)
        elif intent.kind in ("statistics", "period") and intent.start and intent.end:
            maker = (self._reports.statistics if intent.kind == "statistics"
                     else self._reports.period)
            made = await maker(intent.start, intent.end, intent.lang, intent.to.group)
        else:
            made = None
        if made is None:
            raise Permanent("report_gone")
        report, chat_id = made, self.chat_id(where)
        kw: dict[str, Any] = {"caption": report.caption, "protect_content": True}

        async def call(thread_id: int | None) -> Any:
            if intent.kind == "statistics":
                return await self.bot.send_photo(chat_id, report.data,
                                                 message_thread_id=thread_id, **kw)
            return await self.bot.send_document(chat_id, report.data,
                                                filename=report.file_name,
                                                message_thread_id=thread_id, **kw)

        await self._paced(chat_id, call, where.thread_id, intent.to.case_id)
        return []

    async def relay_file(self, intent: RelayFile, where: Where) -> list[Link]:
        """A staff file for the reporter (cleaned when it was taken), labelled "Petugas WBS"
        with the officer's words; a neutral file name. A reply to it finds the case."""
        chat_id = self.chat_id(where)
        key = "reporter.staff_file_text" if intent.text else "reporter.staff_file"
        words = intent.text if len(intent.text) <= CAPTION_WORDS else intent.text[:CAPTION_WORDS] + "…"
        kw: dict[str, Any] = {"caption": fill(intent.lang, key, {
            "number": intent.number, "text": words}), "parse_mode": "HTML"}

        async def call(_thread: int | None) -> Any:
            if intent.kind == "photo":
                return await self.bot.send_photo(chat_id, intent.data, **kw)
            if intent.kind == "voice":
                return await self.bot.send_voice(chat_id, intent.data, **kw)
            return await self.bot.send_document(chat_id, intent.data,
                                                filename=staff_file_name(intent.mime_type), **kw)

        message = await self._paced(chat_id, call, None, None)
        if message.message_id is None:
            return []
        return [Link(intent.case_id, where.route, message.message_id)]

    async def edit_confirmation(self, intent: EditConfirmation, where: Where) -> None:
        """Rewrite a relay's confirmation (without its button). Not sent yet, or gone: nothing
        to edit; unchanged: not an error."""
        async with self.db.uow() as uow:
            message_id = await uow.cases.relay_confirmation(intent.relay_id)
        if message_id is None:
            return
        rendered = render_say(Say(intent.to, intent.key, intent.params, lang=intent.lang))
        chat_id = self.chat_id(where)
        await self._pace_staff(chat_id)
        try:
            await carefully(lambda: self.bot.edit_message_text(
                rendered.texts[0], chat_id=chat_id, message_id=message_id,
                parse_mode="HTML", reply_markup=None))
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def wipe(self, intent: WipeChat) -> None:
        chat_id = int(intent.to.route)
        ids = list(range(intent.first_message_id, intent.last_message_id + 1))
        for start in range(0, len(ids), 100):
            await self.global_pace.wait()
            with contextlib.suppress(BadRequest):
                await carefully(lambda start=start: self.bot.delete_messages(  # type: ignore[misc]
                    chat_id, ids[start:start + 100]))
