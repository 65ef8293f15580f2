"""Domain records that use cases read and change. No framework, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flows.lifecycle import CLOSED, CaseStatus


class Direction(StrEnum):
    TO_REPORTER = "to_reporter"
    FROM_REPORTER = "from_reporter"


@dataclass
class Case:
    id: str
    number: str
    category: str
    language: str
    report: dict[str, str]
    """The 5W+1H answers (what, who, when, where, how): stored encrypted."""
    created_at: datetime
    updated_at: datetime
    status: CaseStatus = CaseStatus.RECEIVED
    outcome: str | None = None
    """Conclusion, authority forwarded to, or reason not actionable: stored encrypted. The
    reporter is told it (it is the move's text)."""
    recommendation: str | None = None
    """A concluded case's recommendation for leadership: stored encrypted, never told to the
    reporter (only staff, the case file and the period report show it)."""
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    awaiting_answer: bool = False
    topic_id: int | None = None
    card_message_id: int | None = None
    has_contact: bool = False
    evidence_ids: list[str] = field(default_factory=list)
    post_after: datetime | None = None
    handler: str | None = None
    """Who handles the case: a staff member's pseudonym (`uow.actor_token("staff", user id)`)."""
    handler_name: str = ""
    """Their name from the staff directory, as loaded (for the card and lists; never stored
    with the case, never shown to the reporter)."""
    staff_group: int | None = None
    """The staff group the case belongs to (flows/routing.py); None: the main group."""

    @property
    def closed(self) -> bool:
        return self.status in CLOSED


@dataclass(frozen=True)
class CaseMessage:
    id: str
    case_id: str
    direction: Direction
    body: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    case_number: str | None
    detail: str


@dataclass(frozen=True)
class EvidenceFile:
    id: str
    kind: str
    """photo, document, video, voice, audio, video_note, animation"""
    mime_type: str | None
    file_name: str | None
    data: bytes
    caption: str | None = None
    answer: str | None = None
    """A voice answer: the story step it answers (what, who, when, where, how)."""
