"""What the Bot API answered to a delivery, and what a failed delivery means.

python-telegram-bot names an error by the HTTP status alone: a 401 or 404 (a revoked token, or any
proxy's error page) becomes `InvalidToken`, a proxy's HTML 400 or 403 a `BadRequest` or
`Forbidden` just like Telegram's own, a 200 that is not JSON a bare `TelegramError`. Whether
*Telegram* refused a message is in the answer's body: `{"ok": false, "error_code": 403,
"description": "Forbidden: bot was blocked by the user"}`. So the bot's requests go through
`AnswerRecorder` (on aiohttp, bot/http.py; `HttpxAnswerRecorder` with `PELUIT_HTTP_CLIENT=httpx`),
which notes each answer of a delivery in a context variable (`ANSWER`, one per delivery task),
and `judge` decides by what Telegram said:

- `Retry`: anything that may pass (network, timeouts, 5xx, 429, 401/404, HTML or non-JSON answers);
- `Unreachable`: Telegram says the chat cannot be reached (blocked, deleted, the bot removed or
  without rights, the group moved to a new id);
- `Refused`: Telegram refused this one message for good (too long, can't parse entities...);
- `Unexpected`: not Telegram's doing at all (a bug, a damaged row): counted, parked after a few.

The recorder also tells when Telegram accepted a call whose answer the library then failed to
read (`carefully`): the message went out and must not be sent again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot
from telegram.error import ChatMigrated, RetryAfter, TelegramError
from telegram.request import BaseRequest, HTTPXRequest

from bot.http import AiohttpRequest
from flows.delivery import backoff
from flows.delivery_model import Gone, NotYet, Refused, Retry, Unexpected, Unreachable, Verdict

log = logging.getLogger("peluit.sender")
T = TypeVar("T")


class Answer:
    """The Bot API's answer to the last call made in this delivery. Its body is read only when
    asked about (a delivery that went well never is: the library has read it already)."""

    __slots__ = ("_description", "_error_code", "_kind", "_payload", "_result", "status")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.status: int | None = None
        """HTTP status; None when no answer came (connection failed, timed out)."""
        self._payload: bytes | None = None
        self._kind: str | None = None
        self._error_code: int | None = None
        self._description = ""
        self._result: Any = None

    def note(self, status: int, payload: bytes) -> None:
        self.reset()
        self.status, self._payload = status, payload

    def _read(self) -> None:
        payload, self._payload = self._payload, None
        if payload is None:
            return
        self._kind = "garbage"
        try:
            body = json.loads(payload)
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        if body.get("ok") is True and "result" in body and self.status == 200:
            self._kind, self._result = "ok", body["result"]
        elif (body.get("ok") is False and isinstance(body.get("error_code"), int)
              and isinstance(body.get("description"), str)):
            self._kind, self._error_code, self._description = ("error", body["error_code"],
                                                               body["description"])

    @property
    def kind(self) -> str | None:
        """"ok" (Telegram accepted), "error" (Telegram's own refusal) or "garbage" (anything
        else); None when no answer came."""
        self._read()
        return self._kind

    @property
    def error_code(self) -> int | None:
        self._read()
        return self._error_code

    @property
    def description(self) -> str:
        self._read()
        return self._description

    @property
    def result(self) -> Any:
        self._read()
        return self._result

    @property
    def definite(self) -> bool:
        """Telegram itself refused the request (not a proxy, not a gateway, not a flood)."""
        return self.kind == "error" and self.status in (400, 403) and self.error_code == self.status


ANSWER: ContextVar[Answer | None] = ContextVar("peluit_answer", default=None)


def watch_answers() -> Answer:
    """Note the answers of the Bot API calls made from here on in this task (one delivery)."""
    answer = Answer()
    ANSWER.set(answer)
    return answer


class _Recording(BaseRequest):
    """Notes each answer for the delivery that asked (put before an HTTP client class)."""

    __slots__ = ()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        answer = ANSWER.get()
        if answer is not None:
            answer.reset()
        status, payload = await super().do_request(*args, **kwargs)
        if answer is not None:
            answer.note(status, payload)
        return status, payload


class AnswerRecorder(_Recording, AiohttpRequest):
    """The Bot API over aiohttp (bot/http.py), noting each answer for the delivery that asked."""

    __slots__ = ()


class HttpxAnswerRecorder(_Recording, HTTPXRequest):
    """python-telegram-bot's own client (httpx), noting each answer for the delivery that asked."""

    __slots__ = ()


HTTP_CLIENTS: dict[str, type[BaseRequest]] = {"aiohttp": AnswerRecorder,
                                              "httpx": HttpxAnswerRecorder}
"""`PELUIT_HTTP_CLIENT` → the request class the bot talks to the Bot API with."""


def answer_recorder(client: str = "aiohttp", connection_pool_size: int = 256) -> BaseRequest:
    return HTTP_CLIENTS[client](connection_pool_size=connection_pool_size)  # type: ignore[call-arg]


class Garbled(TelegramError):
    """The answer was not Telegram's (a proxy's page, JSON of another shape): try again."""


class Permanent(Exception):
    """Nothing to deliver any more (no route, the evidence or case is gone): give up on it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Later(Exception):
    """Not now: try again in `seconds`, without counting it as an error."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds, self.reason = seconds, reason


@dataclass(frozen=True)
class Accepted:
    """Telegram accepted the call: what the bot needs of its answer, read from the JSON (`post`),
    or what is known of it when the library failed to read the answer (`carefully`)."""

    message_id: int | None = None
    message_thread_id: int | None = None
    raw: Any = None
    """The answer's `result`, as JSON."""

    @classmethod
    def of(cls, result: Any) -> Accepted:
        if not isinstance(result, dict):
            return cls(raw=result)
        values = [result.get(k) for k in ("message_id", "message_thread_id")]
        return cls(*(v if isinstance(v, int) and not isinstance(v, bool) else None
                     for v in values), raw=result)


async def post(bot: Bot, endpoint: str, data: dict[str, Any]) -> Accepted:
    """Call `endpoint` with `data` and keep only the ids of the answer's result.

    This is the path every method of the library takes (`Bot._post`: None values left out,
    objects encoded, the bot's request object, its error mapping), so the answer is noted for
    the delivery and a failure raises the same errors, judged the same way. Only the answer is
    not parsed into a `telegram.Message`: about a third of the library's own cost of a sent
    message, and a link needs only the message's id. (`Bot.do_api_request` would warn on every
    call that the library has a method for it.)"""
    result = await bot._post(endpoint, data)  # the library's own call path
    return Accepted.of(result)


def field(answer: Any, name: str) -> Any:
    """A field of a call's result, whether the library could read the answer or not."""
    if isinstance(answer, Accepted):
        return answer.raw.get(name) if isinstance(answer.raw, dict) else None
    return getattr(answer, name, None)


async def carefully(call: Callable[[], Awaitable[T]]) -> T | Accepted:
    """Make one Bot API call of a delivery. When the library fails on an answer in which
    Telegram accepted the call, the call is done: its result is returned as `Accepted` (it must
    not be repeated); when the answer was not Telegram's, `Garbled` is raised (try again)."""
    answer = ANSWER.get()
    if answer is not None:
        answer.reset()
    try:
        return await call()
    except TelegramError:
        raise
    except Exception as exc:
        if answer is None or answer.kind is None:
            raise  # not about an answer at all
        if answer.kind == "ok":
            log.error("sender.unparsed_answer type=%s", type(exc).__name__)
            return Accepted.of(answer.result)
        raise Garbled(f"unreadable answer ({type(exc).__name__})") from exc


# ---- verdicts: what Telegram's answer means (what to do about it is decided in flows/delivery.py)


UNREACHABLE = (
    ("bot was blocked", "blocked"), ("user is deactivated", "deactivated"),
    ("can't initiate conversation", "no_chat"), ("chat not found", "chat_not_found"),
    ("peer_id_invalid", "chat_not_found"), ("kicked", "kicked"), ("not a member", "not_member"),
    ("not enough rights", "no_rights"), ("have no rights", "no_rights"),
    ("administrator rights", "no_rights"), ("chat_admin_required", "no_rights"),
    ("chat_write_forbidden", "no_rights"), ("chat_restricted", "no_rights"),
    ("topic_closed", "topic_closed"), ("group chat was upgraded", "migrated"),
)
"""Telegram's words for "this chat cannot be reached" (lower case), and a code for the log."""
REFUSED = (("too long", "too_long"), ("can't parse", "cant_parse"),
           ("thread not found", "thread_not_found"))


def _code(description: str, table: tuple[tuple[str, str], ...]) -> str | None:
    lowered = description.lower()
    return next((code for words, code in table if words in lowered), None)


def judge(exc: BaseException, answer: Answer | None) -> Verdict:
    """What a failed delivery means, by what Telegram said (log-safe reason codes only)."""
    if isinstance(exc, Later):
        return NotYet(exc.seconds, exc.reason)
    if isinstance(exc, Permanent):
        return Gone(exc.reason)
    return _judge(exc, answer)


def _judge(exc: BaseException, answer: Answer | None) -> Verdict:
    """What a failed delivery means, by what Telegram said (log-safe reason codes only)."""
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        return Retry("429", wait.total_seconds() if isinstance(wait, timedelta) else float(wait))
    if isinstance(exc, ChatMigrated):
        return Unreachable("migrated", exc.new_chat_id)
    if isinstance(exc, TelegramError):
        if answer is not None and answer.definite:
            if (code := _code(answer.description, UNREACHABLE)) is not None:
                return Unreachable(code)
            if answer.status == 403:
                return Unreachable("forbidden")
            return Refused(_code(answer.description, REFUSED) or "bad_request")
        status = answer.status if answer is not None else None
        return Retry(type(exc).__name__ + (f"_{status}" if status else ""))
    return Unexpected(type(exc).__name__)


__all__ = ["ANSWER", "Accepted", "AnswerRecorder", "Garbled", "Gone", "Later", "NotYet",
           "Permanent", "Refused", "Retry", "Unexpected", "Unreachable", "Verdict", "backoff",
           "carefully", "field", "judge", "post", "watch_answers"]
