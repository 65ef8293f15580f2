"""Staff group handlers: relay by reply or /tanya, status moves, lists. Only the configured staff
group counts, and only people who are its members now; every other group is left."""

from __future__ import annotations

import html
import logging
import re

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden

from bot.context import PeluitContext, forget_member, is_staff_member, release, run, say, uow
from bot.render import plain
from flows import casework
from flows.casework import CaseRef
from flows.errors import InvalidTransition
from flows.intents import Say, ToStaff
from flows.lifecycle import MOVES_BY_COMMAND, MOVES_BY_TRIGGER, CaseStatus, move_for_command

log = logging.getLogger("peluit.staff")
LEFT_GROUPS = "peluit.left_groups"
"""bot_data key: groups this process has left (or was removed from), so queued messages from
them do not make it call leaveChat again."""
CASE_NUMBER = re.compile(r"^[A-Za-z]{2,8}-\d{4}-\d{1,9}$")


def _thread(message: Message | None) -> int | None:
    return message.message_thread_id if message and message.is_topic_message else None


def _reply_in(message: Message | None) -> ToStaff:
    return ToStaff(thread_id=_thread(message))


def _split_ref(message: Message | None, args: list[str]) -> tuple[CaseRef, list[str]]:
    """`/cmd WBS-2026-0042 text…` anywhere, or `/cmd text…` inside the case's topic."""
    if args and CASE_NUMBER.match(args[0]):
        return CaseRef(number=args[0]), args[1:]
    return CaseRef(topic_id=_thread(message)), args


async def _authorized(update: Update, context: PeluitContext) -> bool:
    user = update.effective_user
    if user is None or user.is_bot:
        return False
    ok = await is_staff_member(context, user.id)
    if not ok:
        log.info("staff.not_member")
    return ok


def _alert_text(markup: str) -> str:
    """A catalog text for a callback alert, which Telegram shows as plain text: no tags, no
    entities (`<code>/selesai …&lt;keterangan&gt;</code>` would be shown literally)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))[:200]


def _text_after_command(message: Message, skip_words: int) -> str:
    """The command's text as typed (newlines kept), without the command and `skip_words` words."""
    body = (message.text or "").split(maxsplit=1)
    rest = body[1] if len(body) > 1 else ""
    for _ in range(skip_words):
        parts = rest.split(maxsplit=1)
        rest = parts[1] if len(parts) > 1 else ""
    return rest.strip()


async def ask(update: Update, context: PeluitContext) -> None:
    """`/tanya [case number] <question>`."""
    if not await _authorized(update, context):
        return
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    s = context.services
    args = context.args or []
    ref, _rest = _split_ref(message, args)
    text = _text_after_command(message, 1 if ref.number else 0)
    lang = s.policy.staff_language
    if (ref.number is None and ref.topic_id is None) or not text:
        await say(context, [Say(_reply_in(message), "staff.usage_tanya", lang=lang)])
        return
    user_id = update.effective_user.id
    await run(context, update, lang, lambda: casework.ask_reporter(
        uow(context, update), s.policy, ref, user_id, text, s.clock(), _reply_in(message)))


async def reply(update: Update, context: PeluitContext) -> None:
    """A reply to a message of a case relays to the reporter; any other message stays internal."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    replied = message.reply_to_message
    if replied.forum_topic_created is not None or replied.from_user is None:
        return  # a plain message in a topic: internal discussion
    if replied.from_user.id != context.bot.id:
        return
    if not await _authorized(update, context):
        return
    assert update.effective_user is not None
    s, user_id = context.services, update.effective_user.id
    ref = CaseRef(message_id=replied.message_id)
    await run(context, update, s.policy.staff_language, lambda: casework.ask_reporter(
        uow(context, update), s.policy, ref, user_id, message.text or "", s.clock(),
        _reply_in(message)))


async def list_cases(update: Update, context: PeluitContext) -> None:
    if not await _authorized(update, context):
        return
    s = context.services
    await run(context, update, s.policy.staff_language, lambda: casework.list_open(
        uow(context, update), s.policy, s.clock(), _reply_in(update.effective_message)))


async def find(update: Update, context: PeluitContext) -> None:
    if not await _authorized(update, context):
        return
    s, message = context.services, update.effective_message
    ref, _ = _split_ref(message, context.args or [])
    await run(context, update, s.policy.staff_language, lambda: casework.show_case(
        uow(context, update), s.policy, ref, _reply_in(message), s.clock()))


async def statistics(update: Update, context: PeluitContext) -> None:
    if not await _authorized(update, context):
        return
    s = context.services
    await run(context, update, s.policy.staff_language, lambda: casework.statistics(
        uow(context, update), s.policy, _reply_in(update.effective_message), s.clock()))


async def help_command(update: Update, context: PeluitContext) -> None:
    if not await _authorized(update, context):
        return
    lang = context.services.policy.staff_language
    await say(context, [Say(_reply_in(update.effective_message), "staff.help", lang=lang)])


async def move_command(update: Update, context: PeluitContext) -> None:
    """/verifikasi, /perluinfo, /klarifikasi, /selesai, /teruskan, /tolak [case number] [text]."""
    if not await _authorized(update, context):
        return
    message = update.effective_message
    assert message is not None and message.text is not None and update.effective_user is not None
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    s, user_id = context.services, update.effective_user.id
    ref, _ = _split_ref(message, context.args or [])
    typed = _text_after_command(message, 1 if ref.number else 0) or None

    async def use_case() -> list:
        # Which move `/verifikasi` means (verify or resume) depends on the case's status.
        async with uow(context, update) as work:
            case = await casework.find_case(work, s.policy, ref, s.clock())
        move = move_for_command(command, CaseStatus(case.status))
        if move is None or CaseStatus(case.status) not in move.source:
            raise InvalidTransition(command)
        # Only a move that takes a text (conclusion, authority, reason) sends one to the reporter;
        # words after `/verifikasi WBS-…` are a staff note and must stay in the group.
        if move.needs_text and not typed:
            return await _hint(move.command, case.number)
        text = typed if move.needs_text else None
        return await casework.move_case(uow(context, update), s.policy, CaseRef(case_id=case.id),
                                        move.trigger, user_id, text, s.clock(), _reply_in(message))

    async def _hint(command_name: str, number: str) -> list:
        hint = [Say(_reply_in(message), "staff.move_hint",
                    {"command": command_name, "number": number}, lang=s.policy.staff_language)]
        await say(context, hint)
        return hint

    await run(context, update, s.policy.staff_language, use_case)


async def move_button(update: Update, context: PeluitContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await _authorized(update, context):
        await query.answer()
        return
    _, trigger, case_id = ([*query.data.split(":"), "", ""])[:3]
    s, lang = context.services, context.services.policy.staff_language
    move = MOVES_BY_TRIGGER.get(trigger)
    if move is not None and move.needs_text:
        async with uow(context, update) as work:
            case = await work.cases.get(case_id)
            await release()
        hint = plain(lang, "staff.move_hint", {"command": move.command,
                                                "number": case.number if case else ""})
        await query.answer(_alert_text(hint), show_alert=True)
        return
    assert update.effective_user is not None
    user_id = update.effective_user.id
    intents = await run(context, update, lang, lambda: casework.move_case(
        uow(context, update), s.policy, CaseRef(case_id=case_id), trigger, user_id, None,
        s.clock(), _reply_in(query.message if isinstance(query.message, Message) else None)))
    if intents is not None:
        await query.answer()


async def reporter_command_here(update: Update, context: PeluitContext) -> None:
    """A reporter command in the staff group: a pointer to the private chat, nothing else."""
    if not await _authorized(update, context):
        return
    lang = context.services.policy.staff_language
    await say(context, [Say(_reply_in(update.effective_message), "error.private_only", lang=lang)])


async def leave_foreign_group(update: Update, context: PeluitContext) -> None:
    """Any group other than the staff group: say nothing, leave (once)."""
    chat = update.effective_chat
    if chat is None or chat.type == "private" or chat.id == context.services.staff_chat_id:
        return
    left: set[int] = context.bot_data.setdefault(LEFT_GROUPS, set())
    change = update.my_chat_member
    if change is not None:
        if change.new_chat_member.status in ("left", "kicked"):
            left.add(chat.id)  # removed from the group: nothing to leave
            return
        left.discard(chat.id)  # added (again): leave again
    elif chat.id in left:
        return  # a message that was already on its way when the bot left
    left.add(chat.id)
    log.info("group.left")
    try:
        await context.bot.leave_chat(chat.id)
    except (BadRequest, Forbidden):  # already out (another replica left, or the bot was removed)
        log.info("group.already_left")


async def membership_changed(update: Update, context: PeluitContext) -> None:
    """Someone joined, left or was removed from the staff group (a chat_member update, which
    Telegram sends to administrator bots): their cached membership is forgotten at once, so a
    removed member's next command or press is checked with Telegram again."""
    change = update.chat_member  # registered for the staff group only
    if change is not None:
        forget_member(context.services, change.new_chat_member.user.id)
        log.info("staff.membership_changed")


MOVE_COMMANDS = tuple(MOVES_BY_COMMAND)
