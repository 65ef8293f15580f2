"""A whole report's life through the real use cases on a real database, with distinctive markers.

Used by the at-rest privacy test and the key-rotation test: every kind of encrypted column gets a
value (draft, report, outcome, route, messages, evidence meta and data, outbox target and payload),
plus a sealed contact, a message link, a chat language and audit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flows.bus import MessageBus
from flows.buttons import IntakeButton, MoveButton
from flows.commands import (
    AskReporter,
    CaseRef,
    CheckStatus,
    Command,
    MoveByCommand,
    Press,
    ReceiveFile,
    ReporterText,
    StaffPress,
    StartReport,
    TakeCase,
)
from flows.intents import ChatRoute, Intent, Say, ToStaff
from flows.policy import Policy
from flows.uploads import Upload
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
HELD = "MARKER-HELD-8R3 pesan yang belum dipilih tujuannya"

MARKERS = (
    *ANSWERS.values(), "MARKER-EVIDENCE-5K8", EVIDENCE_NAME, "MARKER-CONTACT-8W4", "0812-3456-7890",
    "MARKER-QUESTION-2H6", "MARKER-ANSWER-4T9", "MARKER-PHOTO-6N2", "MARKER-OUTCOME-6P3",
    "MARKER-DRAFT-1C5", "MARKER-STAFFNAME-3R7", "marker_staff_3r7", "MARKER-HELD-8R3",
)


@dataclass(frozen=True)
class Journey:
    case_id: str
    number: str
    ticket: str
    route: ChatRoute
    other_route: ChatRoute
    evidence_ids: list[str]


def _button(intents: list[Intent], key: str) -> IntakeButton:
    found = [b for i in intents if isinstance(i, Say) for row in i.buttons for b in row
             if b.key == key]
    assert found, f"no button {key!r} among {[i.key for i in intents if isinstance(i, Say)]}"
    assert isinstance(found[-1].data, IntakeButton)
    return found[-1].data


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _run(bus: MessageBus, command: Command) -> list[Intent]:
    outcome = await bus.handle(command)
    assert outcome.error is None, outcome.error
    return outcome.intents


async def run_journey(db: Database, now: datetime | None = None) -> Journey:
    """Submit a report with evidence and sealed contact, relay a question and an answer (with a
    photo), hold a free message, check the status by ticket, move the case to `forwarded` with an outcome, and leave a
    second chat's draft in progress: every step a command through the message bus. Nothing in
    the outbox is delivered."""
    clock = _Clock(now or datetime.now(UTC))
    bus = MessageBus(db.uow, policy=POLICY, clock=clock, sealer=db.keyring)
    route, other = ChatRoute(REPORTER_CHAT), ChatRoute(OTHER_CHAT)

    async def tap(chat: ChatRoute, intents: list[Intent], key: str) -> list[Intent]:
        return await _run(bus, Press(route=chat, button=_button(intents, key)))

    async def say(chat: ChatRoute, text: str) -> list[Intent]:
        return await _run(bus, ReporterText(route=chat, text=text))

    out = await _run(bus, StartReport(route=route, message_id=100))
    out = await tap(route, out, "category.korupsi")
    for step in ("what", "who", "when", "where", "how"):
        out = await say(route, ANSWERS[step])  # the next question follows at once
    out = await _run(bus, ReceiveFile(route=route, upload=Upload(
        "document", EVIDENCE_BYTES, "application/pdf", EVIDENCE_NAME)))
    out = await tap(route, out, "button.done_evidence")
    out = await tap(route, out, "button.leave_contact")
    out = await say(route, CONTACT)  # locked away; the review follows
    out = await tap(route, out, "button.submit")
    (submitted,) = [i for i in out if isinstance(i, Say) and i.key == "intake.submitted"]
    ticket, number = str(submitted.params["ticket"]), str(submitted.params["number"])

    async with db.uow() as uow:
        case = await uow.cases.by_number(number)
        assert case is not None
        await uow.cases.link_message(route, 4242, case.id)
        await uow.cases.link_message("staff", 777, case.id)
        await uow.commit()
    staff = ToStaff(case.id)
    clock.now += timedelta(minutes=5)
    await _run(bus, AskReporter(ref=CaseRef(number=number), text=QUESTION, user_id=STAFF_USER,
                                reply_in=staff))
    clock.now += timedelta(minutes=5)
    await _run(bus, CheckStatus(route=route, code=ticket))
    clock.now += timedelta(minutes=5)
    await say(route, HELD)  # a free message: held until the reporter chooses where it goes
    clock.now += timedelta(minutes=5)
    await _run(bus, ReceiveFile(route=route, upload=Upload("photo", ANSWER_PHOTO, "image/jpeg",
                                                           None, caption=ANSWER)))
    clock.now += timedelta(minutes=5)
    await _run(bus, StaffPress(button=MoveButton("verify", case.id), user_id=STAFF_USER,
                               reply_in=staff))
    await _run(bus, TakeCase(ref=CaseRef(case_id=case.id), user_id=STAFF_USER,
                             name="MARKER-STAFFNAME-3R7", username="marker_staff_3r7",
                             reply_in=staff))
    clock.now += timedelta(minutes=5)
    await _run(bus, MoveByCommand(command="teruskan", ref=CaseRef(case_id=case.id), text=OUTCOME,
                                  user_id=STAFF_USER, reply_in=staff))

    out = await _run(bus, StartReport(route=other, lang_hint="en", message_id=5))
    out = await tap(other, out, "category.penipuan")
    await say(other, DRAFT_TEXT)

    async with db.uow() as uow:
        final = await uow.cases.get(case.id)
        assert final is not None and final.outcome == OUTCOME
    return Journey(case.id, number, ticket, route, other, list(final.evidence_ids))


CONCLUSION = "KESIMPULAN-8R1 terbukti meminta uang pelicin Rp 2 juta"
ADVICE = "REKOMENDASI-4V7 hukuman disiplin berat dan pengembalian uang"


async def run_concluded_journey(db: Database, now: datetime | None = None) -> Journey:
    """The journey, then reopened, clarified and concluded with a recommendation (so the
    recommendation column holds a value too)."""
    start = now or datetime.now(UTC)
    journey = await run_journey(db, start)
    clock = _Clock(start + timedelta(days=3))
    bus = MessageBus(db.uow, policy=POLICY, clock=clock, sealer=db.keyring)
    for command, text in (("bukakembali", None), ("klarifikasi", None),
                          ("selesai", f"{CONCLUSION}\nRekomendasi: {ADVICE}")):
        clock.now += timedelta(hours=2)
        await _run(bus, MoveByCommand(command=command, ref=CaseRef(number=journey.number),
                                      text=text, user_id=STAFF_USER,
                                      reply_in=ToStaff(journey.case_id)))
    return journey
