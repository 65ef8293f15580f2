"""Chats, known only by their keyed hash: the language chosen, whether the next message is taken
as a ticket code (after *Cek status*), and what the bus reads before a reporter's command."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, or_, select, update

from flows.intents import ChatRoute
from flows.ports import ChatState, HeldMessage
from storage.codec import draft_from_bytes
from storage.models import ChatRow, DraftRow, HeldMessageRow, OutboxRow, UTCDateTime
from storage.prepared import Prepared, per_dialect
from storage.repositories.base import Repository, chat_lane


def _set_language(insert: Any) -> Prepared:
    stmt = insert(ChatRow).values(chat_hash=bindparam("chat_hash"), language=bindparam("language"),
                                  updated_at=bindparam("now", type_=UTCDateTime()))
    return Prepared(stmt.on_conflict_do_update(
        index_elements=[ChatRow.chat_hash],
        set_={"language": stmt.excluded.language, "updated_at": stmt.excluded.updated_at},
        where=ChatRow.language != stmt.excluded.language))


def _set_ticket_prompt(insert: Any) -> Prepared:
    stmt = insert(ChatRow).values(
        chat_hash=bindparam("chat_hash"), language=bindparam("language"),
        updated_at=bindparam("now", type_=UTCDateTime()),
        expects_ticket_until=bindparam("until", type_=UTCDateTime()))
    return Prepared(stmt.on_conflict_do_update(
        index_elements=[ChatRow.chat_hash],
        set_={"expects_ticket_until": stmt.excluded.expects_ticket_until}))


_SET_LANGUAGE = per_dialect(_set_language)
_SET_TICKET_PROMPT = per_dialect(_set_ticket_prompt)
_LANGUAGE = Prepared(select(ChatRow.language).where(ChatRow.chat_hash == bindparam("chat_hash")))
_CLEAR_TICKET_PROMPT = Prepared(
    update(ChatRow).where(ChatRow.chat_hash == bindparam("hash"),
                          ChatRow.expects_ticket_until.is_not(None))
    .values(expects_ticket_until=None))


def _state() -> Prepared:
    """A chat's language, code prompt and draft, and whether messages for it are still queued
    or under way: one statement."""
    chat = ChatRow.chat_hash == bindparam("chat_hash")
    draft = DraftRow.chat_hash == bindparam("chat_hash")
    busy = exists().where(OutboxRow.lane == bindparam("lane"),
                          or_(OutboxRow.status == "pending", OutboxRow.status == "sending"))
    return Prepared(select(
        select(ChatRow.language).where(chat).scalar_subquery(),
        select(ChatRow.expects_ticket_until).where(chat).scalar_subquery(),
        select(DraftRow.id).where(draft).scalar_subquery(),
        select(DraftRow.payload_enc).where(draft).scalar_subquery(),
        busy))


_STATE = _state()
HELD_FOR = timedelta(days=1)
"""A held message nobody chose for is forgotten after this long."""


class ChatRepository(Repository):
    async def state(self, route: ChatRoute) -> ChatState:
        lane = chat_lane(self.chat_hash(route))
        [(language, until, draft_id, payload, busy)] = await _STATE.rows(self.session, {
            "chat_hash": self.chat_hash(route), "lane": lane})
        draft = (draft_from_bytes(self.decrypt(DraftRow.payload_enc, draft_id, payload))
                 if draft_id is not None else None)
        return ChatState(language, until, draft, bool(busy))

    async def language(self, route: ChatRoute) -> str | None:
        rows = await _LANGUAGE.rows(self.session, {"chat_hash": self.chat_hash(route)})
        return rows[0][0] if rows else None

    async def set_language(self, route: ChatRoute, language: str) -> None:
        """One statement; a chat that already has this language is left untouched (the
        conflict update's WHERE), so repeating the same choice writes nothing."""
        await _SET_LANGUAGE[self.session.bind.dialect.name].rows(self.session, {
            "chat_hash": self.chat_hash(route), "language": language, "now": datetime.now(UTC)})

    async def set_ticket_prompt(self, route: ChatRoute, language: str, until: datetime) -> None:
        await _SET_TICKET_PROMPT[self.session.bind.dialect.name].rows(self.session, {
            "chat_hash": self.chat_hash(route), "language": language, "now": datetime.now(UTC),
            "until": until})

    async def clear_ticket_prompt(self, route: ChatRoute) -> None:
        """One statement, which writes nothing when no prompt is open."""
        await _CLEAR_TICKET_PROMPT.rows(self.session, {"hash": self.chat_hash(route)})

    async def hold(self, route: ChatRoute, case_id: str, text: str, now: datetime) -> None:
        chat_hash = self.chat_hash(route)
        await self.session.execute(delete(HeldMessageRow).where(
            HeldMessageRow.created_at < now - HELD_FOR))
        row = await self.session.get(HeldMessageRow, chat_hash)
        if row is not None and row.case_id == case_id:
            before = self.decrypt(HeldMessageRow.body_enc, row.id, row.body_enc).decode()
            text = before + "\n" + text
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()
        row_id = str(uuid.uuid4())
        self.session.add(HeldMessageRow(
            chat_hash=chat_hash, id=row_id, case_id=case_id, created_at=now,
            body_enc=self.encrypt(HeldMessageRow.body_enc, row_id, text.encode())))
        await self.session.flush()

    async def take_held(self, route: ChatRoute) -> HeldMessage | None:
        row = await self.session.get(HeldMessageRow, self.chat_hash(route))
        if row is None:
            return None
        text = self.decrypt(HeldMessageRow.body_enc, row.id, row.body_enc).decode()
        held = HeldMessage(row.case_id, text, row.created_at)
        await self.session.delete(row)
        await self.session.flush()
        return held
