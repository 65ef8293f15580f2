"""Logging that helps an operator and betrays no one.

The log is allow-listed at the root handler. Peluit's own lines (loggers named "peluit" and
"peluit.*") carry event names, counts, error types and case numbers, and pass, with anything
that looks like a token scrubbed and tracebacks reduced to the exception type. Every other
logger's record (python-telegram-bot, httpx, aiohttp, asyncio, SQLAlchemy, warnings...) keeps
only its logger, level, code location and exception type: libraries log whole updates ("Error
while parsing updates! Received data was ..."), server answers and request URLs with the token,
and none of their message text or arguments is let through.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from typing import Any

OWN = "peluit"
TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}|bot\d+:[A-Za-z0-9_-]+")
QUIET = ("httpx", "httpcore", "telegram", "telegram.ext", "apscheduler", "aiohttp.access",
         "asyncio", "sqlalchemy.engine", "alembic", "aiosqlite")
"""Held at WARNING whatever PELUIT_LOG_LEVEL says: their DEBUG/INFO lines are noise even reduced."""
log = logging.getLogger("peluit.log")


def _error_type(record: logging.LogRecord) -> str:
    error = record.exc_info[1] if record.exc_info else None
    return f" error={type(error).__name__}" if error is not None else ""


class AllowList(logging.Filter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == OWN or record.name.startswith(OWN + "."):
            self._scrub(record)
        else:  # someone else's words: where and what, never the text
            record.msg = f"library.record at={record.module}:{record.lineno}{_error_type(record)}"
            record.args, record.exc_info, record.exc_text, record.stack_info = (), None, None, None
        return True

    def _scrub(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        cleaned = TOKEN.sub("<redacted>", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "<redacted>")
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info:  # tracebacks may quote values: keep the type, drop the text
            record.msg = f"{record.getMessage()}{_error_type(record)}"
            record.args, record.exc_info, record.exc_text = (), None, None
        record.stack_info = None


def configure(level: str = "INFO", *, secrets: tuple[str, ...] = (), stream: object = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(AllowList(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings become "py.warnings" records, reduced like any other


def loop_exception(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's handler for what no task awaited: the error's type, never its message (asyncio's
    default prints the message, the task and a traceback)."""
    error = context.get("exception")
    log.error("asyncio.unhandled type=%s", type(error).__name__ if error else "none")
