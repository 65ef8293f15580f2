"""flows.status: a ticket code in anything a reporter writes is a status request, never an answer;
*Cek status* asks for the code with a reply prompt and takes the next message as the code; a chat
that loses a case to another chat is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.intents import ChatRoute, Intent, Say, ToChat
from flows.status import PLACEHOLDER, PROMPT_TTL
from tests.unit.drive import (
    ask_for_ticket,
    check_status,
    screen_message,
    start,
)
from tests.unit.fakes import FakeUnitOfWork, policy, seed_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = ChatRoute(7395501234)
OTHER_PHONE = ChatRoute(8000000001)
TICKET = "01AB-CD10-EFGH-JK01"
POLICY = policy(status_attempts_per_chat=3)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


def keys(intents: list[Intent]) -> list[str]:
    return [i.key for i in intents if isinstance(i, Say)]


async def screened(uow: FakeUnitOfWork, text: str, *, route: ChatRoute = PHONE,
                   now: datetime = NOW, file: bool = False) -> list[Intent]:
    return await screen_message(uow, POLICY, route, text, "id", now, file=file)


# --------------------------------------------------------------------------- the reply prompt


async def test_given_cek_status_then_a_reply_prompt_asks_for_the_code_and_the_chat_waits_for_it(
    uow: FakeUnitOfWork,
) -> None:
    [ask] = await ask_for_ticket(uow, PHONE, "en", NOW)

    assert ask == Say(ToChat(PHONE), "status.ask_code", lang="en", reply_prompt=PLACEHOLDER)
    assert await uow.chats.ticket_prompt(PHONE) == NOW + PROMPT_TTL
    assert uow.sent == [ask]


@pytest.mark.parametrize("pasted", [TICKET, TICKET.lower().replace("-", ""), "01ab cd10 efgh jk01",
                                    "OIAB-CDlO-EFGH-JKoi", f"ini kodenya: {TICKET}"])
async def test_given_a_prompt_when_the_code_is_pasted_then_the_status_is_shown_and_the_prompt_closes(
    uow: FakeUnitOfWork, pasted: str,
) -> None:
    case, _ = await seed_case(uow, PHONE, NOW - timedelta(days=1), ticket=TICKET)
    await ask_for_ticket(uow, PHONE, "id", NOW)

    out = await screened(uow, pasted, now=NOW + timedelta(minutes=3))

    assert keys(out) == ["status.show"] and out[0].params["number"] == case.number  # type: ignore[union-attr]
    assert await uow.chats.ticket_prompt(PHONE) is None
    assert uow.staff_bound() == []


async def test_given_a_prompt_when_the_answer_is_no_code_then_it_is_asked_again_and_not_counted(
    uow: FakeUnitOfWork,
) -> None:
    await ask_for_ticket(uow, PHONE, "id", NOW)
    later = NOW + timedelta(minutes=5)

    out = await screened(uow, "Saya lupa kodenya", now=later)

    assert out == [Say(ToChat(PHONE), "status.ask_again", lang="id", reply_prompt=PLACEHOLDER)]
    assert await uow.chats.ticket_prompt(PHONE) == later + PROMPT_TTL
    assert uow.state.throttle == {}


async def test_given_a_prompt_when_a_word_that_reads_as_a_code_is_sent_then_it_counts_as_a_code(
    uow: FakeUnitOfWork,
) -> None:
    await ask_for_ticket(uow, PHONE, "id", NOW)

    out = await screened(uow, "mempertimbangkan")

    assert keys(out) == ["status.unknown"]
    assert uow.state.throttle["status:*"].count == 1


async def test_given_an_expired_prompt_then_the_text_is_ordinary(uow: FakeUnitOfWork) -> None:
    await ask_for_ticket(uow, PHONE, "id", NOW)
    committed = uow.committed

    out = await screened(uow, "Saya lupa kodenya", now=NOW + PROMPT_TTL)

    assert out == [] and uow.committed == committed


async def test_given_start_after_the_prompt_then_the_chat_no_longer_waits_for_a_code(
    uow: FakeUnitOfWork,
) -> None:
    await ask_for_ticket(uow, PHONE, "id", NOW)
    [welcome] = await start(uow, POLICY, PHONE, "id", NOW)  # /start: the menu

    assert (welcome.to, welcome.key, welcome.lang) == (ToChat(PHONE), "start.welcome", "id")  # type: ignore[union-attr]
    assert await uow.chats.ticket_prompt(PHONE) is None
    assert await screened(uow, "Saya lupa kodenya") == []


async def test_given_status_with_a_code_after_the_prompt_then_the_prompt_closes(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET)
    await ask_for_ticket(uow, PHONE, "id", NOW)

    await check_status(uow, POLICY, PHONE, TICKET, "id", NOW)

    assert await uow.chats.ticket_prompt(PHONE) is None


async def test_given_a_caption_after_the_prompt_then_it_is_only_searched_and_the_prompt_stays(
    uow: FakeUnitOfWork,
) -> None:
    await ask_for_ticket(uow, PHONE, "id", NOW)

    assert await screened(uow, "foto kantor", file=True) == []
    assert await uow.chats.ticket_prompt(PHONE) == NOW + PROMPT_TTL


# --------------------------------------------------------------------------- codes in free text


async def test_given_a_code_in_text_then_the_reporter_is_told_and_shown_the_status(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, PHONE, NOW, ticket=TICKET)

    out = await screened(uow, f"status {TICKET.lower()}")

    assert keys(out) == ["status.code_not_relayed", "status.show"]
    assert out[1].params["number"] == case.number  # type: ignore[union-attr]


async def test_given_a_code_in_a_caption_then_the_file_is_not_kept_and_the_status_shown(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET)

    out = await screened(uow, f"bukti {TICKET}", file=True)

    assert keys(out) == ["status.file_not_kept", "status.show"]


@pytest.mark.parametrize(("text", "file", "expected"), [
    ("lihat 7Q3M-9X2K-HB4T-0RVW", False, ["status.unknown_in_text"]),
    ("7Q3M9X2KHB4T0RVW", False, ["status.unknown_in_text"]),
    ("ABCD-EFGH-JKMN-PQRS", False, ["status.unknown_in_text"]),
    ("7Q3M-9X2K-HB4T-0RVW", True, ["status.file_not_kept", "status.unknown_in_text"]),
])
async def test_given_a_wrong_code_in_text_then_it_is_refused_and_counted(
    uow: FakeUnitOfWork, text: str, file: bool, expected: list[str],
) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET)

    out = await screened(uow, text, file=file)

    assert keys(out) == expected
    assert [w.count for w in uow.state.throttle.values()] == [1, 1]


@pytest.mark.parametrize("text", [
    "Saya sedang mempertimbangkan untuk melapor.",
    "kami bisa beri data yang akan saya coba lagi",
    "NIK 3201234567890001",
    "Biasa saja, tanpa kode apa pun.",
])
async def test_given_ordinary_text_then_nothing_is_said_nor_written(uow: FakeUnitOfWork, text: str) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET)
    committed = uow.committed

    assert await screened(uow, text) == []
    assert uow.committed == committed and uow.state.throttle == {}


async def test_given_a_chat_out_of_guesses_then_a_message_with_a_candidate_is_refused_unlooked(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET)
    for _ in range(POLICY.status_attempts_per_chat):
        await screened(uow, "7Q3M-9X2K-HB4T-0RVW")
    looked_up = uow.ticket_lookups

    for text in (TICKET, "sedang mempertimbangkan"):  # even the right code; even a word
        out = await screened(uow, text)
        assert keys(out) == ["status.too_many_in_text"]
        assert out[0].params == {"minutes": 15}  # type: ignore[union-attr]
    assert uow.ticket_lookups == looked_up
    assert await screened(uow, "tanpa kode") == []
    later = NOW + POLICY.status_window
    assert keys(await screened(uow, TICKET, now=later)) == ["status.code_not_relayed", "status.show"]


async def test_given_more_codes_than_guesses_left_then_none_is_looked_up(uow: FakeUnitOfWork) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET)
    many = " ".join(f"7Q3M-9X2K-HB4T-0RV{c}" for c in "ABCD")

    out = await screened(uow, f"{many} {TICKET}")

    assert keys(out) == ["status.too_many_in_text"] and uow.ticket_lookups == 0


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.text(max_size=40), after=st.text(max_size=40),
       joiner=st.sampled_from(["", "-", " - "]), lower=st.booleans())
async def test_given_the_real_code_anywhere_in_a_message_then_it_never_passes_as_text(
    before: str, after: str, joiner: str, lower: bool,
) -> None:
    uow = FakeUnitOfWork(clock=lambda: NOW)
    await seed_case(uow, PHONE, NOW, ticket=TICKET)
    written = joiner.join(TICKET.split("-"))
    written = written.lower() if lower else written

    out = await screened(uow, f"{before} {written}\n{after}")

    assert "status.show" in keys(out) or keys(out) == ["status.too_many_in_text"]


# --------------------------------------------------------------------------- the old chat is told


async def test_given_another_chat_takes_the_case_then_the_old_chat_is_told_and_the_move_audited(
    uow: FakeUnitOfWork,
) -> None:
    case, _ = await seed_case(uow, PHONE, NOW, ticket=TICKET, language="en")

    out = await check_status(uow, POLICY, OTHER_PHONE, TICKET, "id", NOW)

    assert out[1:] == [Say(ToChat(PHONE), "status.moved_away", {"number": case.number}, lang="en")]
    [moved] = [e for e in uow.state.audit if e.action == "route.moved"]
    assert (moved.case_number, moved.detail) == (case.number, "")
    assert str(int(PHONE)) not in repr(uow.state.audit) and str(int(OTHER_PHONE)) not in repr(
        uow.state.audit)


async def test_given_the_same_chat_checks_again_then_nobody_is_told(uow: FakeUnitOfWork) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET)

    out = await check_status(uow, POLICY, PHONE, TICKET, "id", NOW)

    assert keys(out) == ["status.show"]
    assert "route.moved" not in uow.actions()


async def test_given_the_old_chat_chose_a_language_then_it_is_told_in_it(uow: FakeUnitOfWork) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET, language="id")
    async with uow:
        await uow.chats.set_language(PHONE, "en")
        await uow.commit()

    out = await check_status(uow, POLICY, OTHER_PHONE, TICKET, "id", NOW)

    assert out[1].lang == "en"  # type: ignore[union-attr]


async def test_given_more_candidates_than_a_message_may_hold_then_it_is_refused_unlooked(
    uow: FakeUnitOfWork,
) -> None:
    await seed_case(uow, PHONE, NOW, ticket=TICKET)
    words = " ".join(f"ABCD EFGH JKMN PQ{a}{b}" for a in "RSTV" for b in "WXYZABCDE")[:4000]

    out = await screened(uow, f"{words} {TICKET}")

    assert keys(out) == ["status.too_many_in_text"] and uow.ticket_lookups == 0
    assert uow.state.throttle == {}
