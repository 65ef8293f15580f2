"""Retention rules and break-glass disclosure, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main as peluit
from flows.bus import MessageBus
from flows.buttons import IntakeButton
from flows.commands import AskReporter, CaseRef, MoveByCommand, Press, ReceiveFile, ReporterText, StartReport
from flows.intents import ChatRoute, ToStaff
from flows.policy import Policy
from flows.uploads import Upload
from storage.audit import verify_chain
from storage.crypto import load_or_create_keyring
from storage.db import migrate
from storage.disclosure import DisclosureError, reveal_contact
from storage.models import (
    AuditEventRow,
    CaseMessageRow,
    CaseRow,
    EvidenceRow,
    ReporterRouteRow,
    SealedContactRow,
)
from storage.retention import purge
from storage.uow import Database

POLICY = Policy(categories=("korupsi", "pelecehan"))
ROUTE = ChatRoute(987612345001)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _bus(db: Database, at: datetime = NOW) -> MessageBus:
    return MessageBus(db.uow, policy=POLICY, clock=lambda: at, sealer=db.keyring)


async def _submit(db: Database, *, contact: str | None = "0812-MARKER-CONTACT") -> str:
    """A full report through the message bus; returns the case number."""
    bus = _bus(db)
    await bus.handle(StartReport(route=ROUTE, message_id=1))

    async def press(action: str, arg: str = "") -> None:
        async with db.uow() as uow:
            draft = await uow.drafts.get(ROUTE)
        assert draft is not None
        outcome = await bus.handle(Press(route=ROUTE, button=IntakeButton(action, draft.version, arg)))
        assert outcome.error is None

    await press("cat", "1")
    for text in ("Atasan melakukan pelecehan di ruang rapat", "Inisial AD, Kasubag Umum",
                 "Jumat pekan lalu", "Ruang rapat lantai 3", "Menyentuh dan mengirim pesan tidak pantas"):
        await bus.handle(ReporterText(route=ROUTE, text=text))  # the next question follows
    await bus.handle(ReceiveFile(route=ROUTE, upload=Upload(
        "document", b"%PDF-1.4 MARKER-EVIDENCE", "application/pdf", "bukti.pdf")))
    await press("done")
    if contact:
        await press("contact")
        await bus.handle(ReporterText(route=ROUTE, text=contact))  # then the review
    else:
        await press("anon")
    await press("submit")
    async with db.uow() as uow:
        (case,) = await uow.cases.for_route(ROUTE)
    await bus.handle(AskReporter(ref=CaseRef(number=case.number), text="Apakah ada saksi lain?",
                                 user_id=42, reply_in=ToStaff(case.id)))
    return case.number


async def _close(db: Database, number: str, at: datetime) -> None:
    bus = _bus(db, at)
    for command, text in (("verifikasi", None), ("klarifikasi", None),
                          ("selesai", "Terbukti; sanksi.")):
        outcome = await bus.handle(MoveByCommand(command=command, ref=CaseRef(number=number),
                                                 text=text, user_id=42, reply_in=ToStaff()))
        assert outcome.error is None


@pytest.fixture
async def db(database_url: str, tmp_path: Path):
    await migrate(database_url)
    keyring, _ = load_or_create_keyring(tmp_path / "keys")
    database = Database(database_url, keyring)
    yield database
    await database.close()


async def _count(db: Database, model: type, **where: object) -> int:
    async with db.sessions() as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return len((await session.scalars(query)).all())


async def test_given_an_open_case_when_purging_then_nothing_is_touched(db: Database) -> None:
    await _submit(db)
    report = await purge(db, routing_before=NOW + timedelta(days=999),
                         content_before=NOW + timedelta(days=999), now=NOW)
    assert report.routing_purged == [] and report.content_purged == []
    assert await _count(db, ReporterRouteRow) == 1
    assert await _count(db, SealedContactRow) == 1


async def test_given_a_closed_case_when_routing_retention_passes_then_routes_and_contact_go(
    db: Database,
) -> None:
    number = await _submit(db)
    await _close(db, number, NOW)
    report = await purge(db, routing_before=NOW + timedelta(days=1), content_before=NOW, now=NOW)
    assert report.routing_purged == [number]
    assert report.content_purged == []
    assert await _count(db, ReporterRouteRow) == 0
    assert await _count(db, SealedContactRow) == 0
    assert await _count(db, CaseMessageRow) == 1  # content stays until its own period
    async with db.uow() as uow:
        case = await uow.cases.by_number(number)
        assert case is not None and case.report["who"] == "Inisial AD, Kasubag Umum"
        assert await uow.cases.route_of(case.id) is None


async def test_given_a_closed_case_when_content_retention_passes_then_content_goes_but_the_record_stays(
    db: Database,
) -> None:
    number = await _submit(db)
    await _close(db, number, NOW)
    later = NOW + timedelta(days=2000)
    report = await purge(db, routing_before=later, content_before=later, now=later)
    assert report.content_purged == [number]
    assert await _count(db, CaseMessageRow) == 0
    assert await _count(db, EvidenceRow) == 0
    async with db.uow() as uow:
        case = await uow.cases.by_number(number)
        assert case is not None and case.report == {} and case.outcome is None
        assert case.status.value == "concluded"
    async with db.sessions() as session:
        actions = (await session.scalars(select(AuditEventRow.action))).all()
        assert "retention.content_purged" in actions
        assert (await verify_chain(session, db.keyring)).ok
    again = await purge(db, routing_before=later, content_before=later, now=later)
    assert again.content_purged == [] and again.routing_purged == []


async def test_given_purged_content_when_reading_the_sqlite_file_then_the_old_ciphertext_is_gone(
    db: Database, tmp_path: Path
) -> None:
    if db.is_postgres:
        pytest.skip("file-level check applies to the embedded SQLite database")
    number = await _submit(db)
    async with db.sessions() as session:
        blobs = (await session.scalars(select(EvidenceRow.data_enc))).all()
        reports = (await session.scalars(select(CaseRow.report_enc))).all()
    await _close(db, number, NOW)
    later = NOW + timedelta(days=2000)
    await purge(db, routing_before=later, content_before=later, now=later)
    path = Path(db.url.split(":///", 1)[1])
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for blob in [*blobs, *reports]:
        assert blob[-32:] not in raw  # secure_delete zeroed the pages; the WAL was truncated


async def test_given_the_offline_key_when_revealing_then_the_contact_opens_and_it_is_audited(
    db: Database, tmp_path: Path
) -> None:
    number = await _submit(db)
    key = tmp_path / "keys" / "disclosure-private-key.pem"
    contact = await reveal_contact(db, number, key, "Permintaan resmi Inspektur, nota 12/2026")
    assert contact == "0812-MARKER-CONTACT"
    async with db.sessions() as session:
        last = (await session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc()))).first()
        assert last is not None
        assert (last.action, last.case_number) == ("identity.revealed", number)
        assert "nota 12/2026" in last.detail
        assert "MARKER" not in last.detail


async def test_given_a_wrong_or_missing_key_when_revealing_then_nothing_opens_and_the_attempt_is_audited(
    db: Database, tmp_path: Path
) -> None:
    number = await _submit(db)
    load_or_create_keyring(tmp_path / "other")  # another institution's keys
    with pytest.raises(DisclosureError):
        await reveal_contact(db, number, tmp_path / "other" / "disclosure-private-key.pem",
                             "Permintaan resmi Inspektur")
    with pytest.raises(DisclosureError):
        await reveal_contact(db, number, tmp_path / "missing.pem", "Permintaan resmi Inspektur")
    with pytest.raises(DisclosureError):
        await reveal_contact(db, number, tmp_path / "keys" / "disclosure-private-key.pem", "x")
    async with db.sessions() as session:
        actions = (await session.scalars(select(AuditEventRow.action))).all()
    assert actions.count("identity.reveal_failed") == 2
    assert "identity.revealed" not in actions


async def test_given_an_anonymous_report_when_revealing_then_there_is_nothing_to_open(
    db: Database, tmp_path: Path
) -> None:
    number = await _submit(db, contact=None)
    with pytest.raises(DisclosureError, match="no sealed contact"):
        await reveal_contact(db, number, tmp_path / "keys" / "disclosure-private-key.pem",
                             "Permintaan resmi Inspektur")


async def test_given_the_cli_when_revealing_then_it_prints_the_contact(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    number = await _submit(db)
    monkeypatch.setenv("PELUIT_DATA_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("PELUIT_DATABASE_URL", db.url)
    monkeypatch.chdir(tmp_path)
    key = tmp_path / "keys" / "disclosure-private-key.pem"
    import asyncio

    def run_cli(*args: str) -> int:
        try:
            peluit(list(args))
        except SystemExit as exit_:
            return int(exit_.code or 0)
        return 0

    code = await asyncio.to_thread(run_cli, "identity", "reveal", number, "--key", str(key),
                                   "--reason", "Permintaan resmi Inspektur")
    assert code == 0
    assert "0812-MARKER-CONTACT" in capsys.readouterr().out
    code = await asyncio.to_thread(run_cli, "audit", "verify")
    assert code == 0
    assert "audit log intact" in capsys.readouterr().out
