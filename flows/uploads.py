"""May this evidence file be taken? The limits on files, checked before a file is downloaded
(with the size Telegram announces) and again when it is stored (with its real size), and the
notices a reporter gets once rather than with every file.

In a draft: at most `max_attachments` files of at most `max_file_bytes`. After submission: at
most `case_files_per_day` files and `case_bytes_per_day` bytes per case, and the same per chat,
in fixed windows of a day (throttle keys are keyed hashes of the chat and of the case id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.intents import Button, ChatRoute, Intent, Say, ToChat
from flows.policy import Policy
from flows.ports import UnitOfWork

DAY = 24 * 3600.0


@dataclass(frozen=True)
class Usage:
    """Files and bytes already taken in the current day's window (the larger of chat and case)."""
    files: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class Upload:
    """A file taken from a reporter, downloaded and cleaned."""
    kind: str
    data: bytes
    mime_type: str | None
    file_name: str | None
    metadata_removed: bool = False
    may_carry_metadata: bool = False
    caption: str | None = None
    recording: bool = False
    """sound or video: a voice or a face can identify the person who recorded it"""
    duration: int = 0
    """seconds, as Telegram announces them (a voice answer shows "🎤 0:42")"""


def refusal(policy: Policy, used: Usage, size: int) -> str | None:
    """Why a file Telegram announces with `size` bytes cannot be added to a case after `used`
    today, or None when it can."""
    if size > policy.max_file_bytes:
        return "evidence_too_big"
    return over_daily_limit(policy, used, size)


def over_daily_limit(policy: Policy, used: Usage, size: int) -> str | None:
    """The daily limits alone, for a file about to be stored: `size` is what it takes in storage
    (cleaning may have changed it; its size on arrival was checked at the door)."""
    if used.files + 1 > policy.case_files_per_day:
        return "files_per_day"
    if used.bytes + size > policy.case_bytes_per_day:
        return "bytes_per_day"
    return None


def refusal_say(policy: Policy, route: ChatRoute, reason: str, language: str,
                buttons: tuple[tuple[Button, ...], ...] = ()) -> Say:
    """The calm answer to a refused file (intake.evidence_too_big, intake.files_per_day, ...)."""
    mb = policy.max_file_bytes // (1024 * 1024)
    params: dict[str, object] = {"max_mb": mb, "files": policy.case_files_per_day,
                                 "day_mb": policy.case_bytes_per_day // (1024 * 1024),
                                 "max_mp": policy.max_image_pixels // 1_000_000}
    return Say(ToChat(route), f"intake.{reason}", params, lang=language, buttons=buttons)


def _keys(uow: UnitOfWork, route: ChatRoute, case_id: str) -> tuple[tuple[str, str], ...]:
    """(files key, bytes key) of the chat, and of the case."""
    return tuple((f"upload.files:{who}", f"upload.bytes:{who}")
                 for who in (uow.actor_token("chat", route), uow.actor_token("case", case_id)))


async def usage(uow: UnitOfWork, route: ChatRoute, case_id: str, now: datetime) -> Usage:
    keys = _keys(uow, route, case_id)
    counts = await uow.throttle.used([k for pair in keys for k in pair], DAY, now)
    return Usage(max(counts[f] for f, _ in keys), max(counts[b] for _, b in keys))


async def count(uow: UnitOfWork, policy: Policy, route: ChatRoute, case_id: str, size: int,
                now: datetime) -> None:
    """Count one file of `size` bytes for the chat and the case (after `refusal` said yes)."""
    for files, size_key in _keys(uow, route, case_id):
        await uow.throttle.hit(files, policy.case_files_per_day, DAY, now)
        await uow.throttle.hit(size_key, policy.case_bytes_per_day, DAY, now, amount=size)


async def first_time(uow: UnitOfWork, notice: str, scope: str, now: datetime) -> bool:
    """True the first time `notice` is due in `scope` (a draft, a case) within a day."""
    return await uow.throttle.hit(f"notice.{notice}:{scope}", 1, DAY, now)


async def held_back(uow: UnitOfWork, scope: str, may_carry_metadata: bool, now: datetime) -> bool:
    """A file Peluit cannot clean is held back the first time, with a warning of what may remain:
    sent again, it is taken as it is."""
    return may_carry_metadata and await first_time(uow, "unclean", scope, now)


async def notices(uow: UnitOfWork, to: ToChat, language: str, scope: str, *, removed: bool,
                  may_carry_metadata: bool, recording: bool, now: datetime) -> list[Intent]:
    """What the reporter is told about a file just taken."""
    said: list[Intent] = []
    if removed:
        key = "intake.metadata_removed_recording" if recording else "intake.metadata_removed"
        said.append(Say(to, key, lang=language))
    if may_carry_metadata:
        said.append(Say(to, "intake.metadata_kept", lang=language))
    if recording and await first_time(uow, "voice", scope, now):
        said.append(Say(to, "intake.voice_notice", lang=language))
    return said
