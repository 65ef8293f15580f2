"""The intake's questions and keyboards: what the reporter is asked at each step of a draft.

Every question is one message that carries everything the step needs: where the reporter is
("Langkah 3 dari 8"), the answer saved before (when they came back), a calm word about what just
happened (a `Note`: the intro, an answer too short, an answer cleared), and the buttons: the
step's own, [◀ Kembali] and, after a text answer, [➕ Tambah ke jawaban sebelumnya].
"""

from __future__ import annotations

from flows.announcement import report_params
from flows.buttons import IntakeButton
from flows.errors import NoDraft
from flows.intake import PROGRESS, STEP_COUNT, TEXT_STEPS, Draft, Step
from flows.intents import (
    AddingTo,
    Button,
    CategoryName,
    ChatRoute,
    FileRows,
    Keyboard,
    Note,
    SavedAnswer,
    Say,
    ToChat,
    YesNo,
)
from flows.policy import Policy

REPORT_FIELDS = ("what", "who", "when", "where", "how")


def button(key: str, action: str, draft: Draft, arg: str = "", **params: str) -> Button:
    """A button of the draft's current step (pressed after the draft moved on, it is stale)."""
    return Button(key, IntakeButton(action, draft.version, arg), params)


def category_buttons(policy: Policy, draft: Draft) -> Keyboard:
    rows = [
        (button(f"category.{code}", "cat", draft, str(i)),)
        for i, code in enumerate(policy.categories)
    ]
    return (*rows, (button("button.cancel", "cancel", draft),))


def _way_back(draft: Draft) -> tuple[Button, ...]:
    """[◀ Kembali] (to the step before, or to the review when editing) and, on the question after
    a text answer, [➕ Tambah ke jawaban sebelumnya]."""
    row = [button("button.back", "back", draft)]
    if not draft.editing and draft.has_previous_answer():
        row.append(button("button.add_previous", "add", draft))
    return tuple(row)


def prompt(policy: Policy, draft: Draft, route: ChatRoute, note: str = "") -> Say:
    """The question for the draft's current step, with the buttons it needs; `note` (a catalog
    key) is said first, in the same message."""
    to, lang, step = ToChat(route), draft.language, draft.step
    params: dict[str, object] = {"note": Note(note), "step": PROGRESS.get(step, STEP_COUNT),
                                 "steps": STEP_COUNT, "files": len(draft.evidence_ids),
                                 "max_files": policy.max_attachments}
    if step is Step.CATEGORY:
        return Say(to, "intake.ask_category", params, lang=lang,
                   buttons=category_buttons(policy, draft))
    if step in TEXT_STEPS or step is Step.CONTACT:
        params["max"] = policy.max_answer_chars
        rows: list[tuple[Button, ...]] = []
        if step is Step.CONTACT:
            return Say(to, "intake.ask_contact", params, lang=lang, buttons=(_way_back(draft),))
        saved = draft.shown_answer(step)
        params["saved"] = (AddingTo(saved) if draft.appending else SavedAnswer(saved))
        first = []
        if saved and not draft.appending:
            first.append(button("button.keep", "next", draft))
        if step is Step.WHERE:
            first.append(button("button.skip", "skip", draft))
        if first:
            rows.append(tuple(first))
        if saved and not draft.appending:
            rows.append((button("button.clear", "clear", draft),))
        rows.append(_way_back(draft))
        return Say(to, f"intake.ask_{step.value}", params, lang=lang, buttons=tuple(rows))
    if step is Step.EVIDENCE:
        return evidence_prompt(policy, draft, route, params)
    if step is Step.IDENTITY:
        return Say(to, "intake.ask_identity", params, lang=lang, buttons=(
            (button("button.anonymous", "anon", draft),),
            (button("button.leave_contact", "contact", draft),),
            _way_back(draft),
        ))
    if step is Step.REVIEW:
        return review(policy, draft, route, note)
    raise NoDraft


def evidence_prompt(policy: Policy, draft: Draft, route: ChatRoute,
                    params: dict[str, object]) -> Say:
    """The evidence step. The first time (nothing kept yet): what to send and how files are
    cleaned. With files kept (sent earlier, or coming back from the review): the list of them,
    each with its [🗑 n], so a wrong file can go without cancelling the report."""
    params["max"] = policy.max_attachments
    params["count"] = len(draft.evidence_ids)
    label = "button.done_evidence" if draft.evidence_ids else "button.skip_evidence"
    rows: list[tuple[Button, ...]] = []
    if draft.evidence_ids:
        files = draft.files()
        params["list"] = FileRows([kind, size, caption] for _, kind, size, caption in files)
        removes = [button("button.remove_file", "drop", draft, eid, n=str(i))
                   for i, (eid, *_rest) in enumerate(files, start=1)]
        rows += [tuple(removes[i:i + 5]) for i in range(0, len(removes), 5)]
    rows += [(button(label, "done", draft),), _way_back(draft)]
    key = "intake.evidence_list" if draft.evidence_ids else "intake.ask_evidence"
    return Say(ToChat(route), key, params, lang=draft.language, buttons=tuple(rows))


def review(policy: Policy, draft: Draft, route: ChatRoute, note: str = "") -> Say:
    params = report_params({f: draft.shown_answer(f) for f in REPORT_FIELDS})
    params["note"] = Note(note)
    params["category"] = CategoryName(draft.category or "")
    params["evidence_count"] = len(draft.evidence_ids)
    params["contact"] = YesNo("yes" if draft.sealed_contact else "no")
    edits = [button(f"button.edit_{s}", "edit", draft, s) for s in
             ("category", "what", "who", "when", "where", "how", "evidence", "identity")]
    rows = [tuple(edits[i:i + 2]) for i in range(0, len(edits), 2)]
    rows.append((button("button.submit", "submit", draft),))
    rows.append((button("button.back", "back", draft), button("button.cancel", "cancel", draft)))
    return Say(ToChat(route), "intake.review", params, lang=draft.language, buttons=tuple(rows))


def done_button(draft: Draft) -> Keyboard:
    return ((button("button.done_evidence", "done", draft),),)

