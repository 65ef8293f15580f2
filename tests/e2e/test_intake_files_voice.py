"""Files at any step of a draft, the evidence list with a way to remove each file, and voice
answers: in Bahasa Indonesia and in English, over HTTP against the stand-in Bot API."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.i18n import text
from flows.intents import ChatRoute
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, buttons, first_words, running_peluit
from tests.support.media_files import opus_voice_note

pytestmark = pytest.mark.e2e

CAPTION = {"id": "Kuitansi dari Pak BS", "en": "Receipt from Mr BS"}


def jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


def color_of(data: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").getpixel((32, 24))  # type: ignore[return-value]


def near(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) < 24 for x, y in zip(a, b, strict=True))


def assert_clean(fake) -> None:
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_given_a_photo_at_step_2_and_a_wrong_file_removed_then_only_the_kept_one_reaches_staff(
    fake, tmp_path, database_url, lang
):
    user = 987650081 if lang == "id" else 987650082
    kept, wrong = (200, 30, 30), (30, 30, 200)

    def snippet(key: str) -> str:
        return first_words(lang, key)

    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user, language=lang)
        await r.say("/lapor")
        await r.expect(snippet("intake.intro"), button="i:cat:")
        await r.press("i:cat:")
        await r.expect(snippet("intake.ask_what"))

        # A photo at step 2: kept, and the same question again with a short note.
        await fake.send_photo(user, jpeg(kept), caption=CAPTION[lang])
        again = await r.expect(snippet("intake.files_kept"))
        assert snippet("intake.ask_what") in again["text"]
        for step, nxt in (("what", "who"), ("who", "when"), ("when", "where"), ("where", "how")):
            await r.say(REPORT[step])
            await r.expect(snippet(f"intake.ask_{nxt}"))
        await r.say(REPORT["how"])

        # The evidence step lists it (kind, caption), with its 🗑.
        listed = await r.expect(snippet("intake.evidence_list"), button="i:drop:")
        assert text(lang, "filekind.photo") in listed["text"] and CAPTION[lang] in listed["text"]
        assert sum(d.startswith("i:drop:") for d in buttons(listed)) == 1

        # A wrong file: removed with the button under its confirmation.
        await fake.send_photo(user, jpeg(wrong))
        saved = await r.expect(snippet("intake.evidence_saved"), button="i:drop:")
        await r.press("i:drop:", in_message=saved)
        after = await r.expect(snippet("intake.file_removed"), button="i:done:")
        assert sum(d.startswith("i:drop:") for d in buttons(after)) == 1
        await fake.press(user, saved, next(d for d in buttons(saved) if d.startswith("i:drop:")))
        await r.press("i:done:", in_message=after)
        await r.expect(snippet("intake.ask_identity"), button="i:anon:")
        await r.press("i:anon:")
        review = await r.expect(snippet("intake.review"), button="i:submit:")

        # From the review, ✏️ Bukti resumes at the list; done brings the review back.
        edit = next(d for d in buttons(review) if d.startswith("i:edit:") and d.endswith(":evidence"))
        await fake.press(user, review, edit)
        listed = await r.expect(snippet("intake.evidence_list"), button="i:drop:")
        assert CAPTION[lang] in listed["text"]
        assert snippet("intake.ask_evidence") not in listed["text"]  # not the first-time prompt
        await r.press("i:done:", in_message=listed)
        await r.expect(snippet("intake.review"), button="i:submit:")
        await r.press("i:submit:")
        await r.expect(snippet("intake.submitted"), button="i:wipe:")
        await peluit.settle()

        (thread, _name), = fake.topics(STAFF_CHAT).items()
        in_topic = fake.bot_messages(STAFF_CHAT, thread_id=thread)
        photos = [m for m in in_topic if "photo" in m]
        assert len(photos) == 1 and CAPTION[lang] in photos[0]["caption"]
        sent = [data for method, data in fake.uploaded_files if method == "sendPhoto"]
        assert len(sent) == 1 and near(color_of(sent[0]), kept)
        assert not any(near(color_of(d), wrong) for m, d in fake.uploaded_files if m == "sendPhoto")
        async with peluit.services.db.uow() as uow:
            cases = await uow.cases.for_route(ChatRoute(user))
        assert len(cases[0].evidence_ids) == 1
    assert_clean(fake)


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_given_a_voice_answer_then_the_review_shows_it_and_staff_get_it_after_the_card(
    fake, tmp_path, database_url, lang
):
    user = 987650083 if lang == "id" else 987650084

    def snippet(key: str) -> str:
        return first_words(lang, key)

    async with running_peluit(fake, tmp_path, database_url) as peluit:
        r = Reporter(fake, user, language=lang)
        await r.say("/lapor")
        await r.expect(snippet("intake.intro"), button="i:cat:")
        await r.press("i:cat:")
        await r.expect(snippet("intake.ask_what"))

        await fake.send_media(user, "voice", opus_voice_note(), duration=42)
        await r.expect(snippet("intake.voice_notice"))
        who = await r.expect(snippet("intake.voice_saved"), button="i:add:")
        assert snippet("intake.ask_who") in who["text"]
        for step, nxt in (("who", "when"), ("when", "where"), ("where", "how"), ("how", "evidence")):
            await r.say(REPORT[step])
            await r.expect(snippet(f"intake.ask_{nxt}"))
        await r.press("i:done:")
        await r.expect(snippet("intake.ask_identity"), button="i:anon:")
        await r.press("i:anon:")
        review = await r.expect(snippet("intake.review"), button="i:submit:")
        assert "🎤 0:42" in review["text"]
        notices = [m.get("text", "") for m in r.bot_messages()]
        assert sum(snippet("intake.voice_notice") in t for t in notices) == 1
        await r.press("i:submit:")
        await r.expect(snippet("intake.submitted"), button="i:wipe:")
        await peluit.settle()

        (thread, _name), = fake.topics(STAFF_CHAT).items()
        in_topic = fake.bot_messages(STAFF_CHAT, thread_id=thread)
        card, spoken = in_topic[0], in_topic[1]
        assert REPORT["who"] in card["text"] and "🎤 0:42" in card["text"]
        assert "voice" in spoken
        staff_lang = peluit.services.policy.staff_language
        assert text(staff_lang, "field.what") in spoken["caption"]
        assert spoken.get("has_protected_content")
        assert [data for method, data in fake.uploaded_files if method == "sendVoice"] != []
    assert_clean(fake)
