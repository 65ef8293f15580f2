"""The intake machine: one question at a time, from category to a submitted report.

The table below is the single source of truth; `docs/intake.mmd` is generated from it
(`python -m flows.diagrams`). One module-level machine serves every draft (`transitions`:
one machine, many models): a draft is attached for one step and detached again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import pairwise

from transitions import Machine, MachineError


class Step(StrEnum):
    CATEGORY = "category"
    WHAT = "what"
    WHO = "who"
    WHEN = "when"
    WHERE = "where"
    HOW = "how"
    EVIDENCE = "evidence"
    IDENTITY = "identity"
    CONTACT = "contact"
    REVIEW = "review"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


TEXT_STEPS = (Step.WHAT, Step.WHO, Step.WHEN, Step.WHERE, Step.HOW)
"""Steps answered in free text. One message answers the step and the next question follows;
more for the same step is added with [➕ Tambah ke jawaban sebelumnya] on the next question."""
REQUIRED_STEPS = (Step.WHAT, Step.WHO, Step.WHEN, Step.HOW)
"""The 3W+1H minimum; WHERE is asked but may be skipped."""
OPTIONAL_STEPS = (Step.WHERE,)
EDITABLE_STEPS = (Step.CATEGORY, *TEXT_STEPS, Step.EVIDENCE, Step.IDENTITY)
MIN_CHARS = {Step.WHAT: 10, Step.WHO: 2, Step.WHEN: 2, Step.HOW: 5}
"""Shorter answers are asked again calmly (kept, and joined with what comes next). A step without
a minimum here (WHERE, optional) takes any answer that is not empty."""
ORDER = (Step.CATEGORY, *TEXT_STEPS, Step.EVIDENCE, Step.IDENTITY, Step.CONTACT, Step.REVIEW)
"""The order of the steps, for [◀ Kembali]."""
PROGRESS = {s: i for i, s in enumerate(ORDER[:8], start=1)} | {Step.CONTACT: 8}
"""'Langkah 3 dari 8': the number shown on each question (the contact belongs to step 8)."""
STEP_COUNT = 8
CAPTION_START = 40
"""How much of a file's caption the evidence list shows."""
CONTINUE_WORDS = frozenset({
    "lanjut", "lanjutkan", "sudah", "selesai", "cukup", "sudah cukup", "next", "done",
    "continue", "finished", "that's all", "thats all", "skip", "lewati", "lewat",
})
"""Typed instead of pressing the step's button: move on (never added to the answer)."""

_S = Step
_ANY_OPEN = [s for s in Step if s not in (Step.SUBMITTED, Step.CANCELLED)]
_BACK = {later: earlier for earlier, later in pairwise(ORDER)
         if later is not Step.CONTACT} | {Step.CONTACT: Step.IDENTITY, Step.REVIEW: Step.IDENTITY}
"""[◀ Kembali]: the step before (from the review: the identity step, the last question)."""
_ADDS_TO = {Step.WHO: Step.WHAT, Step.WHEN: Step.WHO, Step.WHERE: Step.WHEN,
            Step.HOW: Step.WHERE, Step.EVIDENCE: Step.HOW}
"""[➕ Tambah ke jawaban sebelumnya]: the text step whose answer the next message extends."""


def _t(trigger: str, source: object, dest: Step, **extra: object) -> dict[str, object]:
    return {"trigger": trigger, "source": source, "dest": dest, **extra}


_NEW, _EDIT = {"unless": "editing"}, {"conditions": "editing"}
_OK_NEW = {"conditions": "answer_ok", "unless": "editing", "before": "save_pending"}
_OK_EDIT = {"conditions": ["answer_ok", "editing"], "before": "save_pending"}
_SKIP = {"before": "discard_answer"}
_BACK_CB = {"before": "clear_pending"}

TRANSITIONS: list[dict[str, object]] = [
    # trigger            source           dest            guards and callbacks
    _t("choose_category", _S.CATEGORY, _S.WHAT, **_NEW),
    _t("choose_category", _S.CATEGORY, _S.REVIEW, **_EDIT),
    _t("proceed", _S.WHAT, _S.WHO, **_OK_NEW),
    _t("proceed", _S.WHO, _S.WHEN, **_OK_NEW),
    _t("proceed", _S.WHEN, _S.WHERE, **_OK_NEW),
    _t("proceed", _S.WHERE, _S.HOW, **_OK_NEW),
    _t("proceed", _S.HOW, _S.EVIDENCE, **_OK_NEW),
    _t("proceed", list(TEXT_STEPS), _S.REVIEW, **_OK_EDIT),
    _t("skip", _S.WHERE, _S.HOW, **_NEW, **_SKIP),
    _t("skip", _S.WHERE, _S.REVIEW, **_EDIT, **_SKIP),
    _t("finish_evidence", _S.EVIDENCE, _S.IDENTITY, **_NEW),
    _t("finish_evidence", _S.EVIDENCE, _S.REVIEW, **_EDIT),
    _t("stay_anonymous", _S.IDENTITY, _S.REVIEW),
    _t("leave_contact", _S.IDENTITY, _S.CONTACT),
    _t("proceed", _S.CONTACT, _S.REVIEW, conditions="has_contact"),
    *(_t("back", later, earlier, **_NEW, **_BACK_CB) for later, earlier in _BACK.items()),
    _t("back", [*EDITABLE_STEPS, _S.CONTACT], _S.REVIEW, **_EDIT, **_BACK_CB),
    *(_t("add_previous", later, earlier, **_NEW, **_BACK_CB, after="start_appending",
         conditions="has_previous_answer") for later, earlier in _ADDS_TO.items()),
    *(_t(f"edit_{step.value}", _S.REVIEW, step, after="start_editing") for step in EDITABLE_STEPS),
    _t("submit", _S.REVIEW, _S.SUBMITTED, conditions="complete"),
    _t("cancel", _ANY_OPEN, _S.CANCELLED),
]


def is_continue_word(text: str) -> bool:
    """'Lanjut', 'sudah.', 'Done ▶', 'next!': a word that means *move on*, not an answer."""
    word = "".join(c for c in text.lower() if c.isalpha() or c in " '").strip()
    return " ".join(word.split()) in CONTINUE_WORDS


def voice_length(seconds: int) -> str:
    """0:42, 12:05: how long a voice answer is."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def previous_text_step(step: Step) -> Step | None:
    return _ADDS_TO.get(step)


class AnswerProblem(StrEnum):
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"


@dataclass
class Draft:
    """A report being written. Lives encrypted in the database between messages."""

    id: str
    language: str
    created_at: datetime
    updated_at: datetime
    state: Step = Step.CATEGORY
    category: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    pending: str = ""
    """Text received for the current step that was too short: kept, and joined with the next."""
    evidence_ids: list[str] = field(default_factory=list)
    evidence_info: dict[str, list[object]] = field(default_factory=dict)
    """evidence id -> [kind, size in bytes, the start of its caption]: what the evidence step
    lists (the files themselves rest encrypted in the evidence store)."""
    voices: dict[str, list[list[object]]] = field(default_factory=dict)
    """step -> [[evidence id, seconds], ...]: voice notes that answer a story step (the sound
    rests encrypted in the evidence store, like a file)."""
    sealed_contact: bytes | None = None
    editing: bool = False
    appending: bool = False
    """After [➕ Tambah ke jawaban sebelumnya]: the next text extends this step's saved answer."""
    first_message_id: int | None = None
    version: int = 0
    max_chars: int = 8000
    conflict: bool = False
    """The reporter said the report concerns the team that handles reports or the leadership:
    the case goes to the escalation group (flows/routing.py)."""

    # ---- guards (named in TRANSITIONS)
    @property
    def step(self) -> Step:
        return Step(self.state)

    def answer_problem(self) -> AnswerProblem | None:
        text = self.candidate_answer().strip()
        spoken = bool(self.voices.get(self.step.value))  # a voice answers: no minimum applies
        if not text and not spoken:
            return AnswerProblem.EMPTY
        if not spoken and len(text) < MIN_CHARS.get(self.step, 1):
            return AnswerProblem.TOO_SHORT
        if len(text) > self.max_chars:
            return AnswerProblem.TOO_LONG
        return None

    def answer_ok(self) -> bool:
        return self.answer_problem() is None

    def has_previous_answer(self) -> bool:
        earlier = _ADDS_TO.get(self.step)
        return earlier is not None and self.answered(earlier)

    def answered(self, step: Step) -> bool:
        """The step has an answer saved: text, a voice, or both."""
        return bool(self.answers.get(step.value) or self.voices.get(step.value))

    def has_contact(self) -> bool:
        return self.sealed_contact is not None

    def complete(self) -> bool:
        return self.category is not None and all(self.answered(s) for s in REQUIRED_STEPS)

    def missing_steps(self) -> list[Step]:
        missing = [] if self.category else [Step.CATEGORY]
        return missing + [s for s in REQUIRED_STEPS if not self.answered(s)]

    # ---- answers
    def candidate_answer(self) -> str:
        """What moving on would save: new text, or else the answer saved before."""
        if self.pending:
            return self.pending
        return self.answers.get(self.step.value, "")

    def add_text(self, text: str) -> None:
        """A message for the current step: joined to a short answer kept before, or (after
        [➕ Tambah]) to the step's saved answer; otherwise it is the answer."""
        base = self.pending or (self.answers.get(self.step.value, "") if self.appending else "")
        self.pending = f"{base}\n{text}" if base else text

    def saved_answer(self) -> str:
        return self.answers.get(self.step.value, "")

    def clear_answer(self) -> None:
        """[🗑 Hapus jawaban ini]: the step's answer (text and voice) and anything typed for it
        are gone."""
        self.pending = ""
        self.answers.pop(self.step.value, None)
        self.voices.pop(self.step.value, None)

    def clear_pending(self) -> None:
        self.pending = ""

    def discard_answer(self) -> None:
        """Skipping a step leaves it unanswered, whatever was typed, said or saved before."""
        self.pending = ""
        self.answers.pop(self.step.value, None)
        self.voices.pop(self.step.value, None)

    # ---- voice answers
    def add_voice(self, evidence_id: str, seconds: int) -> None:
        """A voice note answers the current story step (next to any text)."""
        self.voices.setdefault(self.step.value, []).append([evidence_id, max(0, int(seconds))])

    def voice_ids(self) -> list[str]:
        return [str(v[0]) for step in TEXT_STEPS for v in self.voices.get(step.value, [])]

    def shown_answer(self, step: Step | str) -> str:
        """The answer as the review and staff read it: the text, then "🎤 0:42" per voice."""
        key = Step(step).value
        marks = [f"🎤 {voice_length(int(str(v[1])))}" for v in self.voices.get(key, [])]
        return "\n".join([t for t in (self.answers.get(key, ""),) if t] + marks)

    # ---- files (taken at any step; they wait for the evidence step)
    def keep_file(self, evidence_id: str, kind: str, size: int, caption: str | None) -> None:
        """A file sent at any step: kept for the evidence step, whatever the current step."""
        self.evidence_ids.append(evidence_id)
        words = " ".join((caption or "").split())
        if len(words) > CAPTION_START:
            words = words[:CAPTION_START].rstrip() + "…"
        self.evidence_info[evidence_id] = [kind, size, words]

    def files(self) -> list[tuple[str, str, int, str]]:
        """(id, kind, size, caption start) of each file kept, in the order they came."""
        rows = []
        for eid in self.evidence_ids:
            kind, size, caption = (self.evidence_info.get(eid) or ["document", 0, ""])[:3]
            rows.append((eid, str(kind), int(size), str(caption)))  # type: ignore[call-overload]
        return rows

    def remove_file(self, evidence_id: str) -> bool:
        """[🗑 n]: the file is no longer part of the draft (False: it was not, a stale press)."""
        if evidence_id not in self.evidence_ids:
            return False
        self.evidence_ids.remove(evidence_id)
        self.evidence_info.pop(evidence_id, None)
        self.version += 1  # the list that showed it is out of date
        return True

    # ---- callbacks (named in TRANSITIONS / machine)
    def start_editing(self) -> None:
        self.editing = True

    def save_pending(self) -> None:
        """Before leaving a text step: what was typed becomes the step's answer."""
        if self.step in TEXT_STEPS:
            if self.pending.strip():
                self.answers[self.step.value] = self.pending.strip()
            self.pending = ""

    def stop_editing(self) -> None:
        self.editing = False

    def start_appending(self) -> None:
        self.appending = True

    def stop_appending(self) -> None:
        self.appending = False


MACHINE = Machine(
    model=None,
    states=list(Step),
    transitions=TRANSITIONS,
    initial=Step.CATEGORY,
    auto_transitions=False,
    ignore_invalid_triggers=False,
    before_state_change="stop_appending",
)
MACHINE.get_state(Step.REVIEW).add_callback("enter", "stop_editing")


class InvalidStep(Exception):
    """The trigger is not possible from the draft's current step (a stale button, usually)."""


@contextmanager
def attached(draft: Draft) -> Iterator[Draft]:
    """Attach `draft` to the shared machine for the duration of one step."""
    draft.state = Step(draft.state)
    MACHINE.add_model(draft, initial=draft.state)
    try:
        yield draft
    finally:
        MACHINE.remove_model(draft)


def fire(draft: Draft, trigger: str) -> bool:
    """Fire `trigger` on `draft`; False when a guard said no; InvalidStep when impossible."""
    with attached(draft):
        before = draft.state
        try:
            moved = bool(draft.trigger(trigger))  # type: ignore[attr-defined]
        except (MachineError, AttributeError) as exc:
            raise InvalidStep(trigger) from exc
        if moved and before != draft.state:
            draft.version += 1
        return moved


def allowed_triggers(draft: Draft) -> list[str]:
    with attached(draft):
        return list(MACHINE.get_triggers(draft.state))
