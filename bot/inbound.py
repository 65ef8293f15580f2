"""Telegram's JSON in, `Update`s out, one update at a time: an update python-telegram-bot cannot
read (a field its version does not know how to build) is skipped, logged by its id and counted,
instead of stopping every update behind it. Polling and the webhook both read through here."""

from __future__ import annotations

import logging

from telegram import Bot, Update

from bot.services import Services

log = logging.getLogger("peluit.inbound")

ALLOWED_UPDATES = tuple(Update.ALL_TYPES)
"""Every update type, asked for explicitly in getUpdates and setWebhook: Telegram sends
`chat_member` (someone removed from the staff group) only when it is named."""


def update_id_of(data: object) -> int | None:
    update_id = data.get("update_id") if isinstance(data, dict) else None
    return update_id if isinstance(update_id, int) and not isinstance(update_id, bool) else None


def read_update(data: object, bot: Bot, services: Services) -> Update | None:
    """The update, or None when the library cannot build it (then it is logged and counted)."""
    try:
        if not isinstance(data, dict):
            raise TypeError("an update is a JSON object")
        return Update.de_json(data, bot)
    except Exception as error:  # whatever the library trips on, nothing of the update is logged
        services.updates_skipped += 1
        log.warning("update.skipped update_id=%s type=%s total=%d", update_id_of(data),
                    type(error).__name__, services.updates_skipped)
        return None
