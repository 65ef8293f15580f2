"""What every handler can reach (`context.services`), typed: the bus, the sender, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.health import Health
from flows.bus import MessageBus
from flows.intents import ChatRoute
from flows.policy import Policy
from storage.crypto import Keyring
from storage.uow import Database

if TYPE_CHECKING:
    from bot.sender import Sender


@dataclass
class Services:
    db: Database
    policy: Policy
    keyring: Keyring
    sender: Sender
    bus: MessageBus
    staff_chat_id: int
    staff_groups: tuple[int, ...] = ()
    """Every staff group's chat id, the main one first (empty: the main one only)."""
    member_cache_seconds: float = 60.0
    health: Health = field(default_factory=Health)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    updates_skipped: int = 0
    """Updates python-telegram-bot could not read, skipped since start (bot/inbound.py)."""
    members: dict[tuple[int, int], tuple[float, bool]] = field(default_factory=dict)
    """Staff membership answers from Telegram, per (group, user), with when they were asked
    (bot/membership.py)."""

    def is_staff_group(self, chat_id: int) -> bool:
        return chat_id == self.staff_chat_id or chat_id in self.staff_groups

    def group_of(self, chat_id: int) -> int | None:
        """A staff group as flows names it: None for the main group, else its chat id."""
        return None if chat_id == self.staff_chat_id else chat_id


class PeluitContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """python-telegram-bot's context, typed, with Peluit's services on it."""

    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]  # type: ignore[no-any-return]


def route_of(update: Update) -> ChatRoute:
    assert update.effective_chat is not None
    return ChatRoute(update.effective_chat.id)
