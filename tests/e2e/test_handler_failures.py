"""A handler that fails unexpectedly: its unit of work is rolled back and the update is tried again
in-process, so a passing fault goes unnoticed; one that keeps failing tells the reporter honestly
to send it again, and the log names only the error's type. And a press on a message sent in inline
mode (no chat) is answered calmly."""

from __future__ import annotations

import io
import logging

import pytest

from bot import logs
from bot.i18n import text
from flows.intents import Say
from storage.outbox import OutboxRepository
from tests.e2e.harness import Reporter, running_peluit
from tests.e2e.test_staff_journey import snippet

pytestmark = pytest.mark.e2e

REPORTER = 987650621
NAME, USERNAME = "Rina MARKERNAME", "rina_marker_user"


def fail_when_saying(monkeypatch: pytest.MonkeyPatch, key: str, times: int) -> list[int]:
    """The outbox write of message `key` fails `times` times (after writing, before the commit):
    a database that drops a connection in the middle of a unit of work."""
    real_put = OutboxRepository.put
    failures: list[int] = []

    async def put(self, intents, not_before=None, **lease):  # type: ignore[no-untyped-def]
        queued = await real_put(self, intents, not_before, **lease)
        if len(failures) < times and any(isinstance(i, Say) and i.key == key for i in intents):
            failures.append(1)
            raise ConnectionResetError("MARKERBOOM connection to the database lost")
        return queued

    monkeypatch.setattr(OutboxRepository, "put", put)
    return failures


def said(reporter: Reporter, key: str) -> int:
    return sum(snippet(key) in (m.get("text") or "") for m in reporter.bot_messages())


@pytest.fixture
def log_buffer(fake):  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure("DEBUG", secrets=(fake.token,), stream=buffer)
    try:
        yield buffer
    finally:
        root.handlers[:], root.level = saved
        logging.captureWarnings(False)


def assert_nothing_identifying(logged: str) -> None:
    for needle in (str(REPORTER), "MARKERNAME", USERNAME, "MARKERBOOM", "/lapor"):
        assert needle not in logged, needle


async def test_given_a_handler_that_fails_once_then_the_update_is_tried_again_and_the_reporter_notices_nothing(
    fake, tmp_path, database_url, monkeypatch, log_buffer
):
    failures = fail_when_saying(monkeypatch, "intake.ask_category", times=1)
    reporter = Reporter(fake, REPORTER, first_name=NAME, username=USERNAME)
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        await reporter.say("/lapor")
        await reporter.expect(snippet("intake.ask_category"))
        await reporter.say("/bantuan")  # a later update: everything before it was handled
        await reporter.expect(snippet("help.reporter"))
        await peluit.settle()

    assert failures == [1]
    assert said(reporter, "intake.intro") == 1  # the failed attempt left nothing behind
    assert said(reporter, "intake.ask_category") == 1
    assert said(reporter, "error.generic") == 0
    logged = log_buffer.getvalue()
    assert "handler.retry type=ConnectionResetError attempt=1" in logged
    assert "handler.error" not in logged
    assert_nothing_identifying(logged)


async def test_given_a_handler_that_keeps_failing_then_the_reporter_is_told_honestly_to_send_it_again(
    fake, tmp_path, monkeypatch, log_buffer
):
    failures = fail_when_saying(monkeypatch, "intake.ask_category", times=100)
    reporter = Reporter(fake, REPORTER, first_name=NAME, username=USERNAME)
    async with running_peluit(fake, tmp_path) as peluit:
        await reporter.say("/lapor")
        apology = await reporter.expect(snippet("error.generic"))
        monkeypatch.undo()  # the fault passes: sending it again works
        await reporter.say("/lapor")
        await reporter.expect(snippet("intake.ask_category"))
        await peluit.settle()

    assert len(failures) == 3  # the first try and two more, then it gave up
    assert said(reporter, "error.generic") == 1 and said(reporter, "intake.intro") == 1
    honest = apology["text"]
    assert "kirim ulang" in honest and "tidak hilang" not in honest, honest
    assert "send it again" in text("en", "error.generic")
    logged = log_buffer.getvalue()
    assert logged.count("handler.retry type=ConnectionResetError") == 2
    assert "handler.error type=ConnectionResetError" in logged
    assert_nothing_identifying(logged)


async def test_given_a_press_on_a_message_sent_in_inline_mode_then_it_is_answered_calmly(
    fake, tmp_path, log_buffer
):
    reporter = Reporter(fake, REPORTER, first_name=NAME, username=USERNAME)
    async with running_peluit(fake, tmp_path) as peluit:
        query = await fake.press_inline(REPORTER, "m:lapor")
        await fake.wait_for(lambda: query["id"] in fake.callback_answers)
        await reporter.say("/bantuan")  # and the chat goes on as before
        await reporter.expect(snippet("help.reporter"))
        await peluit.settle()

    answer = fake.callback_answers[query["id"]]
    assert answer.get("text") == text("id", "error.inline_button")
    assert said(reporter, "help.reporter") == 1 and len(reporter.bot_messages()) == 1
    logged = log_buffer.getvalue()
    assert "handler.error" not in logged and "AssertionError" not in logged
    assert fake.rejected == []
