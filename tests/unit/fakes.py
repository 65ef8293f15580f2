"""In-memory stand-ins for the ports in `flows.ports`: no database, no network.

`FakeUnitOfWork` keeps every repository's data in one `_State`. Entering `async with uow:` takes a
snapshot; `commit()` moves the snapshot forward; leaving without commit puts the last committed
state back, exactly as the real unit of work rolls back. Repositories hand out copies, so changing
a returned record without `save` changes nothing, as with a real database.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType

from flows.delivery_model import CaseDestination, Link, Queued, StaffLink
from flows.intake import Draft
from flows.intents import (
    ChatRoute,
    EditCard,
    Intent,
    MovePrompt,
    OpenTopic,
    Say,
    SendEvidence,
    ShowTopicStatus,
    Target,
    ToChat,
    ToReporter,
    ToStaff,
    target_of,
)
from flows.lifecycle import CLOSED, CaseStatus
from flows.model import AuditEvent, Case, CaseMessage, Direction, EvidenceFile
from flows.policy import Policy
from flows.ports import ALL_GROUPS, AllGroups, ChatState, DuplicateUpdate, HeldMessage
from flows.tickets import TicketCode, format_case_number, new_ticket_code, normalize_ticket

STAFF_CHAT = "staff"


def staff_chat(group: int | None) -> str:
    return STAFF_CHAT if group is None else f"{STAFF_CHAT}:{group}"
CATEGORIES = (
    "korupsi", "penipuan", "maladministrasi", "disiplin", "pelecehan", "netralitas",
    "wewenang", "lainnya",
)


def policy(**overrides: object) -> Policy:
    """The policy the tests run under: the product's categories and defaults, overridable."""
    values: dict[str, object] = {"categories": CATEGORIES}
    values.update(overrides)
    return Policy(**values)  # type: ignore[arg-type]


class FakeSealer:
    """Seals by reversing the bytes behind a marker: the plaintext never appears as such."""

    def __init__(self) -> None:
        self.sealed: list[bytes] = []

    def seal(self, plaintext: bytes) -> bytes:
        self.sealed.append(plaintext)
        return b"sealed:" + plaintext[::-1]

    @staticmethod
    def open(sealed: bytes) -> bytes:
        assert sealed.startswith(b"sealed:")
        return sealed[len(b"sealed:"):][::-1]


def clean_draft(draft: Draft) -> Draft:
    """A copy of the draft's fields only (as storage would serialize it), without whatever the
    state machine bound to the instance while it was attached."""
    return Draft(**{f.name: copy.deepcopy(getattr(draft, f.name)) for f in dataclasses.fields(draft)})


@dataclass
class EvidenceRecord:
    id: str
    draft_id: str | None
    case_id: str | None
    kind: str
    mime_type: str | None
    file_name: str | None
    data: bytes
    seq: int
    at: datetime | None = None
    """When it was received (the fake's clock)."""
    answer: str | None = None


@dataclass
class OutboxEntry:
    intent: Intent
    not_before: datetime | None
    item_id: int = 0
    claimed: bool = False
    """Taken by a sender (a relay can no longer be cancelled)."""


@dataclass
class ThrottleWindow:
    window_start: datetime
    count: int


@dataclass
class _State:
    drafts: dict[ChatRoute, Draft] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    tickets: dict[str, str] = field(default_factory=dict)
    """normalized ticket code -> case id"""
    routes: dict[str, ChatRoute] = field(default_factory=dict)
    """case id -> the chat the reporter uses now"""
    sealed_contacts: dict[str, bytes] = field(default_factory=dict)
    counters: dict[int, int] = field(default_factory=dict)
    messages: list[CaseMessage] = field(default_factory=list)
    links: dict[tuple[ChatRoute | str, int], str] = field(default_factory=dict)
    link_kinds: dict[tuple[ChatRoute | str, int], tuple[str | None, str | None]] = field(
        default_factory=dict)
    """(kind, relay id) of each link, as storage keeps them."""
    evidence: dict[str, EvidenceRecord] = field(default_factory=dict)
    outbox: list[OutboxEntry] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    throttle: dict[str, ThrottleWindow] = field(default_factory=dict)
    languages: dict[ChatRoute, str] = field(default_factory=dict)
    ticket_prompts: dict[ChatRoute, datetime] = field(default_factory=dict)
    """chat -> until when its next message is taken as a ticket code"""
    processed: set[int] = field(default_factory=set)
    """update ids recorded as processed (at commit)"""
    prompts: dict[tuple[int | None, int], MovePrompt] = field(default_factory=dict)
    """(staff group, prompt message id) -> the move its reply completes"""
    staff: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """staff pseudonym -> (name, lower-case @username)"""
    held: dict[ChatRoute, HeldMessage] = field(default_factory=dict)
    """chat -> the message held until the reporter chooses where it goes"""
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _s(self) -> _State:
        return self._uow.state


class FakeDrafts(_Repo):
    async def get(self, route: ChatRoute) -> Draft | None:
        draft = self._s.drafts.get(route)
        return clean_draft(draft) if draft is not None else None

    async def save(self, route: ChatRoute, draft: Draft) -> None:
        self._s.drafts[route] = clean_draft(draft)

    async def delete(self, route: ChatRoute) -> None:
        draft = self._s.drafts.pop(route, None)
        if draft is not None:
            self._drop_unattached_evidence({draft.id})

    async def delete_expired(self, before: datetime) -> int:
        old = [route for route, d in self._s.drafts.items() if d.updated_at < before]
        ids = {self._s.drafts[route].id for route in old}
        for route in old:
            del self._s.drafts[route]
        self._drop_unattached_evidence(ids)
        return len(old)

    def _drop_unattached_evidence(self, draft_ids: set[str]) -> None:
        for eid in [e.id for e in self._s.evidence.values()
                    if e.draft_id in draft_ids and e.case_id is None]:
            del self._s.evidence[eid]


class FakeCases(_Repo):
    async def next_number(self, year: int, prefix: str) -> str:
        self._s.counters[year] = self._s.counters.get(year, 0) + 1
        return format_case_number(year, self._s.counters[year], prefix)

    async def add(
        self, case: Case, ticket: TicketCode, route: ChatRoute, sealed_contact: bytes | None
    ) -> None:
        assert case.id not in self._s.cases, "case added twice"
        assert all(c.number != case.number for c in self._s.cases.values()), "number reused"
        self._s.cases[case.id] = copy.deepcopy(case)
        self._s.tickets[normalize_ticket(ticket)] = case.id
        self._s.routes[case.id] = route
        if sealed_contact is not None:
            self._s.sealed_contacts[case.id] = sealed_contact

    async def save(self, case: Case) -> None:
        assert case.id in self._s.cases, "save of a case never added"
        self._s.cases[case.id] = copy.deepcopy(case)

    async def transfer(self, case_id: str, group: int | None) -> None:
        case = self._s.cases[case_id]
        case.staff_group, case.topic_id, case.card_message_id, case.handler = group, None, None, None

    def _out(self, case_id: str | None) -> Case | None:
        stored = self._s.cases.get(case_id) if case_id else None
        if stored is None:
            return None
        case = copy.deepcopy(stored)
        # As in storage, a case's evidence is whatever evidence rows point at it.
        case.evidence_ids = [e.id for e in sorted(self._s.evidence.values(), key=lambda e: e.seq)
                             if e.case_id == case.id]
        # As in storage, the handler's name is read from the staff directory.
        known = self._s.staff.get(case.handler) if case.handler else None
        case.handler_name = known[0] if known else ""
        return case

    async def get(self, case_id: str) -> Case | None:
        return self._out(case_id)

    async def by_number(self, number: str) -> Case | None:
        return self._out(next((c.id for c in self._s.cases.values() if c.number == number), None))

    async def by_ticket(self, ticket: TicketCode) -> Case | None:
        return self._out(self._s.tickets.get(normalize_ticket(ticket)))

    async def known_tickets(self, tickets: Sequence[TicketCode]) -> set[TicketCode]:
        self._uow.ticket_lookups += len(set(tickets))
        return {t for t in tickets if normalize_ticket(t) in self._s.tickets}

    async def by_staff_message(self, message_id: int, group: int | None = None) -> Case | None:
        return self._out(self._s.links.get((staff_chat(group), message_id)))

    async def by_topic(self, topic_id: int, group: int | None = None) -> Case | None:
        return self._out(next((c.id for c in self._s.cases.values()
                               if c.topic_id == topic_id and c.staff_group == group), None))

    async def by_reporter_message(self, route: ChatRoute, message_id: int) -> Case | None:
        return self._out(self._s.links.get((route, message_id)))

    async def link_message(self, chat: ChatRoute | str, message_id: int, case_id: str,
                           kind: str | None = None, relay_id: str | None = None) -> None:
        if (chat, message_id) not in self._s.links:
            self._s.links[(chat, message_id)] = case_id
            self._s.link_kinds[(chat, message_id)] = (kind, relay_id)

    async def staff_link(self, message_id: int, group: int | None = None) -> StaffLink | None:
        chat = staff_chat(group)
        case_id = self._s.links.get((chat, message_id))
        if case_id is None:
            return None
        return StaffLink(case_id, self._s.link_kinds.get((chat, message_id), (None, None))[0])

    async def relay_confirmation(self, relay_id: str) -> int | None:
        return next((mid for (chat, mid), (_, rid) in self._s.link_kinds.items()
                     if str(chat).startswith(STAFF_CHAT) and rid == relay_id), None)

    async def for_route(self, route: ChatRoute) -> list[Case]:
        cases = [self._out(cid) for cid, r in self._s.routes.items() if r == route]
        return sorted((c for c in cases if c is not None), key=lambda c: c.created_at)

    async def set_route(self, case_id: str, route: ChatRoute) -> None:
        self._s.routes[case_id] = route

    async def route_of(self, case_id: str) -> ChatRoute | None:
        return self._s.routes.get(case_id)

    async def open_cases(self, now: datetime, group: int | None = None) -> list[Case]:
        cases = [self._out(c.id) for c in self._s.cases.values()
                 if c.status not in CLOSED and _announced(c, now) and c.staff_group == group]
        return sorted((c for c in cases if c is not None), key=lambda c: c.created_at)

    async def for_period(self, first: datetime, after: datetime, now: datetime,
                         group: int | AllGroups | None = None) -> list[Case]:
        cases = [self._out(c.id) for c in self._s.cases.values()
                 if c.created_at < after and (c.closed_at is None or c.closed_at >= first)
                 and _announced(c, now) and (group == ALL_GROUPS or c.staff_group == group)]
        return sorted((c for c in cases if c is not None), key=lambda c: c.created_at)

    async def counts(self, now: datetime, group: int | None = None) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for c in self._s.cases.values():
            if _announced(c, now) and c.staff_group == group:
                key = (c.status.value, c.category)
                out[key] = out.get(key, 0) + 1
        return out

    async def add_message(self, case_id: str, direction: Direction, body: str, at: datetime) -> None:
        self._s.messages.append(CaseMessage(f"m{self._s.next_seq()}", case_id, direction, body, at))

    async def messages(self, case_id: str) -> list[CaseMessage]:
        return sorted((m for m in self._s.messages if m.case_id == case_id), key=lambda m: m.created_at)

    async def destination(self, case_id: str) -> CaseDestination | None:
        case = self._s.cases.get(case_id)
        return (CaseDestination(case.number, case.topic_id, case.card_message_id,
                                case.staff_group) if case else None)

    async def link_messages(self, links: Sequence[Link]) -> None:
        for link in links:
            await self.link_message(staff_chat(link.group) if link.route is None else link.route,
                                    link.message_id, link.case_id, link.kind, link.relay_id)
            if link.card:
                self._s.cases[link.case_id].card_message_id = link.message_id


def _announced(case: Case, now: datetime) -> bool:
    return case.post_after is None or case.post_after <= now


class FakeEvidence(_Repo):
    async def _add(self, draft_id: str | None, case_id: str | None, kind: str, data: bytes,
                   mime_type: str | None, file_name: str | None) -> str:
        seq = self._s.next_seq()
        evidence_id = f"ev{seq}"
        self._s.evidence[evidence_id] = EvidenceRecord(
            evidence_id, draft_id, case_id, kind, mime_type, file_name, bytes(data), seq,
            self._uow.clock())
        return evidence_id

    async def add(
        self, draft_id: str, kind: str, data: bytes, mime_type: str | None, file_name: str | None,
        caption: str | None = None, answer: str | None = None,
    ) -> str:
        evidence_id = await self._add(draft_id, None, kind, data, mime_type, file_name)
        self._s.evidence[evidence_id].answer = answer
        return evidence_id

    async def add_to_case(
        self, case_id: str, kind: str, data: bytes, mime_type: str | None, file_name: str | None,
        caption: str | None = None,
    ) -> str:
        return await self._add(None, case_id, kind, data, mime_type, file_name)

    async def attach(self, evidence_ids: Sequence[str], case_id: str) -> None:
        for eid in evidence_ids:
            record = self._s.evidence[eid]
            record.case_id, record.draft_id = case_id, None

    async def get(self, evidence_id: str) -> EvidenceFile | None:
        e = self._s.evidence.get(evidence_id)
        return (EvidenceFile(e.id, e.kind, e.mime_type, e.file_name, e.data, answer=e.answer)
                if e else None)

    async def remove(self, draft_id: str, evidence_id: str) -> None:
        e = self._s.evidence.get(evidence_id)
        if e is not None and e.draft_id == draft_id and e.case_id is None:
            del self._s.evidence[evidence_id]

    async def received(self, case_id: str) -> list[tuple[EvidenceFile, datetime]]:
        return [(EvidenceFile(e.id, e.kind, e.mime_type, e.file_name, e.data), e.at)
                for e in sorted(self._s.evidence.values(), key=lambda e: e.seq)
                if e.case_id == case_id and e.at is not None]


class FakeOutbox(_Repo):
    async def put(self, intents: Sequence[Intent], not_before: datetime | None = None, *,
                  lease_for: ChatRoute | None = None, lease: timedelta | None = None,
                  ) -> list[Queued]:
        """Queued in order, every one returned as the real outbox returns it: those for the
        chat `lease_for` leased to the caller (nothing here delivers them: the lane stays busy)."""
        assert lease_for is None or lease_for in self._uow.held, "leased without the chat's lock"
        queued: list[Queued] = []
        for intent in intents:
            self._s.outbox.append(OutboxEntry(intent, not_before))
            target = target_of(intent)
            leased = lease_for is not None and target == ToChat(lease_for)
            item = Queued(self._s.next_seq(), target, intent, int(leased), 0,
                          self._uow.clock(), _lane(target), leased=leased)
            self._s.outbox[-1].item_id = item.id
            queued.append(item)
        return queued

    async def done(self, item_ids: Sequence[int]) -> None:
        """Delivered: gone from the outbox (its lane no longer busy with them)."""
        gone = set(item_ids)
        self._s.outbox[:] = [e for e in self._s.outbox if e.item_id not in gone]

    def _relay_id(self, entry: OutboxEntry) -> str | None:
        """As storage: only a reporter-bound intent waits under its relay id."""
        if not isinstance(target_of(entry.intent), ToReporter):
            return None
        return getattr(entry.intent, "relay_id", None)

    async def cancel_relay(self, relay_id: str) -> Intent | None:
        for entry in self._s.outbox:
            if self._relay_id(entry) == relay_id and not entry.claimed:
                self._s.outbox.remove(entry)
                return entry.intent
        return None

    async def relays(self, item_ids: Sequence[int]) -> list[Intent]:
        return [e.intent for e in self._s.outbox
                if e.item_id in item_ids and self._relay_id(e) is not None]


def _lane(target: Target) -> str:
    """Opaque, as storage's: one lane per chat, per case's reporter, per case in the group."""
    if isinstance(target, ToChat):
        return f"chat:{target.route}"
    if isinstance(target, ToReporter):
        return f"case:{target.case_id}"
    return f"staff:{target.case_id or ''}"


class FakeAudit(_Repo):
    async def record(
        self, actor: str, action: str, case_number: str | None = None, detail: str = ""
    ) -> None:
        self._s.audit.append(AuditEvent(
            self._s.next_seq(), self._uow.clock(), actor, action, case_number, detail[:200]))

    async def for_case(self, case_number: str) -> list[AuditEvent]:
        return [e for e in self._s.audit if e.case_number == case_number]


class FakeThrottle(_Repo):
    """As storage keeps it: a fixed window per key whose count is every attempt made since the
    window started, refused ones included; allowed while the count stays within the limit. A
    window that starts after `now` (the clock was set back) is over."""

    def _current(self, key: str, window_seconds: float, now: datetime) -> ThrottleWindow | None:
        row = self._s.throttle.get(key)
        if row is None or not row.window_start <= now < row.window_start + timedelta(seconds=window_seconds):
            return None
        return row

    async def exceeded(self, key: str, limit: int, window_seconds: float, now: datetime) -> bool:
        row = self._current(key, window_seconds, now)
        return row is not None and row.count >= limit

    async def any_exceeded(
        self, limits: Sequence[tuple[str, int]], window_seconds: float, now: datetime
    ) -> bool:
        return any([await self.exceeded(key, limit, window_seconds, now) for key, limit in limits])

    async def used(self, keys: Sequence[str], window_seconds: float, now: datetime) -> dict[str, int]:
        return {key: row.count if (row := self._current(key, window_seconds, now)) else 0
                for key in keys}

    async def count(self, key: str, window_seconds: float, now: datetime) -> int:
        return (await self.used([key], window_seconds, now))[key]

    async def hit(self, key: str, limit: int, window_seconds: float, now: datetime,
                  amount: int = 1) -> bool:
        return await self.add(key, amount, window_seconds, now) <= limit

    async def add(self, key: str, amount: int, window_seconds: float, now: datetime) -> int:
        row = self._current(key, window_seconds, now)
        if row is None:
            row = self._s.throttle[key] = ThrottleWindow(now, 0)
        row.count += amount
        return row.count

    async def refund(self, key: str, since: datetime, window_seconds: float,
                     now: datetime) -> None:
        row = self._current(key, window_seconds, now)
        if row is not None and row.window_start <= since and row.count > 0:
            row.count -= 1


class FakePrompts(_Repo):
    async def add(self, message_id: int, prompt: MovePrompt, group: int | None = None) -> None:
        self._s.prompts[(group, message_id)] = prompt

    async def get(self, message_id: int, group: int | None = None) -> MovePrompt | None:
        return self._s.prompts.get((group, message_id))

    async def remove(self, message_id: int, group: int | None = None) -> None:
        self._s.prompts.pop((group, message_id), None)


class FakeStaff(_Repo):
    async def remember(self, actor: str, name: str, username: str | None, now: datetime) -> None:
        username = username.lstrip("@").lower() if username else None
        if username:
            for other, (other_name, other_username) in list(self._s.staff.items()):
                if other != actor and other_username == username:
                    self._s.staff[other] = (other_name, None)
        self._s.staff[actor] = (name.strip()[:64] or "?", username)

    async def names(self, actors: Sequence[str]) -> dict[str, str]:
        return {a: self._s.staff[a][0] for a in set(actors) if a in self._s.staff}

    async def by_username(self, username: str) -> str | None:
        wanted = username.lstrip("@").lower()
        return next((a for a, (_, u) in self._s.staff.items() if u == wanted), None)


class FakeChats(_Repo):
    async def state(self, route: ChatRoute) -> ChatState:
        draft = self._s.drafts.get(route)
        return ChatState(self._s.languages.get(route), self._s.ticket_prompts.get(route),
                         clean_draft(draft) if draft is not None else None,
                         lane_busy=any(target_of(e.intent) == ToChat(route)
                                       for e in self._s.outbox))

    async def language(self, route: ChatRoute) -> str | None:
        return self._s.languages.get(route)

    async def set_language(self, route: ChatRoute, language: str) -> None:
        self._s.languages[route] = language

    async def ticket_prompt(self, route: ChatRoute) -> datetime | None:
        return self._s.ticket_prompts.get(route)

    async def set_ticket_prompt(self, route: ChatRoute, language: str, until: datetime) -> None:
        self._s.languages.setdefault(route, language)
        self._s.ticket_prompts[route] = until

    async def clear_ticket_prompt(self, route: ChatRoute) -> None:
        self._s.ticket_prompts.pop(route, None)

    async def hold(self, route: ChatRoute, case_id: str, text: str, now: datetime) -> None:
        before = self._s.held.get(route)
        if before is not None and before.case_id == case_id:
            text = before.text + "\n" + text
        self._s.held[route] = HeldMessage(case_id, text, now)

    async def take_held(self, route: ChatRoute) -> HeldMessage | None:
        return self._s.held.pop(route, None)


class FakeUnitOfWork:
    """As the real one: entered once at a time, one transaction; leaving without commit (or
    `rollback()`, after which it stays usable) restores the last committed state; with an
    update id (`for_update`), commit records the update, and a second commit of the same
    update raises DuplicateUpdate."""

    def __init__(self, clock: object = None) -> None:
        self.state = _State()
        self._committed = copy.deepcopy(self.state)
        self.committed = 0
        self.rolled_back = 0
        self.locked: list[ChatRoute] = []
        self.held: set[ChatRoute] = set()
        """Chats locked in the transaction now (as PostgreSQL's transaction-scoped advisory
        locks: released at commit and at rollback)."""
        self.ticket_lookups = 0
        """How many distinct ticket codes were looked up (`known_tickets`)."""
        self.clock = clock or (lambda: datetime.now(UTC))  # type: ignore[assignment]
        self._inside = False
        self.update_id: int | None = None
        self.drafts = FakeDrafts(self)
        self.cases = FakeCases(self)
        self.evidence = FakeEvidence(self)
        self.outbox = FakeOutbox(self)
        self.audit = FakeAudit(self)
        self.throttle = FakeThrottle(self)
        self.chats = FakeChats(self)
        self.prompts = FakePrompts(self)
        self.staff = FakeStaff(self)

    async def __aenter__(self) -> FakeUnitOfWork:
        assert not self._inside, "unit of work entered twice"
        self._inside = True
        self._committed = copy.deepcopy(self.state)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inside = False
        self.update_id = None
        self.held.clear()
        if self.state != self._committed:
            self.rolled_back += 1
        self.state = copy.deepcopy(self._committed)

    def for_update(self, update_id: int | None) -> FakeUnitOfWork:
        """The unit of work factory the bus is given: this one, for `update_id`."""
        assert not self._inside, "a unit of work is entered once"
        self.update_id = update_id
        return self

    async def commit(self) -> None:
        assert self._inside, "commit outside the unit of work"
        if self.update_id is not None:
            if self.update_id in self.state.processed:
                raise DuplicateUpdate
            self.state.processed.add(self.update_id)
            self.update_id = None
        self.committed += 1
        self._committed = copy.deepcopy(self.state)
        self.held.clear()

    async def rollback(self) -> None:
        assert self._inside, "rollback outside the unit of work"
        if self.state != self._committed:
            self.rolled_back += 1
        self.state = copy.deepcopy(self._committed)
        self.held.clear()

    async def lock_chat(self, route: ChatRoute) -> None:
        assert self._inside, "lock outside the unit of work"
        self.locked.append(route)
        self.held.add(route)

    def actor_token(self, kind: str, user_id: int | str) -> str:
        digest = hashlib.sha256(f"fake-actor-key|{kind}|{user_id}".encode()).hexdigest()[:16]
        return f"{kind}:{digest}"

    # ---- for tests: seeing what happened
    @property
    def sent(self) -> list[Intent]:
        """Every intent in the outbox, in order."""
        return [entry.intent for entry in self.state.outbox]

    def staff_bound(self) -> list[Intent]:
        """Intents that end up in the staff group (topics, cards and their edits, relays,
        evidence)."""
        return [i for i in self.sent
                if isinstance(i, OpenTopic | EditCard | ShowTopicStatus)
                or (isinstance(i, Say | SendEvidence) and isinstance(i.to, ToStaff))]

    def actions(self) -> list[str]:
        return [e.action for e in self.state.audit]


REPORT = {
    "what": "Kepala bidang meminta uang pelicin untuk izin usaha.",
    "who": "Pak H., Kepala Bidang Perizinan",
    "when": "Senin, 2 Februari 2026",
    "where": "Ruang kerja lantai 3",
    "how": "Uang diminta tunai dalam amplop.",
}


async def seed_case(
    uow: FakeUnitOfWork, route: ChatRoute, created_at: datetime, *,
    status: CaseStatus = CaseStatus.RECEIVED, category: str = "korupsi", language: str = "id",
    awaiting_answer: bool = False, ticket: str | None = None, prefix: str = "WBS",
    post_after: datetime | None = None, staff_group: int | None = None,
) -> tuple[Case, TicketCode]:
    """A submitted case, as `submit_report` leaves it, committed: (case, ticket code)."""
    code = normalize_ticket(ticket) if ticket else new_ticket_code()
    async with uow:
        number = await uow.cases.next_number(created_at.year, prefix)
        case = Case(
            id=f"case-{number}", number=number, category=category, language=language,
            report=dict(REPORT), created_at=created_at, updated_at=created_at, status=status,
            awaiting_answer=awaiting_answer,
            closed_at=created_at if status in CLOSED else None, post_after=post_after,
            staff_group=staff_group,
        )
        await uow.cases.add(case, code, route, None)
        await uow.audit.record("reporter", "case.submitted", number, category)
        await uow.commit()
    return case, code
