"""flows.uploads: may this evidence file be taken? Before the download and when it is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.intake import Draft, Step
from flows.intents import ChatRoute, Intent, Say, SendEvidence
from flows.model import Case
from flows.uploads import Upload, Usage, refusal
from tests.unit.drive import check_upload, reporter_message
from tests.unit.fakes import FakeUnitOfWork, policy, seed_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = ChatRoute(7395501234)
OTHER = ChatRoute(7395509999)
MB = 1024 * 1024
POLICY = policy(case_files_per_day=3, case_bytes_per_day=10 * MB)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


def keys(intents: list[Intent]) -> list[str]:
    return [i.key for i in intents if isinstance(i, Say)]


def upload(size: int = 1000, **kw: object) -> Upload:
    return Upload("document", b"x" * size, "image/png", None, metadata_removed=True, **kw)  # type: ignore[arg-type]


async def draft_at(uow: FakeUnitOfWork, step: Step, files: int = 0) -> Draft:
    draft = Draft(id="draft-1", language="id", created_at=NOW, updated_at=NOW, state=step,
                  evidence_ids=[f"e{n}" for n in range(files)])
    async with uow:
        await uow.drafts.save(ROUTE, draft)
        await uow.commit()
    return draft


async def check(uow: FakeUnitOfWork, size: int, route: ChatRoute = ROUTE,
                now: datetime = NOW) -> list[Intent]:
    return await check_upload(uow, POLICY, route, "id", "document", size, now)


async def send(uow: FakeUnitOfWork, item: Upload, route: ChatRoute = ROUTE,
               now: datetime = NOW) -> list[Intent]:
    return await reporter_message(uow, POLICY, route, "id", now, evidence=item)


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(("used", "size", "expected"), [
    (Usage(0, 0), 1000, None),
    (Usage(2, 9 * MB), MB, None),                      # exactly at both limits: still taken
    (Usage(3, 0), 1, "files_per_day"),
    (Usage(0, 9 * MB), MB + 1, "bytes_per_day"),
    (Usage(0, 0), 20 * MB + 1, "evidence_too_big"),
])
def test_given_what_was_taken_today_when_a_file_is_offered_then_the_rule_says_why_not(
    used: Usage, size: int, expected: str | None,
) -> None:
    assert refusal(POLICY, used, size) == expected


@given(files=st.integers(0, 10), taken=st.integers(0, 30 * MB), size=st.integers(0, 30 * MB))
def test_given_any_usage_when_checked_then_a_file_is_taken_only_within_every_limit(
    files: int, taken: int, size: int,
) -> None:
    within = (size <= POLICY.max_file_bytes and files + 1 <= POLICY.case_files_per_day
              and taken + size <= POLICY.case_bytes_per_day)
    assert (refusal(POLICY, Usage(files, taken), size) is None) == within


# ---------------------------------------------------------------- before the download: drafts


async def test_given_a_full_draft_when_a_file_is_offered_then_the_limit_answer_comes_before_any_download(
    uow: FakeUnitOfWork,
) -> None:
    await draft_at(uow, Step.EVIDENCE, files=POLICY.max_attachments)

    out = await check(uow, 1000)

    assert keys(out) == ["intake.evidence_limit"]
    assert uow.sent == out  # said, and the update counts as processed


@pytest.mark.parametrize("step", [Step.CATEGORY, Step.WHO, Step.IDENTITY, Step.REVIEW])
async def test_given_a_draft_at_any_step_when_a_file_is_offered_then_it_may_be_taken(
    uow: FakeUnitOfWork, step: Step,
) -> None:
    await draft_at(uow, step)

    assert await check(uow, 1000) == []  # nothing said: the file is downloaded and kept


async def test_given_a_full_draft_at_a_text_step_when_a_file_is_offered_then_the_question_says_so(
    uow: FakeUnitOfWork,
) -> None:
    await draft_at(uow, Step.WHO, files=POLICY.max_attachments)

    out = await check(uow, 1000)

    assert keys(out) == ["intake.ask_who"]
    assert out[0].params["note"] == "intake.files_full"  # type: ignore[attr-defined]


async def test_given_a_draft_when_a_file_larger_than_allowed_is_announced_then_too_big(
    uow: FakeUnitOfWork,
) -> None:
    await draft_at(uow, Step.EVIDENCE)

    assert keys(await check(uow, POLICY.max_file_bytes + 1)) == ["intake.evidence_too_big"]


async def test_given_a_draft_with_room_when_a_file_is_offered_then_nothing_is_said_or_written(
    uow: FakeUnitOfWork,
) -> None:
    await draft_at(uow, Step.EVIDENCE, files=POLICY.max_attachments - 1)

    assert await check(uow, 1000) == []
    assert uow.sent == []


# ---------------------------------------------------------------- after submission: cases


async def test_given_no_case_when_a_file_is_offered_then_no_case_is_said_before_any_download(
    uow: FakeUnitOfWork,
) -> None:
    assert keys(await check(uow, 1000)) == ["reporter.no_case"]


async def test_given_a_case_when_files_reach_the_daily_count_then_the_next_is_refused_until_tomorrow(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    for _ in range(3):
        assert await check(uow, 1000) == []
        assert SendEvidence in {type(i) for i in await send(uow, upload())}

    assert keys(await check(uow, 1000)) == ["intake.files_per_day"]
    # A file that slipped past the check (two at once) is refused when it is stored.
    assert keys(await send(uow, upload())) == ["intake.files_per_day"]
    stored = await uow.cases.get(case.id)
    assert stored is not None and len(stored.evidence_ids) == 3

    tomorrow = NOW + timedelta(days=1, seconds=1)
    assert await check(uow, 1000, now=tomorrow) == []


async def test_given_a_case_when_bytes_add_up_then_the_real_size_counts_not_the_announced_one(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    await send(uow, upload(6 * MB))

    assert await check(uow, 4 * MB) == []               # 6 + 4 = 10 MB: allowed
    assert keys(await check(uow, 4 * MB + 1)) == ["intake.bytes_per_day"]
    # announced small, but the real file is larger: refused when stored, nothing counted
    assert keys(await send(uow, upload(5 * MB))) == ["intake.bytes_per_day"]
    assert keys(await send(uow, upload(4 * MB)))[-1] == "reporter.answer_sent"


async def test_given_two_cases_in_one_chat_when_files_are_sent_then_the_chat_limit_covers_both(
    uow: FakeUnitOfWork,
) -> None:
    first, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=2))
    second, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))

    async def waiting(case: Case) -> None:  # staff asked in this case: the next file answers it
        case = await uow.cases.get(case.id) or case
        case.awaiting_answer = True
        async with uow:
            await uow.cases.save(case)
            await uow.commit()
    for case in (first, first, second):
        await waiting(case)
        assert keys(await send(uow, upload()))[-1] == "reporter.answer_sent"

    await waiting(second)
    assert keys(await check(uow, 1000)) == ["intake.files_per_day"]  # 2 + 1 in this chat today


async def test_given_a_case_followed_from_a_new_chat_when_files_are_sent_then_the_case_limit_still_holds(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    for _ in range(3):
        await send(uow, upload())
    async with uow:
        await uow.cases.set_route(case.id, OTHER)
        await uow.commit()

    assert keys(await check(uow, 1000, route=OTHER)) == ["intake.files_per_day"]


async def test_given_a_case_when_a_file_peluit_cannot_clean_arrives_then_it_is_held_back_once(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    pdf = Upload("document", b"%PDF", "application/pdf", "a.pdf", may_carry_metadata=True)

    async def with_caption() -> list[Intent]:
        return await reporter_message(uow, POLICY, ROUTE, "id", NOW, evidence=pdf,
                                      text="Ini kuitansinya")
    held = await with_caption()
    taken = await with_caption()

    assert keys(held) == ["intake.metadata_held"]  # the caption waits with its file
    assert keys(taken) == ["intake.metadata_kept", "reporter.answer_sent"]  # caption on the copy
    stored = await uow.cases.get(case.id)
    assert stored is not None and len(stored.evidence_ids) == 1
    assert len(await uow.cases.messages(case.id)) == 1


async def test_given_a_case_when_recordings_arrive_then_the_voice_notice_comes_once(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, ROUTE, NOW - timedelta(days=1))
    voice = Upload("voice", b"OggS", "audio/ogg", None, metadata_removed=True, recording=True)

    first, second = await send(uow, voice), await send(uow, voice)

    assert keys(first).count("intake.voice_notice") == 1
    assert "intake.voice_notice" not in keys(second)
    assert "intake.metadata_removed_recording" in keys(first) + keys(second)


async def test_given_a_full_draft_at_a_story_step_when_a_voice_is_offered_then_it_may_answer(
    uow: FakeUnitOfWork,
) -> None:
    """A voice answers the step: it is not one of the evidence files the limit counts."""
    await draft_at(uow, Step.WHAT, files=POLICY.max_attachments)

    assert await check_upload(uow, POLICY, ROUTE, "id", "voice", 1000, NOW) == []
    too_big = await check_upload(uow, POLICY, ROUTE, "id", "voice", POLICY.max_file_bytes + 1, NOW)
    assert keys(too_big) == ["intake.evidence_too_big"]
