"""What use cases need from storage, as protocols. `storage/` implements them; tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from flows.delivery_model import CaseDestination, Link, Queued, StaffLink
from flows.intake import Draft
from flows.intents import ChatRoute, Intent, MovePrompt
from flows.model import AuditEvent, Case, CaseMessage, Direction, EvidenceFile
from flows.tickets import TicketCode

AllGroups = Literal["all"]
ALL_GROUPS: AllGroups = "all"
"""Every staff group's cases at once (the operator's `peluit report`); a staff group itself
only ever reads its own."""


class DuplicateUpdate(Exception):
    """This Telegram update was processed before: its effects are already committed."""


class Drafts(Protocol):
    async def get(self, route: ChatRoute) -> Draft | None: ...
    async def save(self, route: ChatRoute, draft: Draft) -> None: ...
    async def delete(self, route: ChatRoute) -> None: ...
    async def delete_expired(self, before: datetime) -> int: ...


class Cases(Protocol):
    async def next_number(self, year: int, prefix: str) -> str: ...
    async def add(
        self, case: Case, ticket: TicketCode, route: ChatRoute, sealed_contact: bytes | None
    ) -> None: ...
    async def save(self, case: Case) -> None: ...
    async def get(self, case_id: str) -> Case | None: ...
    async def by_number(self, number: str) -> Case | None: ...
    async def by_ticket(self, ticket: TicketCode) -> Case | None: ...
    async def known_tickets(self, tickets: Sequence[TicketCode]) -> set[TicketCode]:
        """Which of these codes open a case: one keyed-hash lookup for them all."""
        ...
    async def transfer(self, case_id: str, group: int | None) -> None:
        """The case now belongs to staff group `group`: no topic, card or handler there yet."""
        ...

    async def by_staff_message(self, message_id: int, group: int | None = None) -> Case | None:
        """The case of a message in staff group `group` (None: the main group)."""
        ...

    async def by_topic(self, topic_id: int, group: int | None = None) -> Case | None:
        """The case of a topic in staff group `group` (topic ids are per group)."""
        ...

    async def by_reporter_message(self, route: ChatRoute, message_id: int) -> Case | None: ...
    async def for_route(self, route: ChatRoute) -> list[Case]: ...
    async def set_route(self, case_id: str, route: ChatRoute) -> None: ...
    async def route_of(self, case_id: str) -> ChatRoute | None: ...
    async def open_cases(self, now: datetime, group: int | None = None) -> list[Case]:
        """Open cases of staff group `group` (None: the main group) its staff may see: a case
        held back until `post_after` is left out until then."""
        ...

    async def counts(self, now: datetime, group: int | None = None) -> dict[tuple[str, str], int]:
        """(status, category) -> number of cases of staff group `group` its staff may see (held
        cases left out)."""
        ...

    async def for_period(self, first: datetime, after: datetime, now: datetime,
                         group: int | AllGroups | None = None) -> list[Case]:
        """Cases of staff group `group` (None: the main group; `ALL_GROUPS`: every group)
        received before `after` and not closed before `first` (the cases a report of
        [first, after) counts), that staff may see at `now`; oldest first."""
        ...

    async def add_message(self, case_id: str, direction: Direction, body: str, at: datetime) -> None: ...
    async def messages(self, case_id: str) -> list[CaseMessage]: ...
    async def destination(self, case_id: str) -> CaseDestination | None:
        """Where the staff group shows a case (number, topic, card): nothing decrypted or locked."""
        ...

    async def link_messages(self, links: Sequence[Link]) -> None:
        """Messages sent for cases: replies to them find their case; a card's id is kept."""
        ...

    async def staff_link(self, message_id: int, group: int | None = None) -> StaffLink | None:
        """The case (and kind) of a message in staff group `group`; None: no case's message."""
        ...

    async def relay_confirmation(self, relay_id: str) -> int | None:
        """The staff-group message confirming a relay, once it was sent."""
        ...


class Evidence(Protocol):
    async def add(
        self, draft_id: str, kind: str, data: bytes, mime_type: str | None, file_name: str | None,
        caption: str | None = None, answer: str | None = None,
    ) -> str:
        """`answer`: the story step a voice answer answers (None: an evidence file)."""
        ...
    async def add_to_case(
        self, case_id: str, kind: str, data: bytes, mime_type: str | None, file_name: str | None,
        caption: str | None = None,
    ) -> str: ...
    async def attach(self, evidence_ids: Sequence[str], case_id: str) -> None: ...
    async def get(self, evidence_id: str) -> EvidenceFile | None: ...
    async def received(self, case_id: str) -> list[tuple[EvidenceFile, datetime]]:
        """A case's evidence with when it was received, oldest first (for the case file)."""
    async def remove(self, draft_id: str, evidence_id: str) -> None:
        """Delete a file of the draft `draft_id` (never one that belongs to a case)."""
        ...


class Outbox(Protocol):
    async def put(self, intents: Sequence[Intent], not_before: datetime | None = None,
                  *, lease_for: ChatRoute | None = None, lease: timedelta | None = None,
                  ) -> list[Queued]:
        """Queue intents in order. Those for the chat `lease_for` (its lane idle: nothing
        waiting or under way in it) are leased to this process at once, for `lease`, and
        returned: the local sender delivers them without claiming them."""
        ...

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Queued]: ...
    async def done(self, item_ids: Sequence[int]) -> None: ...
    async def retry(self, item_id: int, at: datetime, error: str, *,
                    unexpected: bool = False) -> None: ...
    async def fail(self, item_id: int, error: str) -> None: ...
    async def park(self, item_id: int, why: str, error: str) -> None: ...
    async def request_topic(self, case_id: str) -> None: ...
    async def topic_request_age(self, case_id: str) -> timedelta | None: ...
    async def settle_topic(self, case_id: str, topic_id: int) -> bool: ...
    async def forget_topic_request(self, case_id: str) -> None: ...
    async def cancel_relay(self, relay_id: str) -> Intent | None:
        """Delete a relay still waiting (not yet claimed); the intent it held, or None when it
        left (or is leaving) already."""
        ...

    async def relays(self, item_ids: Sequence[int]) -> list[Intent]:
        """The relays among these queued messages (before `done` removes them)."""
        ...


class Audit(Protocol):
    async def record(
        self, actor: str, action: str, case_number: str | None = None, detail: str = ""
    ) -> None: ...
    async def for_case(self, case_number: str) -> list[AuditEvent]: ...


class Throttle(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: float, now: datetime,
                  amount: int = 1) -> bool:
        """Count one attempt (or `amount`, e.g. bytes); False when the count in the window then
        exceeds `limit`."""
        ...

    async def used(self, keys: Sequence[str], window_seconds: float, now: datetime) -> dict[str, int]:
        """The count of each key in its current window (0 when none): one read, counts nothing."""
        ...

    async def count(self, key: str, window_seconds: float, now: datetime) -> int:
        """Attempts made in the current window (counts nothing)."""
        ...

    async def add(self, key: str, amount: int, window_seconds: float, now: datetime) -> int:
        """Count `amount` attempts at once; the window's count after them."""
        ...

    async def refund(self, key: str, since: datetime, window_seconds: float,
                     now: datetime) -> None:
        """Take back one attempt counted at `since`: only while the window that counted it is
        still the current one, and never below zero."""
        ...


@dataclass
class ChatState:
    """What the bus reads about a chat before a reporter's command, in one statement."""

    language: str | None = None
    ticket_prompt: datetime | None = None
    """Until when the chat's next message is taken as a ticket code (None: it is not)."""
    draft: Draft | None = None
    lane_busy: bool = True
    """Messages for this chat wait or are under way: new ones queue behind them."""


@dataclass(frozen=True)
class HeldMessage:
    """A reporter's message held until the reporter says where it goes."""

    case_id: str
    text: str
    at: datetime


class Chats(Protocol):
    async def state(self, route: ChatRoute) -> ChatState: ...
    async def language(self, route: ChatRoute) -> str | None: ...
    async def set_language(self, route: ChatRoute, language: str) -> None: ...
    async def set_ticket_prompt(self, route: ChatRoute, language: str, until: datetime) -> None:
        """Take the chat's next message as a ticket code, until `until` (`language` is used only
        for a chat not known yet)."""
        ...

    async def clear_ticket_prompt(self, route: ChatRoute) -> None: ...
    async def hold(self, route: ChatRoute, case_id: str, text: str, now: datetime) -> None:
        """Keep a message (encrypted) until the reporter chooses where it goes; a second one
        for the same case is added to the first (another case's replaces it)."""
        ...

    async def take_held(self, route: ChatRoute) -> HeldMessage | None:
        """The held message, removed (None when there is none)."""
        ...


class Prompts(Protocol):
    """Staff reply prompts waiting for their words, by the prompt's staff group (None: the main
    group) and message id (message ids are per chat)."""

    async def add(self, message_id: int, prompt: MovePrompt, group: int | None = None) -> None: ...
    async def get(self, message_id: int, group: int | None = None) -> MovePrompt | None: ...
    async def remove(self, message_id: int, group: int | None = None) -> None: ...


class Staff(Protocol):
    """The staff directory: members' names (stored encrypted) by their pseudonym."""

    async def remember(self, actor: str, name: str, username: str | None, now: datetime) -> None:
        """Keep the member's name and @username as Telegram shows them now."""
        ...

    async def names(self, actors: Sequence[str]) -> dict[str, str]: ...
    async def by_username(self, username: str) -> str | None:
        """The pseudonym of the member with this @username (None: not known)."""
        ...


class UnitOfWork(Protocol):
    drafts: Drafts
    cases: Cases
    evidence: Evidence
    outbox: Outbox
    audit: Audit
    throttle: Throttle
    chats: Chats
    prompts: Prompts
    staff: Staff

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None:
        """Undo what was done so far, chat locks included; the unit of work stays usable."""
        ...

    async def lock_chat(self, route: ChatRoute) -> None:
        """Serialize work on one chat until the transaction ends (commit or rollback)."""
        ...

    def actor_token(self, kind: str, user_id: int | str) -> str:
        """A stable pseudonym for an actor or a case (keyed hash), for the audit log and limits."""
        ...
