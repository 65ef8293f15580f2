"""`peluit check`, and the same check when the bot starts: is the token good (getMe), is the staff
group there and a supergroup (getChat), may the bot do what Peluit needs there (getChatMember of
itself: an administrator, allowed to manage topics in a forum)? The same for every configured
staff group: the escalation group and each category route's group. Each finding is one plain line
saying what is wrong and what to do; the token is never printed (nor any error text, which may
quote it).

Peluit never deletes messages in the staff group, so `can_delete_messages` is not asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, TelegramError

OK, PROBLEM, FATAL, UNREACHABLE = "ok", "problem", "fatal", "unreachable"
"""A finding's weight: fine; to fix (the bot still runs); the bot cannot work (it will not
start); another staff group (escalation, a route) cannot be reached: the bot starts (the main
group works), says so loudly at start, and that group's cases wait, never sent elsewhere."""


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


@dataclass(frozen=True)
class Group:
    """A configured staff group as the operator named it: its chat id, the setting naming it,
    and how a finding speaks of it."""

    chat_id: int
    setting: str
    label: str
    main: bool = False


def groups_of(staff_chat_id: int, escalation_chat_id: int = 0,
              routes: tuple[tuple[str, int], ...] = ()) -> list[Group]:
    """Every configured staff group, the main one first, each once."""
    found = [Group(staff_chat_id, "PELUIT_STAFF_CHAT_ID", "the staff group", main=True)]
    if escalation_chat_id:
        found.append(Group(escalation_chat_id, "PELUIT_ESCALATION_CHAT_ID",
                           "the escalation group"))
    for category, chat_id in routes:
        if all(g.chat_id != chat_id for g in found):
            found.append(Group(chat_id, "PELUIT_ROUTES",
                               f"the group for category '{category}'"))
    return found


async def check(bot: Bot, staff_chat_id: int, others: list[Group] | None = None) -> CheckReport:
    """The token, then the main staff group, then every other configured group (`others`)."""
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
    main = Group(staff_chat_id, "PELUIT_STAFF_CHAT_ID", "the staff group", main=True)
    for group in [main, *(g for g in others or [] if not g.main)]:
        found: list[Finding] = []
        await _check_group(bot, me.id, group, found.append)
        if group.main and any(f.level == FATAL for f in found):
            report.findings += found
            return report  # without its main group Peluit does not start: nothing more to ask
        report.findings += [Finding(UNREACHABLE, f.text) if f.level == FATAL else f
                            for f in found]
    return report


async def _check_group(bot: Bot, bot_id: int, where: Group, add: Callable[[Finding], None]) -> None:
    chat_id, setting, label = where.chat_id, where.setting, where.label
    group = f"{label} ({setting}={chat_id})"
    try:
        chat = await bot.get_chat(chat_id)
    except ChatMigrated as moved:
        add(Finding(FATAL, f"{group} became a supergroup and has a new id. Set "
                           f"{setting} to {moved.new_chat_id} and start Peluit again."))
        return
    except Forbidden:
        add(Finding(FATAL, f"The bot is not in {group} (never added, or removed). Add the bot to "
                           "the group and make it an administrator."))
        return
    except BadRequest:
        add(Finding(FATAL, f"Telegram knows no group with this id that the bot is in: {group}. "
                           "Check the id (a supergroup's looks like -1001234567890, and enabling "
                           "Topics changes it) and that the bot was added to the group."))
        return
    except NetworkError:
        add(Finding(FATAL, "The Bot API cannot be reached. Check the network and "
                           "TELEGRAM_API_URL, then try again."))
        return
    if chat.type not in ("group", "supergroup"):
        add(Finding(FATAL, f"{group} is a {chat.type} chat, not a group. Set {setting} "
                           "to the group's id (it starts with -100)."))
        return
    title = label[0].upper() + label[1:]
    if chat.type == "group":
        add(Finding(PROBLEM, f"{group} is a basic group. Peluit works there, but Telegram turns it "
                             "into a supergroup with a new id as soon as Topics (or some other "
                             "settings) are switched on. Enable Topics now (each case then gets "
                             "its own topic) and set the new id."))
    elif chat.is_forum:
        add(Finding(OK, f"{title} is a supergroup with Topics: each case gets its own "
                        "topic."))
    else:
        add(Finding(OK, f"{title} is a supergroup without Topics: each case is threaded "
                        "as replies to its card (enable Topics for a topic per case)."))

    try:
        member = await bot.get_chat_member(chat_id, bot_id)
    except TelegramError:
        add(Finding(PROBLEM, f"The bot's rights in {label} could not be read. Make sure "
                             "it is an administrator of the group."))
        return
    if member.status not in ("administrator", "creator"):
        add(Finding(PROBLEM, f"The bot is not an administrator of {label}. Make it one (in "
                             "the group: Administrators → Add administrator)"
                             + (", with the right to manage topics" if chat.is_forum else "")
                             + ": Peluit needs it to see who leaves the group and to see the "
                               "group's replies."))
        return
    if chat.is_forum and not getattr(member, "can_manage_topics", False) \
            and member.status != "creator":
        add(Finding(PROBLEM, f"The bot may not manage topics in {label}. In the group's "
                             "administrators, give the bot the right to manage topics: Peluit "
                             "creates, renames, closes and reopens one topic per case."))
        return
    add(Finding(OK, f"The bot is an administrator of {label}"
                    + (" and may manage topics." if chat.is_forum else ".")))
