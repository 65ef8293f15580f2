"""`peluit check`, and the same check when the bot starts: is the token good (getMe), is the staff
group there and a supergroup (getChat), may the bot do what Peluit needs there (getChatMember of
itself: an administrator, allowed to manage topics in a forum)? Each finding is one plain line
saying what is wrong and what to do; the token is never printed (nor any error text, which may
quote it).

Peluit never deletes messages in the staff group, so `can_delete_messages` is not asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, TelegramError

OK, PROBLEM, FATAL = "ok", "problem", "fatal"
"""A finding's weight: fine; to fix (the bot still runs); the bot cannot work (it will not start)."""


@dataclass(frozen=True)
class Finding:
    level: str
    text: str

    def line(self) -> str:
        return f"{'✓' if self.level == OK else '✗'} {self.text}"


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing to fix (`peluit check` exits 0)."""
        return all(f.level == OK for f in self.findings)

    @property
    def reachable(self) -> bool:
        """The bot can reach its staff group (else it refuses to start)."""
        return all(f.level != FATAL for f in self.findings)

    def lines(self) -> list[str]:
        lines = [f.line() for f in self.findings]
        problems = sum(f.level != OK for f in self.findings)
        lines.append("All good." if not problems else
                     f"{problems} thing{'s' if problems > 1 else ''} to fix (✗ above).")
        return lines


class StaffGroupUnreachable(Exception):
    """The bot will not start: the check found the staff group out of reach."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__("the staff group cannot be reached")
        self.report = report


async def check(bot: Bot, staff_chat_id: int) -> CheckReport:
    report = CheckReport()
    add = report.findings.append
    try:
        me = await bot.get_me()
    except InvalidToken:
        add(Finding(FATAL, "Telegram refused the bot token. Set TELEGRAM_BOT_TOKEN to the token "
                           "@BotFather gives for this bot (/token; after /revoke only the new one "
                           "works)."))
        return report
    except NetworkError:
        add(Finding(FATAL, "The Bot API cannot be reached. Check the network and "
                           "TELEGRAM_API_URL, then try again."))
        return report
    add(Finding(OK, f"The token works: this is @{me.username}."))

    group = f"the staff group (PELUIT_STAFF_CHAT_ID={staff_chat_id})"
    try:
        chat = await bot.get_chat(staff_chat_id)
    except ChatMigrated as moved:
        add(Finding(FATAL, f"{group} became a supergroup and has a new id. Set "
                           f"PELUIT_STAFF_CHAT_ID={moved.new_chat_id} and start Peluit again."))
        return report
    except Forbidden:
        add(Finding(FATAL, f"The bot is not in {group} (never added, or removed). Add the bot to "
                           "the group and make it an administrator."))
        return report
    except BadRequest:
        add(Finding(FATAL, f"Telegram knows no group with this id that the bot is in: {group}. "
                           "Check the id (a supergroup's looks like -1001234567890, and enabling "
                           "Topics changes it) and that the bot was added to the group."))
        return report
    except NetworkError:
        add(Finding(FATAL, "The Bot API cannot be reached. Check the network and "
                           "TELEGRAM_API_URL, then try again."))
        return report
    if chat.type not in ("group", "supergroup"):
        add(Finding(FATAL, f"{group} is a {chat.type} chat, not a group. Set PELUIT_STAFF_CHAT_ID "
                           "to the staff group's id (it starts with -100)."))
        return report
    if chat.type == "group":
        add(Finding(PROBLEM, f"{group} is a basic group. Peluit works there, but Telegram turns it "
                             "into a supergroup with a new id as soon as Topics (or some other "
                             "settings) are switched on. Enable Topics now (each case then gets "
                             "its own topic) and set the new id."))
    elif chat.is_forum:
        add(Finding(OK, "The staff group is a supergroup with Topics: each case gets its own "
                        "topic."))
    else:
        add(Finding(OK, "The staff group is a supergroup without Topics: each case is threaded "
                        "as replies to its card (enable Topics for a topic per case)."))

    try:
        member = await bot.get_chat_member(staff_chat_id, me.id)
    except TelegramError:
        add(Finding(PROBLEM, "The bot's rights in the staff group could not be read. Make sure "
                             "it is an administrator of the group."))
        return report
    if member.status not in ("administrator", "creator"):
        add(Finding(PROBLEM, "The bot is not an administrator of the staff group. Make it one (in "
                             "the group: Administrators → Add administrator)"
                             + (", with the right to manage topics" if chat.is_forum else "")
                             + ": Peluit needs it to see who leaves the group and to see the "
                               "group's replies."))
        return report
    if chat.is_forum and not getattr(member, "can_manage_topics", False) \
            and member.status != "creator":
        add(Finding(PROBLEM, "The bot may not manage topics. In the group's administrators, give "
                             "the bot the right to manage topics: Peluit creates, renames, closes "
                             "and reopens one topic per case."))
        return report
    add(Finding(OK, "The bot is an administrator of the staff group"
                    + (" and may manage topics." if chat.is_forum else ".")))
    return report
