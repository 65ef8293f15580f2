"""Privacy promises, proven end to end: after a full report, relay and status check, neither
the raw database nor any log line holds report text, reporter identity, ticket code or token."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import asyncpg

from bot import logs
from tests.e2e.harness import STAFF, STAFF_CHAT, Reporter, file_report, running_peluit

MARKERS = {
    "what": "MARKER-WHAT Kadis menerima suap proyek jalan Q7Z",
    "who": "MARKER-WHO Inisial RZ Kepala Dinas PUPR",
    "when": "MARKER-WHEN 14 Februari 2026",
    "where": "MARKER-WHERE Rumah makan Padang dekat kantor",
    "how": "MARKER-HOW Uang tunai dalam amplop cokelat",
}
ANSWER = "MARKER-ANSWER Ada saksi lain di ruangan"
QUESTION = "MARKER-QUESTION Siapa saksi lainnya?"
CONTACT = "MARKER-CONTACT wa 0812 9876 5432"
EVIDENCE = b"%PDF-1.4 MARKER-EVIDENCE-BYTES"
REPORTER_ID = 987650777
SECOND_ACCOUNT = 987650778


def _needles(reporter: Reporter, ticket: str, token: str) -> dict[str, bytes]:
    texts = {**MARKERS, "answer": ANSWER, "question": QUESTION, "contact": CONTACT}
    needles = {name: value.encode() for name, value in texts.items()}
    needles["evidence"] = b"MARKER-EVIDENCE-BYTES"
    needles["reporter id"] = str(REPORTER_ID).encode()
    needles["second account id"] = str(SECOND_ACCOUNT).encode()
    needles["reporter id (int64)"] = REPORTER_ID.to_bytes(8, "little")
    needles["username"] = reporter.username.encode()
    needles["first name"] = reporter.first_name.encode()
    needles["ticket"] = ticket.encode()
    needles["ticket (compact)"] = ticket.replace("-", "").encode()
    needles["token"] = token.encode()
    needles["token secret part"] = token.split(":", 1)[1].encode()
    return needles


async def _database_bytes(database_url: str | None, data_dir: Path) -> bytes:
    if database_url is None or database_url.startswith("sqlite"):
        return b"".join(p.read_bytes() for p in data_dir.glob("peluit.db*"))
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        chunks = []
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in tables:
            for row in await connection.fetch(f'SELECT * FROM "{table}"'):
                for value in row.values():
                    chunks.append(value if isinstance(value, bytes) else str(value).encode())
        return b"\n".join(chunks)
    finally:
        await connection.close()


async def test_given_a_full_case_when_reading_raw_storage_and_logs_then_nothing_identifies_or_reveals(
    fake, tmp_path, database_url
):
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure("DEBUG", secrets=(fake.token,), stream=buffer)
    try:
        async with running_peluit(fake, tmp_path, database_url) as peluit:
            reporter = Reporter(fake, REPORTER_ID, first_name="Siti Rahayu MARKERNAME",
                                username="siti_marker_rahayu")
            ticket = await file_report(reporter, MARKERS, category=0,
                                       evidence=[("bukti.pdf", EVIDENCE, "application/pdf")],
                                       contact=CONTACT)
            await peluit.settle()
            (thread_id,) = fake.topics(STAFF_CHAT)
            card = fake.bot_messages(STAFF_CHAT, thread_id=thread_id)[0]
            await fake.send_text(STAFF[0], QUESTION, chat_id=STAFF_CHAT,
                                 reply_to=card["message_id"], thread_id=thread_id)
            question = await reporter.expect(QUESTION)
            await reporter.say(ANSWER, reply_to=question["message_id"])
            await fake.wait_bot_message(STAFF_CHAT, contains=ANSWER)
            other = Reporter(fake, SECOND_ACCOUNT, first_name="Akun Kedua")
            await other.say(f"/status {ticket.lower()}")
            await other.expect("WBS-")
            await peluit.settle()
    finally:
        root.handlers[:], root.level = saved
    needles = _needles(reporter, ticket, fake.token)
    needles["first name"] = b"MARKERNAME"
    stored = await _database_bytes(database_url, tmp_path)
    logged = buffer.getvalue().encode()
    assert logged.count(b"\n") > 20, "the application should have logged its events"
    for name, needle in needles.items():
        assert needle not in stored, f"{name} found in the raw database"
        assert needle not in logged, f"{name} found in the logs"
    # What staff saw: the report, but never who sent it or the ticket.
    staff_text = "\n".join(m.get("text") or m.get("caption") or "" for m in fake.messages(STAFF_CHAT))
    for secret in (ticket, reporter.username, "MARKERNAME", str(REPORTER_ID), CONTACT):
        assert secret not in staff_text
    assert MARKERS["what"] in staff_text
    # What the reporter saw: "Petugas WBS", never a staff member's name.
    assert all(m["from"]["id"] in (fake.bot_id, REPORTER_ID) for m in fake.messages(REPORTER_ID))
    assert not fake.calls_to("forwardMessage")
    assert all(c.params.get("protect_content") in (True, "true", "True")
               for c in fake.calls if c.params.get("chat_id") in (STAFF_CHAT, str(STAFF_CHAT))
               and c.method.startswith("send"))
    assert fake.rejected == []
