"""A whole report's life through the real use cases on a real database, with distinctive markers.

Used by the at-rest privacy test and the key-rotation test: every kind of encrypted column gets a
value (draft, report, outcome, route, messages, evidence meta and data, outbox target and payload),
plus a sealed contact, a message link, a chat language and audit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flows import casework, reporting, status
from flows.casework import CaseRef
from flows.intents import ChatRoute, Intent, Say, ToStaff
from flows.policy import Policy
from storage.uow import Database

POLICY = Policy(categories=("korupsi", "penipuan", "lainnya"))

REPORTER_CHAT = 987612345678
OTHER_CHAT = 987612349999
STAFF_USER = 555000111222

ANSWERS = {
    "what": "MARKER-WHAT-7Q2 kepala bidang meminta uang pelicin",
    "who": "MARKER-WHO-3B8 Kepala Bidang Perizinan",
    "when": "MARKER-WHEN-9D1 Senin pagi",
    "where": "MARKER-WHERE-5F4 ruang lantai 3",
    "how": "MARKER-HOW-1M6 uang tunai dalam amplop",
}
EVIDENCE_BYTES = b"%PDF-1.4\n" + b"MARKER-EVIDENCE-5K8 " * 64
EVIDENCE_NAME = "MARKER-FILE-3J1.pdf"
CONTACT = "MARKER-CONTACT-8W4 0812-3456-7890"
QUESTION = "MARKER-QUESTION-2H6 siapa saksi lainnya?"
ANSWER = "MARKER-ANSWER-4T9 rekan satu ruangan"
ANSWER_PHOTO = b"\xff\xd8\xff\xe0 MARKER-PHOTO-6N2 jpeg bytes"
OUTCOME = "MARKER-OUTCOME-6P3 diteruskan ke Inspektorat"
DRAFT_TEXT = "MARKER-DRAFT-1C5 laporan yang belum selesai"

MARKERS = (
    *ANSWERS.values(), "MARKER-EVIDENCE-5K8", EVIDENCE_NAME, "MARKER-CONTACT-8W4", "0812-3456-7890",
    "MARKER-QUESTION-2H6", "MARKER-ANSWER-4T9", "MARKER-PHOTO-6N2", "MARKER-OUTCOME-6P3",
    "MARKER-DRAFT-1C5",
)


@dataclass(frozen=True)
class Journey:
    case_id: str
    number: str
    ticket: str
    route: ChatRoute
    other_route: ChatRoute
    evidence_ids: list[str]


def _button(intents: list[Intent], key: str) -> tuple[str, str, str]:
    found = [b for i in intents if isinstance(i, Say) for row in i.buttons for b in row
             if b.key == key]
    assert found, f"no button {key!r} among {[i.key for i in intents if isinstance(i, Say)]}"
    prefix, action, version, arg = found[-1].data.split(":", 3)
    assert prefix == reporting.CB
    return action, version, arg


async def _tap(db: Database, route: ChatRoute, intents: list[Intent], key: str,
               now: datetime) -> list[Intent]:
    action, version, arg = _button(intents, key)
    return await reporting.press(db.uow(), POLICY, route, action, version, arg, now, db.keyring)


async def _say(db: Database, route: ChatRoute, text: str, now: datetime) -> list[Intent]:
    return await reporting.receive_text(db.uow(), POLICY, route, text, now, db.keyring)


async def run_journey(db: Database, now: datetime | None = None) -> Journey:
    """Submit a report with evidence and sealed contact, relay a question and an answer (with a
    photo), check the status by ticket, move the case to `forwarded` with an outcome, and leave a
    second chat's draft in progress. Nothing in the outbox is delivered."""
    now = now or datetime.now(UTC)
    route, other = ChatRoute(REPORTER_CHAT), ChatRoute(OTHER_CHAT)

    out = await reporting.start_report(db.uow(), POLICY, route, "id", 100, now)
    out = await _tap(db, route, out, "category.korupsi", now)
    for step in ("what", "who", "when", "where", "how"):
        out = await _tap(db, route, await _say(db, route, ANSWERS[step], now), "button.next", now)
    out = await reporting.receive_evidence(db.uow(), POLICY, route, reporting.Upload(
        "document", EVIDENCE_BYTES, "application/pdf", EVIDENCE_NAME), now)
    out = await _tap(db, route, out, "button.done_evidence", now)
    out = await _tap(db, route, out, "button.leave_contact", now)
    out = await _say(db, route, CONTACT, now)
    out = await _tap(db, route, out, "button.next", now)
    out = await _tap(db, route, out, "button.submit", now)
    (submitted,) = [i for i in out if isinstance(i, Say) and i.key == "intake.submitted"]
    ticket, number = str(submitted.params["ticket"]), str(submitted.params["number"])

    async with db.uow() as uow:
        case = await uow.cases.by_number(number)
        assert case is not None
        await uow.cases.link_message(route, 4242, case.id)
        await uow.cases.link_message("staff", 777, case.id)
        await uow.commit()
    staff = ToStaff(case.id)
    now += timedelta(minutes=5)
    await casework.ask_reporter(db.uow(), POLICY, CaseRef(number=number), STAFF_USER, QUESTION,
                                now, staff)
    now += timedelta(minutes=5)
    await status.check_status(db.uow(), POLICY, route, ticket, "id", now)
    now += timedelta(minutes=5)
    await casework.reporter_message(db.uow(), POLICY, route, "id", now, text=ANSWER,
                                    evidence=reporting.Upload("photo", ANSWER_PHOTO, "image/jpeg", None))
    now += timedelta(minutes=5)
    await casework.move_case(db.uow(), POLICY, CaseRef(case_id=case.id), "verify", STAFF_USER,
                             None, now, staff)
    now += timedelta(minutes=5)
    await casework.move_case(db.uow(), POLICY, CaseRef(case_id=case.id), "forward", STAFF_USER,
                             OUTCOME, now, staff)

    out = await reporting.start_report(db.uow(), POLICY, other, "en", 5, now)
    out = await _tap(db, other, out, "category.penipuan", now)
    await _say(db, other, DRAFT_TEXT, now)

    async with db.uow() as uow:
        final = await uow.cases.get(case.id)
        assert final is not None and final.outcome == OUTCOME
    return Journey(case.id, number, ticket, route, other, list(final.evidence_ids))
