"""Reporter intake use cases: from /lapor to a ticket code.

Each takes the bus's `Context` (its unit of work is open, the chat locked, the draft read) and
returns what must be said; the bus writes it to the outbox and commits. None of them commits.
"""

from __future__ import annotations

import secrets
import uuid

from flows import routing, uploads
from flows.announcement import staff_announcement
from flows.buttons import IntakeButton, WipeButton
from flows.context import Context
from flows.errors import NoDraft, StaleButton, TooManyReports
from flows.intake import TEXT_STEPS, Draft, InvalidStep, Step, fire, is_continue_word
from flows.intents import Button, ChatRoute, Fields, Intent, Later, Say, ToChat, WipeChat
from flows.model import Case
from flows.policy import REPORT_WINDOW, report_limit_key
from flows.prompts import REPORT_FIELDS, button, done_button, prompt
from flows.status import status_request
from flows.tickets import new_ticket_code
from flows.uploads import Upload

__all__ = ["REPORT_FIELDS", "Upload", "cancel", "evidence_refusal", "evidence_rejected",
           "expire_drafts", "press", "receive_evidence", "receive_text", "receive_unsupported",
           "start_report", "wipe_conversation"]


async def start_report(ctx: Context, route: ChatRoute, message_id: int) -> list[Intent]:
    """`/lapor`: a new draft, or the one in progress when there is one (nothing is lost)."""
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
    await uow.chats.clear_ticket_prompt(route)  # after Cek status: the reporter moved on
    draft = ctx.draft
    if draft is not None:
        return [prompt(policy, draft, route, "intake.resume")]
    if not await uow.throttle.hit(report_limit_key(uow.actor_token("chat", route)),
                                  policy.reports_per_chat_per_hour, REPORT_WINDOW, now):
        raise TooManyReports
    draft = Draft(
        id=str(uuid.uuid4()), language=ctx.language, created_at=now, updated_at=now,
        first_message_id=message_id, max_chars=policy.max_answer_chars,
    )
    await uow.drafts.save(route, draft)
    return [prompt(policy, draft, route, "intake.intro")]  # the intro and the first question


def _loaded(ctx: Context) -> Draft:
    draft = ctx.draft
    if draft is None:
        raise NoDraft
    return draft


async def receive_text(ctx: Context, route: ChatRoute, text: str) -> list[Intent]:
    """A message during a draft. At a text step it is the answer, and the next question follows
    at once (one message back); a word like "lanjut" moves on instead; an answer too short is
    kept and asked about again calmly. A ticket code in it makes it a status request instead:
    never saved, never sealed."""
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
    draft = _loaded(ctx)
    ctx.language = draft.language
    said = await status_request(ctx, route, text, drafted_at=draft.updated_at)
    if said is not None:
        return said
    draft.updated_at = now  # the reporter is still here: the draft must not expire
    if is_continue_word(text):
        return await _move_on(ctx, route, draft)
    if draft.step is Step.CONTACT:
        # Sealed at once: the contact details never rest readable, not even in the draft.
        draft.sealed_contact = ctx.sealer.seal(text[: policy.max_answer_chars].encode())
        fire(draft, "proceed")
        await uow.drafts.save(route, draft)
        return [prompt(policy, draft, route, "intake.contact_sealed")]
    if draft.step not in TEXT_STEPS:
        await uow.drafts.save(route, draft)
        return [prompt(policy, draft, route, "intake.use_buttons")]
    base = draft.pending or (draft.saved_answer() if draft.appending else "")
    joined = len(base) + len(text) + (1 if base else 0)  # add_text joins with \n
    if joined > policy.max_answer_chars:
        await uow.drafts.save(route, draft)
        return [prompt(policy, draft, route, "intake.problem.too_long")]
    draft.add_text(text)
    problem = draft.answer_problem()
    if problem is None:
        fire(draft, "proceed")
    await uow.drafts.save(route, draft)
    return [prompt(policy, draft, route, f"intake.problem.{problem}" if problem else "")]


async def _move_on(ctx: Context, route: ChatRoute, draft: Draft) -> list[Intent]:
    """"lanjut", "sudah", "done" typed instead of a button: the step's way forward (never added
    to the answer)."""
    step = draft.step
    if step in TEXT_STEPS:
        action = "skip" if step is Step.WHERE and not draft.candidate_answer() else "next"
    elif step is Step.EVIDENCE:
        action = "done"
    elif step is Step.CONTACT:
        action = "next"
    else:
        await ctx.uow.drafts.save(route, draft)
        return [prompt(ctx.policy, draft, route, "intake.use_buttons")]
    return await _apply_button(ctx, route, draft, action, "")  # type: ignore[return-value]


async def receive_unsupported(ctx: Context, route: ChatRoute) -> list[Intent]:
    """A sticker, location, contact or poll where an answer was asked: say what is expected."""
    draft = _loaded(ctx)
    asks_text = draft.step in TEXT_STEPS or draft.step is Step.CONTACT
    key = "intake.text_only" if asks_text else "intake.use_buttons"
    return [prompt(ctx.policy, draft, route, key)]


def evidence_refusal(ctx: Context, route: ChatRoute, draft: Draft, size: int = 0,
                     kind: str = "") -> list[Intent]:
    """Why a file Telegram announces with `size` bytes cannot be added to the draft ([] when it
    can: at any step, it is kept for the evidence step). Stored files are not measured again:
    cleaning may change a file's size."""
    policy = ctx.policy
    to, lang = ToChat(route), draft.language
    at_evidence = draft.step is Step.EVIDENCE
    if _answers_by_voice(ctx, draft, kind):
        return ([uploads.refusal_say(policy, route, "evidence_too_big", lang)]
                if size > policy.max_file_bytes else [])
    if len(draft.evidence_ids) >= policy.max_attachments:
        if not at_evidence:
            return [prompt(policy, draft, route, "intake.files_full")]
        return [Say(to, "intake.evidence_limit", {"max": policy.max_attachments}, lang=lang,
                    buttons=done_button(draft))]
    if size > policy.max_file_bytes:
        return [uploads.refusal_say(policy, route, "evidence_too_big", lang,
                                    done_button(draft) if at_evidence else ())]
    return []


async def receive_evidence(ctx: Context, route: ChatRoute, upload: Upload) -> list[Intent]:
    """A file, at any step of the draft: kept (encrypted) for the evidence step. At the evidence
    step it is counted; at any other step the current question comes again with a short note."""
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
    draft = _loaded(ctx)
    to, lang = ToChat(route), draft.language
    if _answers_by_voice(ctx, draft, upload.kind):
        return await _voice_answer(ctx, route, draft, upload)
    refused = evidence_refusal(ctx, route, draft)
    if refused:
        return refused
    at_evidence = draft.step is Step.EVIDENCE
    scope = uow.actor_token("draft", draft.id)
    if await uploads.held_back(uow, scope, upload.may_carry_metadata, now):
        draft.updated_at = now
        await uow.drafts.save(route, draft)
        return [Say(to, "intake.metadata_held", lang=lang,
                    buttons=done_button(draft) if at_evidence else ())]
    evidence_id = await uow.evidence.add(
        draft.id, upload.kind, upload.data, upload.mime_type, upload.file_name, upload.caption
    )
    draft.keep_file(evidence_id, upload.kind, len(upload.data), upload.caption)
    draft.updated_at = now
    await uow.drafts.save(route, draft)
    intents = await uploads.notices(
        uow, to, lang, scope, removed=upload.metadata_removed,
        may_carry_metadata=upload.may_carry_metadata, recording=upload.recording, now=now)
    if not at_evidence:
        intents.append(prompt(policy, draft, route, "intake.files_kept"))
        return intents
    count = len(draft.evidence_ids)
    intents.append(Say(
        to, "intake.evidence_saved", {"count": count, "max": policy.max_attachments}, lang=lang,
        buttons=((button("button.remove_this_file", "drop", draft, evidence_id),),
                 *done_button(draft)),
    ))
    return intents


def _answers_by_voice(ctx: Context, draft: Draft, kind: str) -> bool:
    """A voice note at a story step answers it (at most `max_attachments` voices per draft;
    beyond that it is kept as a file, within the files' own limit)."""
    return (kind == "voice" and draft.step in TEXT_STEPS
            and len(draft.voice_ids()) < ctx.policy.max_attachments)


async def _voice_answer(ctx: Context, route: ChatRoute, draft: Draft,
                        upload: Upload) -> list[Intent]:
    """A voice note answers the story step: kept encrypted with the draft (as files are), and
    the next question follows. It counts as an answer (no minimum length); text can still be
    added with [➕ Tambah]. The first time, a word that a voice can identify the speaker."""
    uow, now = ctx.uow, ctx.now
    step = draft.step
    evidence_id = await uow.evidence.add(draft.id, "voice", upload.data, upload.mime_type, None,
                                         None, answer=step.value)
    draft.add_voice(evidence_id, upload.duration)
    draft.updated_at = now
    fire(draft, "proceed")  # a voice is an answer: the guard lets it through
    await uow.drafts.save(route, draft)
    scope = uow.actor_token("draft", draft.id)
    intents = await uploads.notices(uow, ToChat(route), draft.language, scope, removed=False,
                                    may_carry_metadata=False, recording=True, now=now)
    intents.append(prompt(ctx.policy, draft, route, "intake.voice_saved"))
    return intents


def evidence_rejected(ctx: Context, route: ChatRoute, reason: str) -> list[Intent]:
    """A file that cannot be taken (too big, unreadable, too many pixels): say so, keep
    everything else."""
    draft = _loaded(ctx)
    return [uploads.refusal_say(ctx.policy, route, f"evidence_{reason}", draft.language)]


async def press(ctx: Context, route: ChatRoute, pressed: IntakeButton) -> list[Intent | Later]:
    """An intake button. Buttons from an older step are stale and change nothing."""
    draft = _loaded(ctx)
    if pressed.action == "cancel":
        await ctx.uow.drafts.delete(route)
        return [Say(ToChat(route), "intake.cancelled", lang=draft.language)]
    if pressed.version != draft.version:
        raise StaleButton
    return await _apply_button(ctx, route, draft, pressed.action, pressed.arg)


async def _apply_button(
    ctx: Context, route: ChatRoute, draft: Draft, action: str, arg: str
) -> list[Intent | Later]:
    policy = ctx.policy
    to, lang = ToChat(route), draft.language
    note = ""
    try:
        if action == "cat":
            index = int(arg) if arg.isascii() and arg.isdigit() else -1
            if not 0 <= index < len(policy.categories):
                raise StaleButton
            draft.category = policy.categories[index]
            fire(draft, "choose_category")
        elif action == "next":
            problem = draft.answer_problem()
            if not fire(draft, "proceed"):
                note = f"intake.problem.{problem}" if problem else "intake.use_buttons"
                return [prompt(policy, draft, route, note)]
        elif action == "clear":
            if draft.step not in TEXT_STEPS:
                raise StaleButton
            draft.clear_answer()
            draft.version += 1  # the question that showed the answer is out of date
            note = "intake.cleared"
        elif action == "drop":
            if not draft.remove_file(arg):
                raise StaleButton
            await ctx.uow.evidence.remove(draft.id, arg)
            note = "intake.file_removed"
        elif action == "back":
            fire(draft, "back")
        elif action == "add":
            if not fire(draft, "add_previous"):
                raise StaleButton
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
                missing = Fields(", ".join(s.value for s in draft.missing_steps()))
                return [Say(to, "intake.incomplete", {"missing": missing}, lang=lang)]
            return await _submit(ctx, route, draft)
        else:
            raise StaleButton
    except InvalidStep as exc:
        raise StaleButton from exc
    draft.updated_at = ctx.now
    await ctx.uow.drafts.save(route, draft)
    return [prompt(policy, draft, route, note)]


async def _submit(ctx: Context, route: ChatRoute, draft: Draft) -> list[Intent | Later]:
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
    fire(draft, "submit")
    number = await uow.cases.next_number(now.year, policy.case_prefix)
    delay = policy.new_case_delay_max.total_seconds()
    post_after = now + (policy.new_case_delay_max * (secrets.randbelow(1000) / 1000)) if delay else None
    case = Case(
        id=str(uuid.uuid4()), number=number, category=draft.category or "lainnya",
        language=draft.language, report={f: draft.shown_answer(f) for f in REPORT_FIELDS},
        created_at=now, updated_at=now, has_contact=draft.sealed_contact is not None,
        evidence_ids=[*draft.voice_ids(), *draft.evidence_ids], post_after=post_after,
        staff_group=routing.group_for(policy, draft.category, draft.conflict),
    )
    ticket = new_ticket_code()
    await uow.cases.add(case, ticket, route, draft.sealed_contact)
    await uow.evidence.attach(case.evidence_ids, case.id)  # voice answers first, after the card
    await uow.drafts.delete(route)
    await uow.audit.record("reporter", "case.submitted", case.number, case.category)
    if case.staff_group is not None:  # which kind of group, never its members
        await uow.audit.record("system", "case.routed", case.number,
                               "escalation" if routing.escalates(policy, draft.conflict)
                               else "category")
    if case.has_contact:
        await uow.audit.record("reporter", "contact.sealed", case.number)
    wipe = Button("button.wipe", WipeButton(draft.first_message_id or 0))
    return [
        Later(tuple(staff_announcement(policy, case)), case.post_after),
        Say(ToChat(route), "intake.submitted", {"ticket": ticket, "number": case.number},
            lang=draft.language, buttons=((wipe,),)),
    ]


async def cancel(ctx: Context, route: ChatRoute) -> list[Intent]:
    draft = ctx.draft
    await ctx.uow.drafts.delete(route)
    key = "intake.cancelled" if draft else "intake.nothing_to_cancel"
    return [Say(ToChat(route), key, lang=draft.language if draft else ctx.language)]


async def expire_drafts(ctx: Context) -> int:
    count = await ctx.uow.drafts.delete_expired(ctx.now - ctx.policy.draft_ttl)
    if count:
        await ctx.uow.audit.record("system", "drafts.expired", None, str(count))
    return count


def wipe_conversation(route: ChatRoute, first_message_id: int, last_message_id: int,
                      language: str) -> list[Intent]:
    """Delete the report's messages from the reporter's chat (Telegram allows it within 48 h)."""
    first = first_message_id if 0 < first_message_id <= last_message_id else last_message_id
    return [WipeChat(ToChat(route), first, last_message_id),
            Say(ToChat(route), "intake.wiped", lang=language)]
