"""The institution's rules as one frozen value, built once from settings by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    categories: tuple[str, ...]
    case_prefix: str = "WBS"
    institution_name: str = ""
    """Named in the welcome and the help (empty: a neutral wording)."""
    staff_language: str = "id"
    draft_ttl: timedelta = timedelta(hours=24)
    ack_deadline: timedelta = timedelta(days=7)
    feedback_deadline: timedelta = timedelta(days=90)
    new_case_delay_max: timedelta = timedelta(0)
    max_answer_chars: int = 8000
    max_attachments: int = 10
    max_file_bytes: int = 20 * 1024 * 1024
    """The largest file taken: the setting, within what the Bot API server lets bots download."""
    max_image_pixels: int = 40_000_000
    case_files_per_day: int = 20
    case_bytes_per_day: int = 100 * 1024 * 1024
    reports_per_chat_per_hour: int = 3
    """Reports a chat may submit in an hour. A draft counts while it is being written (so the
    limit refuses the next report before it is written, not at its end); a cancelled draft is
    taken off the count (`report_limit_key`)."""
    status_attempts_per_chat: int = 5
    status_attempts_global: int = 100
    status_window: timedelta = timedelta(minutes=15)
    retention_routing: timedelta = timedelta(days=180)
    retention_content: timedelta = timedelta(days=1825)
    delivery_horizon: timedelta = timedelta(days=4)
    """How long Telegram's passing troubles are tried again before a message is given up."""
    relay_delay: timedelta = timedelta(0)
    """How long a staff relay waits (its [Batalkan] window) before it leaves; 0: at once."""
    staff_chat_id: int = 0
    """The staff group (for links to case topics: t.me/c/<internal id>/<topic id>)."""
    delivery_backoff_cap: float = 300.0
    """Longest pause (seconds) between two tries of one message."""
    utc_offset: timedelta = timedelta(hours=7)
    """The institution's time zone (WIB by default): report dates and periods are its days."""
    escalation_group: int | None = None
    """The staff group for a case the reporter says concerns the team or the leadership (None:
    none configured). Staff groups are named by their chat id; None is the main group."""
    routes: tuple[tuple[str, int], ...] = ()
    """(category, staff group) pairs: a case of a routed category goes to that group."""

    @property
    def staff_groups(self) -> tuple[int | None, ...]:
        """Every staff group: the main one (None) first, then the others, each once."""
        others = [self.escalation_group, *(group for _, group in self.routes)]
        return (None, *dict.fromkeys(g for g in others if g is not None))


REPORT_WINDOW = 3600.0
"""The window of `reports_per_chat_per_hour`, in seconds."""


def report_limit_key(chat_token: str) -> str:
    """The throttle key counting a chat's reports (`chat_token`: the chat's keyed pseudonym)."""
    return f"reports:{chat_token}"
