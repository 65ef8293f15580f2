"""Issue 3, Show: a whole report with evidence and one edit from review, in both languages."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from flows.intents import ChatRoute
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, buttons, first_words, running_peluit
from tests.support.media_files import opus_voice_note

pytestmark = pytest.mark.e2e

NEW_WHO = "Inisial RS, Sekretaris Dinas, bukan Kabid: saya keliru sebelumnya"
TICKET = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Author (Budi Santoso) >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
VOICE = opus_voice_note()


def snippet(lang: str, key: str) -> str:
    """The first line of a catalog text as Telegram shows it (tags removed, before any {param})."""
    return first_words(lang, key)


def jpeg(color: str = "red", exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (6.0, 12.0, 0.5)}
    exif[0x010F] = "MARKERCAM"
    data = jpeg("blue", exif)
    assert b"MARKERCAM" in data and b"Exif" in data  # the test image really carries EXIF
    return data


def assert_clean(fake) -> None:
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_given_a_reporter_with_evidence_when_they_edit_who_and_submit_then_staff_get_card_and_clean_files(
    fake, tmp_path, database_url, lang
):
    user = 987650011
    photo, exif_jpeg = jpeg("green"), gps_jpeg()
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user, language=lang)
        await r.say("/lapor")
        first = await r.expect(snippet(lang, "intake.intro"), button="i:cat:")
        assert snippet(lang, "intake.ask_category") in first["text"]  # one message
        await r.press("i:cat:")
        for step in ("what", "who", "when", "where", "how"):
            await r.expect(snippet(lang, f"intake.ask_{step}"))
            await r.say(REPORT[step])
        await r.expect(snippet(lang, "intake.ask_evidence"), button="i:done:")

        # Evidence: a photo, a PDF (held back once, with a warning), a JPEG sent as a file (with
        # GPS EXIF), a voice note.
        await fake.send_photo(user, photo)
        await r.expect(snippet(lang, "intake.evidence_saved"), button="i:done:")
        await fake.send_document(user, PDF, "laporan-keuangan.pdf", "application/pdf")
        await r.expect(snippet(lang, "intake.metadata_held"), button="i:done:")
        await fake.send_document(user, PDF, "laporan-keuangan.pdf", "application/pdf")  # again
        await r.expect(snippet(lang, "intake.metadata_kept"))
        await r.expect(snippet(lang, "intake.evidence_saved"), button="i:done:")
        await fake.send_document(user, exif_jpeg, "IMG_0042.jpg", "image/jpeg")
        await r.expect(snippet(lang, "intake.metadata_removed"))
        await r.expect(snippet(lang, "intake.evidence_saved"), button="i:done:")
        await fake.send_media(user, "voice", VOICE)
        saved = await r.expect(snippet(lang, "intake.evidence_saved"), button="i:done:")
        assert re.search(r"\(4\D+10\)", saved["text"]), saved["text"]
        notices = [m["text"] for m in r.bot_messages() if "text" in m]
        assert sum(snippet(lang, "intake.metadata_removed") in t for t in notices) == 2
        assert sum(snippet(lang, "intake.metadata_removed_recording") in t for t in notices) == 1
        assert sum(snippet(lang, "intake.metadata_held") in t for t in notices) == 1
        assert sum(snippet(lang, "intake.voice_notice") in t for t in notices) == 1
        await r.press("i:done:")
        await r.expect(snippet(lang, "intake.ask_identity"), button="i:anon:")
        await r.press("i:anon:")
        review = await r.expect(snippet(lang, "intake.review"), button="i:submit:")
        assert REPORT["who"] in review["text"]

        # One edit from review: who.
        edit_who = next(d for d in buttons(review) if d.startswith("i:edit:") and d.endswith(":who"))
        await fake.press(user, review, edit_who)
        prompt = await r.expect(snippet(lang, "intake.ask_who"))
        assert REPORT["who"] in prompt["text"]  # the current answer is shown
        await r.say(NEW_WHO)  # replaces it; back to the review
        review = await r.expect(snippet(lang, "intake.review"), button="i:submit:")
        assert NEW_WHO in review["text"] and REPORT["who"] not in review["text"]
        assert REPORT["what"] in review["text"] and REPORT["how"] in review["text"]

        await r.press("i:submit:")
        done = await r.expect(snippet(lang, "intake.submitted"), button="i:wipe:")
        ticket = TICKET.search(done["text"]).group(0)
        await peluit.settle()

        # Staff: one topic with the card (new "who") and the four pieces of evidence.
        (thread, name), = fake.topics(STAFF_CHAT).items()
        assert name.startswith("WBS-")
        in_topic = fake.bot_messages(STAFF_CHAT, thread_id=thread)
        card = in_topic[0]
        assert NEW_WHO in card["text"] and REPORT["who"] not in card["text"]
        for step in ("what", "when", "where", "how"):
            assert REPORT[step] in card["text"]
        kinds = sorted(k for m in in_topic[1:] for k in ("photo", "document", "voice") if k in m)
        assert kinds == ["document", "document", "photo", "voice"]
        assert all(m.get("has_protected_content") for m in in_topic)

        # The JPEG-as-file reached staff without its EXIF; the PDF is passed on as it came.
        documents = [data for method, data in fake.uploaded_files if method == "sendDocument"]
        assert PDF in documents
        images = [d for d in documents if d.startswith(b"\xff\xd8")]
        assert len(images) == 1
        assert b"MARKERCAM" not in images[0] and b"Exif" not in images[0]
        with Image.open(io.BytesIO(images[0])) as clean:
            assert clean.size == (64, 48) and not clean.getexif()

        # The ticket went to the reporter's chat only, and nothing else ever carried it.
        carrying = [c for c in fake.calls if ticket in json.dumps(c.params, ensure_ascii=False)]
        assert carrying and all(int(c.params["chat_id"]) == user for c in carrying)
        assert not any(ticket in (m.get("text") or m.get("caption") or "")
                       for m in fake.messages(STAFF_CHAT))

        async with peluit.services.db.uow() as uow:
            cases = await uow.cases.for_route(ChatRoute(user))
            assert await uow.drafts.get(ChatRoute(user)) is None
        assert len(cases) == 1 and cases[0].report["who"] == NEW_WHO
        assert cases[0].language == lang and len(cases[0].evidence_ids) == 4
    assert_clean(fake)
