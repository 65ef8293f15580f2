"""Issue 13, Show: only explicit acts relay to the reporter, a relay can be taken back within its
window, files go both ways without metadata, and one reporter file is one staff message. Over
HTTP against the stand-in Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.i18n import text
from tests.e2e.harness import STAFF, STAFF_CHAT, Reporter, buttons, file_report, first_words, running_peluit
from tests.support import media_files as media

pytestmark = pytest.mark.e2e

REPORTER = 987650031
INTERNAL = "Saya tahu ruangan itu, cek CCTV lantai 3."
QUESTION = "Apakah ada saksi lain di ruangan itu?"
SLIP = "Catatan internal: terlapor kerabat Pak Kadis."
KEPT = "Kapan tepatnya uang diserahkan?"
FORM = "Mohon isi formulir ini dan kirim kembali."
PHOTO_WORDS = "Lingkari lokasi kejadian pada denah ini."
EVIDENCE_WORDS = "Ini foto kuitansinya."


def snippet(key: str, lang: str = "id") -> str:
    """The first line of a catalog text as Telegram shows it (tags removed, before any {param})."""
    return first_words(lang, key)


def body(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


def assert_clean(fake) -> None:
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")


def reporter_side(reporter: Reporter) -> str:
    return " ".join(body(m) for m in reporter.bot_messages())


async def _case_topic(fake, peluit, reporter: Reporter, **kw) -> tuple[int, dict, str]:
    ticket = await file_report(reporter, **kw)
    await peluit.settle()
    (topic, _), = fake.topics(STAFF_CHAT).items()
    card = fake.bot_messages(STAFF_CHAT, thread_id=topic)[0]
    return topic, card, ticket


async def test_given_an_evidence_copy_when_an_officer_replies_to_it_then_it_stays_internal_with_one_quiet_hint(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        topic, card, _ = await _case_topic(fake, peluit, reporter, evidence=[
            ("kuitansi.jpg", media.exif_jpeg(), "image/jpeg")])
        copy = next(m for m in fake.bot_messages(STAFF_CHAT, thread_id=topic)
                    if "document" in m or "photo" in m)

        # When: an officer replies to the evidence copy, twice.
        await fake.send_text(STAFF[0], INTERNAL, chat_id=STAFF_CHAT, reply_to=copy["message_id"])
        hint = await fake.wait_bot_message(STAFF_CHAT, contains=snippet("staff.relay_hint"),
                                           thread_id=topic)
        await fake.send_text(STAFF[0], INTERNAL + " (2)", chat_id=STAFF_CHAT,
                             reply_to=copy["message_id"])
        # ... and then asks the reporter the right way, by replying to the card.
        await fake.send_text(STAFF[0], QUESTION, chat_id=STAFF_CHAT, reply_to=card["message_id"])
        await reporter.expect(QUESTION)
        await peluit.settle()

        # Then: nothing internal reached the reporter; the hint came once, quietly.
        assert INTERNAL not in reporter_side(reporter)
        hints = [m for m in fake.bot_messages(STAFF_CHAT)
                 if snippet("staff.relay_hint") in body(m)]
        assert hints == [hint]
        [sent] = [c for c in fake.calls_to("sendMessage")
                  if snippet("staff.relay_hint") in str(c.params.get("text"))]
        assert str(sent.params.get("disable_notification")).lower() == "true"
        assert_clean(fake)


async def test_given_a_relay_window_when_the_officer_presses_batalkan_then_nothing_leaves(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url,
                              PELUIT_RELAY_DELAY_SECONDS=2) as peluit:
        reporter = Reporter(fake, REPORTER)
        topic, card, ticket = await _case_topic(fake, peluit, reporter)

        # When: a slip is relayed by reply, and taken back at once with [Batalkan].
        await fake.send_text(STAFF[0], SLIP, chat_id=STAFF_CHAT, reply_to=card["message_id"])
        waiting = await fake.wait_bot_message(STAFF_CHAT, contains=snippet("staff.relay_waiting"),
                                              thread_id=topic)
        [cancel] = [d for d in buttons(waiting) if d.startswith("r:")]
        await fake.press(STAFF[1], waiting, cancel)
        # ... and a real question follows, which is left to leave.
        await fake.send_text(STAFF[0], KEPT, chat_id=STAFF_CHAT, reply_to=card["message_id"])

        # Then: the question kept arrives (after the slip would have); the slip never does.
        await reporter.expect(KEPT)
        assert SLIP not in reporter_side(reporter)

        def edited(message: dict, key: str):
            now = next((m for m in fake.messages(STAFF_CHAT)
                        if m["message_id"] == message["message_id"]), {})
            return now if snippet(key) in body(now) and not buttons(now) else None
        await fake.wait_for(lambda: edited(waiting, "staff.relay_cancelled"))
        later = [m for m in fake.bot_messages(STAFF_CHAT, thread_id=topic)
                 if m["message_id"] > waiting["message_id"]]
        confirmation = next(m for m in later if snippet("staff.relay_waiting") in body(m)
                            or snippet("staff.relay_sent") in body(m))
        await fake.wait_for(lambda: edited(confirmation, "staff.relay_sent"))

        # The reporter's status shows the question that left, never the one taken back.
        await reporter.say(f"/status {ticket}")
        shown = body(await reporter.expect(text("id", "timeline.question")))
        assert KEPT in shown and SLIP not in shown
        await peluit.settle()
        assert_clean(fake)


async def test_given_a_staff_document_and_photo_when_relayed_then_the_reporter_gets_them_without_metadata(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        topic, card, _ = await _case_topic(fake, peluit, reporter)
        picture = media.exif_jpeg()
        assert any(m in picture for m in media.MARKERS)

        # When: an officer replies to the card with a document, and sends a photo with /tanya.
        await fake.send_document(STAFF[0], picture, "denah Budi.jpg", "image/jpeg",
                                 chat_id=STAFF_CHAT, caption=FORM, reply_to=card["message_id"])
        document = await reporter.expect(FORM)
        await fake.send_photo(STAFF[1], picture, chat_id=STAFF_CHAT, thread_id=topic,
                              caption=f"/tanya {PHOTO_WORDS}")
        photo = await reporter.expect(PHOTO_WORDS)
        await peluit.settle()

        # Then: both arrive labelled "Petugas WBS", with no metadata and no officer's file name.
        assert "document" in document and "photo" in photo
        for message in (document, photo):
            assert "Petugas WBS" in body(message) and "/tanya" not in body(message)
        assert "Budi" not in document["document"].get("file_name", "")
        for method, data in fake.uploaded_files:
            assert not [m for m in media.MARKERS if m in data], method
        await fake.wait_bot_message(STAFF_CHAT, contains=snippet("staff.file_metadata_removed"),
                                    thread_id=topic)
        assert_clean(fake)


async def test_given_a_reporter_photo_with_words_after_the_report_then_staff_get_one_message(
    fake, tmp_path, database_url
):
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        topic, _, _ = await _case_topic(fake, peluit, reporter)
        before = len(fake.bot_messages(STAFF_CHAT, thread_id=topic))

        await fake.send_photo(REPORTER, media.exif_jpeg(), caption=EVIDENCE_WORDS)
        await reporter.expect(snippet("reporter.answer_sent"))
        await peluit.settle()

        new = fake.bot_messages(STAFF_CHAT, thread_id=topic)[before:]
        assert len(new) == 1, [body(m) for m in new]
        assert "photo" in new[0] and EVIDENCE_WORDS in body(new[0])
        assert "Pelapor" in body(new[0])
        assert_clean(fake)
