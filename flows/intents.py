"""What a use case wants said, to whom: intents with text keys, rendered later by `bot/`.

Intents are written to the outbox in the same transaction as the state change that causes them,
and delivered by the sender. They hold catalog keys and parameters, never finished sentences.
A parameter that must become words in the reader's language carries its kind as its type
(`StatusName("verifying")`, `CaseRows([...])`): the renderer turns each kind into words, never
looking at the catalog key or a value's shape. They are `str` and `list` underneath, so a value
compares equal to what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import ClassVar, NewType

from flows.buttons import ButtonData

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
    """A staff group: the case's topic when the case has one, else `thread_id`, else the group.
    A case's messages go to the case's group; others to `group` (None: the main group)."""

    case_id: str | None = None
    thread_id: int | None = None
    group: int | None = None


Target = ToChat | ToReporter | ToStaff


# ---- parameter kinds: values that become words in the reader's language


class StatusName(str):
    """A case status (`state.<value>` in the catalog)."""


class Institution(str):
    """The institution's name (`PELUIT_INSTITUTION_NAME`); empty: a neutral wording
    (`word.institution`) in the reader's language."""


class Moment(str):
    """A moment, as ISO 8601 in UTC to the minute (`moment`): shown in the reader's language
    and the institution's time zone ("28 Nov 2026, 14.05 WIB")."""


def moment(at: datetime) -> Moment:
    return Moment(at.astimezone(UTC).replace(second=0, microsecond=0).isoformat())


class CategoryName(str):
    """A category code (its label, or the code itself: categories are configuration)."""


class YesNo(str):
    """"yes" or "no" (`word.<value>`)."""


class MaybeSkipped(str):
    """An answer that may have been skipped (empty: `word.skipped`)."""


class Fields(str):
    """Names of report steps, joined with ", " (each shown as `field.<name>`)."""


class Timeline(list[list[str]]):
    """[moment (`moment`), audit action, detail] rows of a case's history, one line each."""


class CaseRows(list[list[object]]):
    """[number, category, status, age in days, overdue kind, handler's name, topic link] rows of
    /kasus (the last two may be empty; rows queued before them have five items)."""


class OverdueRows(list[tuple[str, str, int] | tuple[str, str, int, str]]):
    """[number, overdue kind, age in days, handler's name] rows of the daily reminder, grouped
    by handler when shown (no name: nobody handles it yet)."""


class FileRows(list[list[object]]):
    """[kind, size in bytes, caption start] of each file a draft keeps, numbered from 1."""


class Block(str):
    """An optional block of text: its catalog template (`key`) filled with the value under
    `field`, or nothing when the value is empty."""

    key: ClassVar[str] = ""
    field: ClassVar[str] = ""
    empty_key: ClassVar[str] = ""
    """Shown instead when the value is empty ("": nothing)."""


class QuestionBlock(Block):
    key, field = "status.question_block", "question"


class OutcomeBlock(Block):
    key, field = "status.outcome_block", "outcome"


class ContactBlock(Block):
    """Non-empty when the reporter left contact details: what becomes of them, in plain words."""

    key, field = "status.contact_block", "contact"


class HandlerBlock(Block):
    """Who handles a case, on its card (empty: no one yet)."""

    key, field = "staff.card_handler", "handler"
    empty_key = "staff.card_no_handler"


class SavedAnswer(Block):
    """The answer a step already has, shown when the reporter comes back to it."""

    key, field = "intake.saved_block", "current"


class AddingTo(Block):
    """The answer the next message will be added to (after [➕ Tambah ke jawaban sebelumnya])."""

    key, field = "intake.adding_block", "current"


class Note(str):
    """A catalog key whose text leads the message (a calm word before the question: the intro,
    a too-short answer, an answer cleared), filled with the message's own parameters; "" for
    none. One message instead of two."""


class OverdueMark(str):
    """A deadline a case has missed (`sla.<value>`), or nothing ("")."""


class Mention(str):
    """A staff member named so Telegram addresses them (a reply prompt opens for them): the
    value is their first name; `user_id` goes into the link, never into a log."""

    user_id: int

    def __new__(cls, name: str, user_id: int = 0) -> Mention:
        value = super().__new__(cls, name)
        value.user_id = user_id
        return value


PARAM_KINDS: tuple[type, ...] = (StatusName, CategoryName, YesNo, MaybeSkipped, Fields, Timeline,
                                 CaseRows, OverdueRows,
                                 QuestionBlock, OutcomeBlock, HandlerBlock, OverdueMark,
                                 SavedAnswer, AddingTo, Note, Institution, Moment, ContactBlock,
                                 FileRows)
"""Every kind, for the outbox codec (it stores a value's kind by name)."""


@dataclass(frozen=True)
class Button:
    key: str
    data: ButtonData
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
    link_kind: str = "note"
    """What the sent message is, for its link (`flows.delivery_model.LinkKind`): only a reply
    to a card or to a reporter's message relays to the reporter."""
    relay_id: str | None = None
    """A staff relay: to the reporter, the relay itself (waiting in the outbox, [Batalkan] takes
    it back); in the staff group, its confirmation (edited when it leaves or is cancelled)."""
    silent: bool = False
    """Sent without a notification (a hint for one officer, not news for the group)."""
    awaits: MovePrompt | None = None
    """A staff reply prompt: the reply to the sent message completes this move."""


@dataclass(frozen=True)
class MovePrompt:
    """What a reply to a staff prompt completes: `trigger`'s move (or, for `request_info`, its
    question), for the officer `actor` (a pseudonym) only, until `expires`. `step` names the
    words asked for ("text"; issue 15 may add a recommendation step after a conclusion)."""

    case_id: str
    trigger: str
    actor: str
    expires: datetime
    step: str = "text"


@dataclass(frozen=True)
class EditCard:
    """Show the case card as it is now in place of the case's card message (an edit: no new
    message); an edit that changes nothing is no failure."""

    card: Say

    @property
    def to(self) -> Target:
        return self.card.to


@dataclass(frozen=True)
class ShowTopicStatus:
    """Name the case's topic by its status (with the status's icon where Telegram has one), and
    close it (`close` True), reopen it (False) or leave it (None). Nothing in a group without
    topics."""

    case_id: str
    number: str
    category: str
    status: str
    close: bool | None = None

    @property
    def to(self) -> Target:
        return ToStaff(self.case_id)


@dataclass(frozen=True)
class SendEvidence:
    """Re-send (upload, never forward) one encrypted attachment."""

    to: Target
    evidence_id: str
    case_id: str | None = None
    lang: str = "id"


@dataclass(frozen=True)
class RelayFile:
    """A staff file (downloaded and cleaned) for the reporter, labelled "Petugas WBS", with the
    officer's words as its caption; `relay_id` as for `Say`."""

    to: ToReporter
    case_id: str
    number: str
    kind: str
    """photo, document or voice"""
    data: bytes
    mime_type: str | None
    text: str = ""
    lang: str = "id"
    relay_id: str | None = None


@dataclass(frozen=True)
class EditConfirmation:
    """Rewrite a relay's confirmation in the staff group (its [Batalkan] button removed)."""

    to: ToStaff
    relay_id: str
    key: str
    params: dict[str, object] = field(default_factory=dict)
    lang: str = "id"


@dataclass(frozen=True)
class MarkMoved:
    """In the staff group a case was moved away from (`to`: that group and the case's old
    topic): the old card message says only that the case was moved (`key`, no content, no
    buttons), and the old topic is renamed so and closed."""

    to: ToStaff
    number: str
    card_message_id: int | None
    key: str = "staff.moved_away"
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


@dataclass(frozen=True)
class SendReport:
    """A report for the staff group, made from the records when it is sent (in memory, never
    written to disk) and posted with protected content: `kind` "case_file" (the PDF of
    `case_id`, into its topic), "statistics" (the chart with the counts as its caption) or
    "period" (the PDF for leadership, `start`..`end` inclusive)."""

    to: ToStaff
    kind: str
    case_id: str | None = None
    start: date | None = None
    end: date | None = None
    lang: str = "id"


Intent = (Say | SendEvidence | OpenTopic | WipeChat | RelayFile | EditConfirmation | EditCard
          | ShowTopicStatus | SendReport | MarkMoved)


@dataclass(frozen=True)
class Later:
    """Intents queued with the command's change but not part of its answer: they wait in the
    outbox until `not_before` (None: no wait), e.g. the staff group's news of a new case."""

    intents: tuple[Intent, ...]
    not_before: datetime | None = None


def target_of(intent: Intent) -> Target:
    return ToStaff(intent.case_id) if isinstance(intent, OpenTopic) else intent.to
