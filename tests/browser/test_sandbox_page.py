"""Issue 12, Show: the sandbox page in a real browser (headless Chromium) - the whole journey of a
case through the page, HTML typed by a reporter shown as text, a non-member's command doing
nothing, reset, the clock, and a phone-sized screen."""

from __future__ import annotations

import io
import math
import os
import struct
import wave

import aiohttp
from PIL import Image
from playwright.async_api import expect

from bot.i18n import text
from sandbox import cast
from tests.browser.driver import CASE_NUMBER, Pane, file_report, open_topic
from tests.e2e.test_staff_journey import snippet

ANI, SECOND_ACCOUNT, BUDI, RINA, OUTSIDER = cast.PEOPLE
REPORT = {
    "what": "Kepala seksi meminta 'uang rokok' Rp500 ribu untuk mempercepat surat rekomendasi.",
    "who": "Inisial TW, Kepala Seksi Perizinan, Dinas PUPR",
    "when": "Kamis, 6 Maret 2025, sekitar pukul 14.00",
    "where": "Loket 3, kantor Dinas PUPR",
    "how": "Diminta tunai di loket; ada saksi pemohon lain dan kuitansi tanpa kop.",
}
QUESTION = "Apakah kuitansi itu ada tanda tangan atau stempel? Mohon dijelaskan."
ANSWER = "Ada paraf tanpa nama, tidak ada stempel. Saya simpan aslinya."
CONCLUSION = "Terbukti ada pungutan liar."
RECOMMENDATION = "hukuman disiplin sedang dan pengembalian uang."


def sound() -> bytes:
    """Half a second of a tone, as a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(4000)))
    return out.getvalue()


def picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (40, 120, 90)).save(out, "PNG")
    return out.getvalue()


async def test_given_the_page_when_a_case_goes_from_report_to_conclusion_then_each_side_sees_it(page, sandbox):
    phone, staff = Pane(page, "phone"), Pane(page, "staff")
    await expect(page.locator("#sandbox-mark")).to_have_text("SANDBOX — not Telegram")

    # A reporter opens the chat (START), reports with a photo, a document and a voice note from
    # the computer, and gets a ticket.
    await page.locator("#phone-messages button.start").click()
    await phone.expect_bot(snippet("start.welcome"))
    ticket = await file_report(phone, REPORT, files=(
        ("foto-kuitansi.png", "image/png", picture(), "auto"),
        ("surat-rekomendasi.png", "image/png", picture(), "document"),  # a scan, sent as a file
        ("rekaman.wav", "audio/wav", sound(), "auto")))
    await expect(phone.messages.locator(".media.photo img")).to_have_count(1)
    # Wiping the conversation deletes the report's messages: they disappear, as in Telegram.
    await phone.press("i:wipe:")
    await phone.expect_bot(snippet("intake.wiped"))
    await expect(page.locator("#phone")).not_to_contain_text(ticket)
    await expect(phone.messages.locator(".media.photo")).to_have_count(0)

    # The case appears in the staff group in its own topic: card (formatted, protected), evidence.
    await open_topic(page, "WBS-")
    card = staff.messages.filter(has=page.locator("button[data-data^='c:verify:']")).first
    await expect(card).to_contain_text(REPORT["what"])
    card = page.locator(f"#staff-messages > li[data-id='{await card.get_attribute('data-id')}']")
    number = CASE_NUMBER.search(await card.inner_text()).group(0)
    assert ticket not in await page.locator("#staff").inner_text()
    await expect(card.locator(".text b").first).to_be_visible()  # entities rendered as elements
    await expect(card.locator(".protected")).to_be_visible()
    await expect(staff.messages.locator(".media")).to_have_count(3)  # the evidence, copied
    await expect(staff.messages.locator(".media.voice audio")).to_have_count(1)  # any sound file, as voice

    # Staff ask by replying to the card; the reporter answers by replying to the question.
    await staff.reply_to(card)
    await staff.say(QUESTION)
    question = await phone.expect_bot(QUESTION)
    await expect(question).to_contain_text("Petugas WBS")
    await phone.reply_to(question)
    await phone.say(ANSWER)
    answer = await staff.expect_bot(ANSWER)
    await expect(answer).to_contain_text("Pelapor")
    await expect(page.locator("#phone-messages > li.out").last.locator(".quote")).to_contain_text(QUESTION[:30])

    # Moves: verify and clarify by button, then the conclusion typed as a command.
    await staff.press_newest("c:verify:")
    await phone.expect_bot(text("id", "state.verifying"))
    await staff.press_newest("c:clarify:")
    await phone.expect_bot(text("id", "state.clarification"))
    await staff.say(f"/selesai {CONCLUSION} Rekomendasi: {RECOMMENDATION}")
    concluded = await phone.expect_bot(CONCLUSION)
    await expect(concluded).to_contain_text(text("id", "state.concluded"))
    # the recommendation is for leadership: never shown to the reporter
    await expect(page.locator("#phone-messages")).not_to_contain_text(RECOMMENDATION)
    if os.environ.get("PELUIT_SANDBOX_SCREENSHOT"):  # docs/sandbox.png: see README
        await page.screenshot(path=os.environ["PELUIT_SANDBOX_SCREENSHOT"])

    # The same reporter, from a brand-new account, checks the status with the ticket code.
    await page.locator("#phone-person").select_option(str(SECOND_ACCOUNT.id))
    await expect(page.locator("#phone-messages button.start")).to_be_visible()
    await phone.say(f"/status {ticket}")
    status = await phone.expect_bot(number)
    await expect(status).to_contain_text(text("id", "state.concluded"))
    box, _ = sandbox
    assert box.world.telegram.rejected == []


async def test_given_html_in_a_report_when_staff_read_the_card_then_it_shows_as_text(page, sandbox):
    phone, staff = Pane(page, "phone"), Pane(page, "staff")
    typed = "<b>x</b><script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">"
    await file_report(phone, {**REPORT, "what": f"Ada markup: {typed} selesai."})
    await open_topic(page, "WBS-")
    card = staff.messages.filter(has=page.locator("button[data-data^='c:verify:']")).first
    await expect(card).to_contain_text(typed)
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("#staff-messages script, #staff-messages img:not(.media img)").count() == 0
    assert await card.locator(".text b", has_text="x").count() == 0  # no <b> made of their text


async def test_given_a_non_member_when_they_write_commands_in_the_staff_group_then_nothing_happens(page, sandbox):
    staff = Pane(page, "staff")
    await page.locator("#staff-person").select_option(str(OUTSIDER.id))
    await expect(page.locator("#staff-note")).to_contain_text("Not a member")
    for command in ("/kasus", "/statistik", "/bantuan"):
        await staff.say(command)
    # A member's command afterwards is answered: the bot had read everything before it.
    await page.locator("#staff-person").select_option(str(RINA.id))
    await staff.say("/bantuan")
    await staff.expect_bot(snippet("staff.help"))
    await expect(page.locator("#staff-messages > li.bot")).to_have_count(1)
    joko_wrote = staff.messages.filter(has=page.locator(".sender", has_text=OUTSIDER.name))
    await expect(joko_wrote).to_have_count(3)  # the group sees what he wrote


async def test_given_a_used_world_when_reset_then_it_is_empty_and_the_clock_is_back(page, sandbox):
    phone = Pane(page, "phone")
    await page.locator("#phone-messages button.start").click()
    await phone.expect_bot(snippet("start.welcome"))
    await page.locator("#clock-step").select_option("691200")
    await page.locator("#clock-advance").click()
    await expect(page.locator("#clock")).to_contain_text("8 days ahead")
    await page.locator("#reset-empty").click()
    await expect(page.locator("#phone-messages button.start")).to_be_visible()
    await expect(page.locator("#topics li")).to_have_count(1)  # General only
    await expect(page.locator("#clock")).not_to_contain_text("ahead")
    await page.locator("#reset-seeded").click()
    await expect(page.locator("#topics li")).to_have_count(4)  # General and three cases


async def test_given_the_bot_edits_protects_deletes_and_prompts_then_the_page_shows_it_as_telegram_does(
    page, sandbox
):
    phone = Pane(page, "phone")
    box, _ = sandbox
    world = box.world.telegram
    await page.locator("#phone-messages button.start").click()
    await phone.expect_bot(snippet("start.welcome"))

    async def bot(method: str, **params: object) -> dict:
        async with aiohttp.ClientSession() as client, client.post(
                f"{world.url}/bot{world.token}/{method}", json=params) as response:
            answer = await response.json()
            assert answer["ok"], answer
            return answer["result"]

    sent = await bot("sendMessage", chat_id=ANI.id, text="<b>Versi pertama</b>", parse_mode="HTML",
                     protect_content=True)
    first = page.locator(f"#phone-messages > li[data-id='{sent['message_id']}']")
    await expect(first.locator(".text b")).to_have_text("Versi pertama")
    await expect(first.locator(".protected")).to_be_visible()
    await bot("editMessageText", chat_id=ANI.id, message_id=sent["message_id"], text="Versi kedua")
    await expect(first.locator(".text")).to_have_text("Versi kedua")
    await expect(first.locator(".edited")).to_be_visible()
    await bot("deleteMessage", chat_id=ANI.id, message_id=sent["message_id"])
    await expect(first).to_have_count(0)

    # A reply prompt (ForceReply): the composer says so, and the next message answers it.
    prompt = await bot("sendMessage", chat_id=ANI.id, text="Tulis kesimpulannya",
                       reply_markup={"force_reply": True, "input_field_placeholder": "Kesimpulan"})
    await expect(page.locator("#phone-composer .replying")).to_contain_text("Kesimpulan")
    await expect(page.locator("#phone-composer textarea")).to_have_attribute("placeholder", "Kesimpulan")
    await phone.say("Ini jawabannya")
    mine = page.locator("#phone-messages > li.out").last
    await expect(mine.locator(".quote")).to_contain_text("Tulis kesimpulannya")
    await expect(page.locator("#phone-composer .replying")).to_be_hidden()
    assert prompt["message_id"] > sent["message_id"]


async def test_given_a_phone_sized_screen_then_the_panes_stack_behind_tabs(page):
    await page.set_viewport_size({"width": 390, "height": 844})
    await expect(page.locator("#phone")).to_be_visible()
    await expect(page.locator("#staff")).to_be_hidden()
    await page.locator(".tabs [data-pane=staff]").click()
    await expect(page.locator("#staff")).to_be_visible()
    await expect(page.locator("#phone")).to_be_hidden()
    await expect(page.locator("#sandbox-mark")).to_be_visible()
