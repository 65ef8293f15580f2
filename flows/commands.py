"""Everything a person, the clock or the sender can ask of Peluit: one frozen value per thing.

An adapter builds one from an update and hands it to the message bus (`flows.bus`); nothing
else decides. Commands from an update carry its `update_id` (the bus records it as processed
with the change, so a redelivery changes nothing). Reporter commands carry the chat (`route`)
and `lang_hint`, the language guessed from the person's Telegram (the chat's own choice wins);
staff commands carry who (`user_id`, only ever stored as a keyed pseudonym) and where to answer
(`reply_in`, the thread the command came from).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flows.buttons import ButtonData, MoveButton, RelayButton
from flows.intents import ChatRoute, ToStaff
from flows.uploads import Upload


@dataclass(frozen=True)
class CaseRef:
    """How a staff member pointed at a case: a case number, a topic, or a message replied to."""

    number: str | None = None
    topic_id: int | None = None
    message_id: int | None = None
    case_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Command:
    update_id: int | None = None
    at: datetime | None = None
    """The time the command happens at (None: the bus's clock; the sender keeps its own)."""


# ---- reporters (private chats; /status from any chat)


@dataclass(frozen=True, kw_only=True)
class ReporterCommand(Command):
    route: ChatRoute
    lang_hint: str = "id"


@dataclass(frozen=True, kw_only=True)
class Start(ReporterCommand):
    """/start, with its deep-link payload (`lapor`, `status`, or nothing)."""

    payload: str = ""
    message_id: int = 0


@dataclass(frozen=True, kw_only=True)
class StartReport(ReporterCommand):
    """/lapor (/report), or the menu's Lapor: `message_id` is where the report's messages begin."""

    message_id: int = 0


@dataclass(frozen=True, kw_only=True)
class CancelReport(ReporterCommand):
    """/batal (/cancel)."""


@dataclass(frozen=True, kw_only=True)
class ShowHelp(ReporterCommand):
    """/bantuan (/help)."""


@dataclass(frozen=True, kw_only=True)
class CheckStatus(ReporterCommand):
    """/status <code>; /status alone asks for the code."""

    code: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReporterText(ReporterCommand):
    """A text that is no command: an answer to a step, to a case, or a ticket code."""

    text: str
    reply_to: int | None = None


@dataclass(frozen=True, kw_only=True)
class OfferFile(ReporterCommand):
    """A file as Telegram announces it, before anything is downloaded: may it be taken?"""

    kind: str
    size: int = 0
    caption: str | None = None
    reply_to: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReceiveFile(ReporterCommand):
    """The file of an `OfferFile` that was taken, downloaded and cleaned."""

    upload: Upload
    reply_to: int | None = None


@dataclass(frozen=True, kw_only=True)
class FileFailed(ReporterCommand):
    """The file of an `OfferFile` could not be taken: too_big, unreadable, too_many_pixels."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class ReporterOther(ReporterCommand):
    """A sticker, location, contact, poll, dice: nothing Peluit takes."""


@dataclass(frozen=True, kw_only=True)
class UnknownCommand(ReporterCommand):
    """A /command Peluit does not know."""


@dataclass(frozen=True, kw_only=True)
class Press(ReporterCommand):
    """A button pressed in a private chat; `button` is None when its data is not Peluit's."""

    button: ButtonData | None
    message_id: int = 0


@dataclass(frozen=True, kw_only=True)
class UpdateFailed(ReporterCommand):
    """A reporter's update failed even when tried again: its work was undone; say so."""


# ---- staff (the staff group, members only)


@dataclass(frozen=True, kw_only=True)
class StaffCommand(Command):
    user_id: int
    reply_in: ToStaff = field(default_factory=ToStaff)
    name: str = ""
    """The member's first name as Telegram shows it (kept only encrypted, in the staff
    directory; never logged, never shown to a reporter)."""
    username: str = ""
    """Their @username, if any (kept only as a keyed hash, to find them by it)."""


@dataclass(frozen=True)
class StaffMember:
    """A member of the staff group as Telegram shows them: user id (only ever kept as a
    pseudonym), first name, @username (may be empty)."""

    user_id: int
    name: str
    username: str = ""


@dataclass(frozen=True)
class HandOverTo:
    """Whom `/serahkan` names: a member replied to (`member`), an @username (`username`), or
    nobody (both empty: the case goes back to no handler). `member_ok` False: the one replied
    to is not (or no longer) a member of the staff group, or is a bot."""

    member: StaffMember | None = None
    username: str = ""
    member_ok: bool = True


@dataclass(frozen=True, kw_only=True)
class TakeCase(StaffCommand):
    """/ambil [case number] (or inside the case's topic)."""

    ref: CaseRef | None


@dataclass(frozen=True, kw_only=True)
class TransferCase(StaffCommand):
    """/alihkan [case number] <group> (or inside the case's topic): to another staff group."""

    ref: CaseRef | None
    to: str = ""


@dataclass(frozen=True, kw_only=True)
class HandOver(StaffCommand):
    """/serahkan [case number] [@username] (or as a reply to a member's message)."""

    ref: CaseRef | None
    to: HandOverTo = field(default_factory=HandOverTo)


@dataclass(frozen=True, kw_only=True)
class AskReporter(StaffCommand):
    """/tanya [case number] <question> (`ref` None: no case named and not in a case's topic);
    `upload`: a file with /tanya as its caption, downloaded and cleaned."""

    ref: CaseRef | None
    text: str
    upload: Upload | None = None


@dataclass(frozen=True, kw_only=True)
class StaffReply(StaffCommand):
    """A reply to one of the bot's messages in the staff group (text, or a file: `upload`,
    downloaded and cleaned, with its caption as `text`)."""

    replied_message_id: int
    text: str
    upload: Upload | None = None


@dataclass(frozen=True, kw_only=True)
class StaffFileRefused(StaffCommand):
    """A staff file for the reporter could not be taken: too_big, unreadable, too_many_pixels."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class ListCases(StaffCommand):
    """/kasus; /kasus saya (`mine`): only the cases the member handles."""

    mine: bool = False


@dataclass(frozen=True, kw_only=True)
class FindCase(StaffCommand):
    """/cari <case number> (or inside a case's topic)."""

    ref: CaseRef


@dataclass(frozen=True, kw_only=True)
class ShowStatistics(StaffCommand):
    """/statistik [period]: the chart with the counts (`period` as typed; empty: this month)."""

    period: str = ""


@dataclass(frozen=True, kw_only=True)
class StaffHelp(StaffCommand):
    """/bantuan in the staff group."""


@dataclass(frozen=True, kw_only=True)
class MoveByCommand(StaffCommand):
    """/verifikasi, /perluinfo, /klarifikasi, /selesai, /teruskan, /tolak [case number] [text]."""

    command: str
    ref: CaseRef
    text: str | None = None


@dataclass(frozen=True, kw_only=True)
class StaffPress(StaffCommand):
    """A button on a case card, or [Batalkan] on a relay's confirmation (None: data that is not
    Peluit's)."""

    button: MoveButton | RelayButton | None


@dataclass(frozen=True, kw_only=True)
class PrivateOnly(StaffCommand):
    """A reporter's command typed in the staff group."""


@dataclass(frozen=True, kw_only=True)
class MakeCaseFile(StaffCommand):
    """/berkas (in a case's topic) or /berkas <case number>: the case file as a PDF."""

    ref: CaseRef


@dataclass(frozen=True, kw_only=True)
class MakePeriodReport(StaffCommand):
    """/laporan <period>: the PDF for leadership (`period` as typed)."""

    period: str = ""


# ---- the clock and the sender


@dataclass(frozen=True, kw_only=True)
class ExpireDrafts(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class RemindOverdue(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class AdoptTopic(Command):
    """Telegram announced a forum topic the bot made (`forum_topic_created`)."""

    name: str
    thread_id: int
    group: int | None = None
    """The staff group the topic was made in (None: the main group)."""


@dataclass(frozen=True, kw_only=True)
class ClaimDeliveries(Command):
    """Record what was delivered, then lease up to `limit` due messages (one per lane)."""

    delivered: tuple[Any, ...] = ()
    limit: int = 0
    lease: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, kw_only=True)
class Locate(Command):
    """Where a message goes now (after the messages ahead of it made a topic or a card)."""

    item: Any


@dataclass(frozen=True, kw_only=True)
class Delivered(Command):
    """Messages sent: their links to cases (so replies find them) and that they are done."""

    reports: tuple[Any, ...]


@dataclass(frozen=True, kw_only=True)
class DeliveryFailed(Command):
    """A message could not be delivered; `verdict` says what Telegram's answer means."""

    item: Any
    verdict: Any


@dataclass(frozen=True, kw_only=True)
class TopicWanted(Command):
    """May the sender ask Telegram for this case's topic now? (`stale`: the topic that is gone)."""

    case_id: str
    stale: int | None = None
    forum: bool = True
    """Whether the staff group is a forum (the sender knows from Telegram)."""
    grace: float = 60.0
    """Seconds an earlier request's `forum_topic_created` is given to arrive."""


@dataclass(frozen=True, kw_only=True)
class TopicMade(Command):
    """Telegram made the case's topic (`thread_id`), or refused outright (None)."""

    case_id: str
    thread_id: int | None
