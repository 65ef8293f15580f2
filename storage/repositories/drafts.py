"""Drafts: a report being written, one per chat, encrypted whole."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update

from flows.intake import Draft
from flows.intents import ChatRoute
from storage.codec import draft_from_bytes, draft_to_bytes
from storage.models import DraftRow, EvidenceRow, UTCDateTime
from storage.prepared import Prepared
from storage.repositories.base import Repository

_DRAFT = Prepared(select(DraftRow.id, DraftRow.payload_enc)
                  .where(DraftRow.chat_hash == bindparam("chat_hash")))
_DRAFT_UPDATE = Prepared(update(DraftRow).where(DraftRow.id == bindparam("draft_id")).values(
    payload_enc=bindparam("payload_enc"), updated_at=bindparam("now", type_=UTCDateTime()))
    .returning(DraftRow.id))
_DRAFT_INSERT = Prepared(insert(DraftRow).values(
    id=bindparam("draft_id"), chat_hash=bindparam("chat_hash"),
    payload_enc=bindparam("payload_enc"), updated_at=bindparam("now", type_=UTCDateTime())))


class DraftRepository(Repository):
    async def get(self, route: ChatRoute) -> Draft | None:
        rows = await _DRAFT.rows(self.session, {"chat_hash": self.chat_hash(route)})
        if not rows:
            return None
        draft_id, payload = rows[0]
        return draft_from_bytes(self.decrypt(DraftRow.payload_enc, draft_id, payload))

    async def save(self, route: ChatRoute, draft: Draft) -> None:
        values = {"draft_id": draft.id, "now": draft.updated_at,
                  "payload_enc": self.encrypt(DraftRow.payload_enc, draft.id, draft_to_bytes(draft))}
        if not await _DRAFT_UPDATE.rows(self.session, values):
            await _DRAFT_INSERT.rows(self.session, {**values, "chat_hash": self.chat_hash(route)})

    async def delete(self, route: ChatRoute) -> None:
        ids = (await self.session.scalars(
            select(DraftRow.id).where(DraftRow.chat_hash == self.chat_hash(route))
        )).all()
        await self._delete_ids(ids)

    async def delete_expired(self, before: datetime) -> int:
        ids = (await self.session.scalars(
            select(DraftRow.id).where(DraftRow.updated_at < before)
        )).all()
        await self._delete_ids(ids)
        return len(ids)

    async def _delete_ids(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        await self.session.execute(delete(EvidenceRow).where(
            EvidenceRow.draft_id.in_(ids), EvidenceRow.case_id.is_(None)))
        await self.session.execute(delete(DraftRow).where(DraftRow.id.in_(ids)))
