"""The embedded Bot API: a strict stand-in for Telegram's Bot API server (see server.py)."""

from sandbox.botapi.server import (
    ApiError,
    Call,
    FakeTelegram,
    User,
    detect_entities,
    parse_html,
    running_fake_telegram,
)

__all__ = ["ApiError", "Call", "FakeTelegram", "User", "detect_entities", "parse_html",
           "running_fake_telegram"]
