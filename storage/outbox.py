"""The transactional outbox: intents go in with the state change that caused them; the sender
claims the head of each lane, delivers it and records the result.

Delivery is at-least-once: a crash after Telegram accepted a message but before `done` was
committed sends that one message again after the lease expires. Nothing is ever lost: what cannot
be delivered yet waits (`retry`), and what is meant for staff but cannot reach them is kept
(`park`) until it can; only messages Telegram refused for good are emptied (`fail`).

Two clocks, on purpose:
- *Leases* (who owns a message being delivered) are shared by every sender, so they are kept on
  the database's clock where the database is shared: PostgreSQL's `clock_timestamp()` sets and
  tests them, in the SQL. A replica whose clock is wrong can neither take a lease that is still
  running nor hand out one that has already run out. SQLite is one file on one host: its leases
  use that host's wall clock (`datetime.now`), which is the clock SQLite itself would use.
- *Schedules* (when a message is due: `put`'s time, a retry's backoff, the random delay of a new
  case, the delivery horizon) use the caller's clock (`now`): the sender's clock, injectable.

What remains: a step of the wall clock still moves schedules (a retry due in five minutes may
come early or late by the step, a delayed case announcement likewise) and, on SQLite, leases;
replicas whose clocks differ see the same message due at different moments. None of this loses
or doubles a message: a lease is the only thing that guards against sending twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Interval,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from flows.delivery_model import Queued
from flows.intents import ChatRoute, Intent, Target, ToChat, ToReporter, target_of
from storage.codec import (
    dumps,
    intent_from_json,
    intent_to_json,
    loads,
    target_from_json,
    target_to_json,
)
from storage.models import CaseRow, OutboxRow, UTCDateTime
from storage.prepared import Prepared
from storage.repositories.base import Repository, chat_lane

LEASE = timedelta(seconds=30)
"""How long a sender owns a claimed message; after that another sender may deliver it."""


_PUTS: dict[tuple[str, int], Prepared] = {}
_DONES: dict[int, Prepared] = {}
_BATCH = 32
"""Most rows one INSERT writes (or one DELETE removes); more go in several."""


def _put(dialect: str, rows: int) -> Prepared:
    """INSERT `rows` messages in one statement (bound as uid0, lane0, ... uid1 ...). A row
    leased at once (`not_before<i>` bound as None on PostgreSQL) is leased on the lease clock,
    like a claimed one."""
    found = _PUTS.get((dialect, rows))
    if found is None:
        def not_before(i: int) -> ColumnElement[datetime]:
            due = bindparam(f"not_before{i}", type_=UTCDateTime())
            return func.coalesce(due, _lease_until(dialect)) if dialect == "postgresql" else due

        values = [{"not_before": not_before(i),
                   "created_at": bindparam(f"created_at{i}", type_=UTCDateTime()),
                   **{name: bindparam(f"{name}{i}") for name in (
                       "uid", "lane", "status", "attempts", "errors", "target_enc",
                       "payload_enc", "relay_id")}}
                  for i in range(rows)]
        found = _PUTS[(dialect, rows)] = Prepared(insert(OutboxRow).values(values)
                                                  .returning(OutboxRow.id, OutboxRow.uid))
    return found


def _done(rows: int) -> Prepared:
    found = _DONES.get(rows)
    if found is None:
        found = _DONES[rows] = Prepared(delete(OutboxRow).where(
            OutboxRow.id.in_([bindparam(f"id{i}") for i in range(rows)])))
    return found


def _lease_now(dialect: str) -> ColumnElement[datetime]:
    """The lease clock: the database's own (PostgreSQL), or the host's, bound as `lease_now`."""
    if dialect == "postgresql":
        return func.clock_timestamp()
    return bindparam("lease_now", type_=UTCDateTime())


def _lease_until(dialect: str) -> ColumnElement[datetime]:
    """When a lease taken now runs out: the lease clock plus `lease` (an interval)."""
    if dialect == "postgresql":
        return func.clock_timestamp() + bindparam("lease", type_=Interval())
    return bindparam("lease_until", type_=UTCDateTime())


def _lease_params(dialect: str, lease: timedelta | None = None) -> dict[str, Any]:
    if dialect == "postgresql":
        return {} if lease is None else {"lease": lease}
    now = datetime.now(UTC)
    return {"lease_now": now} if lease is None else {"lease_until": now + lease}


def _claim(dialect: str) -> Prepared:
    """The first due message of each lane (nothing earlier in its lane waiting or under way)."""
    earlier = aliased(OutboxRow)
    now = bindparam("now", type_=UTCDateTime())
    blocked = exists().where(earlier.lane == OutboxRow.lane, earlier.id < OutboxRow.id,
                             or_(earlier.status == "pending", earlier.status == "sending"))
    due = (select(OutboxRow.id)
           .where(OutboxRow.status == "pending",
                  OutboxRow.not_before <= now, ~blocked)
           .order_by(OutboxRow.id).limit(bindparam("limit", type_=Integer())))
    if dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return Prepared(
        update(OutboxRow).where(OutboxRow.id.in_(due.scalar_subquery()))
        .values(status="sending", not_before=_lease_until(dialect),
                attempts=OutboxRow.attempts + 1)
        .returning(OutboxRow.id, OutboxRow.uid, OutboxRow.lane, OutboxRow.attempts,
                   OutboxRow.errors, OutboxRow.created_at, OutboxRow.target_enc,
                   OutboxRow.payload_enc))


_DIALECTS = ("sqlite", "postgresql")
_CLAIM = {dialect: _claim(dialect) for dialect in _DIALECTS}


class OutboxRepository(Repository):
    def _lane(self, target: Target) -> str:
        if isinstance(target, ToChat):
            return chat_lane(self.chat_hash(target.route))
        if isinstance(target, ToReporter):
            return "case:" + target.case_id
        # One lane per case in the staff group: a delayed new-case announcement (random delay
        # against timing correlation) must not hold back other cases' messages. Other staff
        # messages: one lane per staff group.
        if target.case_id:
            return "staff:" + target.case_id
        return "staff" if target.group is None else f"staff-group:{target.group}"

    async def put(self, intents: Sequence[Intent], not_before: datetime | None = None, *,
                  lease_for: ChatRoute | None = None, lease: timedelta | None = None,
                  ) -> list[Queued]:
        """Queue `intents` in order (one INSERT per batch); every row is returned. Those for
        the chat `lease_for`, whose lane the caller found idle (under the chat's lock), are
        leased to the caller at once (`leased`): it delivers them, no claim is needed."""
        now = datetime.now(UTC)
        leased_lane = self._lane(ToChat(lease_for)) if lease_for is not None else None
        dialect, lease = self._dialect, lease or LEASE
        # A row leased at once runs on the lease clock: the host's on SQLite (bound here), the
        # database's on PostgreSQL (None here: the INSERT adds `lease` to clock_timestamp()).
        lease_until = now + lease if dialect != "postgresql" else None
        rows: list[dict[str, Any]] = []
        mine: set[str] = set()
        by_uid: dict[str, tuple[Target, Intent, str]] = {}
        for intent in intents:
            uid = str(uuid.uuid4())
            target = target_of(intent)
            lane = self._lane(target)
            leased = lane == leased_lane
            by_uid[uid] = (target, intent, lane)
            if leased:
                mine.add(uid)
            rows.append({
                "uid": uid, "lane": lane, "status": "sending" if leased else "pending",
                "attempts": 1 if leased else 0, "errors": 0,
                "not_before": lease_until if leased else (not_before or now), "created_at": now,
                "relay_id": getattr(intent, "relay_id", None) if isinstance(target, ToReporter)
                else None,
                "target_enc": self.encrypt(OutboxRow.target_enc, uid, dumps(target_to_json(target))),
                "payload_enc": self.encrypt(OutboxRow.payload_enc, uid,
                                            dumps(intent_to_json(intent)))})
        queued: list[Queued] = []
        for start in range(0, len(rows), _BATCH):
            batch = rows[start:start + _BATCH]
            params = {f"{name}{i}": value for i, row in enumerate(batch)
                      for name, value in row.items()}
            if dialect == "postgresql":
                params["lease"] = lease
            for item_id, uid in await _put(dialect, len(batch)).rows(self.session, params):
                target, intent, lane = by_uid[uid]
                queued.append(Queued(item_id, target, intent, 1 if uid in mine else 0, 0, now,
                                     lane, leased=uid in mine))
        return sorted(queued, key=lambda q: q.id)

    @property
    def _dialect(self) -> str:
        return str(self.session.bind.dialect.name)

    async def claim(self, now: datetime, limit: int = 50, lease: timedelta = LEASE) -> list[Queued]:
        """Claim the first due message (due by `now`) of each lane, in order per lane, leasing
        it for `lease` on the lease clock: one statement (on PostgreSQL, rows another sender
        holds are skipped, not waited for)."""
        dialect = self._dialect
        rows = await _CLAIM[dialect].rows(self.session, {
            "now": now, "limit": limit, **_lease_params(dialect, lease)})
        items = []
        for item_id, uid, lane, attempts, errors, created_at, target_enc, payload_enc in sorted(rows):
            target = target_from_json(loads(self.decrypt(OutboxRow.target_enc, uid, target_enc)))
            intent = intent_from_json(loads(self.decrypt(OutboxRow.payload_enc, uid, payload_enc)),
                                      target)
            items.append(Queued(item_id, target, intent, attempts, errors, created_at, lane))
        return items

    async def recover_expired(self, now: datetime) -> int:
        """Messages whose lease ran out (their sender died mid-delivery) are due again at `now`."""
        dialect = self._dialect
        result = await self.session.execute(
            update(OutboxRow).where(OutboxRow.status == "sending",
                                    OutboxRow.not_before < _lease_now(dialect))
            .values(status="pending", not_before=bindparam("now", type_=UTCDateTime())),
            {"now": now, **_lease_params(dialect)})
        return result.rowcount or 0

    async def renew(self, item_ids: Sequence[int], lease: timedelta) -> None:
        """Extend the lease of messages still being delivered (a slow send, or one waiting for
        the staff group's pace) to `lease` from now, so no sender takes them for abandoned."""
        if item_ids:
            dialect = self._dialect
            await self.session.execute(
                update(OutboxRow).where(OutboxRow.id.in_(list(item_ids)),
                                        OutboxRow.status == "sending")
                .values(not_before=_lease_until(dialect)), _lease_params(dialect, lease))

    async def done(self, item_ids: Sequence[int]) -> None:
        """Delivered: gone from the outbox (one statement per batch)."""
        ids = list(item_ids)
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            await _done(len(batch)).rows(self.session, {f"id{i}": v for i, v in enumerate(batch)})

    async def retry(self, item_id: int, at: datetime, error: str, *, unexpected: bool = False) -> None:
        """Try again at `at`; an `unexpected` (non-Telegram) error is counted in `errors`."""
        await self.session.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
            status="pending", not_before=at, error=error[:120],
            errors=OutboxRow.errors + (1 if unexpected else 0)))

    async def fail(self, item_id: int, error: str) -> None:
        """Give up on a message: the content is dropped, a short error code is kept."""
        await self.session.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
            status="failed", error=error[:120], payload_enc=b"", target_enc=b""))

    async def park(self, item_id: int, why: str, error: str) -> None:
        """Keep a message, content and all, without trying it again until it is released;
        it no longer holds back the messages behind it in its lane."""
        await self.session.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
            status="parked", parked_for=why, error=error[:120]))

    async def release_parked(self, whys: Sequence[str], now: datetime) -> int:
        """Messages parked for one of `whys` are due again at `now`, in their old order (their
        ids), with their unexpected-error count reset."""
        result = await self.session.execute(update(OutboxRow).where(
            OutboxRow.status == "parked", OutboxRow.parked_for.in_(list(whys))).values(
            status="pending", parked_for=None, not_before=now, errors=0))
        return result.rowcount or 0

    async def parked_count(self, why: str | None = None) -> int:
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "parked")
        if why is not None:
            query = query.where(OutboxRow.parked_for == why)
        return await self.session.scalar(query) or 0

    async def purge_parked(self, before: datetime) -> int:
        """Parked messages created before `before` (the content retention) are deleted."""
        result = await self.session.execute(delete(OutboxRow).where(
            OutboxRow.status == "parked", OutboxRow.created_at < before))
        return result.rowcount or 0

    async def pending_count(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.status.in_(("pending", "sending")))) or 0

    # ---- staff relays waiting out their window ([Batalkan])

    def _intent(self, uid: str, target_enc: bytes, payload_enc: bytes) -> Intent:
        target = target_from_json(loads(self.decrypt(OutboxRow.target_enc, uid, target_enc)))
        return intent_from_json(loads(self.decrypt(OutboxRow.payload_enc, uid, payload_enc)),
                                target)

    async def cancel_relay(self, relay_id: str) -> Intent | None:
        """Delete the relay if no sender claimed it yet (one statement: a claim racing with it
        either took the row first, then nothing is deleted, or finds it gone)."""
        row = (await self.session.execute(
            delete(OutboxRow).where(OutboxRow.relay_id == relay_id, OutboxRow.status == "pending")
            .returning(OutboxRow.uid, OutboxRow.target_enc, OutboxRow.payload_enc))).first()
        return self._intent(*row) if row else None

    async def relays(self, item_ids: Sequence[int]) -> list[Intent]:
        if not item_ids:
            return []
        rows = (await self.session.execute(
            select(OutboxRow.uid, OutboxRow.target_enc, OutboxRow.payload_enc)
            .where(OutboxRow.id.in_(list(item_ids)), OutboxRow.relay_id.is_not(None))
            .order_by(OutboxRow.id))).all()
        return [self._intent(*row) for row in rows]

    # ---- the case topic a sender asked Telegram for (see CaseRow.topic_requested_at)

    async def request_topic(self, case_id: str) -> None:
        """Note, before calling createForumTopic, that a topic is being asked for."""
        dialect = self._dialect
        await self.session.execute(update(CaseRow).where(CaseRow.id == case_id).values(
            topic_requested_at=_lease_now(dialect)), _lease_params(dialect))

    async def topic_request_age(self, case_id: str) -> timedelta | None:
        """How long ago a topic was asked for and not yet settled (None: no request open)."""
        if self._dialect == "postgresql":
            return await self.session.scalar(  # type: ignore[no-any-return]
                select(func.clock_timestamp() - CaseRow.topic_requested_at)
                .where(CaseRow.id == case_id))
        asked = await self.session.scalar(select(CaseRow.topic_requested_at)
                                          .where(CaseRow.id == case_id))
        return None if asked is None else datetime.now(UTC) - asked

    async def settle_topic(self, case_id: str, topic_id: int) -> bool:
        """Record the topic an open request made (from Telegram's answer, or from the service
        message announcing it); True for the one call that settled it, False if already done."""
        result = await self.session.execute(update(CaseRow).where(
            CaseRow.id == case_id, CaseRow.topic_requested_at.is_not(None)).values(
            topic_id=topic_id, topic_requested_at=None))
        return bool(result.rowcount)

    async def forget_topic_request(self, case_id: str) -> None:
        """Telegram refused the request outright: no topic was made, none to wait for."""
        await self.session.execute(update(CaseRow).where(CaseRow.id == case_id).values(
            topic_requested_at=None))
