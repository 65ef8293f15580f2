"""bot/delivery.py: a failed delivery is judged by what Telegram said, not by exception class."""

from __future__ import annotations

import json

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.delivery import (
    Accepted,
    Answer,
    Garbled,
    Refused,
    Retry,
    Unexpected,
    Unreachable,
    backoff,
    carefully,
    field,
    judge,
    watch_answers,
)


def telegram_said(status: int, description: str) -> Answer:
    answer = Answer()
    answer.note(status, json.dumps({"ok": False, "error_code": status,
                                    "description": description}).encode())
    return answer


def proxy_said(status: int, body: bytes = b"<html><body>nginx</body></html>") -> Answer:
    answer = Answer()
    answer.note(status, body)
    return answer


@pytest.mark.parametrize(("exc", "answer", "verdict"), [
    # Telegram's definite answers: final.
    (Forbidden("Forbidden: bot was blocked by the user"),
     telegram_said(403, "Forbidden: bot was blocked by the user"), Unreachable("blocked")),
    (Forbidden("Forbidden: user is deactivated"),
     telegram_said(403, "Forbidden: user is deactivated"), Unreachable("deactivated")),
    (BadRequest("Bad Request: chat not found"),
     telegram_said(400, "Bad Request: chat not found"), Unreachable("chat_not_found")),
    (Forbidden("Forbidden: bot was kicked from the supergroup chat"),
     telegram_said(403, "Forbidden: bot was kicked from the supergroup chat"), Unreachable("kicked")),
    (BadRequest("Bad Request: not enough rights to create a topic"),
     telegram_said(400, "Bad Request: not enough rights to create a topic"), Unreachable("no_rights")),
    (Forbidden("Forbidden: something new"), telegram_said(403, "Forbidden: something new"),
     Unreachable("forbidden")),
    (ChatMigrated(-1004), telegram_said(400, "Bad Request: group chat was upgraded to a supergroup chat"),
     Unreachable("migrated", -1004)),
    (BadRequest("Bad Request: message is too long"),
     telegram_said(400, "Bad Request: message is too long"), Refused("too_long")),
    (BadRequest("Bad Request: can't parse entities: Unsupported start tag"),
     telegram_said(400, "Bad Request: can't parse entities: Unsupported start tag"),
     Refused("cant_parse")),
    (BadRequest("Bad Request: BUTTON_DATA_INVALID"),
     telegram_said(400, "Bad Request: BUTTON_DATA_INVALID"), Refused("bad_request")),
    # Anything that may pass: try again.
    (RetryAfter(7), telegram_said(429, "Too Many Requests: retry after 7"), Retry("429", 7.0)),
    (InvalidToken("Unauthorized"), telegram_said(401, "Unauthorized"), Retry("InvalidToken_401")),
    (InvalidToken("Not Found"), telegram_said(404, "Not Found"), Retry("InvalidToken_404")),
    (InvalidToken("Not Found (404)"), proxy_said(404), Retry("InvalidToken_404")),
    (BadRequest("Bad Request (400)"), proxy_said(400), Retry("BadRequest_400")),
    (Forbidden("Forbidden (403)"), proxy_said(403), Retry("Forbidden_403")),
    (NetworkError("Bad Gateway (502)"), proxy_said(502), Retry("NetworkError_502")),
    (TelegramError("Invalid server response"), proxy_said(200), Retry("TelegramError_200")),
    (TimedOut(), Answer(), Retry("TimedOut")),
    (NetworkError("connection reset"), None, Retry("NetworkError")),
    (Garbled("unreadable answer"), proxy_said(200, b'{"ok": false}'), Retry("Garbled_200")),
    # Not Telegram's doing at all.
    (KeyError("result"), None, Unexpected("KeyError")),
    (ValueError("damaged"), Answer(), Unexpected("ValueError")),
])
def test_given_a_failure_when_judged_then_only_telegrams_definite_answers_are_final(
    exc: BaseException, answer: Answer | None, verdict: object
) -> None:
    assert judge(exc, answer) == verdict


def test_given_telegrams_envelope_when_noted_then_only_a_matching_error_code_is_definite() -> None:
    assert telegram_said(400, "Bad Request: chat not found").definite
    mismatched = Answer()
    mismatched.note(502, json.dumps({"ok": False, "error_code": 400,
                                     "description": "Bad Request: chat not found"}).encode())
    assert not mismatched.definite  # a gateway wrapping something: not Telegram's word
    assert not telegram_said(429, "Too Many Requests").definite
    assert (proxy_said(200, b"[1, 2]").kind, proxy_said(200, b"\xff\xfe").kind) == ("garbage",) * 2
    accepted = Answer()
    accepted.note(200, b'{"ok": true, "result": {"message_id": 7}}')
    assert (accepted.kind, accepted.result) == ("ok", {"message_id": 7})


def test_given_attempts_when_backing_off_then_the_pause_doubles_up_to_the_cap() -> None:
    assert [backoff(n, 300) for n in (1, 2, 3, 4)] == [0.5, 1, 2, 4]
    assert backoff(12, 300) == 300 and backoff(10_000, 300) == 300 and backoff(0, 300) == 0.5


async def test_given_an_accepted_call_when_the_library_fails_on_its_answer_then_it_counts_as_done() -> None:
    answer = watch_answers()

    async def accepted_but_unparsable() -> object:
        answer.note(200, b'{"ok": true, "result": {"message_id": 41, "date": "soon"}}')
        raise TypeError("'str' object cannot be interpreted as an integer")

    done = await carefully(accepted_but_unparsable)
    assert isinstance(done, Accepted) and done.message_id == 41
    assert (field(done, "date"), field(done, "chat")) == ("soon", None)  # read from the raw answer

    async def garbage() -> object:
        answer.note(200, b'{"ok": false}')
        raise KeyError("result")

    with pytest.raises(Garbled):
        await carefully(garbage)

    async def a_bug() -> object:
        raise ZeroDivisionError  # before any answer: not about an answer

    with pytest.raises(ZeroDivisionError):
        await carefully(a_bug)
