"""Every table Peluit keeps. Columns ending in `_enc` hold AES-256-GCM ciphertext bound to their row.

Nothing here holds a Telegram user id, a username, a name (staff names only encrypted), a raw
chat id or a ticket code: chats
are known by a keyed hash (`chat_hash`) and reached through `route_enc` (routing key); ticket
codes exist only as `ticket_hash`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.crypto import Purpose

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DraftRow(Base):
    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    chat_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    payload_enc: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ChatRow(Base):
    """A chat's language choice, known only by its keyed hash; and whether its next message is
    taken as a ticket code (after *Cek status*), until when."""

    __tablename__ = "chats"
    chat_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expects_ticket_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class HeldMessageRow(Base):
    """A reporter's message after submission, not a reply to staff, held until the reporter
    says where it goes (to the officer handling `case_id`, or nowhere: a new report)."""

    __tablename__ = "held_messages"
    chat_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CaseCounterRow(Base):
    __tablename__ = "case_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    ticket_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    category: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(8))
    report_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    outcome_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    recommendation_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """A concluded case's recommendation for leadership (never told to the reporter)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    awaiting_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    topic_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    has_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    post_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    content_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    staff_group: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    """The staff group the case belongs to: its chat id (an operator's setting, not a person's);
    NULL: the main group (every case stored before there were several groups)."""
    topic_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handler: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    """Who handles the case: a staff member's keyed pseudonym (as in the audit log), or None."""
    """Set just before the sender asks Telegram for the case's topic, cleared when the topic is
    known: after a crash in between, the topic Telegram made is adopted, not made twice."""


class ReporterRouteRow(Base):
    """How to reach a case's reporter: the chat id under the routing key, found by keyed hash."""

    __tablename__ = "reporter_routes"
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    chat_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    route_enc: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SealedContactRow(Base):
    """Contact details sealed to the offline disclosure key: the bot cannot open them."""

    __tablename__ = "sealed_contacts"
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseMessageRow(Base):
    __tablename__ = "case_messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(16))
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageLinkRow(Base):
    """Which case a sent Telegram message belongs to, so replies to it can be relayed."""

    __tablename__ = "message_links"
    __table_args__ = (UniqueConstraint("chat_hash", "message_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    message_id: Mapped[int] = mapped_column(BigInteger)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """What the message is (flows.delivery_model.LinkKind): only a reply to a card or to a
    reporter's message relays. None: linked before kinds were kept (see migration 0003_a)."""
    relay_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    """A relay's confirmation in the staff group: which relay it confirms (edited later)."""


class MovePromptRow(Base):
    """A staff reply prompt waiting for its words: the reply to `message_id` (in the staff
    group) by the officer `actor` (a keyed pseudonym) completes `trigger` on the case."""

    __tablename__ = "move_prompts"
    staff_group: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    """The staff group the prompt was sent in (0: the main group): message ids are per chat."""
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StaffMemberRow(Base):
    """The staff directory: a staff member's display name (their first name as Telegram shows
    it in the group), encrypted, known by the same keyed pseudonym as in the audit log; and a
    keyed hash of their @username, so `/serahkan @username` finds them. Never shown to a reporter."""

    __tablename__ = "staff_members"
    actor: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    username_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EvidenceRow(Base):
    __tablename__ = "evidence"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    draft_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    case_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    meta_enc: Mapped[bytes] = mapped_column(LargeBinary)
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEventRow(Base):
    """Append-only, hash-chained: who (a pseudonym), what, when; never content."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    case_number: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class OutboxRow(Base):
    """Messages to send, written in the transaction that caused them, delivered by the sender."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "not_before"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    lane: Mapped[str] = mapped_column(String(80), index=True)
    """Messages in one lane are delivered in order (one chat, or one case's reporter)."""
    target_enc: Mapped[bytes] = mapped_column(LargeBinary)
    payload_enc: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    """pending, sending (leased), parked (kept, waiting: see `parked_for`), failed (wiped)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Unexpected (non-Telegram) errors so far: after a few the message is parked."""
    parked_for: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """staff (the main group), staff:<chat id> (another staff group), refused, error."""
    """Why a parked message waits: "staff" (the staff group cannot be reached), "error"
    (unexpected errors: tried again at the next start), "refused" (Telegram refused it for
    good; kept for the operator)."""
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(String(120), nullable=True)
    relay_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    """A staff relay to a reporter, waiting out its window: [Batalkan] deletes it by this id."""


class ProcessedUpdateRow(Base):
    __tablename__ = "processed_updates"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ThrottleRow(Base):
    __tablename__ = "throttle"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)


class MetaRow(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    day: Mapped[date | None] = mapped_column(Date, nullable=True)


ENCRYPTED_COLUMNS: tuple[tuple[type[Base], str, Purpose], ...] = (
    (DraftRow, "payload_enc", "content"),
    (CaseRow, "report_enc", "content"),
    (CaseRow, "outcome_enc", "content"),
    (CaseRow, "recommendation_enc", "content"),
    (ReporterRouteRow, "route_enc", "routing"),
    (CaseMessageRow, "body_enc", "content"),
    (EvidenceRow, "meta_enc", "content"),
    (EvidenceRow, "data_enc", "content"),
    (OutboxRow, "target_enc", "routing"),
    (OutboxRow, "payload_enc", "content"),
    (StaffMemberRow, "name_enc", "content"),
    (HeldMessageRow, "body_enc", "content"),
)
"""Every encrypted column and its key (purpose), declared once: storage encrypts and decrypts
through `storage.encrypted`, which reads this list, and `peluit keys rotate` walks it."""

ROW_KEY: dict[type[Base], str] = {
    DraftRow: "id",
    CaseRow: "id",
    ReporterRouteRow: "case_id",
    CaseMessageRow: "id",
    EvidenceRow: "id",
    OutboxRow: "uid",
    StaffMemberRow: "actor",
    HeldMessageRow: "id",
}
"""The column whose value binds a ciphertext to its row (associated data)."""


class SendPaceRow(Base):
    """A staff group's sending pace, shared by every replica (PostgreSQL): when the group's next
    message may leave (on the database's clock). One row per group; each send moves `next_at`
    on by one interval in one atomic statement (storage/pacing.py)."""

    __tablename__ = "send_pace"
    chat_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
