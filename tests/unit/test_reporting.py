"""flows.reporting: the reporter's way from /lapor to a ticket code, against the in-memory unit of work."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from flows import reporting
from flows.buttons import IntakeButton, WipeButton, decode, encode
from flows.errors import NoDraft, StaleButton, TooManyReports
from flows.intake import Step
from flows.intents import (
    Button,
    ChatRoute,
    Intent,
    OpenTopic,
    Say,
    SendEvidence,
    ToChat,
    ToStaff,
    WipeChat,
)
from flows.lifecycle import CaseStatus
from flows.policy import Policy
from flows.tickets import normalize_ticket
from flows.uploads import Upload
from tests.unit.drive import (
    cancel,
    expire_drafts,
    press,
    press_button,
    receive_evidence,
    receive_text,
    receive_unsupported,
    start_report,
    wipe_conversation,
    within,
)
from tests.unit.fakes import FakeSealer, FakeUnitOfWork, policy

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = ChatRoute(7395501234)
OTHER = ChatRoute(7395509999)
POLICY = policy()
ANSWERS = {
    "what": "Kepala bidang meminta uang Rp5 juta untuk meloloskan izin usaha.",
    "who": "Pak H., Kepala Bidang Perizinan",
    "when": "Senin, 2 Februari 2026",
    "where": "Ruang kerja lantai 3",
    "how": "Uang diminta tunai dalam amplop, lewat perantara honorer.",
}
TICKET = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(clock=lambda: NOW)


@pytest.fixture
def sealer() -> FakeSealer:
    return FakeSealer()


def says(intents: list[Intent]) -> list[Say]:
    return [i for i in intents if isinstance(i, Say)]


def keys(intents: list[Intent]) -> list[str]:
    return [s.key for s in says(intents)]


def noted(intents: list[Intent]) -> list[tuple[str, str]]:
    """(question, the calm word leading it) for each message: one message per step."""
    return [(s.key, str(s.params.get("note", ""))) for s in says(intents)]


def find_button(intents: list[Intent], key: str) -> Button:
    found = [b for s in says(intents) for row in s.buttons for b in row if b.key == key]
    assert found, f"no button {key!r} in {keys(intents)}"
    return found[-1]


async def tap(
    uow: FakeUnitOfWork, sealer: FakeSealer, intents: list[Intent], key: str,
    pol: Policy = POLICY, now: datetime = NOW,
) -> list[Intent]:
    """Press the button `key` shown in `intents`, as the bot would decode its callback data."""
    data = decode(encode(find_button(intents, key).data))
    assert isinstance(data, IntakeButton | WipeButton)
    return await press_button(uow, pol, ROUTE, data, now, sealer)


async def say(uow: FakeUnitOfWork, sealer: FakeSealer, text: str, pol: Policy = POLICY) -> list[Intent]:
    return await receive_text(uow, pol, ROUTE, text, NOW, sealer)


async def stored(uow: FakeUnitOfWork, route: ChatRoute = ROUTE):
    return uow.state.drafts.get(route)


async def answer(uow: FakeUnitOfWork, sealer: FakeSealer, text: str) -> list[Intent]:
    """An answer: the next question follows at once, no button in between."""
    return await say(uow, sealer, text)


async def to_evidence(uow: FakeUnitOfWork, sealer: FakeSealer, pol: Policy = POLICY) -> list[Intent]:
    out = await start_report(uow, pol, ROUTE, "id", 100, NOW)
    out = await tap(uow, sealer, out, "category.korupsi", pol)
    for step in ("what", "who", "when", "where", "how"):
        out = await say(uow, sealer, ANSWERS[step], pol)
    assert keys(out) == ["intake.ask_evidence"]
    return out


async def to_review(uow: FakeUnitOfWork, sealer: FakeSealer, pol: Policy = POLICY) -> list[Intent]:
    out = await to_evidence(uow, sealer, pol)
    out = await tap(uow, sealer, out, "button.skip_evidence", pol)
    out = await tap(uow, sealer, out, "button.anonymous", pol)
    assert keys(out) == ["intake.review"]
    return out


def photo(n: int = 1) -> Upload:
    return Upload("photo", f"jpeg-bytes-{n}".encode(), "image/jpeg", None, metadata_removed=True)


def staff_text(uow: FakeUnitOfWork) -> str:
    return repr(uow.staff_bound())


# --------------------------------------------------------------------------- starting


async def test_given_no_draft_when_lapor_then_a_draft_is_created_and_the_category_is_asked(
    uow: FakeUnitOfWork,
) -> None:
    out = await start_report(uow, POLICY, ROUTE, "id", 100, NOW)

    assert noted(out) == [("intake.ask_category", "intake.intro")]  # one message
    assert (out[0].params["step"], out[0].params["steps"]) == (1, 8)  # type: ignore[union-attr]
    category_keys = [b.key for row in out[0].buttons for b in row]  # type: ignore[union-attr]
    assert category_keys == [f"category.{c}" for c in POLICY.categories] + ["button.cancel"]
    draft = await stored(uow)
    assert draft is not None
    assert (draft.state, draft.first_message_id, draft.language) == (Step.CATEGORY, 100, "id")
    assert uow.committed == 1
    assert uow.locked == [ROUTE]
    assert uow.sent == out
    assert all(s.to == ToChat(ROUTE) for s in says(out))


async def test_given_a_draft_in_progress_when_lapor_again_then_it_resumes_without_a_second_draft(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await start_report(uow, POLICY, ROUTE, "id", 100, NOW)
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 100, NOW), "category.penipuan")
    first = await stored(uow)

    out = await start_report(uow, POLICY, ROUTE, "en", 300, NOW + timedelta(minutes=5))

    assert noted(out) == [("intake.ask_what", "intake.resume")]
    assert len(uow.state.drafts) == 1
    again = await stored(uow)
    assert again is not None and first is not None
    assert (again.id, again.state, again.category) == (first.id, Step.WHAT, "penipuan")
    assert again.first_message_id == 100 and again.language == "id"


async def test_given_no_draft_when_text_arrives_then_no_draft(
    uow: FakeUnitOfWork, sealer: FakeSealer
) -> None:
    # Through the bus a text without a draft goes to the relay (flows/handlers.py): the intake's
    # use case itself refuses it.
    with pytest.raises(NoDraft):
        await within(uow, lambda ctx: reporting.receive_text(ctx, ROUTE, "halo"), policy=POLICY,
                     now=NOW, route=ROUTE)
    assert uow.committed == 0


# --------------------------------------------------------------------------- answers


async def test_given_a_long_story_in_two_messages_when_sent_then_it_is_accepted_and_saved_whole(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    first, second = "a" * 4096, "b" * 904

    who = await say(uow, sealer, first)
    assert keys(who) == ["intake.ask_who"]
    adding = await tap(uow, sealer, who, "button.add_previous")
    assert keys(adding) == ["intake.ask_what"]
    assert says(adding)[0].params["saved"] == first
    out = await say(uow, sealer, second)

    draft = await stored(uow)
    assert draft is not None
    assert draft.state == Step.WHO and not draft.appending
    assert draft.answers["what"] == first + "\n" + second
    assert keys(out) == ["intake.ask_who"]


async def test_given_an_answer_then_the_next_question_comes_at_once_with_progress_and_ways_back(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")

    out = await say(uow, sealer, ANSWERS["what"])

    [question] = says(out)  # no "saved, press continue" in between
    assert question.key == "intake.ask_who"
    assert (question.params["step"], question.params["steps"], question.params["note"]) == (3, 8, "")
    assert "chars" not in question.params
    assert {b.key for row in question.buttons for b in row} == {"button.back", "button.add_previous"}


async def test_given_an_answer_past_the_limit_when_sent_then_refused_and_the_draft_is_intact(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    pol = policy(max_answer_chars=100)
    await tap(uow, sealer, await start_report(uow, pol, ROUTE, "id", 1, NOW), "category.korupsi", pol)
    who = await say(uow, sealer, "x" * 60, pol)
    await tap(uow, sealer, who, "button.add_previous", pol)
    before = await stored(uow)

    out = await say(uow, sealer, "y" * 40, pol)

    assert noted(out) == [("intake.ask_what", "intake.problem.too_long")]
    assert says(out)[0].params["max"] == 100
    after = await stored(uow)
    assert after is not None and before is not None
    assert (after.answers, after.state, after.appending) == (before.answers, Step.WHAT, True)
    assert after.answers["what"] == "x" * 60


async def test_given_pieces_that_reach_exactly_the_limit_when_accepted_then_lanjut_accepts_them(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    who = await say(uow, sealer, "a" * 4096)
    await tap(uow, sealer, who, "button.add_previous")
    # The pieces are joined with a newline, which counts: one character more is refused at once.
    refused = await say(uow, sealer, "b" * (POLICY.max_answer_chars - 4096))
    assert noted(refused) == [("intake.ask_what", "intake.problem.too_long")]

    out = await say(uow, sealer, "b" * (POLICY.max_answer_chars - 4096 - 1))

    assert keys(out) == ["intake.ask_who"]
    draft = await stored(uow)
    assert draft is not None and len(draft.answers["what"]) == POLICY.max_answer_chars


async def test_given_an_empty_answer_when_lanjut_then_the_empty_problem_and_the_question_again(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    out = await say(uow, sealer, "   ")

    assert noted(out) == [("intake.ask_what", "intake.problem.empty")]
    draft = await stored(uow)
    assert draft is not None and draft.state == Step.WHAT and "what" not in draft.answers


async def test_given_a_short_answer_when_lanjut_then_too_short(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")

    out = await say(uow, sealer, "uang")

    assert noted(out) == [("intake.ask_what", "intake.problem.too_short")]


async def test_given_a_saved_answer_when_deleted_then_it_is_gone_and_the_reporter_is_told(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    back = await tap(uow, sealer, await say(uow, sealer, ANSWERS["what"]), "button.back")

    out = await tap(uow, sealer, back, "button.clear")

    assert noted(out) == [("intake.ask_what", "intake.cleared")]
    assert says(out)[0].params["saved"] == ""
    draft = await stored(uow)
    assert draft is not None and draft.pending == "" and draft.state == Step.WHAT
    assert "what" not in draft.answers
    with pytest.raises(StaleButton):  # the question that showed the answer is out of date
        await tap(uow, sealer, back, "button.clear")


async def test_given_a_one_letter_answer_then_it_is_asked_again_calmly_and_kept(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    out = await say(uow, sealer, ANSWERS["what"])

    out = await say(uow, sealer, "B")

    assert noted(out) == [("intake.ask_who", "intake.problem.too_short")]
    out = await say(uow, sealer, "Kepala Bidang Perizinan")
    assert keys(out) == ["intake.ask_when"]
    draft = await stored(uow)
    assert draft is not None and draft.answers["who"] == "B\nKepala Bidang Perizinan"


@pytest.mark.parametrize("word", ["lanjut", "Sudah", "selesai.", "next", "Done"])
async def test_given_a_step_come_back_to_when_lanjut_is_typed_then_it_moves_on_and_is_not_added(
    uow: FakeUnitOfWork, sealer: FakeSealer, word: str,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    back = await tap(uow, sealer, await say(uow, sealer, ANSWERS["what"]), "button.back")
    assert says(back)[0].params["saved"] == ANSWERS["what"]  # the saved answer is shown

    out = await say(uow, sealer, word)

    assert keys(out) == ["intake.ask_who"]
    draft = await stored(uow)
    assert draft is not None and draft.answers["what"] == ANSWERS["what"]


async def test_given_a_required_step_without_answer_when_lanjut_is_typed_then_asked_again(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")

    out = await say(uow, sealer, "lanjut")

    assert noted(out) == [("intake.ask_what", "intake.problem.empty")]
    draft = await stored(uow)
    assert draft is not None and draft.pending == "" and "what" not in draft.answers


async def test_given_where_and_evidence_when_sudah_is_typed_then_skipped_and_finished(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    for step in ("what", "who", "when"):
        out = await say(uow, sealer, ANSWERS[step])

    out = await say(uow, sealer, "lewati")
    assert keys(out) == ["intake.ask_how"]
    out = await say(uow, sealer, ANSWERS["how"])
    assert keys(out) == ["intake.ask_evidence"]
    out = await say(uow, sealer, "sudah")

    assert keys(out) == ["intake.ask_identity"]
    draft = await stored(uow)
    assert draft is not None and "where" not in draft.answers


async def test_given_every_step_then_each_question_says_where_the_reporter_is_and_has_a_way_back(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await start_report(uow, POLICY, ROUTE, "id", 1, NOW)
    seen = [says(out)[0].params["step"]]
    out = await tap(uow, sealer, out, "category.korupsi")
    for step in ("what", "who", "when", "where", "how"):
        seen.append(says(out)[0].params["step"])
        assert find_button(out, "button.back")
        out = await say(uow, sealer, ANSWERS[step])
    seen.append(says(out)[0].params["step"])
    out = await tap(uow, sealer, out, "button.skip_evidence")
    seen.append(says(out)[0].params["step"])
    assert find_button(out, "button.back")
    out = await tap(uow, sealer, out, "button.anonymous")

    assert seen == [1, 2, 3, 4, 5, 6, 7, 8]
    assert find_button(out, "button.back")  # the review goes back to the last question
    back = await tap(uow, sealer, out, "button.back")
    assert keys(back) == ["intake.ask_identity"]


EXOTIC = [
    "Dia bilang 🙈🙉🙊 lalu tertawa 😂👨‍👩‍👧‍👦🇮🇩",
    "قال المدير إنه يريد المال مقابل التوقيع",  # Arabic
    "המנהל ביקש כסף תמורת החתימה",  # Hebrew
    "campur: Pak A berkata \u200fقال\u200e lalu pergi ✋🏽",
    "e\u0301 combining, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and \u202ebidi override\u202c text",
]


@pytest.mark.parametrize("text", EXOTIC)
async def test_given_emoji_or_right_to_left_text_when_answered_then_it_round_trips_unchanged(
    uow: FakeUnitOfWork, sealer: FakeSealer, text: str,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")

    await answer(uow, sealer, text)

    draft = await stored(uow)
    assert draft is not None and draft.answers["what"] == text


async def test_given_exotic_answers_when_submitted_then_the_case_report_holds_them_unchanged(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await start_report(uow, POLICY, ROUTE, "id", 1, NOW)
    out = await tap(uow, sealer, out, "category.pelecehan")
    for text in EXOTIC:  # what, who, when, where, how
        out = await answer(uow, sealer, text)
    out = await tap(uow, sealer, out, "button.skip_evidence")
    out = await tap(uow, sealer, out, "button.anonymous")

    await tap(uow, sealer, out, "button.submit")

    [case] = uow.state.cases.values()
    assert case.report == dict(zip(("what", "who", "when", "where", "how"), EXOTIC, strict=True))
    card = next(s for s in says(uow.sent) if s.card)
    assert [card.params[f] for f in ("what", "who", "when", "where", "how")] == EXOTIC


# --------------------------------------------------------------------------- the wrong kind of input


async def test_given_a_text_step_when_a_sticker_arrives_then_the_question_is_asked_again(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    before = await stored(uow)

    out = await receive_unsupported(uow, POLICY, ROUTE)

    assert noted(out) == [("intake.ask_what", "intake.text_only")]
    assert await stored(uow) == before


async def test_given_the_category_step_when_a_sticker_arrives_then_use_the_buttons_is_said_and_they_come_again(
    uow: FakeUnitOfWork,
) -> None:
    await start_report(uow, POLICY, ROUTE, "id", 1, NOW)

    out = await receive_unsupported(uow, POLICY, ROUTE)

    assert noted(out) == [("intake.ask_category", "intake.use_buttons")]


async def test_given_a_button_step_when_text_arrives_then_use_the_buttons(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await start_report(uow, POLICY, ROUTE, "id", 1, NOW)

    out = await say(uow, sealer, "korupsi")

    assert noted(out) == [("intake.ask_category", "intake.use_buttons")]
    draft = await stored(uow)
    assert draft is not None and draft.category is None and draft.pending == ""


# --------------------------------------------------------------------------- buttons


async def test_given_a_button_from_an_older_step_when_pressed_then_stale_and_nothing_changes(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    start = await start_report(uow, POLICY, ROUTE, "id", 1, NOW)
    await tap(uow, sealer, start, "category.korupsi")
    await say(uow, sealer, ANSWERS["what"])
    before, committed, sent = await stored(uow), uow.committed, list(uow.sent)

    with pytest.raises(StaleButton):
        await tap(uow, sealer, start, "category.penipuan")

    assert await stored(uow) == before
    assert (uow.committed, uow.sent) == (committed, sent)


async def test_given_a_button_when_pressed_twice_then_it_acts_once(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    who = await say(uow, sealer, ANSWERS["what"])
    await tap(uow, sealer, who, "button.back")

    with pytest.raises(StaleButton):
        await tap(uow, sealer, who, "button.back")

    draft = await stored(uow)
    assert draft is not None and draft.state == Step.WHAT and draft.version == 3


@pytest.mark.parametrize(("action", "arg"), [("cat", "99"), ("cat", "x"), ("bogus", ""), ("edit", "what")])
async def test_given_a_forged_or_misplaced_button_then_stale_and_nothing_changes(
    uow: FakeUnitOfWork, sealer: FakeSealer, action: str, arg: str,
) -> None:
    await start_report(uow, POLICY, ROUTE, "id", 1, NOW)
    before = await stored(uow)

    with pytest.raises(StaleButton):
        await press(uow, POLICY, ROUTE, action, "0", arg, NOW, sealer)

    assert await stored(uow) == before


async def test_given_no_draft_when_a_button_is_pressed_then_no_draft(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    with pytest.raises(NoDraft):
        await press(uow, POLICY, ROUTE, "next", "0", "", NOW, sealer)


async def test_given_where_when_skipped_then_how_is_asked_and_where_stays_empty(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")
    for step in ("what", "who", "when"):
        out = await answer(uow, sealer, ANSWERS[step])
    assert keys(out) == ["intake.ask_where"]

    out = await tap(uow, sealer, out, "button.skip")

    assert keys(out) == ["intake.ask_how"]
    draft = await stored(uow)
    assert draft is not None and "where" not in draft.answers


# --------------------------------------------------------------------------- review and editing


async def test_given_review_then_every_answer_is_shown_with_edit_buttons(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await to_review(uow, sealer)

    review = says(out)[0]
    assert {k: review.params[k] for k in ANSWERS} == ANSWERS
    assert review.params["category"] == "korupsi"
    assert review.params["contact"] == "no"
    shown = {b.key for row in review.buttons for b in row}
    assert {f"button.edit_{s}" for s in ("category", *ANSWERS, "evidence", "identity")} < shown
    assert {"button.submit", "button.cancel"} < shown


async def test_given_review_when_an_answer_is_edited_then_review_shows_the_new_answer(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await to_review(uow, sealer), "button.edit_who")
    assert keys(out) == ["intake.ask_who"]
    assert says(out)[0].params["saved"] == ANSWERS["who"]

    out = await answer(uow, sealer, "Bu S., Sekretaris Dinas")

    assert keys(out) == ["intake.review"]
    assert says(out)[0].params["who"] == "Bu S., Sekretaris Dinas"
    assert says(out)[0].params["what"] == ANSWERS["what"]


async def test_given_review_when_an_edit_is_kept_then_review_with_the_answer_unchanged(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await to_review(uow, sealer), "button.edit_how")

    out = await tap(uow, sealer, out, "button.keep")

    assert keys(out) == ["intake.review"]
    assert says(out)[0].params["how"] == ANSWERS["how"]
    draft = await stored(uow)
    assert draft is not None and draft.editing is False


async def test_given_review_when_the_category_is_changed_then_back_to_review(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await to_review(uow, sealer), "button.edit_category")
    assert keys(out) == ["intake.ask_category"]

    out = await tap(uow, sealer, out, "category.netralitas")

    assert keys(out) == ["intake.review"]
    assert says(out)[0].params["category"] == "netralitas"


# --------------------------------------------------------------------------- evidence


async def test_given_the_evidence_step_when_files_arrive_then_each_is_stored_and_counted(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await to_evidence(uow, sealer)
    pdf = Upload("document", b"%PDF", "application/pdf", "bukti.pdf", may_carry_metadata=True)

    out = await receive_evidence(uow, POLICY, ROUTE, photo(1), NOW)
    held = await receive_evidence(uow, POLICY, ROUTE, pdf, NOW)
    out2 = await receive_evidence(uow, POLICY, ROUTE, pdf, NOW)

    assert keys(out) == ["intake.metadata_removed", "intake.evidence_saved"]
    assert keys(held) == ["intake.metadata_held"]  # warned before it is taken
    assert keys(out2) == ["intake.metadata_kept", "intake.evidence_saved"]
    assert says(out2)[-1].params == {"count": 2, "max": POLICY.max_attachments}
    draft = await stored(uow)
    assert draft is not None and len(draft.evidence_ids) == 2
    files = [await uow.evidence.get(e) for e in draft.evidence_ids]
    assert [(f.kind, f.data) for f in files if f] == [("photo", b"jpeg-bytes-1"), ("document", b"%PDF")]


async def test_given_recordings_when_they_arrive_then_the_voice_notice_comes_once_per_draft(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await to_evidence(uow, sealer)
    voice = Upload("voice", b"OggS-clean", "audio/ogg", None, metadata_removed=True, recording=True)

    first = await receive_evidence(uow, POLICY, ROUTE, voice, NOW)
    second = await receive_evidence(uow, POLICY, ROUTE, voice, NOW)

    assert keys(first) == ["intake.metadata_removed_recording", "intake.voice_notice",
                           "intake.evidence_saved"]
    assert keys(second) == ["intake.metadata_removed_recording", "intake.evidence_saved"]


async def test_given_a_file_that_grew_when_cleaned_when_it_is_stored_then_it_is_still_taken(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    """Its size on arrival was checked before the download; re-encoding may make it larger."""
    pol = policy(max_file_bytes=10)
    await to_evidence(uow, sealer, pol)

    out = await receive_evidence(uow, pol, ROUTE, photo(12345), NOW)

    assert keys(out)[-1] == "intake.evidence_saved"


async def test_given_the_evidence_limit_when_one_more_file_arrives_then_refused(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    pol = policy(max_attachments=2)
    await to_evidence(uow, sealer, pol)
    for n in (1, 2):
        await receive_evidence(uow, pol, ROUTE, photo(n), NOW)

    out = await receive_evidence(uow, pol, ROUTE, photo(3), NOW)

    assert keys(out) == ["intake.evidence_limit"]
    assert says(out)[0].params == {"max": 2}
    draft = await stored(uow)
    assert draft is not None and len(draft.evidence_ids) == 2
    assert len(uow.state.evidence) == 2


@pytest.mark.parametrize(("steps", "question"), [(0, "intake.ask_category"), (2, "intake.ask_who")])
async def test_given_a_step_before_evidence_when_a_file_arrives_then_it_is_kept_for_the_evidence_step(
    uow: FakeUnitOfWork, sealer: FakeSealer, steps: int, question: str,
) -> None:
    out = await start_report(uow, POLICY, ROUTE, "id", 1, NOW)
    if steps:
        out = await tap(uow, sealer, out, "category.korupsi")
        out = await say(uow, sealer, ANSWERS["what"])
    before = await stored(uow)
    assert before is not None
    version = before.version

    out = await receive_evidence(uow, POLICY, ROUTE, Upload(
        "photo", b"jpeg-bytes-early", "image/jpeg", None, metadata_removed=True,
        caption="Kuitansi yang ditandatangani Pak H. di ruang kerja lantai 3"), NOW)

    assert noted(out) == [("intake.metadata_removed", ""), (question, "intake.files_kept")]
    assert says(out)[-1].params["files"] == 1
    draft = await stored(uow)
    assert draft is not None and draft.step is before.step and draft.version == version
    assert len(draft.evidence_ids) == 1
    kept = await uow.evidence.get(draft.evidence_ids[0])
    assert kept is not None and kept.data == b"jpeg-bytes-early"
    # ... and it is there at the evidence step, listed
    if steps:
        for step in ("who", "when", "where", "how"):
            out = await say(uow, sealer, ANSWERS[step])
        assert keys(out) == ["intake.evidence_list"]
        listed = says(out)[0].params["list"]
        assert listed == [["photo", len(b"jpeg-bytes-early"), "Kuitansi yang ditandatangani Pak H. di r…"]]
        assert find_button(out, "button.remove_file").params == {"n": "1"}


async def test_given_files_kept_when_one_is_removed_then_it_is_gone_and_never_reaches_staff(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await to_evidence(uow, sealer)
    for n in (1, 2, 3):
        out = await receive_evidence(uow, POLICY, ROUTE, photo(n), NOW)
    out = await tap(uow, sealer, out, "button.remove_this_file")  # the third, just sent
    assert noted(out) == [("intake.evidence_list", "intake.file_removed")]
    first = next(b for row in says(out)[0].buttons for b in row if b.key == "button.remove_file")
    assert first.params == {"n": "1"}
    stale = decode(encode(first.data))
    out = await press_button(uow, POLICY, ROUTE, stale, NOW, sealer)  # file 1 goes too
    assert noted(out) == [("intake.evidence_list", "intake.file_removed")]
    draft = await stored(uow)
    assert draft is not None and len(draft.evidence_ids) == 1
    assert [e.data for e in uow.state.evidence.values()] == [b"jpeg-bytes-2"]
    with pytest.raises(StaleButton):  # the same press again: harmless
        await press_button(uow, POLICY, ROUTE, stale, NOW, sealer)

    out = await tap(uow, sealer, out, "button.done_evidence")
    out = await tap(uow, sealer, out, "button.anonymous")
    await tap(uow, sealer, out, "button.submit")
    sent = [i for i in uow.staff_bound() if type(i).__name__ == "SendEvidence"]
    assert [uow.state.evidence[i.evidence_id].data for i in sent] == [b"jpeg-bytes-2"]


async def test_given_review_when_evidence_is_edited_then_the_list_then_back_to_review(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await to_evidence(uow, sealer)
    out = await receive_evidence(uow, POLICY, ROUTE, photo(1), NOW)
    out = await tap(uow, sealer, out, "button.done_evidence")
    out = await tap(uow, sealer, out, "button.anonymous")

    out = await tap(uow, sealer, out, "button.edit_evidence")
    assert keys(out) == ["intake.evidence_list"]
    out = await tap(uow, sealer, out, "button.remove_file")
    assert keys(out) == ["intake.ask_evidence"]  # nothing left: what may be sent
    out = await tap(uow, sealer, out, "button.skip_evidence")
    assert keys(out) == ["intake.review"]
    assert says(out)[0].params["evidence_count"] == 0


def voice(n: int = 1, seconds: int = 42) -> Upload:
    return Upload("voice", f"OggS-voice-{n}".encode(), "audio/ogg", None, recording=True,
                  duration=seconds)


async def test_given_a_story_step_when_a_voice_note_arrives_then_it_answers_and_reaches_staff_with_the_card(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await start_report(uow, POLICY, ROUTE, "id", 1, NOW)
    out = await tap(uow, sealer, out, "category.korupsi")

    out = await receive_evidence(uow, POLICY, ROUTE, voice(1, 42), NOW)

    assert noted(out) == [("intake.voice_notice", ""), ("intake.ask_who", "intake.voice_saved")]
    find_button(out, "button.add_previous")  # text can still be added to the spoken answer
    out = await receive_evidence(uow, POLICY, ROUTE, voice(2, 7), NOW)  # who: by voice too
    assert noted(out) == [("intake.ask_when", "intake.voice_saved")]  # the notice came once
    out = await tap(uow, sealer, out, "button.add_previous")
    out = await say(uow, sealer, "Pak H")  # a short text added to a voice answer is fine
    assert keys(out) == ["intake.ask_when"]
    for step in ("when", "where", "how"):
        out = await say(uow, sealer, ANSWERS[step])
    draft = await stored(uow)
    assert draft is not None and draft.evidence_ids == []  # answers, not evidence files
    out = await tap(uow, sealer, out, "button.skip_evidence")
    out = await tap(uow, sealer, out, "button.anonymous")
    review = says(out)[0].params
    assert review["what"] == "🎤 0:42" and review["who"] == "Pak H\n🎤 0:07"
    assert review["evidence_count"] == 0

    before = len(uow.sent)
    await tap(uow, sealer, out, "button.submit")

    staff = [i for i in uow.sent[before:] if i in uow.staff_bound()]
    card = staff[1]
    assert isinstance(card, Say) and card.card and card.params["what"] == "🎤 0:42"
    voices = [i for i in staff if isinstance(i, SendEvidence)]
    assert staff.index(voices[0]) == 2  # right after the card
    sent = [uow.state.evidence[i.evidence_id] for i in voices]
    assert [(e.data, e.answer, e.kind) for e in sent] == [
        (b"OggS-voice-1", "what", "voice"), (b"OggS-voice-2", "who", "voice")]
    assert all(e.case_id == card.case_id for e in sent)


async def test_given_review_when_what_is_edited_by_voice_then_back_to_review_with_both(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await to_review(uow, sealer)
    out = await tap(uow, sealer, out, "button.edit_what")

    out = await receive_evidence(uow, POLICY, ROUTE, voice(1, 61), NOW)

    assert noted(out) == [("intake.voice_notice", ""), ("intake.review", "intake.voice_saved")]
    assert says(out)[-1].params["what"] == f"{ANSWERS['what']}\n🎤 1:01"


async def test_given_the_evidence_step_when_a_voice_note_arrives_then_it_is_evidence_not_an_answer(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await to_evidence(uow, sealer)

    out = await receive_evidence(uow, POLICY, ROUTE, voice(), NOW)

    assert keys(out)[-1] == "intake.evidence_saved"
    draft = await stored(uow)
    assert draft is not None and len(draft.evidence_ids) == 1 and draft.voices == {}


async def test_given_a_file_that_cannot_be_taken_then_the_reason_with_the_size_limit(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    from tests.unit.drive import evidence_rejected

    await to_evidence(uow, sealer)

    out = await evidence_rejected(uow, POLICY, ROUTE, "too_big")

    assert keys(out) == ["intake.evidence_too_big"]
    assert says(out)[0].params["max_mb"] == 20


# --------------------------------------------------------------------------- contact


async def test_given_contact_details_when_sent_then_they_are_sealed_at_once_and_never_held_readable(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await to_evidence(uow, sealer), "button.skip_evidence")
    out = await tap(uow, sealer, out, "button.leave_contact")
    assert keys(out) == ["intake.ask_contact"]
    secret = "WA 0812-3456-7890, nama Siti"

    out = await say(uow, sealer, secret)

    assert noted(out) == [("intake.review", "intake.contact_sealed")]  # straight to the review
    draft = await stored(uow)
    assert draft is not None
    assert draft.sealed_contact == b"sealed:" + secret.encode()[::-1]
    assert draft.pending == "" and secret not in draft.answers.values()
    assert secret not in repr(uow.state) and secret.encode() not in repr(uow.state).encode()
    assert sealer.sealed == [secret.encode()]
    assert says(out)[0].params["contact"] == "yes"


async def test_given_contact_step_when_lanjut_without_details_then_refused(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await to_evidence(uow, sealer), "button.skip_evidence")
    out = await tap(uow, sealer, out, "button.leave_contact")
    # no Lanjut before details arrive: only the way back
    assert [b.key for row in says(out)[0].buttons for b in row] == ["button.back"]
    draft = await stored(uow)
    assert draft is not None

    out = await press(uow, POLICY, ROUTE, "next", str(draft.version), "", NOW, sealer)

    assert noted(out) == [("intake.ask_contact", "intake.problem.empty")]
    assert await stored(uow) == draft


async def test_given_a_sealed_contact_when_the_reporter_then_chooses_anonymous_then_it_is_dropped(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await to_evidence(uow, sealer), "button.skip_evidence")
    await tap(uow, sealer, out, "button.leave_contact")
    out = await say(uow, sealer, "081234")
    out = await tap(uow, sealer, out, "button.edit_identity")

    out = await tap(uow, sealer, out, "button.anonymous")

    assert says(out)[0].params["contact"] == "no"
    draft = await stored(uow)
    assert draft is not None and draft.sealed_contact is None


async def test_given_a_sealed_contact_when_submitted_then_the_case_keeps_it_sealed(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    out = await tap(uow, sealer, await to_evidence(uow, sealer), "button.skip_evidence")
    await tap(uow, sealer, out, "button.leave_contact")
    out = await say(uow, sealer, "081234")

    await tap(uow, sealer, out, "button.submit")

    [case] = uow.state.cases.values()
    assert case.has_contact is True
    assert uow.state.sealed_contacts[case.id] == b"sealed:432180"
    assert uow.actions() == ["case.submitted", "contact.sealed"]
    assert "081234" not in repr(uow.state)


# --------------------------------------------------------------------------- submit


async def test_given_a_complete_draft_when_submitted_then_one_case_with_a_ticket_and_staff_are_told(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await to_evidence(uow, sealer)
    for n in (1, 2):
        await receive_evidence(uow, POLICY, ROUTE, photo(n), NOW)
    out = await tap(uow, sealer, await receive_evidence(uow, POLICY, ROUTE, photo(3), NOW),
                    "button.done_evidence")
    out = await tap(uow, sealer, out, "button.anonymous")
    draft_id = (await stored(uow)).id  # type: ignore[union-attr]
    outbox_before = len(uow.sent)

    out = await tap(uow, sealer, out, "button.submit")

    # the reporter: a ticket code, shown once, and the case number
    [done] = says(out)
    assert done.key == "intake.submitted" and done.to == ToChat(ROUTE)
    ticket = str(done.params["ticket"])
    assert TICKET.fullmatch(ticket)
    assert done.params["number"] == "WBS-2026-0001"
    assert [b.key for row in done.buttons for b in row] == ["button.wipe"]
    # one case, found by its ticket in any spelling, the draft gone
    assert len(uow.state.cases) == 1
    case = await uow.cases.by_ticket(normalize_ticket(ticket.lower().replace("-", "")))
    assert case is not None and case.number == "WBS-2026-0001"
    assert (case.status, case.category, case.report) == (CaseStatus.RECEIVED, "korupsi", ANSWERS)
    assert await uow.cases.route_of(case.id) == ROUTE
    assert await stored(uow) is None
    # evidence moved from the draft to the case
    assert len(case.evidence_ids) == 3
    assert all(e.case_id == case.id and e.draft_id is None for e in uow.state.evidence.values())
    assert draft_id not in repr(uow.state.evidence)
    # audit: ids and category, never content
    assert [(e.actor, e.action, e.case_number, e.detail) for e in uow.state.audit] == [
        ("reporter", "case.submitted", "WBS-2026-0001", "korupsi")]
    # staff: a topic, the card, then every file
    staff = uow.sent[outbox_before:]
    assert staff[0] == OpenTopic(case.id)
    assert isinstance(staff[1], Say) and staff[1].card and staff[1].to == ToStaff(case.id)
    assert staff[1].key == "staff.card" and staff[1].params["number"] == "WBS-2026-0001"
    assert [i for i in staff if isinstance(i, SendEvidence)] == [
        SendEvidence(ToStaff(case.id), e, case.id, POLICY.staff_language) for e in case.evidence_ids]
    assert staff[-1] == done
    # the ticket and the route never go to staff
    for secret in (ticket, ticket.replace("-", ""), str(ROUTE)):
        assert secret not in staff_text(uow)
    assert all(e.not_before is None for e in uow.state.outbox)


async def test_given_a_submitted_report_when_submit_is_pressed_again_then_no_draft(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    review = await to_review(uow, sealer)
    await tap(uow, sealer, review, "button.submit")

    with pytest.raises(NoDraft):
        await tap(uow, sealer, review, "button.submit")

    assert len(uow.state.cases) == 1


async def test_given_two_reports_then_case_numbers_count_up_and_tickets_differ(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    first = await tap(uow, sealer, await to_review(uow, sealer), "button.submit")
    second = await tap(uow, sealer, await to_review(uow, sealer), "button.submit")

    assert [says(x)[0].params["number"] for x in (first, second)] == ["WBS-2026-0001", "WBS-2026-0002"]
    assert says(first)[0].params["ticket"] != says(second)[0].params["ticket"]


async def test_given_an_incomplete_draft_when_submit_is_pressed_then_the_missing_steps_are_named(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await tap(uow, sealer, await start_report(uow, POLICY, ROUTE, "id", 1, NOW), "category.korupsi")

    out = await press(uow, POLICY, ROUTE, "submit", "1", "", NOW, sealer)

    assert keys(out) == ["intake.incomplete"]
    assert says(out)[0].params == {"missing": "what, who, when, how"}
    assert uow.state.cases == {}


async def test_given_a_new_case_delay_when_submitted_then_staff_messages_wait_until_later(
    uow: FakeUnitOfWork, sealer: FakeSealer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pol = policy(new_case_delay_max=timedelta(hours=2))
    monkeypatch.setattr("flows.reporting.secrets.randbelow", lambda n: n // 2)
    review = await to_review(uow, sealer, pol)
    before = len(uow.state.outbox)

    await tap(uow, sealer, review, "button.submit", pol)

    entries = uow.state.outbox[before:]
    staff = [e for e in entries if not (isinstance(e.intent, Say) and isinstance(e.intent.to, ToChat))]
    reporter = [e for e in entries if e not in staff]
    assert staff and all(e.not_before == NOW + timedelta(hours=1) for e in staff)
    assert [e.not_before for e in reporter] == [None]  # the reporter gets the ticket at once
    [case] = uow.state.cases.values()
    assert case.post_after == NOW + timedelta(hours=1)


async def test_given_a_new_case_delay_then_the_wait_stays_within_the_maximum(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    pol = policy(new_case_delay_max=timedelta(minutes=30))
    review = await to_review(uow, sealer, pol)

    await tap(uow, sealer, review, "button.submit", pol)

    waits = {e.not_before for e in uow.state.outbox if isinstance(e.intent, OpenTopic)}
    [wait] = waits
    assert wait is not None and NOW <= wait < NOW + timedelta(minutes=30)


# --------------------------------------------------------------------------- cancel, expiry, throttle, wipe


async def test_given_a_draft_when_the_cancel_button_is_pressed_then_the_draft_and_its_files_go(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await to_evidence(uow, sealer)
    out = await receive_evidence(uow, POLICY, ROUTE, photo(), NOW)

    out = await press(uow, POLICY, ROUTE, "cancel", "0", "", NOW, sealer)  # even from an old message

    assert keys(out) == ["intake.cancelled"]
    assert await stored(uow) is None
    assert uow.state.evidence == {}


async def test_given_a_draft_when_batal_then_it_is_deleted(uow: FakeUnitOfWork) -> None:
    await start_report(uow, POLICY, ROUTE, "en", 1, NOW)

    out = await cancel(uow, ROUTE, "id")

    assert keys(out) == ["intake.cancelled"]
    assert says(out)[0].lang == "en"
    assert await stored(uow) is None


async def test_given_no_draft_when_batal_then_nothing_to_cancel(uow: FakeUnitOfWork) -> None:
    out = await cancel(uow, ROUTE, "id")

    assert keys(out) == ["intake.nothing_to_cancel"]
    assert uow.committed == 1


async def test_given_old_and_fresh_drafts_when_expiring_then_only_the_old_ones_go(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    await start_report(uow, POLICY, ROUTE, "id", 1, NOW - timedelta(hours=25))
    await start_report(uow, POLICY, OTHER, "id", 1, NOW - timedelta(hours=30))
    await press(uow, POLICY, OTHER, "cat", "0", "0", NOW - timedelta(hours=1), sealer)  # touched lately

    count = await expire_drafts(uow, POLICY, NOW)

    assert count == 1
    assert await stored(uow, ROUTE) is None
    assert await stored(uow, OTHER) is not None
    assert [(e.action, e.detail) for e in uow.state.audit] == [("drafts.expired", "1")]


async def test_given_no_old_drafts_when_expiring_then_nothing_is_deleted_or_recorded(
    uow: FakeUnitOfWork,
) -> None:
    await start_report(uow, POLICY, ROUTE, "id", 1, NOW - timedelta(hours=23))

    assert await expire_drafts(uow, POLICY, NOW) == 0

    assert await stored(uow) is not None
    assert uow.state.audit == []


async def test_given_too_many_reports_from_one_chat_in_an_hour_then_too_many_reports(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    pol = policy(reports_per_chat_per_hour=2)
    for _ in range(2):
        await tap(uow, sealer, await to_review(uow, sealer, pol), "button.submit", pol)

    with pytest.raises(TooManyReports):
        await start_report(uow, pol, ROUTE, "id", 1, NOW + timedelta(minutes=20))

    assert await stored(uow) is None
    await start_report(uow, pol, OTHER, "id", 1, NOW + timedelta(minutes=20))  # other chats are free
    await start_report(uow, pol, ROUTE, "id", 1, NOW + timedelta(minutes=61))  # a new hour
    assert await stored(uow) is not None


async def test_given_two_cancelled_drafts_and_one_report_then_the_chat_may_still_report(
    uow: FakeUnitOfWork, sealer: FakeSealer,
) -> None:
    for minute in (0, 5):  # one cancelled with /batal, one with the draft's [Batal] button
        out = await start_report(uow, POLICY, ROUTE, "id", 1, NOW + timedelta(minutes=minute))
        if minute:
            await tap(uow, sealer, out, "button.cancel")
        else:
            await cancel(uow, ROUTE, "id")
    await tap(uow, sealer, await to_review(uow, sealer), "button.submit")
    assert len(uow.state.cases) == 1

    out = await start_report(uow, POLICY, ROUTE, "id", 1, NOW + timedelta(minutes=20))

    assert "intake.too_many_reports" not in keys(out)
    assert await stored(uow) is not None
    # the count is the report and the draft being written: one more report fits, not two
    await tap(uow, sealer, await to_review(uow, sealer), "button.submit")
    await tap(uow, sealer, await to_review(uow, sealer), "button.submit")
    with pytest.raises(TooManyReports):
        await start_report(uow, POLICY, ROUTE, "id", 1, NOW + timedelta(minutes=30))


async def test_given_the_throttle_then_its_key_does_not_hold_the_chat_id(uow: FakeUnitOfWork) -> None:
    await start_report(uow, POLICY, ROUTE, "id", 1, NOW)

    assert uow.state.throttle
    assert all(str(ROUTE) not in key for key in uow.state.throttle)


@pytest.mark.parametrize(
    ("first", "last", "expected_first"), [(100, 120, 100), (0, 120, 120), (130, 120, 120)]
)
async def test_given_a_finished_report_when_wiping_then_the_chat_messages_are_deleted(
    uow: FakeUnitOfWork, first: int, last: int, expected_first: int,
) -> None:
    out = await wipe_conversation(uow, ROUTE, first, last, "id")

    assert out == [WipeChat(ToChat(ROUTE), expected_first, last),
                   Say(ToChat(ROUTE), "intake.wiped", lang="id")]
    assert uow.sent == out and uow.committed == 1
