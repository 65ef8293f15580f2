"""The transactional outbox: intents go in with the state change that caused them; the sender
claims the head of each lane, delivers it and records the result.

Delivery is at-least-once: a crash after Telegram accepted a message but before `done` was
committed sends that one message again after the lease expires. Nothing is ever lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from flows.intents import Intent, Target, ToChat, ToReporter
from storage.codec import (
    dumps,
    intent_from_json,
    intent_target,
    intent_to_json,
    loads,
    target_from_json,
    target_to_json,
)
from storage.models import OutboxRow, UTCDateTime
from storage.prepared import Prepared
from storage.repositories import _Repo

LEASE = timedelta(seconds=30)
"""How long a sender owns a claimed message; after that another sender may deliver it."""


_PUT = Prepared(insert(OutboxRow).values(
    uid=bindparam("uid"), lane=bindparam("lane"), status="pending", attempts=0,
    not_before=bindparam("not_before", type_=UTCDateTime()),
    created_at=bindparam("now", type_=UTCDateTime()),
    target_enc=bindparam("target_enc"), payload_enc=bindparam("payload_enc")))
_DONE = Prepared(delete(OutboxRow).where(OutboxRow.id == bindparam("id")))


def _claim(for_update: bool) -> Prepared:
    earlier = aliased(OutboxRow)
    blocked = exists().where(earlier.lane == OutboxRow.lane, earlier.id < OutboxRow.id,
                             or_(earlier.status == "pending", earlier.status == "sending"))
    due = (select(OutboxRow.id)
           .where(OutboxRow.status == "pending",
                  OutboxRow.not_before <= bindparam("now", type_=UTCDateTime()), ~blocked)
           .order_by(OutboxRow.id).limit(bindparam("limit", type_=Integer())))
    if for_update:
        due = due.with_for_update(skip_locked=True)
    return Prepared(
        update(OutboxRow).where(OutboxRow.id.in_(due.scalar_subquery()))
        .values(status="sending", not_before=bindparam("until", type_=UTCDateTime()),
                attempts=OutboxRow.attempts + 1)
        .returning(OutboxRow.id, OutboxRow.uid, OutboxRow.lane, OutboxRow.attempts,
                   OutboxRow.target_enc, OutboxRow.payload_enc))


_CLAIM = {"sqlite": _claim(False), "postgresql": _claim(True)}


@dataclass(frozen=True)
class OutboxItem:
    id: int
    lane: str
    target: Target
    intent: Intent
    attempts: int


class OutboxRepository(_Repo):
    def lane(self, target: Target) -> str:
        if isinstance(target, ToChat):
            return "chat:" + self.chat_hash(target.route).hex()[:40]
        if isinstance(target, ToReporter):
            return "case:" + target.case_id
        # One lane per case in the staff group: a delayed new-case announcement (random delay
        # against timing correlation) must not hold back other cases' messages.
        return "staff:" + target.case_id if target.case_id else "staff"

    async def put(self, intents: Sequence[Intent], not_before: datetime | None = None) -> None:
        now = datetime.now(UTC)
        for intent in intents:
            uid = str(uuid.uuid4())
            target = intent_target(intent)
            await _PUT.rows(self.session, {
                "uid": uid, "lane": self.lane(target), "not_before": not_before or now, "now": now,
                "target_enc": self.enc("routing", "outbox", "target_enc", uid,
                                       dumps(target_to_json(target))),
                "payload_enc": self.enc("content", "outbox", "payload_enc", uid,
                                        dumps(intent_to_json(intent)))})

    async def claim(self, now: datetime, limit: int = 50, lease: timedelta = LEASE) -> list[OutboxItem]:
        """Claim the first due message of each lane (in-order per lane), leasing it: one
        statement (on PostgreSQL, rows another sender holds are skipped, not waited for)."""
        rows = await _CLAIM[self.session.bind.dialect.name].rows(
            self.session, {"now": now, "until": now + lease, "limit": limit})
        items = []
        for item_id, uid, lane, attempts, target_enc, payload_enc in sorted(rows):
            target = target_from_json(loads(self.dec("routing", "outbox", "target_enc", uid,
                                                     target_enc)))
            intent = intent_from_json(loads(self.dec("content", "outbox", "payload_enc", uid,
                                                     payload_enc)), target)
            items.append(OutboxItem(item_id, lane, target, intent, attempts))
        return items

    async def recover_expired(self, now: datetime) -> int:
        """Messages whose sender died mid-delivery go back to the queue."""
        result = await self.session.execute(update(OutboxRow).where(
            OutboxRow.status == "sending", OutboxRow.not_before < now).values(status="pending"))
        return result.rowcount or 0

    async def renew(self, item_ids: Sequence[int], until: datetime) -> None:
        """Extend the lease of messages still being delivered (a slow send, or one waiting for
        the staff group's pace), so no sender takes them for abandoned and sends them again."""
        if item_ids:
            await self.session.execute(update(OutboxRow).where(
                OutboxRow.id.in_(item_ids), OutboxRow.status == "sending").values(not_before=until))

    async def done(self, item_id: int) -> None:
        await _DONE.rows(self.session, {"id": item_id})

    async def retry(self, item_id: int, at: datetime, error: str) -> None:
        await self.session.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
            status="pending", not_before=at, error=error[:120]))

    async def fail(self, item_id: int, error: str) -> None:
        """Give up on a message: the content is dropped, a short error code is kept."""
        await self.session.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
            status="failed", error=error[:120], payload_enc=b"", target_enc=b""))

    async def pending_count(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.status.in_(("pending", "sending")))) or 0
