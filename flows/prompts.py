"""The intake's questions and keyboards: what the reporter is asked at each step of a draft."""

from __future__ import annotations

from flows.announcement import report_params
from flows.buttons import IntakeButton
from flows.errors import NoDraft
from flows.intake import TEXT_STEPS, Draft, Step
from flows.intents import Button, CategoryName, ChatRoute, Keyboard, Say, ToChat, YesNo
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


def prompt(policy: Policy, draft: Draft, route: ChatRoute) -> Say:
    """The question for the draft's current step, with the buttons it needs."""
    to, lang, step = ToChat(route), draft.language, draft.step
    if step is Step.CATEGORY:
        return Say(to, "intake.ask_category", lang=lang, buttons=category_buttons(policy, draft))
    if step in TEXT_STEPS or step is Step.CONTACT:
        row = [button("button.skip", "skip", draft)] if step is Step.WHERE else []
        params: dict[str, object] = {}
        if draft.editing and draft.answers.get(step.value):
            params["current"] = draft.answers[step.value]
            key = f"intake.edit_{step.value}"
            row.append(button("button.keep", "next", draft))
        else:
            key = f"intake.ask_{step.value}"
        return Say(to, key, params, lang=lang, buttons=(tuple(row),) if row else ())
    if step is Step.EVIDENCE:
        return Say(
            to, "intake.ask_evidence", {"max": policy.max_attachments}, lang=lang,
            buttons=((button("button.skip_evidence", "done", draft),),),
        )
    if step is Step.IDENTITY:
        return Say(to, "intake.ask_identity", lang=lang, buttons=(
            (button("button.anonymous", "anon", draft),),
            (button("button.leave_contact", "contact", draft),),
        ))
    if step is Step.REVIEW:
        return review(policy, draft, route)
    raise NoDraft


def review(policy: Policy, draft: Draft, route: ChatRoute) -> Say:
    params = report_params({f: draft.answers.get(f, "") for f in REPORT_FIELDS})
    params["category"] = CategoryName(draft.category or "")
    params["evidence_count"] = len(draft.evidence_ids)
    params["contact"] = YesNo("yes" if draft.sealed_contact else "no")
    edits = [button(f"button.edit_{s}", "edit", draft, s) for s in
             ("category", "what", "who", "when", "where", "how", "evidence", "identity")]
    rows = [tuple(edits[i:i + 2]) for i in range(0, len(edits), 2)]
    rows.append((button("button.submit", "submit", draft),))
    rows.append((button("button.cancel", "cancel", draft),))
    return Say(ToChat(route), "intake.review", params, lang=draft.language, buttons=tuple(rows))


def done_button(draft: Draft) -> Keyboard:
    return ((button("button.done_evidence", "done", draft),),)
