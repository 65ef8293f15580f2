"""What a use case wants said, to whom: intents with text keys, rendered later by `bot/`.

Intents are written to the outbox in the same transaction as the state change that causes them,
and delivered by the sender. They hold catalog keys and parameters, never finished sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NewType

ChatRoute = NewType("ChatRoute", int)
"""A Telegram chat id of a reporter: secret, stored only encrypted under the routing key."""


@dataclass(frozen=True)
class ToChat:
    """The chat the current update came from (a reporter's private chat, or any chat for /status)."""

    route: ChatRoute


@dataclass(frozen=True)
class ToReporter:
    """Whichever chat the reporter of this case uses now (resolved at send time)."""

    case_id: str


@dataclass(frozen=True)
class ToStaff:
    """The staff group: the case's topic when the case has one, else `thread_id`, else the group."""

    case_id: str | None = None
    thread_id: int | None = None


Target = ToChat | ToReporter | ToStaff


@dataclass(frozen=True)
class Button:
    key: str
    data: str
    params: dict[str, str] = field(default_factory=dict)


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Say:
    """Send a message rendered from catalog `key` with `params` (user text is escaped on render)."""

    to: Target
    key: str
    params: dict[str, object] = field(default_factory=dict)
    buttons: Keyboard = ()
    lang: str = "id"
    case_id: str | None = None
    """When set, the sent message is remembered as belonging to this case (replies relay)."""
    card: bool = False
    """The case card: its message id is stored on the case."""
    reply_prompt: str | None = None
    """When set, the message asks for an answer with a reply prompt (the chat's input field
    opens as a reply to it) instead of buttons; the value is the catalog key of the placeholder
    shown in the input field."""


@dataclass(frozen=True)
class SendEvidence:
    """Re-send (upload, never forward) one encrypted attachment."""

    to: Target
    evidence_id: str
    case_id: str | None = None
    lang: str = "id"


@dataclass(frozen=True)
class OpenTopic:
    """Create the case's forum topic in the staff group (named by case number and category)."""

    case_id: str


@dataclass(frozen=True)
class WipeChat:
    """Delete messages `first`..`last` of a private chat (Telegram allows it within 48 h)."""

    to: ToChat
    first_message_id: int
    last_message_id: int


Intent = Say | SendEvidence | OpenTopic | WipeChat
