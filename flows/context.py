"""What a use case works with while the message bus runs it: one open unit of work, the
institution's rules, the time, the sealer, and the chat's state read once at the start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flows.intake import Draft
from flows.intents import Intent, Later
from flows.policy import Policy
from flows.ports import ChatState, UnitOfWork


class Sealer(Protocol):
    """Seals contact details to the offline disclosure key; nothing in the bot can open them."""

    def seal(self, plaintext: bytes) -> bytes: ...


@dataclass
class Context:
    uow: UnitOfWork
    policy: Policy
    now: datetime
    sealer: Sealer
    language: str
    """The chat's chosen language (else the person's guessed one); staff: the staff language."""
    chat: ChatState = field(default_factory=ChatState)
    """Reporter commands: the chat's language, code prompt and draft, read when the bus began."""
    staff_group: int | None = None
    """Staff commands: the staff group the command came from (None: the main group). Staff see
    and act on that group's cases only (flows/casework.find_case)."""
    topic_name: Callable[[str, str, str], str] = (
        lambda number, category, status: f"{number} {category} {status}")
    """A case topic's name from its number, category and status (rendered by the adapter)."""

    @property
    def draft(self) -> Draft | None:
        draft = self.chat.draft
        if draft is not None:
            draft.max_chars = self.policy.max_answer_chars
        return draft


@dataclass(frozen=True)
class Answer:
    """How to answer a button press at once (Telegram shows it on the person's screen)."""

    key: str
    params: dict[str, object] = field(default_factory=dict)
    alert: bool = False


@dataclass
class Reply:
    """What a use case returns beyond intents: the press's answer, whether the offered file
    may be downloaded (then nothing is recorded yet), a value for the sender."""

    intents: list[Intent | Later] = field(default_factory=list)
    answer: Answer | None = None
    take_file: bool = False
    value: Any = None


Result = list[Intent | Later] | Reply
