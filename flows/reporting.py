"""Reporter intake use cases: from /lapor to a ticket code.

Each use case takes the unit of work, the policy, the reporter's chat route and the input, owns
its transaction, writes what must be said to the outbox and returns the same intents.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flows import uploads
from flows.errors import NoDraft, StaleButton, TooManyReports
from flows.intake import TEXT_STEPS, Draft, InvalidStep, Step, fire
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
from flows.model import Case
from flows.policy import Policy
from flows.ports import UnitOfWork
from flows.status import status_request
from flows.tickets import new_ticket_code

REPORT_FIELDS = ("what", "who", "when", "where", "how")


class Sealer(Protocol):
    """Seals contact details to the offline disclosure key; nothing in the bot can open them."""

    def seal(self, plaintext: bytes) -> bytes: ...

CB = "i"  # callback prefix of intake buttons


def button(key: str, action: str, draft: Draft | None = None, arg: str = "", **params: str) -> Button:
    version = str(draft.version) if draft else "-"
    return Button(key, f"{CB}:{action}:{version}:{arg}", params)


def category_buttons(policy: Policy, draft: Draft) -> tuple[tuple[Button, ...], ...]:
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
    params: dict[str, object] = {f: draft.answers.get(f, "") for f in REPORT_FIELDS}
    params["category"] = draft.category or ""
    params["evidence_count"] = len(draft.evidence_ids)
    params["contact"] = "yes" if draft.sealed_contact else "no"
    edits = [button(f"button.edit_{s}", "edit", draft, s) for s in
             ("category", "what", "who", "when", "where", "how", "evidence", "identity")]
    rows = [tuple(edits[i:i + 2]) for i in range(0, len(edits), 2)]
    rows.append((button("button.submit", "submit", draft),))
    rows.append((button("button.cancel", "cancel", draft),))
    return Say(ToChat(route), "intake.review", params, lang=draft.language, buttons=tuple(rows))


async def _finish(uow: UnitOfWork, intents: list[Intent]) -> list[Intent]:
    await uow.outbox.put(intents)
    await uow.commit()
    return intents


async def start_report(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, language: str, message_id: int,
    now: datetime,
) -> list[Intent]:
    """`/lapor`: a new draft, or the one in progress when there is one (nothing is lost)."""
    async with uow:
        await uow.lock_chat(route)
        await uow.chats.clear_ticket_prompt(route)  # after Cek status: the reporter moved on
        draft = await uow.drafts.get(route)
        if draft is not None:
            intro = Say(ToChat(route), "intake.resume", lang=draft.language)
            return await _finish(uow, [intro, prompt(policy, draft, route)])
        if not await uow.throttle.hit(
            f"reports:{uow.actor_token('chat', route)}", policy.reports_per_chat_per_hour, 3600, now
        ):
            raise TooManyReports
        draft = Draft(
            id=str(uuid.uuid4()), language=language, created_at=now, updated_at=now,
            first_message_id=message_id, max_chars=policy.max_answer_chars,
        )
        await uow.drafts.save(route, draft)
        intro = Say(ToChat(route), "intake.intro", lang=language)
        return await _finish(uow, [intro, prompt(policy, draft, route)])


async def _load(uow: UnitOfWork, route: ChatRoute, policy: Policy) -> Draft:
    draft = await uow.drafts.get(route)
    if draft is None:
        raise NoDraft
    draft.max_chars = policy.max_answer_chars
    return draft


async def receive_text(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, text: str, now: datetime, sealer: Sealer
) -> list[Intent]:
    """A piece of text during a draft: appended to the current answer, or a calm re-ask. A
    ticket code in it makes it a status request instead: never saved, never sealed."""
    async with uow:
        await uow.lock_chat(route)
        draft = await _load(uow, route, policy)
        to, lang = ToChat(route), draft.language
        said = await status_request(uow, policy, route, text, lang, now, drafted_at=draft.updated_at)
        if said is not None:
            return said
        if draft.step not in TEXT_STEPS and draft.step is not Step.CONTACT:
            draft.updated_at = now  # the reporter is still here: the draft must not expire
            await uow.drafts.save(route, draft)
            hint = Say(to, "intake.use_buttons", lang=lang)
            return await _finish(uow, [hint, prompt(policy, draft, route)])
        if draft.step is Step.CONTACT:
            # Sealed at once: the contact details never rest readable, not even in the draft.
            draft.sealed_contact = sealer.seal(text[: policy.max_answer_chars].encode())
            draft.updated_at = now
            await uow.drafts.save(route, draft)
            say = Say(to, "intake.contact_sealed", lang=lang,
                      buttons=((button("button.next", "next", draft),),))
            return await _finish(uow, [say])
        joined = len(draft.pending) + len(text) + (1 if draft.pending else 0)  # add_text joins with \n
        if joined > policy.max_answer_chars:
            say = Say(to, "intake.problem.too_long", {"max": policy.max_answer_chars}, lang=lang,
                      buttons=((button("button.next", "next", draft),),))
            return await _finish(uow, [say])
        draft.add_text(text)
        draft.updated_at = now
        await uow.drafts.save(route, draft)
        row = [button("button.next", "next", draft)]
        if draft.step is Step.WHERE:
            row.append(button("button.skip", "skip", draft))
        saved = Say(to, "intake.saved", {"chars": len(draft.pending)}, lang=lang,
                    buttons=(tuple(row), (button("button.clear", "clear", draft),)))
        return await _finish(uow, [saved])


async def receive_unsupported(uow: UnitOfWork, policy: Policy, route: ChatRoute) -> list[Intent]:
    """A sticker, location, contact or poll where an answer was asked: say what is expected."""
    async with uow:
        draft = await _load(uow, route, policy)
        asks_text = draft.step in TEXT_STEPS or draft.step is Step.CONTACT
        key = "intake.text_only" if asks_text else "intake.use_buttons"
        hint = Say(ToChat(route), key, lang=draft.language)
        return await _finish(uow, [hint, prompt(policy, draft, route)])


@dataclass(frozen=True)
class Upload:
    kind: str
    data: bytes
    mime_type: str | None
    file_name: str | None
    metadata_removed: bool = False
    may_carry_metadata: bool = False
    caption: str | None = None
    recording: bool = False
    """sound or video: a voice or a face can identify the person who recorded it"""


def evidence_refusal(policy: Policy, route: ChatRoute, draft: Draft, size: int = 0) -> list[Intent]:
    """Why a file Telegram announces with `size` bytes cannot be added to the draft now ([] when
    it can). Stored files are not measured again: cleaning may change a file's size."""
    to, lang = ToChat(route), draft.language
    if draft.step is not Step.EVIDENCE:
        key = "intake.files_later" if draft.step in TEXT_STEPS else "intake.files_not_now"
        return [Say(to, key, lang=lang), prompt(policy, draft, route)]
    done = ((button("button.done_evidence", "done", draft),),)
    if len(draft.evidence_ids) >= policy.max_attachments:
        return [Say(to, "intake.evidence_limit", {"max": policy.max_attachments}, lang=lang,
                    buttons=done)]
    if size > policy.max_file_bytes:
        return [uploads.refusal_say(policy, route, "evidence_too_big", lang, done)]
    return []


async def receive_evidence(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, upload: Upload, now: datetime
) -> list[Intent]:
    async with uow:
        await uow.lock_chat(route)
        draft = await _load(uow, route, policy)
        to, lang = ToChat(route), draft.language
        refused = evidence_refusal(policy, route, draft)
        if refused:
            return await _finish(uow, refused)
        scope = uow.actor_token("draft", draft.id)
        done = ((button("button.done_evidence", "done", draft),),)
        if await uploads.held_back(uow, scope, upload.may_carry_metadata, now):
            draft.updated_at = now
            await uow.drafts.save(route, draft)
            return await _finish(uow, [Say(to, "intake.metadata_held", lang=lang, buttons=done)])
        evidence_id = await uow.evidence.add(
            draft.id, upload.kind, upload.data, upload.mime_type, upload.file_name, upload.caption
        )
        draft.evidence_ids.append(evidence_id)
        draft.updated_at = now
        await uow.drafts.save(route, draft)
        intents = await uploads.notices(
            uow, to, lang, scope, removed=upload.metadata_removed,
            may_carry_metadata=upload.may_carry_metadata, recording=upload.recording, now=now)
        intents.append(Say(
            to, "intake.evidence_saved",
            {"count": len(draft.evidence_ids), "max": policy.max_attachments}, lang=lang,
            buttons=done,
        ))
        return await _finish(uow, intents)


async def evidence_rejected(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, reason: str
) -> list[Intent]:
    """A file that cannot be taken (too big, unreadable, too many pixels): say so, keep
    everything else."""
    async with uow:
        draft = await _load(uow, route, policy)
        say = uploads.refusal_say(policy, route, f"evidence_{reason}", draft.language)
        return await _finish(uow, [say])


async def press(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, action: str, version: str, arg: str,
    now: datetime, sealer: Sealer,
) -> list[Intent]:
    """An intake button. Buttons from an older step are stale and change nothing."""
    async with uow:
        await uow.lock_chat(route)
        draft = await uow.drafts.get(route)
        if draft is None:
            raise NoDraft
        draft.max_chars = policy.max_answer_chars
        if action == "cancel":
            await uow.drafts.delete(route)
            return await _finish(uow, [Say(ToChat(route), "intake.cancelled", lang=draft.language)])
        if version != str(draft.version):
            raise StaleButton
        intents = await _apply_button(uow, policy, route, draft, action, arg, now, sealer)
        return await _finish(uow, intents)


async def _apply_button(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, draft: Draft, action: str, arg: str,
    now: datetime, sealer: Sealer,
) -> list[Intent]:
    to, lang = ToChat(route), draft.language
    try:
        if action == "cat":
            index = int(arg) if arg.isdigit() else -1
            if not 0 <= index < len(policy.categories):
                raise StaleButton
            draft.category = policy.categories[index]
            fire(draft, "choose_category")
        elif action == "next":
            problem = draft.answer_problem()
            if not fire(draft, "proceed"):
                params = {"max": policy.max_answer_chars}
                return [Say(to, f"intake.problem.{problem}", params, lang=lang),
                        prompt(policy, draft, route)]
        elif action == "clear":
            draft.clear_pending()
        elif action == "skip":
            fire(draft, "skip")
        elif action == "done":
            fire(draft, "finish_evidence")
        elif action == "anon":
            draft.sealed_contact = None
            fire(draft, "stay_anonymous")
        elif action == "contact":
            draft.sealed_contact = None
            fire(draft, "leave_contact")
        elif action == "edit":
            fire(draft, f"edit_{arg}")
        elif action == "submit":
            if not draft.complete():
                missing = ", ".join(s.value for s in draft.missing_steps())
                return [Say(to, "intake.incomplete", {"missing": missing}, lang=lang)]
            return await _submit(uow, policy, route, draft, now)
        else:
            raise StaleButton
    except InvalidStep as exc:
        raise StaleButton from exc
    draft.updated_at = now
    await uow.drafts.save(route, draft)
    return [prompt(policy, draft, route)]


async def _submit(
    uow: UnitOfWork, policy: Policy, route: ChatRoute, draft: Draft, now: datetime
) -> list[Intent]:
    fire(draft, "submit")
    number = await uow.cases.next_number(now.year, policy.case_prefix)
    delay = policy.new_case_delay_max.total_seconds()
    post_after = now + (policy.new_case_delay_max * (secrets.randbelow(1000) / 1000)) if delay else None
    case = Case(
        id=str(uuid.uuid4()), number=number, category=draft.category or "lainnya",
        language=draft.language, report={f: draft.answers.get(f, "") for f in REPORT_FIELDS},
        created_at=now, updated_at=now, has_contact=draft.sealed_contact is not None,
        evidence_ids=list(draft.evidence_ids), post_after=post_after,
    )
    ticket = new_ticket_code()
    await uow.cases.add(case, ticket, route, draft.sealed_contact)
    await uow.evidence.attach(draft.evidence_ids, case.id)
    await uow.drafts.delete(route)
    await uow.audit.record("reporter", "case.submitted", case.number, case.category)
    if case.has_contact:
        await uow.audit.record("reporter", "contact.sealed", case.number)
    await uow.outbox.put(staff_announcement(policy, case), not_before=case.post_after)
    wipe = Button("button.wipe", f"{CB}:wipe:{draft.first_message_id or 0}:")
    return [
        Say(ToChat(route), "intake.submitted", {"ticket": ticket, "number": case.number},
            lang=draft.language, buttons=((wipe,),)),
    ]


def staff_announcement(policy: Policy, case: Case) -> list[Intent]:
    """The staff group learns of a new case: its topic, its card, its evidence."""
    from flows.casework import case_card  # local: casework imports this module's helpers

    intents: list[Intent] = [OpenTopic(case.id), case_card(policy, case)]
    intents += [SendEvidence(ToStaff(case.id), eid, case.id, policy.staff_language)
                for eid in case.evidence_ids]
    return intents


async def cancel(uow: UnitOfWork, route: ChatRoute, language: str) -> list[Intent]:
    async with uow:
        await uow.lock_chat(route)
        draft = await uow.drafts.get(route)
        await uow.drafts.delete(route)
        key = "intake.cancelled" if draft else "intake.nothing_to_cancel"
        return await _finish(uow, [Say(ToChat(route), key, lang=draft.language if draft else language)])


async def expire_drafts(uow: UnitOfWork, policy: Policy, now: datetime) -> int:
    async with uow:
        count = await uow.drafts.delete_expired(now - policy.draft_ttl)
        if count:
            await uow.audit.record("system", "drafts.expired", None, str(count))
        await uow.commit()
        return count


async def wipe_conversation(
    uow: UnitOfWork, route: ChatRoute, first_message_id: int, last_message_id: int, language: str
) -> list[Intent]:
    """Delete the report's messages from the reporter's chat (Telegram allows it within 48 h)."""
    async with uow:
        first = first_message_id if 0 < first_message_id <= last_message_id else last_message_id
        intents: list[Intent] = [
            WipeChat(ToChat(route), first, last_message_id),
            Say(ToChat(route), "intake.wiped", lang=language),
        ]
        return await _finish(uow, intents)
