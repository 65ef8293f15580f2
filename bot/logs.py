"""Logging that helps an operator and betrays no one.

Peluit's own log lines carry event names and case numbers only. Third-party loggers that
would print request URLs (which contain the bot token) or whole updates are turned down, and
a filter scrubs anything that still looks like a token.
"""

from __future__ import annotations

import logging
import re
import sys

TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}|bot\d+:[A-Za-z0-9_-]+")
QUIET = ("httpx", "httpcore", "telegram", "telegram.ext", "apscheduler", "aiohttp.access",
         "asyncio", "sqlalchemy.engine", "alembic")


class RedactTokens(logging.Filter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = TOKEN.sub("<redacted>", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "<redacted>")
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info:  # tracebacks may quote values: keep the type, drop the text
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} error={type(exc).__name__}"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


def configure(level: str = "INFO", *, secrets: tuple[str, ...] = (), stream: object = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactTokens(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
