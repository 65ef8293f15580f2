"""Staff group handlers: read the update, build the command, hand it to the bus. Who may act here
(members of the staff group only) is decided once, by the guard (bot/guard.py)."""

from __future__ import annotations

import re
from typing import Any

from telegram import Message, Update

from bot import dispatch
from bot.membership import is_staff_member
from bot.services import PeluitContext
from flows.commands import (
    AskReporter,
    CaseRef,
    FindCase,
    HandOver,
    HandOverTo,
    ListCases,
    MakeCaseFile,
    MakePeriodReport,
    MoveByCommand,
    PrivateOnly,
    ShowStatistics,
    StaffHelp,
    StaffMember,
    StaffReply,
    TakeCase,
    TransferCase,
)
from flows.intents import ToStaff
from flows.lifecycle import MOVES_BY_COMMAND

CASE_NUMBER = re.compile(r"^[A-Za-z]{2,8}-\d{4}-\d{1,9}$")
USERNAME = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")
MOVE_COMMANDS = tuple(MOVES_BY_COMMAND)


def _thread(message: Message | None) -> int | None:
    return message.message_thread_id if message and message.is_topic_message else None


def staff(update: Update) -> dict[str, Any]:
    """What every staff command carries: the update, who, and the thread to answer in."""
    assert update.effective_user is not None
    message = update.effective_message
    if update.callback_query is not None:
        message = update.callback_query.message if isinstance(
            update.callback_query.message, Message) else None
    user = update.effective_user
    return {"update_id": update.update_id, "user_id": user.id,
            "reply_in": ToStaff(thread_id=_thread(message)), "name": user.first_name or "",
            "username": user.username or ""}


def _split_ref(message: Message | None, args: list[str]) -> tuple[CaseRef | None, int]:
    """`/cmd WBS-2026-0042 text…` anywhere, or `/cmd text…` inside the case's topic; and how
    many words of the text the reference took."""
    if args and CASE_NUMBER.match(args[0]):
        return CaseRef(number=args[0]), 1
    thread = _thread(message)
    return (CaseRef(topic_id=thread) if thread is not None else None), 0


def _text_after_command(message: Message, skip_words: int) -> str:
    """The command's text (or a file's caption) as typed (newlines kept), without the command
    and `skip_words` words."""
    body = (message.text or message.caption or "").split(maxsplit=1)
    rest = body[1] if len(body) > 1 else ""
    for _ in range(skip_words):
        parts = rest.split(maxsplit=1)
        rest = parts[1] if len(parts) > 1 else ""
    return rest.strip()


async def ask(update: Update, context: PeluitContext) -> None:
    """`/tanya [case number] <question>`."""
    message = update.effective_message
    assert message is not None
    ref, words = _split_ref(message, context.args or [])
    await dispatch.handle(update, context, AskReporter(
        ref=ref, text=_text_after_command(message, words), **staff(update)))


async def reply(update: Update, context: PeluitContext) -> None:
    """A reply to one of the bot's messages (not to a topic's opening): the bus decides whether
    it belongs to a case; any other message stays internal."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    replied = message.reply_to_message
    if replied.forum_topic_created is not None or replied.from_user is None:
        return  # a plain message in a topic: internal discussion
    if replied.from_user.id != context.bot.id:
        return
    await dispatch.handle(update, context, StaffReply(
        replied_message_id=replied.message_id, text=message.text, **staff(update)))


async def list_cases(update: Update, context: PeluitContext) -> None:
    """`/kasus`; `/kasus saya` (or `/kasus mine`): only the cases I handle."""
    mine = bool(context.args) and context.args[0].lower() in ("saya", "mine", "aku")
    await dispatch.handle(update, context, ListCases(mine=mine, **staff(update)))


async def take(update: Update, context: PeluitContext) -> None:
    """`/ambil` in a case's topic, or `/ambil <case number>`."""
    message = update.effective_message
    ref, _ = _split_ref(message, context.args or [])
    replied = message.reply_to_message if message is not None else None
    if ref is None and replied is not None and replied.from_user is not None \
            and replied.from_user.id == context.bot.id and replied.forum_topic_created is None:
        ref = CaseRef(message_id=replied.message_id)  # a reply to the card: that case
    await dispatch.handle(update, context, TakeCase(ref=ref, **staff(update)))


async def transfer(update: Update, context: PeluitContext) -> None:
    """`/alihkan <group>` in a case's topic, or `/alihkan <case number> <group>`."""
    args = context.args or []
    ref, words = _split_ref(update.effective_message, args)
    rest = args[words:]
    await dispatch.handle(update, context, TransferCase(
        ref=ref, to=rest[0] if rest else "", **staff(update)))


async def hand_over(update: Update, context: PeluitContext) -> None:
    """`/serahkan [case number]`: back to no handler; `… @username`, or as a reply to a member's
    message: to that member (checked with Telegram: a member of the staff group, not a bot)."""
    message = update.effective_message
    args = context.args or []
    ref, words = _split_ref(message, args)
    rest = args[words:]
    to = HandOverTo()
    replied = message.reply_to_message if message is not None else None
    if replied is not None and (replied.forum_topic_created is not None
                                or replied.from_user is None):
        replied = None  # a plain message in a topic, not a reply to anyone
    if ref is None and replied is not None and replied.from_user.id == context.bot.id:
        ref = CaseRef(message_id=replied.message_id)  # a reply to the card: that case
    if rest and USERNAME.match(rest[0]):
        to = HandOverTo(username=rest[0].lstrip("@"))
    elif rest:
        to = HandOverTo(member_ok=False)
    elif replied is not None and replied.from_user.id != context.bot.id:
        user = replied.from_user
        ok = not user.is_bot and await is_staff_member(context, user.id)
        to = HandOverTo(member=StaffMember(user.id, user.first_name or "", user.username or "")
                        if ok else None, member_ok=ok)
    await dispatch.handle(update, context, HandOver(ref=ref, to=to, **staff(update)))


async def find(update: Update, context: PeluitContext) -> None:
    ref, _ = _split_ref(update.effective_message, context.args or [])
    await dispatch.handle(update, context, FindCase(ref=ref or CaseRef(), **staff(update)))


async def statistics(update: Update, context: PeluitContext) -> None:
    """`/statistik [period]`: 2026-11, 30 (days), 2026-Q4, 2026; nothing: this month."""
    await dispatch.handle(update, context, ShowStatistics(
        period=" ".join(context.args or []), **staff(update)))


async def case_file(update: Update, context: PeluitContext) -> None:
    """`/berkas` in a case's topic, or `/berkas WBS-2026-0001` anywhere in the group."""
    ref, _ = _split_ref(update.effective_message, context.args or [])
    await dispatch.handle(update, context, MakeCaseFile(ref=ref or CaseRef(), **staff(update)))


async def period_report(update: Update, context: PeluitContext) -> None:
    """`/laporan <period>`: the PDF for leadership."""
    await dispatch.handle(update, context, MakePeriodReport(
        period=" ".join(context.args or []), **staff(update)))


async def help_command(update: Update, context: PeluitContext) -> None:
    await dispatch.handle(update, context, StaffHelp(**staff(update)))


async def move_command(update: Update, context: PeluitContext) -> None:
    """/verifikasi, /perluinfo, /klarifikasi, /selesai, /teruskan, /tolak [case number] [text]."""
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    ref, words = _split_ref(message, context.args or [])
    await dispatch.handle(update, context, MoveByCommand(
        command=command, ref=ref or CaseRef(), text=_text_after_command(message, words) or None,
        **staff(update)))


async def reporter_command_here(update: Update, context: PeluitContext) -> None:
    """A reporter command in the staff group: a pointer to the private chat, nothing else."""
    await dispatch.handle(update, context, PrivateOnly(**staff(update)))
