"""Repositories: load and save domain records, encrypting on the way in and out. They flush,
never commit: the unit of work owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from flows.intake import Draft
from flows.intents import ChatRoute
from flows.lifecycle import CLOSED, CaseStatus
from flows.model import Case, CaseMessage, Direction, EvidenceFile
from flows.tickets import TicketCode, format_case_number
from storage.codec import draft_from_bytes, draft_to_bytes, dumps, loads
from storage.crypto import Keyring, Purpose
from storage.models import (
    CaseCounterRow,
    CaseMessageRow,
    CaseRow,
    ChatRow,
    DraftRow,
    EvidenceRow,
    MessageLinkRow,
    ReporterRouteRow,
    SealedContactRow,
    ThrottleRow,
    UTCDateTime,
)
from storage.prepared import Prepared, per_dialect

STAFF_CHAT = "staff"


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT construct (it has ON CONFLICT)."""
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


class _Repo:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    def chat_hash(self, route: ChatRoute | str) -> bytes:
        return self.keyring.lookup_hash("chat", str(route))

    def enc(self, purpose: Purpose, table: str, column: str, row_id: str, data: bytes) -> bytes:
        return self.keyring.encrypt(purpose, data, table=table, column=column, row_id=row_id)

    def dec(self, purpose: Purpose, table: str, column: str, row_id: str, blob: bytes) -> bytes:
        return self.keyring.decrypt(purpose, blob, table=table, column=column, row_id=row_id)


_DRAFT = Prepared(select(DraftRow.id, DraftRow.payload_enc)
                  .where(DraftRow.chat_hash == bindparam("chat_hash")))
_DRAFT_EXISTS = Prepared(select(DraftRow.id).where(DraftRow.chat_hash == bindparam("chat_hash")))
_DRAFT_UPDATE = Prepared(update(DraftRow).where(DraftRow.id == bindparam("draft_id")).values(
    payload_enc=bindparam("payload_enc"), updated_at=bindparam("now", type_=UTCDateTime()))
    .returning(DraftRow.id))
_DRAFT_INSERT = Prepared(insert(DraftRow).values(
    id=bindparam("draft_id"), chat_hash=bindparam("chat_hash"),
    payload_enc=bindparam("payload_enc"), updated_at=bindparam("now", type_=UTCDateTime())))


class DraftRepository(_Repo):
    async def get(self, route: ChatRoute) -> Draft | None:
        rows = await _DRAFT.rows(self.session, {"chat_hash": self.chat_hash(route)})
        if not rows:
            return None
        draft_id, payload = rows[0]
        return draft_from_bytes(self.dec("content", "drafts", "payload_enc", draft_id, payload))

    async def exists(self, route: ChatRoute) -> bool:
        """Whether this chat has a draft (nothing decrypted)."""
        return bool(await _DRAFT_EXISTS.rows(self.session, {"chat_hash": self.chat_hash(route)}))

    async def save(self, route: ChatRoute, draft: Draft) -> None:
        values = {"draft_id": draft.id, "now": draft.updated_at,
                  "payload_enc": self.enc("content", "drafts", "payload_enc", draft.id,
                                          draft_to_bytes(draft))}
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


def _set_language(insert: Any) -> Prepared:
    stmt = insert(ChatRow).values(chat_hash=bindparam("chat_hash"), language=bindparam("language"),
                                  updated_at=bindparam("now", type_=UTCDateTime()))
    return Prepared(stmt.on_conflict_do_update(
        index_elements=[ChatRow.chat_hash],
        set_={"language": stmt.excluded.language, "updated_at": stmt.excluded.updated_at},
        where=ChatRow.language != stmt.excluded.language))


def _set_route(insert: Any) -> Prepared:
    stmt = insert(ReporterRouteRow).values(
        case_id=bindparam("case_id"), chat_hash=bindparam("chat_hash"),
        route_enc=bindparam("route_enc"), updated_at=bindparam("now", type_=UTCDateTime()))
    return Prepared(stmt.on_conflict_do_update(
        index_elements=[ReporterRouteRow.case_id],
        set_={"chat_hash": stmt.excluded.chat_hash, "route_enc": stmt.excluded.route_enc,
              "updated_at": stmt.excluded.updated_at},
        where=ReporterRouteRow.chat_hash != stmt.excluded.chat_hash))


def _set_ticket_prompt(insert: Any) -> Prepared:
    stmt = insert(ChatRow).values(
        chat_hash=bindparam("chat_hash"), language=bindparam("language"),
        updated_at=bindparam("now", type_=UTCDateTime()),
        expects_ticket_until=bindparam("until", type_=UTCDateTime()))
    return Prepared(stmt.on_conflict_do_update(
        index_elements=[ChatRow.chat_hash],
        set_={"expects_ticket_until": stmt.excluded.expects_ticket_until}))


_SET_ROUTE = per_dialect(_set_route)
_SET_LANGUAGE = per_dialect(_set_language)
_SET_TICKET_PROMPT = per_dialect(_set_ticket_prompt)
_LANGUAGE = Prepared(select(ChatRow.language).where(ChatRow.chat_hash == bindparam("chat_hash")))
_TICKET_PROMPT = Prepared(select(ChatRow.expects_ticket_until)
                          .where(ChatRow.chat_hash == bindparam("chat_hash")))
_CLEAR_TICKET_PROMPT = Prepared(
    update(ChatRow).where(ChatRow.chat_hash == bindparam("hash"),
                          ChatRow.expects_ticket_until.is_not(None))
    .values(expects_ticket_until=None))


class ChatRepository(_Repo):
    async def language(self, route: ChatRoute) -> str | None:
        rows = await _LANGUAGE.rows(self.session, {"chat_hash": self.chat_hash(route)})
        return rows[0][0] if rows else None

    async def set_language(self, route: ChatRoute, language: str) -> None:
        """One statement; a chat that already has this language is left untouched (the
        conflict update's WHERE), so repeating the same choice writes nothing."""
        await _SET_LANGUAGE[self.session.bind.dialect.name].rows(self.session, {
            "chat_hash": self.chat_hash(route), "language": language, "now": datetime.now(UTC)})

    async def ticket_prompt(self, route: ChatRoute) -> datetime | None:
        rows = await _TICKET_PROMPT.rows(self.session, {"chat_hash": self.chat_hash(route)})
        return rows[0][0] if rows else None

    async def set_ticket_prompt(self, route: ChatRoute, language: str, until: datetime) -> None:
        await _SET_TICKET_PROMPT[self.session.bind.dialect.name].rows(self.session, {
            "chat_hash": self.chat_hash(route), "language": language, "now": datetime.now(UTC),
            "until": until})

    async def clear_ticket_prompt(self, route: ChatRoute) -> None:
        """One statement, which writes nothing when no prompt is open."""
        await _CLEAR_TICKET_PROMPT.rows(self.session, {"hash": self.chat_hash(route)})


_CASE_COLUMNS = tuple(column.name for column in CaseRow.__table__.columns)


def _by_ticket(for_update: bool) -> Prepared:
    query = (select(*CaseRow.__table__.columns, EvidenceRow.id.label("evidence_id"))
             .select_from(CaseRow)
             .outerjoin(EvidenceRow, EvidenceRow.case_id == CaseRow.id)
             .where(CaseRow.ticket_hash == bindparam("ticket_hash"))
             .order_by(EvidenceRow.created_at, EvidenceRow.id))
    return Prepared(query.with_for_update(of=CaseRow) if for_update else query)


_BY_TICKET = {"sqlite": _by_ticket(False), "postgresql": _by_ticket(True)}


def _announced(now: datetime) -> Any:
    """A case staff may see: not held back by the new-case delay (or no longer)."""
    return or_(CaseRow.post_after.is_(None), CaseRow.post_after <= now)


class CaseRepository(_Repo):
    async def next_number(self, year: int, prefix: str) -> str:
        """The next case number of `year`; one row update, so concurrent submits never collide."""
        await self.session.execute(
            insert_for(self.session)(CaseCounterRow).values(year=year, last=0)
            .on_conflict_do_nothing(index_elements=[CaseCounterRow.year]))
        seq = await self.session.scalar(
            update(CaseCounterRow).where(CaseCounterRow.year == year)
            .values(last=CaseCounterRow.last + 1).returning(CaseCounterRow.last))
        return format_case_number(year, int(seq or 0), prefix)

    async def add(self, case: Case, ticket: TicketCode, route: ChatRoute,
                  sealed_contact: bytes | None) -> None:
        row = CaseRow(id=case.id, number=case.number, topic_id=case.topic_id,
                      card_message_id=case.card_message_id,
                      ticket_hash=self.keyring.lookup_hash("ticket", ticket),
                      category=case.category, status=case.status.value, language=case.language,
                      created_at=case.created_at, updated_at=case.updated_at,
                      has_contact=case.has_contact, post_after=case.post_after)
        self._write(row, case)
        self.session.add(row)
        await self.session.flush()
        await self.set_route(case.id, route)
        if sealed_contact is not None:
            self.session.add(SealedContactRow(case_id=case.id, sealed=sealed_contact,
                                              created_at=case.created_at))
        await self.session.flush()

    def _write(self, row: CaseRow, case: Case) -> None:
        row.report_enc = self.enc("content", "cases", "report_enc", case.id, dumps(case.report))
        row.outcome_enc = (self.enc("content", "cases", "outcome_enc", case.id, case.outcome.encode())
                           if case.outcome else None)
        row.status = case.status.value
        row.updated_at, row.acknowledged_at, row.closed_at = (
            case.updated_at, case.acknowledged_at, case.closed_at)
        row.awaiting_answer = case.awaiting_answer
        row.post_after = case.post_after
        # topic_id and card_message_id belong to the sender: set_topic / set_card.

    async def save(self, case: Case) -> None:
        row = await self.session.get(CaseRow, case.id)
        assert row is not None
        self._write(row, case)
        await self.session.flush()

    async def _evidence_ids(self, case_ids: Sequence[str]) -> dict[str, list[str]]:
        """Evidence ids per case, oldest first, for many cases in one query."""
        found: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
        if case_ids:
            rows = await self.session.execute(
                select(EvidenceRow.case_id, EvidenceRow.id)
                .where(EvidenceRow.case_id.in_(list(case_ids))).order_by(EvidenceRow.created_at))
            for case_id, evidence_id in rows.all():
                found[case_id].append(evidence_id)
        return found

    async def _many(self, rows: Sequence[CaseRow]) -> list[Case]:
        evidence = await self._evidence_ids([r.id for r in rows])
        return [c for c in [await self._to_domain(r, evidence[r.id]) for r in rows] if c is not None]

    async def _to_domain(self, row: CaseRow | None,
                         evidence_ids: list[str] | None = None) -> Case | None:
        if row is None:
            return None
        report = (loads(self.dec("content", "cases", "report_enc", row.id, row.report_enc))
                  if row.report_enc else {})
        outcome = (self.dec("content", "cases", "outcome_enc", row.id, row.outcome_enc).decode()
                   if row.outcome_enc else None)
        if evidence_ids is None:
            evidence_ids = (await self._evidence_ids([row.id]))[row.id]
        return Case(
            id=row.id, number=row.number, category=row.category, language=row.language,
            report=report, created_at=row.created_at, updated_at=row.updated_at,
            status=CaseStatus(row.status), outcome=outcome, acknowledged_at=row.acknowledged_at,
            closed_at=row.closed_at, awaiting_answer=row.awaiting_answer, topic_id=row.topic_id,
            card_message_id=row.card_message_id, has_contact=row.has_contact,
            evidence_ids=list(evidence_ids), post_after=row.post_after,
        )

    async def _one(self, *where: Any) -> Case | None:
        """Load one case. On PostgreSQL the row stays locked until the transaction ends, so two
        use cases changing the same case (a staff move, a reporter's answer) cannot overwrite
        each other's changes; SQLite has a single writer anyway."""
        query = select(CaseRow).where(*where).execution_options(populate_existing=True)
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return await self._to_domain(await self.session.scalar(query))

    async def get(self, case_id: str) -> Case | None:
        return await self._one(CaseRow.id == case_id)

    async def by_number(self, number: str) -> Case | None:
        return await self._one(CaseRow.number == number)

    async def by_ticket(self, ticket: TicketCode) -> Case | None:
        """The case holding this ticket code, with its evidence ids, in one statement (the case
        row outer-joined with its evidence). On PostgreSQL the case row stays locked until the
        transaction ends, as in `_one`."""
        rows = await _BY_TICKET[self.session.bind.dialect.name].rows(
            self.session, {"ticket_hash": self.keyring.lookup_hash("ticket", ticket)})
        if not rows:
            return None
        row = SimpleNamespace(**dict(zip(_CASE_COLUMNS, rows[0], strict=False)))
        return await self._to_domain(row, [r[-1] for r in rows if r[-1] is not None])  # type: ignore[arg-type]

    async def known_tickets(self, tickets: Sequence[TicketCode]) -> set[TicketCode]:
        """Which of these codes open a case: their keyed hashes, looked up in one query."""
        by_hash = {self.keyring.lookup_hash("ticket", ticket): ticket for ticket in tickets}
        if not by_hash:
            return set()
        found = await self.session.scalars(
            select(CaseRow.ticket_hash).where(CaseRow.ticket_hash.in_(list(by_hash))))
        return {by_hash[h] for h in found.all()}

    async def by_topic(self, topic_id: int) -> Case | None:
        return await self._one(CaseRow.topic_id == topic_id)

    async def set_card(self, case_id: str, message_id: int) -> None:
        await self.session.execute(update(CaseRow).where(CaseRow.id == case_id)
                                   .values(card_message_id=message_id))

    async def set_topic(self, case_id: str, topic_id: int | None) -> None:
        await self.session.execute(update(CaseRow).where(CaseRow.id == case_id)
                                   .values(topic_id=topic_id))

    async def _by_link(self, chat: ChatRoute | str, message_id: int) -> Case | None:
        case_id = await self.session.scalar(select(MessageLinkRow.case_id).where(
            MessageLinkRow.chat_hash == self.chat_hash(chat),
            MessageLinkRow.message_id == message_id))
        return await self.get(case_id) if case_id else None

    async def by_staff_message(self, message_id: int) -> Case | None:
        return await self._by_link(STAFF_CHAT, message_id)

    async def by_reporter_message(self, route: ChatRoute, message_id: int) -> Case | None:
        return await self._by_link(route, message_id)

    async def link_message(self, chat: ChatRoute | str, message_id: int, case_id: str) -> None:
        stmt = insert_for(self.session)(MessageLinkRow).values(
            chat_hash=self.chat_hash(chat), message_id=message_id, case_id=case_id)
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def for_route(self, route: ChatRoute) -> list[Case]:
        rows = (await self.session.scalars(
            select(CaseRow).join(ReporterRouteRow, ReporterRouteRow.case_id == CaseRow.id)
            .where(ReporterRouteRow.chat_hash == self.chat_hash(route))
            .order_by(CaseRow.created_at))).all()
        return await self._many(rows)

    async def set_route(self, case_id: str, route: ChatRoute) -> None:
        """One statement; a case already routed to this chat is left untouched (the conflict
        update's WHERE), so checking the status from the same chat again writes nothing."""
        enc = self.enc("routing", "reporter_routes", "route_enc", case_id, str(int(route)).encode())
        await _SET_ROUTE[self.session.bind.dialect.name].rows(self.session, {
            "case_id": case_id, "chat_hash": self.chat_hash(route), "route_enc": enc,
            "now": datetime.now(UTC)})

    async def route_of(self, case_id: str) -> ChatRoute | None:
        row = await self.session.get(ReporterRouteRow, case_id)
        if row is None:
            return None
        raw = self.dec("routing", "reporter_routes", "route_enc", case_id, row.route_enc)
        return ChatRoute(int(raw.decode()))

    async def open_cases(self, now: datetime) -> list[Case]:
        """Open cases staff may see, oldest first: held cases (`post_after` later than `now`)
        are left out until their announcement."""
        rows = (await self.session.scalars(select(CaseRow).where(
            CaseRow.status.not_in([s.value for s in CLOSED]), _announced(now))
            .order_by(CaseRow.created_at))).all()
        return await self._many(rows)

    async def counts(self, now: datetime) -> dict[tuple[str, str], int]:
        """Cases staff may see, by (status, category): held cases are not counted yet."""
        result = await self.session.execute(
            select(CaseRow.status, CaseRow.category, func.count()).where(_announced(now))
            .group_by(CaseRow.status, CaseRow.category))
        return {(status, category): n for status, category, n in result.all()}

    async def add_message(self, case_id: str, direction: Direction, body: str, at: datetime) -> None:
        message_id = str(uuid.uuid4())
        self.session.add(CaseMessageRow(
            id=message_id, case_id=case_id, direction=direction.value, created_at=at,
            body_enc=self.enc("content", "case_messages", "body_enc", message_id, body.encode())))
        await self.session.flush()

    async def messages(self, case_id: str) -> list[CaseMessage]:
        rows = (await self.session.scalars(select(CaseMessageRow).where(
            CaseMessageRow.case_id == case_id).order_by(CaseMessageRow.created_at))).all()
        return [CaseMessage(r.id, r.case_id, Direction(r.direction),
                            self.dec("content", "case_messages", "body_enc", r.id, r.body_enc)
                            .decode(), r.created_at) for r in rows]


class EvidenceRepository(_Repo):
    async def _add(self, draft_id: str | None, case_id: str | None, kind: str, data: bytes,
                   mime_type: str | None, file_name: str | None, caption: str | None = None) -> str:
        evidence_id = str(uuid.uuid4())
        meta = dumps({"mime_type": mime_type, "file_name": file_name, "caption": caption})
        self.session.add(EvidenceRow(
            id=evidence_id, draft_id=draft_id, case_id=case_id, kind=kind,
            meta_enc=self.enc("content", "evidence", "meta_enc", evidence_id, meta),
            data_enc=self.enc("content", "evidence", "data_enc", evidence_id, data),
            created_at=datetime.now().astimezone()))
        await self.session.flush()
        return evidence_id

    async def add(self, draft_id: str, kind: str, data: bytes, mime_type: str | None,
                  file_name: str | None, caption: str | None = None) -> str:
        return await self._add(draft_id, None, kind, data, mime_type, file_name, caption)

    async def add_to_case(self, case_id: str, kind: str, data: bytes, mime_type: str | None,
                          file_name: str | None) -> str:
        return await self._add(None, case_id, kind, data, mime_type, file_name)

    async def attach(self, evidence_ids: Sequence[str], case_id: str) -> None:
        if evidence_ids:
            await self.session.execute(update(EvidenceRow).where(
                EvidenceRow.id.in_(list(evidence_ids))).values(case_id=case_id, draft_id=None))

    async def get(self, evidence_id: str) -> EvidenceFile | None:
        row = await self.session.get(EvidenceRow, evidence_id)
        if row is None:
            return None
        meta = loads(self.dec("content", "evidence", "meta_enc", row.id, row.meta_enc))
        data = self.dec("content", "evidence", "data_enc", row.id, row.data_enc)
        return EvidenceFile(row.id, row.kind, meta["mime_type"], meta["file_name"], data,
                            meta.get("caption"))


def _throttle_hit(insert: Any) -> Prepared:
    stmt = insert(ThrottleRow).values(key=bindparam("key"), count=bindparam("amount"),
                                      window_start=bindparam("now", type_=UTCDateTime()))
    # A window that starts after `now` belongs to a clock that has since been set back: it is
    # over too (else a clock step back would stretch every window by the step).
    expired = or_(ThrottleRow.window_start <= bindparam("cutoff", type_=UTCDateTime()),
                  ThrottleRow.window_start > bindparam("now", type_=UTCDateTime()))
    return Prepared(stmt.on_conflict_do_update(
        index_elements=[ThrottleRow.key],
        set_={"count": sql_case((expired, stmt.excluded.count),
                                else_=ThrottleRow.count + stmt.excluded.count),
              "window_start": sql_case((expired, stmt.excluded.window_start),
                                       else_=ThrottleRow.window_start)},
    ).returning(ThrottleRow.count))


_THROTTLE_HIT = per_dialect(_throttle_hit)
_THROTTLE_WINDOWS: dict[int, Prepared] = {}


def _throttle_windows(keys: int) -> Prepared:
    """SELECT the current windows of `keys` keys (bound as k0, k1, ...)."""
    found = _THROTTLE_WINDOWS.get(keys)
    if found is None:
        found = _THROTTLE_WINDOWS[keys] = Prepared(
            select(ThrottleRow.key, ThrottleRow.count).where(
                or_(*(ThrottleRow.key == bindparam(f"k{i}") for i in range(keys))),
                ThrottleRow.window_start > bindparam("cutoff", type_=UTCDateTime()),
                ThrottleRow.window_start <= bindparam("now", type_=UTCDateTime())))
    return found


class ThrottleRepository(_Repo):
    """Fixed windows, one row per key: `count` is the attempts made since `window_start`,
    refused ones included; an attempt is allowed while the count stays within the limit."""

    async def exceeded(self, key: str, limit: int, window_seconds: float, now: datetime) -> bool:
        return await self.any_exceeded([(key, limit)], window_seconds, now)

    async def any_exceeded(self, limits: Sequence[tuple[str, int]], window_seconds: float,
                           now: datetime) -> bool:
        """Whether any key's limit is reached in its current window: one SELECT for all keys."""
        wanted = dict(limits)
        counts = await self.used(list(wanted), window_seconds, now)
        return any(counts[key] >= limit for key, limit in wanted.items())

    async def used(self, keys: Sequence[str], window_seconds: float, now: datetime) -> dict[str, int]:
        """The count of each key in its current window (0 when none): one SELECT for all keys."""
        counts = dict.fromkeys(keys, 0)
        if not counts:
            return counts
        params: dict[str, Any] = {f"k{i}": key for i, key in enumerate(counts)}
        params["cutoff"], params["now"] = now - timedelta(seconds=window_seconds), now
        counts.update(await _throttle_windows(len(counts)).rows(self.session, params))
        return counts

    async def count(self, key: str, window_seconds: float, now: datetime) -> int:
        return (await self.used([key], window_seconds, now))[key]

    async def hit(self, key: str, limit: int, window_seconds: float, now: datetime,
                  amount: int = 1) -> bool:
        """Count an attempt (or `amount` of something, e.g. bytes) in a fixed window; False when
        the count then exceeds the limit."""
        return await self.add(key, amount, window_seconds, now) <= limit

    async def add(self, key: str, amount: int, window_seconds: float, now: datetime) -> int:
        """Count `amount` in a fixed window; the window's count after it.

        One statement: the upsert both restarts an expired window and counts, atomically (the
        row is locked by the write on PostgreSQL, and SQLite has a single writer), so concurrent
        attempts never allow more than the limit."""
        [(count,)] = await _THROTTLE_HIT[self.session.bind.dialect.name].rows(self.session, {
            "key": key, "amount": amount, "now": now,
            "cutoff": now - timedelta(seconds=window_seconds)})
        return int(count)
