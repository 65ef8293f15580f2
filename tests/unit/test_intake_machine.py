"""flows.intake: the declared intake table, its guards, and the shared machine behind `fire`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.intake import (
    EDITABLE_STEPS,
    MACHINE,
    MIN_CHARS,
    REQUIRED_STEPS,
    TEXT_STEPS,
    TRANSITIONS,
    AnswerProblem,
    Draft,
    InvalidStep,
    Step,
    allowed_triggers,
    fire,
    is_continue_word,
    previous_text_step,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPEN_STEPS = [s for s in Step if s not in (Step.SUBMITTED, Step.CANCELLED)]
TRIGGERS = sorted({str(t["trigger"]) for t in TRANSITIONS})
GOOD = {Step.WHAT: "Kepala dinas meminta uang pelicin", Step.WHO: "Pak B, kepala seksi",
        Step.WHEN: "Senin lalu", Step.WHERE: "Kantor dinas", Step.HOW: "Lewat transfer ke rekening istri"}


def draft(state: Step = Step.CATEGORY, **fields: object) -> Draft:
    return Draft(id="d1", language="id", created_at=NOW, updated_at=NOW, state=state, **fields)


def complete_draft(state: Step = Step.REVIEW) -> Draft:
    return draft(state, category="korupsi", answers={s.value: GOOD[s] for s in TEXT_STEPS})


def names(value: object) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]


def sources(transition: dict[str, object]) -> list[Step]:
    source = transition["source"]
    return [Step(source)] if isinstance(source, str) else [Step(s) for s in source]  # type: ignore[union-attr]


def satisfying(transition: dict[str, object], source: Step) -> Draft:
    """A draft in `source` whose guards let `transition` through."""
    conditions, unless = names(transition.get("conditions")), names(transition.get("unless"))
    d = complete_draft(source) if "complete" in conditions else draft(source)
    d.editing = "editing" in conditions
    assert not ("editing" in unless and d.editing)
    if "answer_ok" in conditions:
        d.add_text(GOOD[source])
    if "has_contact" in conditions:
        d.sealed_contact = b"sealed:xyz"
    if "has_previous_answer" in conditions:
        earlier = previous_text_step(source)
        assert earlier is not None
        d.answers[earlier.value] = GOOD[earlier]
    return d


CASES = [
    pytest.param(t, s, id=f"{t['trigger']}:{s.value}->{Step(t['dest']).value}"
                 f"{'[editing]' if 'editing' in names(t.get('conditions')) else ''}")
    for t in TRANSITIONS for s in sources(t)
]


# --------------------------------------------------------------------------- the table


@pytest.mark.parametrize(("transition", "source"), CASES)
def test_given_a_draft_meeting_the_guards_when_the_trigger_fires_then_it_reaches_the_destination(
    transition: dict[str, object], source: Step
) -> None:
    d = satisfying(transition, source)

    moved = fire(d, str(transition["trigger"]))

    assert moved is True
    assert d.state == Step(transition["dest"])  # type: ignore[arg-type]
    assert d.version == 1
    if "start_editing" in names(transition.get("after")):
        assert d.editing is True


@pytest.mark.parametrize(("transition", "source"), CASES)
def test_given_any_transition_then_its_trigger_is_offered_from_its_source(
    transition: dict[str, object], source: Step
) -> None:
    assert transition["trigger"] in allowed_triggers(draft(source))


def test_given_the_table_then_every_step_is_reachable_from_category() -> None:
    reached, frontier = {Step.CATEGORY}, [Step.CATEGORY]
    while frontier:
        step = frontier.pop()
        for t in TRANSITIONS:
            if step in sources(t) and Step(t["dest"]) not in reached:  # type: ignore[arg-type]
                reached.add(Step(t["dest"]))  # type: ignore[arg-type]
                frontier.append(Step(t["dest"]))  # type: ignore[arg-type]
    assert reached == set(Step)


# --------------------------------------------------------------------------- answer guards


@pytest.mark.parametrize("step", TEXT_STEPS)
@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_given_an_empty_answer_when_proceeding_then_refused_as_empty(step: Step, text: str) -> None:
    d = draft(step)
    d.add_text(text)

    assert d.answer_problem() is AnswerProblem.EMPTY
    assert fire(d, "proceed") is False
    assert d.state == step
    assert d.version == 0


@pytest.mark.parametrize("step", list(MIN_CHARS))
def test_given_an_answer_one_char_short_when_proceeding_then_refused_as_too_short(step: Step) -> None:
    assert MIN_CHARS[step] >= 2
    d = draft(step)
    d.add_text(" " + "x" * (MIN_CHARS[step] - 1) + " ")  # padding does not count

    assert d.answer_problem() is AnswerProblem.TOO_SHORT
    assert fire(d, "proceed") is False
    assert d.state == step


@pytest.mark.parametrize("step", list(MIN_CHARS))
def test_given_an_answer_of_exactly_the_minimum_when_proceeding_then_accepted(step: Step) -> None:
    d = draft(step)
    d.add_text("x" * MIN_CHARS[step])

    assert d.answer_problem() is None
    assert fire(d, "proceed") is True
    assert d.answers[step.value] == "x" * MIN_CHARS[step]


def test_given_an_answer_over_the_limit_when_proceeding_then_refused_as_too_long() -> None:
    d = draft(Step.WHAT, max_chars=50)
    d.add_text("y" * 51)

    assert d.answer_problem() is AnswerProblem.TOO_LONG
    assert fire(d, "proceed") is False
    assert d.state == Step.WHAT
    assert "what" not in d.answers


def test_given_an_answer_at_exactly_the_limit_when_proceeding_then_accepted() -> None:
    d = draft(Step.WHAT, max_chars=50)
    d.add_text("y" * 50)

    assert fire(d, "proceed") is True
    assert d.answers["what"] == "y" * 50


def test_given_an_answer_padded_with_spaces_then_it_is_saved_trimmed() -> None:
    d = draft(Step.WHO)
    d.add_text("   Pak B   ")

    fire(d, "proceed")

    assert d.answers["who"] == "Pak B"
    assert d.pending == ""


def test_given_an_answer_over_several_messages_when_proceeding_then_the_pieces_are_joined() -> None:
    d = draft(Step.WHAT)
    d.add_text("Pertama, kepala dinas memanggil saya.")
    d.add_text("Kedua, dia meminta uang.")
    d.add_text("Ketiga, saya menolak.")

    fire(d, "proceed")

    assert d.answers["what"] == (
        "Pertama, kepala dinas memanggil saya.\nKedua, dia meminta uang.\nKetiga, saya menolak."
    )
    assert d.state == Step.WHO


def test_given_pieces_that_are_each_short_when_joined_then_the_whole_is_judged() -> None:
    d = draft(Step.WHAT)
    for piece in ("Dia", "minta", "uang"):
        d.add_text(piece)

    assert d.answer_problem() is None  # "Dia\nminta\nuang" is 14 characters


def test_given_text_when_cleared_then_nothing_is_pending() -> None:
    d = draft(Step.WHAT)
    d.add_text("salah ketik")

    d.clear_pending()

    assert d.pending == ""
    assert d.answer_problem() is AnswerProblem.EMPTY


def test_given_the_optional_where_when_one_letter_is_answered_then_it_is_taken() -> None:
    assert Step.WHERE not in MIN_CHARS
    d = draft(Step.WHERE)
    d.add_text("X")

    assert fire(d, "proceed") is True
    assert d.answers["where"] == "X"


@pytest.mark.parametrize("step", list(MIN_CHARS))
def test_given_a_short_answer_when_more_text_comes_then_it_is_joined_to_it(step: Step) -> None:
    d = draft(step)
    d.add_text("x")
    assert fire(d, "proceed") is False  # kept, not lost

    d.add_text("y" * MIN_CHARS[step])

    assert fire(d, "proceed") is True
    assert d.answers[step.value] == "x\n" + "y" * MIN_CHARS[step]


@pytest.mark.parametrize("text", ["lanjut", "Lanjut ▶", "sudah.", "SELESAI", "next", "Done!",
                                  "  sudah   cukup ", "that's all"])
def test_given_a_word_that_means_move_on_then_it_is_recognised(text: str) -> None:
    assert is_continue_word(text)


@pytest.mark.parametrize("text", ["Sudah dua kali dia minta uang", "lanjutan", "selesai rapat",
                                  "d", "Pak Budi", ""])
def test_given_an_answer_that_merely_contains_such_a_word_then_it_is_an_answer(text: str) -> None:
    assert not is_continue_word(text)


# --------------------------------------------------------------------------- going back


STEPS_IN_ORDER = [Step.CATEGORY, *TEXT_STEPS, Step.EVIDENCE, Step.IDENTITY]


@pytest.mark.parametrize(("later", "earlier"), list(zip(STEPS_IN_ORDER[1:], STEPS_IN_ORDER,
                                                        strict=False)))
def test_given_a_step_when_going_back_then_the_step_before_with_its_answer_kept(
    later: Step, earlier: Step,
) -> None:
    d = complete_draft(later)

    assert fire(d, "back") is True

    assert d.state == earlier
    assert d.answers == complete_draft().answers  # nothing lost by going back
    if earlier in TEXT_STEPS:
        assert d.candidate_answer() == GOOD[earlier]  # moving on again keeps it
        assert fire(d, "proceed") is True and d.state == later


def test_given_review_or_contact_when_going_back_then_the_identity_question() -> None:
    for step in (Step.REVIEW, Step.CONTACT):
        d = complete_draft(step)
        fire(d, "back")
        assert d.state == Step.IDENTITY


def test_given_a_short_text_typed_when_going_back_then_it_is_not_saved() -> None:
    d = draft(Step.WHO, answers={"what": GOOD[Step.WHAT]})
    d.add_text("x")

    fire(d, "back")

    assert (d.state, d.pending, "who" in d.answers) == (Step.WHAT, "", False)


@pytest.mark.parametrize("step", EDITABLE_STEPS)
def test_given_an_edit_from_review_when_going_back_then_review_unchanged(step: Step) -> None:
    d = complete_draft()
    fire(d, f"edit_{step.value}")

    assert fire(d, "back") is True

    assert (d.state, d.editing, d.answers) == (Step.REVIEW, False, complete_draft().answers)


def test_given_the_first_step_then_there_is_no_way_back() -> None:
    d = draft(Step.CATEGORY)

    assert fire(d, "back") is False  # only an edit from the review goes back from here
    assert (d.state, d.version) == (Step.CATEGORY, 0)


def test_given_a_saved_answer_when_deleted_then_the_step_has_none() -> None:
    d = complete_draft(Step.WHO)

    d.clear_answer()

    assert "who" not in d.answers and d.answer_problem() is AnswerProblem.EMPTY


# --------------------------------------------------------------------------- adding to an answer


def test_given_the_next_question_when_adding_then_the_next_message_extends_the_answer() -> None:
    d = draft(Step.WHO, answers={"what": GOOD[Step.WHAT]})

    assert fire(d, "add_previous") is True
    assert (d.state, d.appending) == (Step.WHAT, True)
    d.add_text("Lalu dia mengancam.")
    assert fire(d, "proceed") is True

    assert d.answers["what"] == GOOD[Step.WHAT] + "\nLalu dia mengancam."
    assert (d.state, d.appending) == (Step.WHO, False)


def test_given_adding_when_going_back_instead_then_the_answer_is_unchanged() -> None:
    d = draft(Step.WHO, answers={"what": GOOD[Step.WHAT]})
    fire(d, "add_previous")

    fire(d, "back")

    assert (d.state, d.appending, d.answers["what"]) == (Step.CATEGORY, False, GOOD[Step.WHAT])


def test_given_no_previous_answer_when_adding_then_refused() -> None:
    d = draft(Step.HOW)  # WHERE was skipped

    assert fire(d, "add_previous") is False
    assert d.state == Step.HOW


# --------------------------------------------------------------------------- editing


@pytest.mark.parametrize("step", EDITABLE_STEPS)
def test_given_review_when_editing_a_step_then_the_draft_goes_there_in_editing_mode(step: Step) -> None:
    d = complete_draft()

    assert fire(d, f"edit_{step.value}") is True

    assert d.state == step
    assert d.editing is True


@pytest.mark.parametrize("step", TEXT_STEPS)
def test_given_an_edited_text_step_when_proceeding_then_it_returns_to_review_with_the_new_answer(
    step: Step,
) -> None:
    d = complete_draft()
    fire(d, f"edit_{step.value}")
    d.add_text("Jawaban yang sudah diperbaiki")

    fire(d, "proceed")

    assert d.state == Step.REVIEW
    assert d.editing is False
    assert d.answers[step.value] == "Jawaban yang sudah diperbaiki"


@pytest.mark.parametrize("step", TEXT_STEPS)
def test_given_an_edited_text_step_when_proceeding_without_new_text_then_the_old_answer_is_kept(
    step: Step,
) -> None:
    d = complete_draft()
    fire(d, f"edit_{step.value}")

    assert fire(d, "proceed") is True

    assert d.state == Step.REVIEW
    assert d.answers[step.value] == GOOD[step]


def test_given_an_edited_category_when_chosen_then_it_returns_to_review() -> None:
    d = complete_draft()
    fire(d, "edit_category")
    d.category = "penipuan"

    fire(d, "choose_category")

    assert (d.state, d.editing, d.category) == (Step.REVIEW, False, "penipuan")


def test_given_edited_evidence_when_finished_then_it_returns_to_review() -> None:
    d = complete_draft()
    fire(d, "edit_evidence")

    fire(d, "finish_evidence")

    assert (d.state, d.editing) == (Step.REVIEW, False)


def test_given_edited_identity_when_leaving_contact_then_contact_then_review() -> None:
    d = complete_draft()
    fire(d, "edit_identity")
    fire(d, "leave_contact")
    d.sealed_contact = b"sealed:abc"

    fire(d, "proceed")

    assert (d.state, d.editing) == (Step.REVIEW, False)


def test_given_a_draft_not_editing_when_proceeding_from_what_then_it_goes_on_to_who() -> None:
    d = draft(Step.WHAT)
    d.add_text(GOOD[Step.WHAT])

    fire(d, "proceed")

    assert d.state == Step.WHO
    assert d.editing is False


# --------------------------------------------------------------------------- skipping, contact, submit


def test_given_where_when_skipped_then_how_is_asked_and_where_has_no_answer() -> None:
    d = draft(Step.WHERE)

    assert fire(d, "skip") is True

    assert d.state == Step.HOW
    assert "where" not in d.answers


def test_given_unfinished_text_at_where_when_skipped_then_the_text_is_not_saved_as_the_answer() -> None:
    d = draft(Step.WHERE)
    d.add_text("x")

    fire(d, "skip")

    assert d.state == Step.HOW
    assert "where" not in d.answers


@pytest.mark.parametrize("step", [s for s in TEXT_STEPS if s is not Step.WHERE])
def test_given_a_required_step_when_skipped_then_invalid_step(step: Step) -> None:
    with pytest.raises(InvalidStep):
        fire(draft(step), "skip")


def test_given_where_while_editing_when_skipped_then_review() -> None:
    d = complete_draft()
    fire(d, "edit_where")

    fire(d, "skip")

    assert (d.state, d.editing) == (Step.REVIEW, False)


def test_given_contact_without_sealed_details_when_proceeding_then_refused() -> None:
    d = draft(Step.CONTACT)
    d.add_text("my phone number")  # text alone is not a sealed contact

    assert fire(d, "proceed") is False
    assert d.state == Step.CONTACT
    assert d.answers == {}


def test_given_contact_with_sealed_details_when_proceeding_then_review() -> None:
    d = draft(Step.CONTACT, sealed_contact=b"sealed:321")

    assert fire(d, "proceed") is True
    assert d.state == Step.REVIEW


@pytest.mark.parametrize("missing", [Step.CATEGORY, *REQUIRED_STEPS])
def test_given_an_incomplete_draft_when_submitting_then_refused_and_the_step_is_named(
    missing: Step,
) -> None:
    d = complete_draft()
    if missing is Step.CATEGORY:
        d.category = None
    else:
        del d.answers[missing.value]

    assert d.complete() is False
    assert d.missing_steps() == [missing]
    assert fire(d, "submit") is False
    assert d.state == Step.REVIEW


def test_given_a_draft_without_where_when_submitting_then_it_is_complete() -> None:
    d = complete_draft()
    del d.answers["where"]

    assert fire(d, "submit") is True
    assert d.state == Step.SUBMITTED


# --------------------------------------------------------------------------- cancel, invalid triggers


@pytest.mark.parametrize("step", OPEN_STEPS)
def test_given_any_open_step_when_cancelled_then_cancelled(step: Step) -> None:
    d = draft(step)

    assert fire(d, "cancel") is True
    assert d.state == Step.CANCELLED


@pytest.mark.parametrize("step", [Step.SUBMITTED, Step.CANCELLED])
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_given_a_finished_draft_when_any_trigger_fires_then_invalid_step(step: Step, trigger: str) -> None:
    d = draft(step)

    with pytest.raises(InvalidStep):
        fire(d, trigger)
    assert d.state == step


INVALID = [(s, t) for s in Step for t in TRIGGERS
           if not any(t == x["trigger"] and s in sources(x) for x in TRANSITIONS)]


@pytest.mark.parametrize(("step", "trigger"), INVALID, ids=[f"{s.value}:{t}" for s, t in INVALID])
def test_given_a_trigger_not_in_the_table_for_the_step_then_invalid_step_and_no_change(
    step: Step, trigger: str
) -> None:
    d = complete_draft(step)
    before = (d.state, d.version, dict(d.answers))

    with pytest.raises(InvalidStep):
        fire(d, trigger)

    assert (d.state, d.version, d.answers) == before


@pytest.mark.parametrize("trigger", ["nonsense", "to_review", "save_pending", "trigger", ""])
def test_given_an_unknown_trigger_then_invalid_step(trigger: str) -> None:
    with pytest.raises(InvalidStep):
        fire(draft(Step.WHAT), trigger)


def test_given_a_finished_draft_then_no_triggers_are_offered() -> None:
    assert allowed_triggers(draft(Step.SUBMITTED)) == []
    assert allowed_triggers(draft(Step.CANCELLED)) == []


# --------------------------------------------------------------------------- version and the shared machine


def test_given_a_guard_that_refuses_then_the_version_stays() -> None:
    d = draft(Step.WHAT)

    fire(d, "proceed")

    assert d.version == 0


def test_given_several_moves_then_the_version_counts_state_changes_only() -> None:
    d = draft(Step.CATEGORY)
    d.category = "korupsi"
    fire(d, "choose_category")  # 1
    fire(d, "proceed")  # refused: empty
    d.add_text(GOOD[Step.WHAT])
    fire(d, "proceed")  # 2

    assert d.version == 2
    assert d.state == Step.WHO


def test_given_a_fire_then_the_shared_machine_holds_no_model_afterwards() -> None:
    d = draft(Step.WHAT)
    d.add_text(GOOD[Step.WHAT])

    fire(d, "proceed")
    with pytest.raises(InvalidStep):
        fire(d, "submit")
    allowed_triggers(d)

    assert [m for m in MACHINE.models if m is not MACHINE] == []


def test_given_two_drafts_then_firing_one_leaves_the_other_alone() -> None:
    a, b = draft(Step.WHAT), draft(Step.WHAT)
    a.add_text(GOOD[Step.WHAT])

    fire(a, "proceed")

    assert (a.state, b.state, b.version) == (Step.WHO, Step.WHAT, 0)


def test_given_a_state_stored_as_plain_text_then_fire_reads_it_as_a_step() -> None:
    d = draft()
    d.state = "where"  # type: ignore[assignment]

    fire(d, "skip")

    assert d.state is Step.HOW


# --------------------------------------------------------------------------- random walks


ACTIONS = st.one_of(
    st.sampled_from([*TRIGGERS, "nonsense"]).map(lambda t: ("fire", t)),
    st.text(max_size=30).map(lambda t: ("text", t)),
    st.sampled_from(["korupsi", None]).map(lambda c: ("category", c)),
    st.sampled_from([b"sealed:1", None]).map(lambda c: ("contact", c)),
    st.just(("clear", None)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ACTIONS, max_size=40))
def test_given_any_sequence_of_triggers_then_the_draft_is_never_corrupted(
    actions: list[tuple[str, object]],
) -> None:
    d = draft(max_chars=60)
    changes = 0
    for kind, value in actions:
        if kind == "fire":
            before = d.state
            try:
                fire(d, str(value))
            except InvalidStep:
                assert d.state == before
            changes += d.state != before
        elif kind == "text" and d.step in TEXT_STEPS:
            d.add_text(str(value))
        elif kind == "category" and d.step is Step.CATEGORY:
            d.category = value  # type: ignore[assignment]
        elif kind == "contact" and d.step is Step.CONTACT:
            d.sealed_contact = value  # type: ignore[assignment]
        elif kind == "clear":
            d.clear_pending()

        assert isinstance(d.state, Step)
        assert set(d.answers) <= {s.value for s in TEXT_STEPS}
        assert all(a.strip() == a and a for a in d.answers.values())
        assert d.version == changes
        if d.state is Step.REVIEW:
            assert d.editing is False
        if d.state is Step.SUBMITTED:
            assert d.complete()
    assert [m for m in MACHINE.models if m is not MACHINE] == []


# --------------------------------------------------------------------------- files and voices


@pytest.mark.parametrize("step", OPEN_STEPS)
def test_given_any_step_when_a_file_is_kept_then_the_step_and_version_stay_and_it_waits_for_evidence(
    step: Step,
) -> None:
    d = draft(step)

    d.keep_file("ev-1", "photo", 2048, "  Foto kuitansi\nyang ditandatangani Pak H. di ruang lantai tiga  ")

    assert d.step is step and d.version == 0
    assert d.evidence_ids == ["ev-1"]
    assert d.files() == [("ev-1", "photo", 2048, "Foto kuitansi yang ditandatangani Pak H.…")]


def test_given_kept_files_when_one_is_removed_then_only_it_goes_and_a_second_removal_is_refused() -> None:
    d = draft(Step.EVIDENCE)
    for n in (1, 2, 3):
        d.keep_file(f"ev-{n}", "photo", n, None)

    assert d.remove_file("ev-2") is True
    assert d.evidence_ids == ["ev-1", "ev-3"] and "ev-2" not in d.evidence_info
    assert d.version == 1  # the list that showed it is stale
    assert d.remove_file("ev-2") is False  # a stale press: nothing changes
    assert d.version == 1


@pytest.mark.parametrize("step", TEXT_STEPS)
def test_given_a_story_step_when_answered_by_voice_then_it_counts_and_moves_on(step: Step) -> None:
    d = draft(step, category="korupsi")

    d.add_voice("ev-v", 42)

    assert d.answer_problem() is None
    assert fire(d, "proceed") is True
    assert d.answered(step) and d.answers.get(step.value) is None
    assert d.shown_answer(step) == "🎤 0:42"


def test_given_a_voice_answer_then_a_short_text_added_is_taken_and_shown_with_the_voice() -> None:
    d = draft(Step.WHAT)
    d.add_voice("ev-v", 125)
    d.add_text("ok")  # far below the 10 characters a text-only answer needs

    assert d.answer_problem() is None
    assert fire(d, "proceed")
    assert d.shown_answer(Step.WHAT) == "ok\n🎤 2:05"


def test_given_every_required_step_answered_by_voice_then_the_draft_is_complete() -> None:
    d = draft(Step.REVIEW, category="korupsi",
              voices={s.value: [[f"ev-{s.value}", 3]] for s in REQUIRED_STEPS})

    assert d.complete() and d.missing_steps() == []
    assert d.voice_ids() == [f"ev-{s.value}" for s in REQUIRED_STEPS]


def test_given_a_voice_answer_when_cleared_or_skipped_then_it_is_gone() -> None:
    d = draft(Step.WHAT)
    d.add_voice("ev-v", 5)
    d.clear_answer()
    assert not d.answered(Step.WHAT) and d.answer_problem() is AnswerProblem.EMPTY

    w = draft(Step.WHERE)
    w.add_voice("ev-w", 5)
    assert fire(w, "skip") and w.voices == {}
