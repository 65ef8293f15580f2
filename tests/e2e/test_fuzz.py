"""Property-based: random updates thrown at the running application (any text, unicode, stale
buttons, commands in the wrong places, files, stickers, other groups) never cause an unhandled
exception, and never a Bot API call that Telegram would reject."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from sandbox.botapi import FakeTelegram
from tests.e2e.harness import STAFF, STAFF_CHAT, buttons, running_peluit, world

REPORTER = 987650601
FOREIGN_GROUP = -1001987659999
COMMANDS = ["/start", "/start lapor", "/start status", "/lapor", "/report", "/batal", "/cancel",
            "/bantuan", "/help", "/status", "/status 0000-0000-0000-0000", "/status abc", "/tanya",
            "/tanya WBS-2026-0001 halo", "/kasus", "/cari WBS-2026-0001", "/statistik",
            "/selesai", "/verifikasi", "/tolak WBS-2026-0001 alasan", "/unknown"]
CHATS = st.sampled_from(["private", "staff", "foreign"])


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


action = st.one_of(
    st.tuples(st.just("text"), CHATS, st.text(min_size=1, max_size=300)),
    st.tuples(st.just("text"), CHATS, st.text(alphabet="🙂😢ب،ש\u202e\u200b<>&*_[]`", min_size=1, max_size=50)),
    st.tuples(st.just("long"), CHATS, st.integers(min_value=3000, max_value=4096)),
    st.tuples(st.just("command"), CHATS, st.sampled_from(COMMANDS)),
    st.tuples(st.just("press"), st.just("private"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("press"), st.just("staff"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("sticker"), CHATS, st.none()),
    st.tuples(st.just("location"), st.just("private"), st.none()),
    st.tuples(st.just("photo"), st.just("private"), st.none()),
    st.tuples(st.just("document"), st.just("private"), st.sampled_from(
        [("a.pdf", "application/pdf"), ("b.jpg", "image/jpeg"), ("c.txt", "text/plain")])),
    st.tuples(st.just("big"), st.just("private"), st.integers(20_000_001, 60_000_000)),
)


async def _act(fake: FakeTelegram, step: tuple) -> None:
    kind, where, arg = step
    chat = {"private": None, "staff": STAFF_CHAT, "foreign": FOREIGN_GROUP}[where]
    user = REPORTER if where == "private" else STAFF[0]
    if kind == "text":
        text = arg.strip() or "x"
        await fake.send_text(user, text, chat_id=chat)
    elif kind == "long":
        await fake.send_text(user, "panjang " * (arg // 8), chat_id=chat)
    elif kind == "command":
        await fake.send_text(user, arg, chat_id=chat)
    elif kind == "press":
        target = REPORTER if where == "private" else STAFF_CHAT
        pressable = [(m, d) for m in fake.bot_messages(target) for d in buttons(m)]
        if pressable:
            message, data = pressable[arg % len(pressable)]
            await fake.press(user, message, data)
    elif kind == "sticker":
        await fake.send_sticker(user, chat_id=chat)
    elif kind == "location":
        await fake.send_location(user)
    elif kind == "photo":
        await fake.send_photo(user, _jpeg())
    elif kind == "document":
        name, mime = arg
        data = _jpeg() if mime == "image/jpeg" else b"%PDF-1.4 fuzz" if "pdf" in mime else b"teks"
        await fake.send_document(user, data, name, mime)
    elif kind == "big":
        await fake.send_big_document(user, arg)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("peluit"):
            self.records.append(record.getMessage())


async def _run(steps: list[tuple]) -> None:
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    fake = FakeTelegram("7000000003:AAH-peluit-fuzz-token-0123456789abcdef")
    await fake.start()
    world(fake)
    fake.add_user(REPORTER, "Fuzz", language_code="id")
    fake.add_group(FOREIGN_GROUP, "Grup lain", forum=False, members=[STAFF[0]])
    try:
        with TemporaryDirectory() as data_dir:
            async with running_peluit(fake, Path(data_dir)) as peluit:
                for step in steps:
                    await _act(fake, step)
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.3)
                await peluit.settle(20)
    finally:
        await fake.stop()
        logging.getLogger().removeHandler(errors)
    assert errors.records == [], errors.records
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")


@settings(max_examples=int(__import__("os").environ.get("PELUIT_FUZZ_EXAMPLES", "12")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(action, min_size=5, max_size=25))
def test_given_random_updates_when_thrown_at_the_application_then_nothing_breaks(steps):
    asyncio.run(_run(steps))
