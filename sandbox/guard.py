"""What must hold before the sandbox starts, and whether a real bot token is configured.

`python -m sandbox.guard` exits 0 when a real token is configured (environment or .env), 1 when
not: `scripts/run` starts the sandbox only then. A placeholder token copied from .env.example
counts as not configured.
"""

from __future__ import annotations

import ipaddress
import sys
from urllib.parse import urlsplit

from bot.settings import SettingsError, load_settings, token_is_placeholder


class NotLoopback(SystemExit):
    """The sandbox was pointed at a Bot API that is not on this machine."""


def token_configured() -> bool:
    """A real-looking TELEGRAM_BOT_TOKEN is set. Broken settings count as configured, so that
    `peluit` reports them instead of the sandbox hiding them."""
    try:
        settings = load_settings(require_telegram=False)
    except SettingsError:
        return True
    token = settings.telegram_bot_token.strip()
    return bool(token) and not token_is_placeholder(token)


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_real_telegram(configured_api_url: str | None) -> None:
    """Stop when TELEGRAM_API_URL (if set at all) names anything but this machine."""
    if configured_api_url and not is_loopback(configured_api_url):
        raise NotLoopback(
            "The sandbox will not start: TELEGRAM_API_URL points at a Bot API that is not on this "
            "machine (Telegram?). The sandbox runs its own Bot API on 127.0.0.1; unset "
            "TELEGRAM_API_URL (environment and .env) to use it, or run the real bot with `peluit`.")


if __name__ == "__main__":
    sys.exit(0 if token_configured() else 1)
