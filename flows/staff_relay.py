"""The anonymous relay, staff to reporter: what relays, the short window in which a relay can be
taken back, and files.

Only explicit acts relay: `/tanya`, or a reply to the case card or to a reporter's message. A
reply to any other message of a case (an evidence copy, a status note, a confirmation) stays in
the group; the officer is told once per case, quietly, how to ask the reporter.

With a window (`Policy.relay_delay`) the relay waits in the outbox until it is due; its
confirmation carries [Batalkan], which deletes it while no sender has taken it. The question is
recorded (case message, "question waiting", audit `relay.to_reporter` for the timeline) only when
it leaves, so a cancelled question is never shown to anyone; a cancelled one leaves only the
audit record `relay.cancelled`. Without a window it is recorded as it is queued, as before.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flows import uploads
from flows.announcement import card_changes, case_card
from flows.buttons import RelayButton
from flows.context import Answer, Context, Reply
from flows.delivery_model import LinkKind, StaffLink
from flows.errors import StaleButton
from flows.intents import (
    Button,
    EditConfirmation,
    Intent,
    Later,
    RelayFile,
    Say,
    ToReporter,
    ToStaff,
)
from flows.model import Case, Direction
from flows.uploads import Upload

FILE_KINDS = ("photo", "document", "voice")
HINT_WINDOW = 10 * 365 * 86400.0
"""The "how to ask the reporter" hint: once per case and officer (a window as long as a case)."""


def relays(case: Case, link: StaffLink, message_id: int) -> bool:
    """Whether a reply to this staff-group message of `case` relays. A link written before
    kinds were kept counts as the card only when it is the case's card."""
    kind = link.kind or (LinkKind.CARD if message_id == case.card_message_id else LinkKind.NOTE)
    return kind in LinkKind.RELAYING


async def hint(ctx: Context, case: Case, staff_user_id: int) -> list[Intent]:
    """A reply to an internal message of a case: nothing relays; the officer learns once,
    quietly, how to ask the reporter."""
    uow = ctx.uow
    scope = f"hint.relay:{uow.actor_token('case', case.id)}:{uow.actor_token('staff', staff_user_id)}"
    if not await uow.throttle.hit(scope, 1, HINT_WINDOW, ctx.now):
        return []
    return [Say(ToStaff(case.id), "staff.relay_hint", {"number": case.number},
                lang=ctx.policy.staff_language, silent=True)]


async def ask(ctx: Context, case: Case, staff_user_id: int, text: str, reply_in: ToStaff,
              upload: Upload | None = None) -> list[Intent | Later]:
    """Relay a staff question (and/or file) to the reporter as "Petugas WBS", never with a
    staff name: at once, or after the window with [Batalkan] on its confirmation."""
    uow, policy, now = ctx.uow, ctx.policy, ctx.now
    lang = policy.staff_language
    text = text.strip()[: policy.max_answer_chars]
    if not text and upload is None:
        return [Say(reply_in, "staff.empty_question", lang=lang)]
    if case.closed:
        return [Say(reply_in, "staff.case_closed", {"number": case.number}, lang=lang)]
    actor = uow.actor_token("staff", staff_user_id)
    notes: list[Intent] = []
    if upload is not None:
        scope = f"{uow.actor_token('case', case.id)}:{actor}"
        if await uploads.held_back(uow, scope, upload.may_carry_metadata, now):
            return [Say(reply_in, "staff.file_held", {"number": case.number}, lang=lang)]
        notes = _file_notes(reply_in, upload, lang)
    delay = policy.relay_delay
    if delay <= timedelta(0):
        shown = case_card(policy, case, now=now)
        await _record(ctx, case, actor, text, upload)
        return [_to_reporter(case, text, upload, None),
                Say(reply_in, "staff.relayed", {"number": case.number}, lang=lang), *notes,
                *card_changes(policy, case, shown, now)]
    relay_id = str(uuid.uuid4())
    await uow.audit.record(actor, "relay.queued", case.number)
    confirmation = Say(reply_in, "staff.relay_waiting", {
        "number": case.number, "seconds": int(delay.total_seconds())},
        buttons=((Button("button.relay_cancel", RelayButton(relay_id)),),), lang=lang,
        case_id=case.id, link_kind=LinkKind.CONFIRMATION, relay_id=relay_id)
    return [confirmation, *notes,
            Later((_to_reporter(case, text, upload, relay_id),), now + delay)]


def _to_reporter(case: Case, text: str, upload: Upload | None,
                 relay_id: str | None) -> Intent:
    if upload is None:
        return Say(ToReporter(case.id), "reporter.question", {"number": case.number, "text": text},
                   lang=case.language, case_id=case.id, relay_id=relay_id)
    return RelayFile(ToReporter(case.id), case.id, case.number, upload.kind, upload.data,
                     upload.mime_type, text, case.language, relay_id)


def _file_notes(reply_in: ToStaff, upload: Upload, lang: str) -> list[Intent]:
    """What the officer is told about the file: what was removed, what may remain."""
    notes: list[Intent] = []
    if upload.metadata_removed:
        notes.append(Say(reply_in, "staff.file_metadata_removed", lang=lang))
    if upload.may_carry_metadata:
        notes.append(Say(reply_in, "staff.file_metadata_kept", lang=lang))
    return notes


async def _record(ctx: Context, case: Case, actor: str, text: str,
                  upload: Upload | RelayFile | None) -> None:
    """The question as the reporter received it: in the case's messages (what /status shows as
    waiting), the case awaiting an answer, the audit log (the timeline)."""
    now = ctx.now
    body = text or ("📎" if upload is not None else "")
    await ctx.uow.cases.add_message(case.id, Direction.TO_REPORTER, body, now)
    case.awaiting_answer = True
    case.updated_at = now
    if case.acknowledged_at is None:
        case.acknowledged_at = now
    await ctx.uow.cases.save(case)
    await ctx.uow.audit.record(actor, "relay.to_reporter", case.number)


async def sent(ctx: Context, relay: Intent) -> list[Intent]:
    """A relay left after its window: recorded now; its confirmation says so."""
    if not isinstance(relay, Say | RelayFile) or relay.relay_id is None or relay.case_id is None:
        return []
    case = await ctx.uow.cases.get(relay.case_id)
    if case is None:
        return []
    text = str(relay.params.get("text", "")) if isinstance(relay, Say) else relay.text
    shown = case_card(ctx.policy, case, now=ctx.now)
    await _record(ctx, case, "system", text, relay if isinstance(relay, RelayFile) else None)
    return [EditConfirmation(ToStaff(case.id), relay.relay_id, "staff.relay_sent",
                             {"number": case.number}, ctx.policy.staff_language),
            *card_changes(ctx.policy, case, shown, ctx.now)]


async def cancel(ctx: Context, relay_id: str, staff_user_id: int) -> Reply:
    """[Batalkan]: the relay is deleted if it has not left; nothing reaches the reporter and
    nothing of it is kept but the audit record. Too late: the officer is told."""
    uow, lang = ctx.uow, ctx.policy.staff_language
    relay = await uow.outbox.cancel_relay(relay_id)
    if not isinstance(relay, Say | RelayFile) or relay.case_id is None:
        return Reply(answer=Answer("staff.relay_too_late", alert=True))
    found = await uow.cases.destination(relay.case_id)
    if found is not None and found.group != ctx.staff_group:
        raise StaleButton  # another group's relay: nothing cancelled (the bus undoes it)
    number = found.number if found else ""
    await uow.audit.record(uow.actor_token("staff", staff_user_id), "relay.cancelled", number)
    return Reply([EditConfirmation(ToStaff(relay.case_id), relay_id, "staff.relay_cancelled",
                                   {"number": number}, lang)], answer=Answer(""))


__all__ = ["FILE_KINDS", "ask", "cancel", "hint", "relays", "sent"]
