"""Cases: the case row (report and outcome encrypted), its reporter's route, its messages and
the Telegram messages that belong to it (so replies find their case)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

from flows.delivery_model import CaseDestination, Link, StaffLink
from flows.intents import ChatRoute
from flows.lifecycle import CLOSED, CaseStatus
from flows.model import Case, CaseMessage, Direction
from flows.ports import ALL_GROUPS, AllGroups
from flows.tickets import TicketCode, format_case_number
from storage.codec import dumps, loads
from storage.models import (
    CaseCounterRow,
    CaseMessageRow,
    CaseRow,
    EvidenceRow,
    MessageLinkRow,
    ReporterRouteRow,
    SealedContactRow,
    UTCDateTime,
)
from storage.prepared import Prepared, per_dialect
from storage.repositories.base import Repository, insert_for
from storage.repositories.staff import StaffRepository

STAFF_CHAT = "staff"
"""The main staff group, as a chat whose message ids link to cases."""


def staff_chat(group: int | None) -> str:
    """A staff group as a chat whose message ids link to cases (message ids are per chat)."""
    return STAFF_CHAT if group is None else f"{STAFF_CHAT}:{group}"


def _in_group(group: int | None) -> Any:
    return CaseRow.staff_group.is_(None) if group is None else CaseRow.staff_group == group


def _set_route(insert: Any) -> Prepared:
    stmt = insert(ReporterRouteRow).values(
        case_id=bindparam("case_id"), chat_hash=bindparam("chat_hash"),
        route_enc=bindparam("route_enc"), updated_at=bindparam("now", type_=UTCDateTime()))
    return Prepared(stmt.on_conflict_do_update(
        index_elements=[ReporterRouteRow.case_id],
        set_={"chat_hash": stmt.excluded.chat_hash, "route_enc": stmt.excluded.route_enc,
              "updated_at": stmt.excluded.updated_at},
        where=ReporterRouteRow.chat_hash != stmt.excluded.chat_hash))


_SET_ROUTE = per_dialect(_set_route)
_CASE_COLUMNS = tuple(column.name for column in CaseRow.__table__.columns)


def _by_ticket(for_update: bool) -> Prepared:
    query = (select(*CaseRow.__table__.columns, EvidenceRow.id.label("evidence_id"))
             .select_from(CaseRow)
             .outerjoin(EvidenceRow, EvidenceRow.case_id == CaseRow.id)
             .where(CaseRow.ticket_hash == bindparam("ticket_hash"))
             .order_by(EvidenceRow.created_at, EvidenceRow.id))
    return Prepared(query.with_for_update(of=CaseRow) if for_update else query)


_BY_TICKET = {"sqlite": _by_ticket(False), "postgresql": _by_ticket(True)}
_DESTINATION = Prepared(select(CaseRow.number, CaseRow.topic_id, CaseRow.card_message_id,
                               CaseRow.staff_group)
                        .where(CaseRow.id == bindparam("case_id")))


def _announced(now: datetime) -> Any:
    """A case staff may see: not held back by the new-case delay (or no longer)."""
    return or_(CaseRow.post_after.is_(None), CaseRow.post_after <= now)


_EVIDENCE_OF_CASE = Prepared(select(EvidenceRow.id).where(EvidenceRow.case_id == bindparam("case_id"))
                             .order_by(EvidenceRow.created_at))
"""One case's evidence ids, oldest first (one driver call where the ORM query took four)."""


class CaseRepository(Repository):
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
                      has_contact=case.has_contact, post_after=case.post_after,
                      handler=case.handler,
                      staff_group=case.staff_group)
        self._write(row, case)
        self.session.add(row)
        await self.session.flush()
        await self.set_route(case.id, route)
        if sealed_contact is not None:
            self.session.add(SealedContactRow(case_id=case.id, sealed=sealed_contact,
                                              created_at=case.created_at))
        await self.session.flush()

    def _write(self, row: CaseRow, case: Case) -> None:
        row.report_enc = self.encrypt(CaseRow.report_enc, case.id, dumps(case.report))
        row.outcome_enc = (self.encrypt(CaseRow.outcome_enc, case.id, case.outcome.encode())
                           if case.outcome else None)
        row.recommendation_enc = (
            self.encrypt(CaseRow.recommendation_enc, case.id, case.recommendation.encode())
            if case.recommendation else None)
        row.status = case.status.value
        row.updated_at, row.acknowledged_at, row.closed_at = (
            case.updated_at, case.acknowledged_at, case.closed_at)
        row.awaiting_answer = case.awaiting_answer
        row.post_after = case.post_after
        row.handler = case.handler
        # topic_id and card_message_id belong to the sender: the outbox's settle_topic and
        # link_messages (set_card) write just those columns.

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
        names = await self._handler_names([r.handler for r in rows if r.handler])
        cases = [await self._to_domain(r, evidence[r.id], names) for r in rows]
        return [c for c in cases if c is not None]

    async def _handler_names(self, actors: Sequence[str]) -> dict[str, str]:
        """Names of handlers from the staff directory (encrypted there), in one query."""
        return await StaffRepository(self.session, self.keyring).names(actors)

    async def _to_domain(self, row: CaseRow | None, evidence_ids: list[str] | None = None,
                         names: dict[str, str] | None = None) -> Case | None:
        if row is None:
            return None
        report = (loads(self.decrypt(CaseRow.report_enc, row.id, row.report_enc))
                  if row.report_enc else {})
        outcome = (self.decrypt(CaseRow.outcome_enc, row.id, row.outcome_enc).decode()
                   if row.outcome_enc else None)
        recommendation = (
            self.decrypt(CaseRow.recommendation_enc, row.id, row.recommendation_enc).decode()
            if row.recommendation_enc else None)
        if evidence_ids is None:
            evidence_ids = [evidence_id for evidence_id, in await _EVIDENCE_OF_CASE.rows(
                self.session, {"case_id": row.id})]
        handler = row.handler
        if names is None:
            names = await self._handler_names([handler]) if handler else {}
        return Case(
            id=row.id, number=row.number, category=row.category, language=row.language,
            report=report, created_at=row.created_at, updated_at=row.updated_at,
            status=CaseStatus(row.status), outcome=outcome, recommendation=recommendation,
            acknowledged_at=row.acknowledged_at,
            closed_at=row.closed_at, awaiting_answer=row.awaiting_answer, topic_id=row.topic_id,
            card_message_id=row.card_message_id, has_contact=row.has_contact,
            evidence_ids=list(evidence_ids), post_after=row.post_after,
            handler=handler, handler_name=names.get(handler, "") if handler else "",
            staff_group=row.staff_group,
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

    async def by_topic(self, topic_id: int, group: int | None = None) -> Case | None:
        return await self._one(CaseRow.topic_id == topic_id, _in_group(group))

    async def transfer(self, case_id: str, group: int | None) -> None:
        await self.session.execute(update(CaseRow).where(CaseRow.id == case_id).values(
            staff_group=group, topic_id=None, card_message_id=None, topic_requested_at=None,
            handler=None))

    async def set_card(self, case_id: str, message_id: int) -> None:
        await self.session.execute(update(CaseRow).where(CaseRow.id == case_id)
                                   .values(card_message_id=message_id))

    async def _by_link(self, chat: ChatRoute | str, message_id: int) -> Case | None:
        case_id = await self.session.scalar(select(MessageLinkRow.case_id).where(
            MessageLinkRow.chat_hash == self.chat_hash(chat),
            MessageLinkRow.message_id == message_id))
        return await self.get(case_id) if case_id else None

    async def by_staff_message(self, message_id: int, group: int | None = None) -> Case | None:
        return await self._by_link(staff_chat(group), message_id)

    async def by_reporter_message(self, route: ChatRoute, message_id: int) -> Case | None:
        return await self._by_link(route, message_id)

    async def link_message(self, chat: ChatRoute | str, message_id: int, case_id: str,
                           kind: str | None = None, relay_id: str | None = None) -> None:
        stmt = insert_for(self.session)(MessageLinkRow).values(
            chat_hash=self.chat_hash(chat), message_id=message_id, case_id=case_id, kind=kind,
            relay_id=relay_id)
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def staff_link(self, message_id: int, group: int | None = None) -> StaffLink | None:
        row = (await self.session.execute(select(MessageLinkRow.case_id, MessageLinkRow.kind).where(
            MessageLinkRow.chat_hash == self.chat_hash(staff_chat(group)),
            MessageLinkRow.message_id == message_id))).first()
        return StaffLink(row[0], row[1]) if row else None

    async def relay_confirmation(self, relay_id: str) -> int | None:
        # A relay's id is its own (a uuid): its confirmation is in its case's group.
        return await self.session.scalar(select(MessageLinkRow.message_id).where(  # type: ignore[no-any-return]
            MessageLinkRow.relay_id == relay_id))

    async def destination(self, case_id: str) -> CaseDestination | None:
        """Number, topic and card of a case: one narrow read, nothing decrypted or locked."""
        rows = await _DESTINATION.rows(self.session, {"case_id": case_id})
        return CaseDestination(*rows[0]) if rows else None

    async def link_messages(self, links: Sequence[Link]) -> None:
        for link in links:
            await self.link_message(staff_chat(link.group) if link.route is None else link.route,
                                    link.message_id, link.case_id, link.kind, link.relay_id)
            if link.card:
                await self.set_card(link.case_id, link.message_id)

    async def for_route(self, route: ChatRoute) -> list[Case]:
        """The chat's cases. On PostgreSQL their rows stay locked until the transaction ends, as
        in `_one`: a reporter's answer that finds its case here (its question not linked yet)
        waits for the staff side's change to that case and reads it, instead of overwriting it."""
        query = (select(CaseRow).join(ReporterRouteRow, ReporterRouteRow.case_id == CaseRow.id)
                 .where(ReporterRouteRow.chat_hash == self.chat_hash(route))
                 .order_by(CaseRow.created_at).execution_options(populate_existing=True))
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(of=CaseRow)
        rows = (await self.session.scalars(query)).all()
        return await self._many(rows)

    async def set_route(self, case_id: str, route: ChatRoute) -> None:
        """One statement; a case already routed to this chat is left untouched (the conflict
        update's WHERE), so checking the status from the same chat again writes nothing."""
        enc = self.encrypt(ReporterRouteRow.route_enc, case_id, str(int(route)).encode())
        await _SET_ROUTE[self.session.bind.dialect.name].rows(self.session, {
            "case_id": case_id, "chat_hash": self.chat_hash(route), "route_enc": enc,
            "now": datetime.now(UTC)})

    async def route_of(self, case_id: str) -> ChatRoute | None:
        row = await self.session.get(ReporterRouteRow, case_id)
        if row is None:
            return None
        raw = self.decrypt(ReporterRouteRow.route_enc, case_id, row.route_enc)
        return ChatRoute(int(raw.decode()))

    async def open_cases(self, now: datetime, group: int | None = None) -> list[Case]:
        """Open cases of staff group `group` its staff may see, oldest first: held cases
        (`post_after` later than `now`) are left out until their announcement."""
        rows = (await self.session.scalars(select(CaseRow).where(
            CaseRow.status.not_in([s.value for s in CLOSED]), _announced(now), _in_group(group))
            .order_by(CaseRow.created_at))).all()
        return await self._many(rows)

    async def counts(self, now: datetime, group: int | None = None) -> dict[tuple[str, str], int]:
        """Cases of staff group `group` its staff may see, by (status, category): held cases
        are not counted yet."""
        result = await self.session.execute(
            select(CaseRow.status, CaseRow.category, func.count()).where(
                _announced(now), _in_group(group))
            .group_by(CaseRow.status, CaseRow.category))
        return {(status, category): n for status, category, n in result.all()}

    async def for_period(self, first: datetime, after: datetime, now: datetime,
                         group: int | AllGroups | None = None) -> list[Case]:
        """Cases of staff group `group` (`ALL_GROUPS`: every group) received before `after`,
        open or closed on or after `first`, that staff may see at `now`; oldest first (for a
        period's report)."""
        query = select(CaseRow).where(
            CaseRow.created_at < after,
            or_(CaseRow.closed_at.is_(None), CaseRow.closed_at >= first), _announced(now))
        if group != ALL_GROUPS:
            query = query.where(_in_group(group))
        rows = (await self.session.scalars(query.order_by(CaseRow.created_at))).all()
        return await self._many(rows)

    async def add_message(self, case_id: str, direction: Direction, body: str, at: datetime) -> None:
        message_id = str(uuid.uuid4())
        self.session.add(CaseMessageRow(
            id=message_id, case_id=case_id, direction=direction.value, created_at=at,
            body_enc=self.encrypt(CaseMessageRow.body_enc, message_id, body.encode())))
        await self.session.flush()

    async def messages(self, case_id: str) -> list[CaseMessage]:
        rows = (await self.session.scalars(select(CaseMessageRow).where(
            CaseMessageRow.case_id == case_id).order_by(CaseMessageRow.created_at))).all()
        return [CaseMessage(r.id, r.case_id, Direction(r.direction),
                            self.decrypt(CaseMessageRow.body_enc, r.id, r.body_enc)
                            .decode(), r.created_at) for r in rows]
