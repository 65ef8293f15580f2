"""The log is allow-listed at the root: Peluit's own event lines pass (with the token scrubbed);
any other logger's record keeps only its logger, level, code location and exception type, never
its message, arguments or traceback; warnings and uncaught exceptions go the same way."""

from __future__ import annotations

import io
import logging
import sys
import warnings
from collections.abc import Iterator

import pytest

from bot import cli, logs

TOKEN = "7000000001:AAH-MARKER-secret-token-0123456789abcdef"


@pytest.fixture
def buffer() -> Iterator[io.StringIO]:
    out = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure("DEBUG", secrets=(TOKEN,), stream=out)
    try:
        yield out
    finally:
        root.handlers[:], root.level = saved
        logging.captureWarnings(False)


def test_given_peluit_event_lines_then_they_pass_with_the_token_scrubbed(buffer):
    logging.getLogger("peluit.sender").warning("sender.retry reason=%s attempt=%d", "429", 2)
    logging.getLogger("peluit").info("keys.notice url=https://api.example/bot%s/x", TOKEN)
    out = buffer.getvalue()
    assert "WARNING peluit.sender sender.retry reason=429 attempt=2" in out
    assert "keys.notice" in out and TOKEN not in out and "MARKER" not in out


def test_given_a_library_record_with_arguments_and_a_traceback_then_only_logger_level_and_type_remain(buffer):
    update = {"from": {"id": 424242, "username": "marker_user"}, "text": "MARKER text"}
    try:
        raise ValueError(f"bad update {update}")
    except ValueError:
        logging.getLogger("telegram.ext.Updater").critical(
            "Error while parsing updates! Received data was %r", update, exc_info=True)
    logging.getLogger("somelib").warning(f"prebuilt message for {update['from']}")
    logging.getLogger("peluitx").error("not ours either: %s", "MARKER")
    out = buffer.getvalue()
    for needle in ("424242", "marker_user", "MARKER", "Received data", "prebuilt", "Traceback"):
        assert needle not in out, (needle, out)
    assert "CRITICAL telegram.ext.Updater library.record" in out and "error=ValueError" in out
    assert "WARNING somelib library.record" in out and "ERROR peluitx library.record" in out


def test_given_a_warning_then_it_is_logged_as_a_library_record(buffer):
    warnings.warn("MARKER careful with 424242", UserWarning, stacklevel=1)
    out = buffer.getvalue()
    assert "py.warnings library.record" in out and "MARKER" not in out


def test_given_an_uncaught_exception_then_one_calm_line_without_its_text_is_printed(capsys):
    saved = sys.excepthook
    cli.install_exception_hooks()
    try:
        try:
            raise RuntimeError(f"token {TOKEN} user 424242")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = saved
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "MARKER" not in err and "424242" not in err
    assert "Traceback" not in err
