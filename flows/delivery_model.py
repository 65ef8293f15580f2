"""The values delivery works with: a queued message, where a case lives in the staff group, what
a sent message links to, and what Telegram's answer to a failed delivery means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.intents import ChatRoute, Intent, MovePrompt, OpenTopic, Target, ToReporter, ToStaff


@dataclass(frozen=True)
class Queued:
    """A message from the outbox, leased to this sender."""

    id: int
    target: Target
    intent: Intent
    attempts: int = 1
    """Claims so far, this one included."""
    errors: int = 0
    """Unexpected (not Telegram's) errors so far."""
    created_at: datetime | None = None
    lane: str = ""
    """Opaque: messages of one lane leave in order (storage names lanes)."""
    leased: bool = True
    """Leased to this sender; False: queued for a claim (behind others in its lane)."""

    @property
    def for_staff(self) -> bool:
        return isinstance(self.target, ToStaff) or isinstance(self.intent, OpenTopic)

    @property
    def is_relay(self) -> bool:
        """A staff relay on its way to the reporter (the outbox keeps its relay id)."""
        return (isinstance(self.target, ToReporter)
                and getattr(self.intent, "relay_id", None) is not None)


@dataclass(frozen=True)
class CaseDestination:
    number: str
    topic_id: int | None
    card_message_id: int | None
    group: int | None = None
    """The case's staff group (None: the main group)."""


@dataclass(frozen=True)
class Where:
    """Where a message goes now: a reporter's chat, or the staff group (a topic, or a reply to
    the card in a group without topics)."""

    route: ChatRoute | None
    """None: the staff group."""
    thread_id: int | None = None
    reply_to: int | None = None
    number: str = ""
    """The case's number (staff-bound messages of a case)."""
    edit: int | None = None
    """The message to edit instead of sending one (the case's card)."""
    group: int | None = None
    """Which staff group (`route` None): its chat id; None: the main group."""


class LinkKind:
    """What a message linked to a case is. In the staff group only a reply to the `CARD` or to
    a `REPORTER` message (the reporter's words) relays; a reply to anything else stays internal."""

    CARD = "card"
    REPORTER = "reporter"
    EVIDENCE = "evidence"
    CONFIRMATION = "confirmation"
    NOTE = "note"
    RELAYING = frozenset({CARD, REPORTER})


@dataclass(frozen=True)
class Link:
    """A message sent for a case: a reply to it finds the case. `route` None: the staff group."""

    case_id: str
    route: ChatRoute | None
    message_id: int
    card: bool = False
    kind: str = LinkKind.NOTE
    relay_id: str | None = None
    """A relay's confirmation: the relay it confirms."""
    prompt: MovePrompt | None = None
    """A staff reply prompt: a reply to this message completes its move."""
    group: int | None = None
    """`route` None: which staff group the message is in (None: the main group)."""


@dataclass(frozen=True)
class StaffLink:
    """A staff-group message of a case, as a reply to it finds it (`kind` None: linked before
    kinds were kept)."""

    case_id: str
    kind: str | None


@dataclass(frozen=True)
class Sent:
    """A delivery that went out, and the messages of it that belong to a case."""

    item_id: int
    links: tuple[Link, ...] = ()
    relay: bool = True
    """Whether it may be a staff relay (whose leaving is recorded): the sender says False for
    every other message, which spares looking them up."""


# ---- what Telegram's answer to a failed delivery means (read by bot/delivery.py)


@dataclass(frozen=True)
class Retry:
    reason: str
    delay: float | None = None
    """Telegram's retry_after; None: back off."""


@dataclass(frozen=True)
class Unreachable:
    reason: str
    migrated_to: int | None = None


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Unexpected:
    reason: str


@dataclass(frozen=True)
class Gone:
    """Nothing to deliver any more (no route to the reporter, the evidence or case is gone)."""

    reason: str


@dataclass(frozen=True)
class NotYet:
    """Not now, and not a failure: try again in `seconds` (a topic being made)."""

    seconds: float
    reason: str


Verdict = Retry | Unreachable | Refused | Unexpected | Gone | NotYet


@dataclass(frozen=True)
class Handled:
    """What the sender does after a failure was recorded: nothing more, or tell the staff
    watch the group is lost (`lost`), pause the staff pace (`pause`), raise the alarm."""

    parked: bool = False
    lost: str | None = None
    migrated_to: int | None = None
    pause: float | None = None
    alarm: str | None = None
    retry_in: float | None = None
    """The message is due again in this many seconds."""
    group: int | None = None
    """With `lost`: which staff group (None: the main group)."""
