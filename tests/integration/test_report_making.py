"""Reports made from the database (bot/reports/maker.py through flows/report_sources.py): a case
with evidence, a question and its answer, a conclusion and a recommendation, made by the real use
cases on SQLite and PostgreSQL; its PDF read back by text extraction: everything leadership needs
is there, and nothing that identifies the reporter or opens the case (ticket code) is."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.cli import main as peluit
from bot.reports.maker import ReportMaker
from bot.reports.text import size
from flows.lifecycle import CaseStatus
from flows.report_sources import staff_display_name
from storage.models import AuditEventRow
from storage.uow import Database
from tests.integration.journey import (
    ADVICE,
    ANSWER,
    ANSWERS,
    CONCLUSION,
    CONTACT,
    EVIDENCE_NAME,
    POLICY,
    QUESTION,
    REPORTER_CHAT,
    STAFF_USER,
    Journey,
    run_concluded_journey,
)

START = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    return "".join(text.split())


async def concluded_journey(db: Database) -> Journey:
    return await run_concluded_journey(db, START)


async def test_given_a_concluded_case_when_its_file_is_made_from_the_database_then_it_holds_the_case_and_nothing_about_the_reporter(
    db: Database,
) -> None:
    journey = await concluded_journey(db)
    policy = POLICY.__class__(**{**POLICY.__dict__, "institution_name": "Inspektorat Kota Nusa Indah"})

    made = await ReportMaker(db, policy).case_file(journey.case_id, "id")

    assert made is not None and made.data.startswith(b"%PDF")
    assert made.file_name == f"berkas-{journey.number}.pdf" and journey.number in made.caption
    text = pdf_text(made.data)
    flat = squash(text)
    async with db.uow() as uow:
        stored = [await uow.evidence.get(e) for e in journey.evidence_ids]
        case = await uow.cases.get(journey.case_id)
    assert case is not None and case.status is CaseStatus.CONCLUDED
    for value in (journey.number, "Inspektorat Kota Nusa Indah", *ANSWERS.values(), QUESTION,
                  ANSWER, CONCLUSION, ADVICE):
        assert squash(value) in flat, value
    for file in stored:  # every piece of evidence, by its hash, size and kind
        assert file is not None
        assert hashlib.sha256(file.data).hexdigest() in flat
        assert squash(size(len(file.data))) in flat
    assert "Dokumen" in text and "Foto" in text
    # The timeline names the officer by their name in the staff directory (they took the case),
    # in words, never by the Telegram id; not by the pseudonym label once the name is known.
    async with db.uow() as uow:
        label = staff_display_name(uow.actor_token("staff", STAFF_USER))
    assert label is not None and squash(label) not in flat
    assert "MARKER-STAFFNAME-3R7" in flat and squash("Mengambil penanganan kasus") in flat
    assert "marker_staff_3r7" not in flat  # the @username is never shown
    assert "Kontaktersegel" in flat and "ya" in text.lower()
    # Absences: the ticket code in any spelling, the reporter's file name, the sealed contact,
    # the reporter's chat and the officer's Telegram id.
    ticket = journey.ticket
    for secret in (ticket, ticket.replace("-", ""), EVIDENCE_NAME, CONTACT, "MARKER-CONTACT",
                   "0812-3456-7890", str(REPORTER_CHAT), str(STAFF_USER)):
        assert squash(secret) not in flat, secret
        assert squash(secret).lower() not in flat.lower(), secret


async def test_given_a_gone_case_when_its_file_is_asked_for_then_there_is_none(db: Database) -> None:
    assert await ReportMaker(db, POLICY).case_file("no-such-case", "id") is None


async def test_given_cases_when_a_period_report_is_made_then_it_counts_them_and_lists_the_conclusion(
    db: Database,
) -> None:
    journey = await concluded_journey(db)

    maker = ReportMaker(db, POLICY)
    made = await maker.period(date(2026, 11, 1), date(2026, 11, 30), "id")
    model = await maker.period_model(date(2026, 11, 1), date(2026, 11, 30))
    elsewhere = await maker.period_model(date(2026, 10, 1), date(2026, 10, 31))

    assert model.total == 1 and elsewhere.total == 0
    assert dict(model.by_status)[CaseStatus.CONCLUDED] == 1
    [concluded] = model.concluded
    assert (concluded.number, concluded.outcome, concluded.recommendation) == (
        journey.number, CONCLUSION, ADVICE)
    flat = squash(pdf_text(made.data))
    assert squash(journey.number) in flat and "KESIMPULAN-8R1" in flat and "REKOMENDASI-4V7" in flat
    for secret in (journey.ticket, journey.ticket.replace("-", ""), *ANSWERS.values(), QUESTION):
        assert squash(secret) not in flat, secret  # a period report holds no case's story
    csv = await maker.period_csv(date(2026, 11, 1), date(2026, 11, 30))
    assert "KESIMPULAN" not in csv and "REKOMENDASI" not in csv and journey.number not in csv


async def test_given_the_cli_when_a_period_report_is_asked_then_it_writes_the_pdf_and_the_counts_privately(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    journey = await concluded_journey(db)
    monkeypatch.setenv("PELUIT_DATA_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("PELUIT_DATABASE_URL", db.url)
    monkeypatch.setenv("PELUIT_INSTITUTION_NAME", "Inspektorat Kota Nusa Indah")
    monkeypatch.chdir(tmp_path)

    def run_cli(*args: str) -> int:
        try:
            peluit(list(args))
        except SystemExit as exit_:
            return int(exit_.code or 0)
        return 0

    code = await asyncio.to_thread(run_cli, "report", "--from", "2026-10-01", "--to", "2026-12-31",
                                   "--out", "q4.pdf", "--csv", "q4.csv")

    assert code == 0, capsys.readouterr()
    said = capsys.readouterr().out
    assert "2026-10-01..2026-12-31" in said and "all staff groups" in said
    pdf, counts = tmp_path / "q4.pdf", tmp_path / "q4.csv"
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600 and stat.S_IMODE(counts.stat().st_mode) == 0o600
    flat = squash(pdf_text(pdf.read_bytes()))
    assert squash("Inspektorat Kota Nusa Indah") in flat and journey.number in flat
    assert "KESIMPULAN-8R1" in flat and journey.ticket not in flat
    rows = list(csv.reader(io.StringIO(counts.read_text(encoding="utf-8"))))
    assert ["total", "", "1"] in rows and ["status", "concluded", "1"] in rows
    assert "KESIMPULAN" not in counts.read_text() and journey.number not in counts.read_text()
    async with db.sessions() as session:
        made = (await session.execute(select(AuditEventRow.actor, AuditEventRow.detail).where(
            AuditEventRow.action == "report.period_made"))).all()
    assert [tuple(row) for row in made] == [("operator", "2026-10-01..2026-12-31")]
    # A bad date or an inverted period writes nothing and says so.
    assert await asyncio.to_thread(run_cli, "report", "--from", "2026-12-31", "--to",
                                   "2026-10-01", "--out", "bad.pdf") == 2
    assert not (tmp_path / "bad.pdf").exists()
    assert await asyncio.to_thread(run_cli, "report", "--from", "kemarin", "--to",
                                   "2026-10-01", "--out", "bad.pdf") == 2
    # --group: the main group holds the case; an unknown group writes nothing and says so.
    capsys.readouterr()
    assert await asyncio.to_thread(run_cli, "report", "--from", "2026-10-01", "--to",
                                   "2026-12-31", "--csv", "main.csv", "--group", "main") == 0
    assert "the main staff group" in capsys.readouterr().out
    assert ["total", "", "1"] in list(csv.reader(io.StringIO(
        (tmp_path / "main.csv").read_text(encoding="utf-8"))))
    assert await asyncio.to_thread(run_cli, "report", "--from", "2026-10-01", "--to",
                                   "2026-12-31", "--csv", "bad.csv", "--group", "-1009") == 2
    assert "not one of the configured staff groups" in capsys.readouterr().err
    assert not (tmp_path / "bad.csv").exists()
