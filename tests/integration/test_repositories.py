"""The repositories against a real database: what is saved in one unit of work is found in the next."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select

from flows.intake import Draft, Step
from flows.intents import ChatRoute
from flows.lifecycle import CaseStatus
from flows.model import Case, Direction
from flows.tickets import TicketCode, new_ticket_code
from storage.models import ChatRow, DraftRow, EvidenceRow, ThrottleRow
from storage.uow import Database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = ChatRoute(7395501234)
OTHER = ChatRoute(7395509999)


def a_draft(*, updated_at: datetime = NOW, **changes: object) -> Draft:
    draft = Draft(id=str(uuid.uuid4()), language="id", created_at=NOW - timedelta(minutes=5),
                  updated_at=updated_at, first_message_id=100)
    for name, value in changes.items():
        setattr(draft, name, value)
    return draft


def a_case(seq: int, *, created_at: datetime = NOW, category: str = "korupsi",
           status: CaseStatus = CaseStatus.RECEIVED) -> Case:
    return Case(id=str(uuid.uuid4()), number=f"WBS-2026-{seq:04d}", category=category,
                language="id", report={"what": f"laporan nomor {seq}", "who": "Pak H.",
                                       "when": "Senin", "where": "", "how": "tunai"},
                created_at=created_at, updated_at=created_at, status=status)


async def add_case(db: Database, case: Case, route: ChatRoute = ROUTE,
                   ticket: TicketCode | None = None, sealed: bytes | None = None) -> TicketCode:
    ticket = ticket or new_ticket_code()
    async with db.uow() as uow:
        await uow.cases.add(case, ticket, route, sealed)
        await uow.commit()
    return ticket


async def count(db: Database, model: type) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# --------------------------------------------------------------------------- drafts


async def test_given_a_saved_draft_when_read_and_saved_again_then_every_field_round_trips_in_one_row(
    db: Database,
) -> None:
    draft = a_draft(state=Step.CONTACT, category="penipuan",
                    answers={"what": "Uang pelicin perizinan", "who": "Pak H."},
                    pending="sebagian", evidence_ids=["e-1", "e-2"],
                    sealed_contact=b"\x01sealed\x00bytes", editing=True, version=7)
    async with db.uow() as uow:
        await uow.drafts.save(ROUTE, draft)
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.drafts.get(ROUTE) == draft
        assert await uow.drafts.get(OTHER) is None

    draft.state, draft.category, draft.version, draft.sealed_contact = Step.REVIEW, "korupsi", 8, None
    draft.updated_at = NOW + timedelta(minutes=1)
    async with db.uow() as uow:
        await uow.drafts.save(ROUTE, draft)
        await uow.commit()
    async with db.uow() as uow:
        await uow.drafts.save(OTHER, a_draft())  # rolled back: never committed

    async with db.uow() as uow:
        assert await uow.drafts.get(ROUTE) == draft
        assert await uow.drafts.get(OTHER) is None
    assert await count(db, DraftRow) == 1


async def test_given_a_draft_with_evidence_when_deleted_then_its_evidence_goes_but_a_cases_stays(
    db: Database,
) -> None:
    case = a_case(1)
    await add_case(db, case)
    draft = a_draft()
    async with db.uow() as uow:
        await uow.drafts.save(ROUTE, draft)
        loose = await uow.evidence.add(draft.id, "photo", b"loose", "image/jpeg", None)
        attached = await uow.evidence.add(draft.id, "photo", b"attached", "image/jpeg", None)
        await uow.evidence.attach([attached], case.id)
        other = a_draft()
        await uow.drafts.save(OTHER, other)
        others = await uow.evidence.add(other.id, "document", b"other", None, "x.pdf")
        await uow.commit()

    async with db.uow() as uow:
        await uow.drafts.delete(ROUTE)
        await uow.commit()

    async with db.uow() as uow:
        assert await uow.drafts.get(ROUTE) is None
        assert await uow.evidence.get(loose) is None
        kept = await uow.evidence.get(attached)
        assert kept is not None and kept.data == b"attached"
        assert (await uow.cases.get(case.id)).evidence_ids == [attached]  # type: ignore[union-attr]
        assert await uow.drafts.get(OTHER) == other
        assert (await uow.evidence.get(others)).data == b"other"  # type: ignore[union-attr]


async def test_given_a_draft_file_when_removed_then_it_is_gone_but_another_drafts_and_a_cases_stay(
    db: Database,
) -> None:
    case = a_case(1)
    await add_case(db, case)
    draft, other = a_draft(), a_draft()
    async with db.uow() as uow:
        await uow.drafts.save(ROUTE, draft)
        await uow.drafts.save(OTHER, other)
        wrong = await uow.evidence.add(draft.id, "photo", b"my own name", "image/jpeg", None)
        attached = await uow.evidence.add(draft.id, "photo", b"attached", "image/jpeg", None)
        await uow.evidence.attach([attached], case.id)
        others = await uow.evidence.add(other.id, "photo", b"other", "image/jpeg", None)
        await uow.commit()

    async with db.uow() as uow:
        await uow.evidence.remove(draft.id, wrong)
        await uow.evidence.remove(draft.id, attached)  # a case's file: never through a draft
        await uow.evidence.remove(draft.id, others)  # another draft's file: not this one's
        await uow.commit()

    async with db.uow() as uow:
        assert await uow.evidence.get(wrong) is None
        assert (await uow.evidence.get(attached)).data == b"attached"  # type: ignore[union-attr]
        assert (await uow.evidence.get(others)).data == b"other"  # type: ignore[union-attr]


async def test_given_old_and_fresh_drafts_when_expired_ones_are_deleted_then_only_old_ones_and_their_evidence_go(
    db: Database,
) -> None:
    # Times in other zones are compared as instants (SQLite stores them as UTC text).
    old = a_draft(updated_at=(NOW - timedelta(hours=25)).astimezone(timezone(timedelta(hours=7))))
    fresh = a_draft(updated_at=(NOW - timedelta(hours=23)).astimezone(timezone(timedelta(hours=-5))))
    async with db.uow() as uow:
        await uow.drafts.save(ROUTE, old)
        await uow.drafts.save(OTHER, fresh)
        old_file = await uow.evidence.add(old.id, "photo", b"old", None, None)
        fresh_file = await uow.evidence.add(fresh.id, "photo", b"fresh", None, None)
        await uow.commit()

    async with db.uow() as uow:
        deleted = await uow.drafts.delete_expired(NOW - timedelta(hours=24))
        await uow.commit()

    assert deleted == 1
    async with db.uow() as uow:
        assert await uow.drafts.get(ROUTE) is None
        assert await uow.evidence.get(old_file) is None
        assert await uow.drafts.get(OTHER) == fresh
        assert await uow.evidence.get(fresh_file) is not None
        assert await uow.drafts.delete_expired(NOW - timedelta(hours=24)) == 0


# --------------------------------------------------------------------------- cases


async def test_given_an_added_case_when_looked_up_then_it_is_found_by_id_number_and_canonical_ticket_only(
    db: Database,
) -> None:
    case = a_case(42)
    ticket = await add_case(db, case, sealed=b"sealed-contact")

    async with db.uow() as uow:
        assert await uow.cases.get(case.id) == case
        assert await uow.cases.by_number("WBS-2026-0042") == case
        assert await uow.cases.by_ticket(ticket) == case
        assert await uow.cases.by_number("WBS-2026-0043") is None
        assert await uow.cases.get(str(uuid.uuid4())) is None
        assert await uow.cases.by_ticket(new_ticket_code()) is None
        # normalizing what a reporter typed is the caller's job (flows.tickets.normalize_ticket)
        for spelling in (ticket.lower(), ticket.replace("-", ""), f" {ticket} ",
                         ticket.replace("-", " ")):
            assert await uow.cases.by_ticket(TicketCode(spelling)) is None, spelling


async def test_given_a_case_with_evidence_when_found_by_ticket_then_it_is_one_case_with_every_file(
    db: Database,
) -> None:
    case = a_case(7)
    ticket = await add_case(db, case)
    other = a_case(8)
    await add_case(db, other, route=OTHER)
    files = []
    for n in range(3):
        async with db.uow() as uow:
            files.append(await uow.evidence.add_to_case(case.id, "photo", b"x%d" % n, None, None))
            await uow.evidence.add_to_case(other.id, "photo", b"y", None, None)
            await uow.commit()
        await asyncio.sleep(0.002)

    async with db.uow() as uow:
        found = await uow.cases.by_ticket(ticket)
        assert found is not None and found.evidence_ids == files
        assert found == await uow.cases.get(case.id)


async def test_given_a_changed_case_when_saved_then_the_changes_are_read_back(db: Database) -> None:
    case = a_case(3)
    await add_case(db, case)

    case.status = CaseStatus.FORWARDED
    case.outcome = "Diteruskan ke Inspektorat"
    case.acknowledged_at = NOW + timedelta(hours=1)
    case.closed_at = case.updated_at = NOW + timedelta(days=2)
    case.awaiting_answer = True
    case.post_after = NOW + timedelta(minutes=7)
    async with db.uow() as uow:
        await uow.cases.save(case)
        # The topic and the card belong to the sender, which sets just those columns.
        await uow.outbox.request_topic(case.id)
        assert await uow.outbox.settle_topic(case.id, 9001)
        await uow.cases.set_card(case.id, 9002)
        await uow.commit()
    case.topic_id, case.card_message_id = 9001, 9002

    async with db.uow() as uow:
        assert await uow.cases.get(case.id) == case
        assert await uow.cases.by_topic(9001) == case
        assert await uow.cases.by_topic(9002) is None


async def test_given_a_case_when_its_route_is_replaced_then_only_the_new_chat_finds_it(
    db: Database,
) -> None:
    first, second = a_case(1), a_case(2, created_at=NOW + timedelta(hours=1))
    await add_case(db, first)
    await add_case(db, second)
    async with db.uow() as uow:
        assert [c.id for c in await uow.cases.for_route(ROUTE)] == [first.id, second.id]
        assert await uow.cases.for_route(OTHER) == []
        assert await uow.cases.route_of(first.id) == ROUTE

    async with db.uow() as uow:
        await uow.cases.set_route(first.id, OTHER)
        await uow.commit()

    async with db.uow() as uow:
        assert [c.id for c in await uow.cases.for_route(ROUTE)] == [second.id]
        assert [c.id for c in await uow.cases.for_route(OTHER)] == [first.id]
        assert await uow.cases.route_of(first.id) == OTHER
        assert await uow.cases.route_of(second.id) == ROUTE
        assert await uow.cases.route_of(str(uuid.uuid4())) is None


async def test_given_linked_messages_when_replies_arrive_then_each_finds_its_case_only_in_its_chat(
    db: Database,
) -> None:
    first, second = a_case(1), a_case(2)
    await add_case(db, first)
    await add_case(db, second, route=OTHER)
    async with db.uow() as uow:
        await uow.cases.link_message("staff", 501, first.id)
        await uow.cases.link_message("staff", 502, second.id)
        await uow.cases.link_message(ROUTE, 77, first.id)
        await uow.cases.link_message(OTHER, 77, second.id)
        await uow.cases.link_message(ROUTE, 77, first.id)  # a repeat changes nothing
        await uow.commit()

    async with db.uow() as uow:
        assert (await uow.cases.by_staff_message(501)).id == first.id  # type: ignore[union-attr]
        assert (await uow.cases.by_staff_message(502)).id == second.id  # type: ignore[union-attr]
        assert (await uow.cases.by_reporter_message(ROUTE, 77)).id == first.id  # type: ignore[union-attr]
        assert (await uow.cases.by_reporter_message(OTHER, 77)).id == second.id  # type: ignore[union-attr]
        assert await uow.cases.by_staff_message(77) is None
        assert await uow.cases.by_reporter_message(ROUTE, 501) is None
        assert await uow.cases.by_reporter_message(ChatRoute(123), 77) is None


async def test_given_cases_in_several_states_when_listed_then_open_cases_and_counts_are_right(
    db: Database,
) -> None:
    cases = [
        a_case(1, created_at=NOW + timedelta(hours=2)),
        a_case(2, created_at=NOW, category="penipuan", status=CaseStatus.VERIFYING),
        a_case(3, created_at=NOW + timedelta(hours=1), status=CaseStatus.CONCLUDED),
        a_case(4, created_at=NOW + timedelta(hours=3), status=CaseStatus.NEEDS_INFO),
        a_case(5, created_at=NOW + timedelta(hours=4), category="penipuan",
               status=CaseStatus.NOT_ACTIONABLE),
        a_case(6, created_at=NOW + timedelta(hours=5)),
    ]
    for case in cases:
        await add_case(db, case)

    async with db.uow() as uow:
        assert [c.number for c in await uow.cases.open_cases(NOW)] == [
            "WBS-2026-0002", "WBS-2026-0001", "WBS-2026-0004", "WBS-2026-0006"]
        assert await uow.cases.counts(NOW) == {
            ("received", "korupsi"): 2, ("verifying", "penipuan"): 1,
            ("concluded", "korupsi"): 1, ("needs_info", "korupsi"): 1,
            ("not_actionable", "penipuan"): 1,
        }


async def test_given_relayed_messages_when_listed_then_they_come_back_in_order_with_their_direction(
    db: Database,
) -> None:
    case, other = a_case(1), a_case(2)
    await add_case(db, case)
    await add_case(db, other)
    async with db.uow() as uow:
        await uow.cases.add_message(case.id, Direction.FROM_REPORTER, "jawaban pertama",
                                    NOW + timedelta(minutes=2))
        await uow.cases.add_message(case.id, Direction.TO_REPORTER, "pertanyaan petugas",
                                    NOW + timedelta(minutes=1))
        await uow.cases.add_message(other.id, Direction.TO_REPORTER, "kasus lain", NOW)
        await uow.cases.add_message(case.id, Direction.FROM_REPORTER, "ÿ€ jawaban kedua 🙂",
                                    NOW + timedelta(minutes=3))
        await uow.commit()

    async with db.uow() as uow:
        messages = await uow.cases.messages(case.id)

    assert [(m.direction, m.body, m.created_at, m.case_id) for m in messages] == [
        (Direction.TO_REPORTER, "pertanyaan petugas", NOW + timedelta(minutes=1), case.id),
        (Direction.FROM_REPORTER, "jawaban pertama", NOW + timedelta(minutes=2), case.id),
        (Direction.FROM_REPORTER, "ÿ€ jawaban kedua 🙂", NOW + timedelta(minutes=3), case.id),
    ]
    assert len({m.id for m in messages}) == 3


# --------------------------------------------------------------------------- evidence


async def test_given_a_large_file_when_stored_and_attached_then_its_bytes_and_meta_round_trip(
    db: Database,
) -> None:
    case = a_case(1)
    await add_case(db, case)
    draft = a_draft()
    data = os.urandom(1024 * 1024)
    async with db.uow() as uow:
        await uow.drafts.save(ROUTE, draft)
        evidence_id = await uow.evidence.add(draft.id, "document", data, "application/pdf",
                                             "bukti transfer.pdf")
        await uow.commit()
    async with db.uow() as uow:
        await uow.evidence.attach([evidence_id], case.id)
        later = await uow.evidence.add_to_case(case.id, "voice", b"ogg", None, None)
        await uow.commit()

    async with db.uow() as uow:
        stored = await uow.evidence.get(evidence_id)
        voice = await uow.evidence.get(later)
        found = await uow.cases.get(case.id)

    assert stored is not None and voice is not None and found is not None
    assert (stored.id, stored.kind, stored.mime_type, stored.file_name) == (
        evidence_id, "document", "application/pdf", "bukti transfer.pdf")
    assert stored.data == data
    assert (voice.kind, voice.mime_type, voice.file_name, voice.data) == ("voice", None, None, b"ogg")
    assert set(found.evidence_ids) == {evidence_id, later}
    async with db.sessions() as session:
        row = await session.get(EvidenceRow, evidence_id)
        assert row is not None and (row.case_id, row.draft_id) == (case.id, None)
        assert data[:64] not in row.data_enc


# --------------------------------------------------------------------------- throttle


async def _hit(db: Database, key: str, at: datetime, limit: int = 3, window: float = 60) -> bool:
    async with db.uow() as uow:
        allowed = await uow.throttle.hit(key, limit, window, at)
        await uow.commit()
    return allowed


async def test_given_a_fixed_window_when_the_limit_is_reached_then_hits_fail_until_the_window_ends(
    db: Database,
) -> None:
    seconds = [0, 1, 2, 3, 59.9, 60, 61, 62, 63]
    results = [await _hit(db, "status:chat-a", NOW + timedelta(seconds=s)) for s in seconds]

    assert results == [True, True, True, False, False, True, True, True, False]
    assert await _hit(db, "status:chat-b", NOW + timedelta(seconds=63)) is True
    assert await count(db, ThrottleRow) == 2


async def test_given_concurrent_attempts_when_throttled_then_exactly_the_limit_is_allowed(
    db: Database,
) -> None:
    results = await asyncio.gather(*(_hit(db, "status:*", NOW, limit=5) for _ in range(12)))

    assert sorted(results) == [False] * 7 + [True] * 5


async def _window(db: Database, key: str) -> tuple[datetime, int] | None:
    async with db.sessions() as session:
        row = await session.get(ThrottleRow, key)
        return None if row is None else (row.window_start, row.count)


async def test_given_an_expired_window_when_hit_then_the_window_restarts_at_that_attempt(
    db: Database,
) -> None:
    for s in (0, 1, 2, 3, 4):  # 3 allowed, then 2 refused: each one is counted
        await _hit(db, "status:chat-a", NOW + timedelta(seconds=s))
    assert await _window(db, "status:chat-a") == (NOW, 5)

    later = NOW + timedelta(seconds=60, microseconds=250_000)
    assert await _hit(db, "status:chat-a", later) is True

    assert await _window(db, "status:chat-a") == (later, 1)
    # a refused attempt neither extends nor restarts the window
    for s in (1, 2, 3):
        await _hit(db, "status:chat-a", later + timedelta(seconds=s))
    assert await _window(db, "status:chat-a") == (later, 4)
    assert await _hit(db, "status:chat-a", later + timedelta(seconds=59)) is False
    assert await _hit(db, "status:chat-a", later + timedelta(seconds=60)) is True


async def test_given_the_clock_set_back_when_hit_then_the_window_is_not_stretched_by_the_step(
    db: Database,
) -> None:
    # A window started at NOW; the host's clock is then set back an hour (an NTP step, a wrong
    # manual setting). The window must not last the hour plus its own length: it is over.
    for s in (0, 1, 2, 3):
        await _hit(db, "status:chat-a", NOW + timedelta(seconds=s))
    earlier = NOW - timedelta(hours=1)
    async with db.uow() as uow:
        assert await uow.throttle.used(["status:chat-a"], 60, earlier) == {"status:chat-a": 0}
    assert await _hit(db, "status:chat-a", earlier) is True
    assert await _window(db, "status:chat-a") == (earlier, 1)


async def test_given_a_limit_of_one_when_hit_twice_then_only_the_first_passes(db: Database) -> None:
    day = 86400
    assert await _hit(db, "reminder:2026-03-02", NOW, limit=1, window=day) is True
    assert await _hit(db, "reminder:2026-03-02", NOW + timedelta(hours=1), limit=1,
                      window=day) is False
    assert await _hit(db, "reminder:2026-03-02", NOW + timedelta(days=1), limit=1,
                      window=day) is True
    assert await _hit(db, "nothing-allowed", NOW, limit=0) is False


async def test_given_amounts_when_hit_then_they_add_up_in_the_window_and_used_reads_them_all(
    db: Database,
) -> None:
    """Bytes per day: each hit adds its amount; a new window starts from that amount alone."""
    day = 86400
    assert await _used(db, ["upload.bytes:chat:a", "upload.files:chat:a"], NOW) == {
        "upload.bytes:chat:a": 0, "upload.files:chat:a": 0}
    async with db.uow() as uow:
        assert await uow.throttle.hit("upload.bytes:chat:a", 100, day, NOW, amount=60) is True
        assert await uow.throttle.hit("upload.bytes:chat:a", 100, day, NOW, amount=40) is True
        assert await uow.throttle.hit("upload.files:chat:a", 5, day, NOW) is True
        await uow.commit()
    assert await _used(db, ["upload.bytes:chat:a", "upload.files:chat:a", "other"], NOW) == {
        "upload.bytes:chat:a": 100, "upload.files:chat:a": 1, "other": 0}
    async with db.uow() as uow:
        assert await uow.throttle.hit("upload.bytes:chat:a", 100, day, NOW, amount=1) is False
        assert await uow.throttle.hit("upload.bytes:chat:a", 100, day, NOW + timedelta(days=1),
                                      amount=70) is True
        await uow.commit()
    assert await _used(db, ["upload.bytes:chat:a"], NOW + timedelta(days=1)) == {
        "upload.bytes:chat:a": 70}
    assert await _used(db, ["upload.bytes:chat:a"], NOW + timedelta(days=2, seconds=1)) == {
        "upload.bytes:chat:a": 0}  # the window is over


async def _used(db: Database, keys: list[str], at: datetime) -> dict[str, int]:
    async with db.uow() as uow:
        return await uow.throttle.used(keys, 86400, at)


async def test_given_several_keys_when_checked_together_then_any_key_at_its_limit_counts(
    db: Database,
) -> None:
    for s in range(3):
        await _hit(db, "status:chat-a", NOW + timedelta(seconds=s))
    await _hit(db, "status:*", NOW)

    async def any_exceeded(limits: list[tuple[str, int]], at: datetime) -> bool:
        """Whether any key is at its limit, from one read of all keys' counts (`used`); the
        same as reading each key alone."""
        async with db.uow() as uow:
            counts = await uow.throttle.used([k for k, _ in limits], 60, at)
            single = [(await uow.throttle.used([k], 60, at))[k] >= limit for k, limit in limits]
        result = any(counts[k] >= limit for k, limit in limits)
        assert result == any(single)
        return result

    soon = NOW + timedelta(seconds=10)
    assert await any_exceeded([("status:chat-a", 3), ("status:*", 10)], soon) is True
    assert await any_exceeded([("status:chat-b", 3), ("status:*", 10)], soon) is False
    assert await any_exceeded([("status:chat-a", 4), ("status:*", 1)], soon) is True
    assert await any_exceeded([("status:chat-a", 4), ("status:*", 2)], soon) is False
    assert await any_exceeded([("unknown", 1)], soon) is False
    # the window of both keys is over: nothing is exceeded, whatever the counts
    assert await any_exceeded([("status:chat-a", 3), ("status:*", 1)],
                              NOW + timedelta(seconds=60)) is False


async def test_given_concurrent_attempts_on_an_expired_window_then_it_restarts_once(
    db: Database,
) -> None:
    for s in range(5):
        await _hit(db, "status:*", NOW + timedelta(seconds=s), limit=5)
    assert await _hit(db, "status:*", NOW + timedelta(seconds=30), limit=5) is False
    later = NOW + timedelta(seconds=90)

    results = await asyncio.gather(*(_hit(db, "status:*", later, limit=5) for _ in range(12)))

    assert sorted(results) == [False] * 7 + [True] * 5
    assert await _window(db, "status:*") == (later, 12)


# --------------------------------------------------------------------------- chats


async def test_given_a_chat_when_its_language_is_set_twice_then_the_one_row_holds_the_latest(
    db: Database,
) -> None:
    async with db.uow() as uow:
        assert await uow.chats.language(ROUTE) is None
        await uow.chats.set_language(ROUTE, "id")
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.chats.language(ROUTE) == "id"
        await uow.chats.set_language(ROUTE, "en")
        await uow.commit()

    async with db.uow() as uow:
        assert await uow.chats.language(ROUTE) == "en"
        assert await uow.chats.language(OTHER) is None
    assert await count(db, ChatRow) == 1


async def test_given_a_chat_when_the_same_language_is_set_again_then_nothing_is_written(
    db: Database,
) -> None:
    async def stored() -> tuple[str, datetime]:
        async with db.sessions() as session:
            row = await session.get(ChatRow, db.keyring.lookup_hash("chat", str(ROUTE)))
            assert row is not None
            return row.language, row.updated_at

    async with db.uow() as uow:
        await uow.chats.set_language(ROUTE, "id")
        await uow.commit()
    first = await stored()
    await asyncio.sleep(0.01)
    async with db.uow() as uow:
        await uow.chats.set_language(ROUTE, "id")
        await uow.commit()
    assert await stored() == first
    async with db.uow() as uow:
        await uow.chats.set_language(ROUTE, "en")
        await uow.commit()
    language, updated_at = await stored()
    assert language == "en" and updated_at > first[1]


async def test_given_a_concluded_case_with_a_recommendation_when_saved_then_it_reads_back_and_is_stored_encrypted(
    db: Database,
) -> None:
    from storage.models import CaseRow

    case = a_case(4)
    await add_case(db, case)
    case.status, case.outcome = CaseStatus.CONCLUDED, "Terbukti; uang dikembalikan"
    case.recommendation = "REKOMENDASI-7Q2 mutasi kepala seksi"
    case.closed_at = case.updated_at = NOW + timedelta(days=2)
    async with db.uow() as uow:
        await uow.cases.save(case)
        await uow.commit()

    async with db.uow() as uow:
        found = await uow.cases.get(case.id)
    async with db.sessions() as session:
        raw = await session.scalar(select(CaseRow.recommendation_enc).where(CaseRow.id == case.id))
    assert found is not None and found.recommendation == case.recommendation
    assert raw and b"REKOMENDASI-7Q2" not in raw
