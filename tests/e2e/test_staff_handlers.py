"""Who handles a case, end to end over HTTP against the stand-in Bot API (SQLite and PostgreSQL):
take and hand over (/ambil, [Ambil], /serahkan by reply and by @username, and back to nobody),
the live card naming the handler, /kasus with handlers and topic links, /kasus saya; and the
reporter never hears a staff name."""

from __future__ import annotations

import pytest

from bot.i18n import text
from tests.e2e.harness import STAFF, STAFF_CHAT, Reporter, file_report, running_peluit
from tests.e2e.test_staff_journey import (
    CASE_NUMBER,
    assert_clean,
    body,
    last_id,
    next_in_group,
    snippet,
    staff_says,
)

pytestmark = pytest.mark.e2e

REPORTER, SECOND_REPORTER = 987650061, 987650062
BUDI, BUDI_USERNAME = "Budi Santoso", "budi_inspektorat"
RINA, RINA_USERNAME = "Rina Wulandari", "rina_upg"
HANDLED_BY = text("id", "staff.card_handler").split("{")[0]  # "Ditangani: "
NOBODY = text("id", "staff.card_no_handler").strip()


def card_now(fake, card: dict) -> dict:
    return next(m for m in fake.messages(STAFF_CHAT) if m["message_id"] == card["message_id"])


async def card_reads(fake, card: dict, wanted: str) -> dict:
    """Wait until the (edited) card shows `wanted`."""
    await fake.wait_for(lambda: wanted in body(card_now(fake, card)))
    return card_now(fake, card)


async def test_given_a_case_when_taken_and_handed_over_then_the_card_follows_and_the_reporter_hears_no_name(
    fake, tmp_path, database_url
):
    fake.add_user(STAFF[0], BUDI, username=BUDI_USERNAME)
    fake.add_user(STAFF[1], RINA, username=RINA_USERNAME)
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        reporter = Reporter(fake, REPORTER)
        await file_report(reporter)
        await peluit.settle()
        (topic, name), = fake.topics(STAFF_CHAT).items()
        number = CASE_NUMBER.search(name).group(0)
        card = fake.bot_messages(STAFF_CHAT, thread_id=topic)[0]
        # Given: nobody handles the new case, and the card says so (with [Ambil]).
        assert NOBODY in body(card)
        assert any(d.startswith("c:take:") for d in _buttons(card))

        # When: Budi takes it with /ambil in the topic. Then: the group and the card say so.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/ambil", thread=topic)
        said = await next_in_group(fake, snippet("staff.handler_taken"), mark, thread=topic)
        assert BUDI in body(said) and number in body(said)
        shown = await card_reads(fake, card, f"{HANDLED_BY}{BUDI}")
        assert NOBODY not in body(shown) and not any(d.startswith("c:take:") for d in _buttons(shown))

        # When: Budi hands it to Rina by replying to one of her messages with /serahkan.
        rina_says = await staff_says(fake, "Saya bisa bantu kasus ini.", user=STAFF[1], thread=topic)
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/serahkan", thread=topic, reply_to=rina_says["message_id"])
        handed = await next_in_group(fake, snippet("staff.handler_handed"), mark, thread=topic)
        assert RINA in body(handed)
        await card_reads(fake, card, f"{HANDLED_BY}{RINA}")

        # When: Rina hands it back to Budi by @username (Budi has acted in the group).
        await staff_says(fake, f"/serahkan @{BUDI_USERNAME}", user=STAFF[1], thread=topic)
        await card_reads(fake, card, f"{HANDLED_BY}{BUDI}")

        # When: someone outside the group is named, or an unknown @username. Then: nothing changes.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/serahkan @orang_tak_dikenal", thread=topic)
        unknown = await next_in_group(fake, "@orang_tak_dikenal", mark, thread=topic)
        assert snippet("staff.handover_unknown").split("@")[0] in body(unknown)
        assert f"{HANDLED_BY}{BUDI}" in body(card_now(fake, card))

        # When: Budi lets it go. Then: nobody handles it; Rina takes it with [Ambil].
        await staff_says(fake, "/serahkan", thread=topic)
        shown = await card_reads(fake, card, NOBODY)
        take = next(d for d in _buttons(shown) if d.startswith("c:take:"))
        await fake.press(STAFF[1], shown, take)
        await card_reads(fake, card, f"{HANDLED_BY}{RINA}")

        # A move still tells the reporter, as "Petugas WBS", with no staff name anywhere.
        await staff_says(fake, "/verifikasi", user=STAFF[1], thread=topic)
        await reporter.expect(text("id", "state.verifying"))
        await staff_says(fake, "/tanya Apakah ada saksi lain?", user=STAFF[1], thread=topic)
        question = await reporter.expect("Apakah ada saksi lain?")
        assert "Petugas WBS" in body(question)
        await peluit.settle()
        assert f"{HANDLED_BY}{RINA}" in body(card_now(fake, card))
        reporter_side = " ".join(body(m) for m in reporter.bot_messages())
        for secret in (BUDI, RINA, BUDI_USERNAME, RINA_USERNAME, "Budi", "Rina", *map(str, STAFF)):
            assert secret not in reporter_side, secret
        assert_clean(fake)


async def test_given_cases_handled_by_two_members_when_kasus_saya_then_only_mine_and_kasus_links_topics(
    fake, tmp_path, database_url
):
    fake.add_user(STAFF[0], BUDI, username=BUDI_USERNAME)
    fake.add_user(STAFF[1], RINA, username=RINA_USERNAME)
    async with running_peluit(fake, tmp_path, database_url) as peluit:
        for reporter_id in (REPORTER, SECOND_REPORTER):
            await file_report(Reporter(fake, reporter_id))
        await peluit.settle()
        topics = sorted(fake.topics(STAFF_CHAT).items(),
                        key=lambda t: CASE_NUMBER.search(t[1]).group(0))
        (budi_topic, budi_name), (rina_topic, rina_name) = topics
        budis, rinas = (CASE_NUMBER.search(n).group(0) for n in (budi_name, rina_name))
        await staff_says(fake, f"/ambil {budis}")
        await staff_says(fake, "/ambil", user=STAFF[1], thread=rina_topic)
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/kasus", user=STAFF[1])
        listing = await next_in_group(fake, snippet("staff.open_cases"), mark, thread=None)
        lines = [line for line in body(listing).splitlines() if CASE_NUMBER.search(line)]
        assert [CASE_NUMBER.search(line).group(0) for line in lines] == [budis, rinas]
        assert BUDI in lines[0] and RINA in lines[1], lines
        internal = str(STAFF_CHAT)[4:]
        links = sorted(e["url"] for e in listing.get("entities", []) if e["type"] == "text_link")
        assert links == sorted([f"https://t.me/c/{internal}/{budi_topic}",
                                f"https://t.me/c/{internal}/{rina_topic}"])

        # When: Budi asks for his own cases. Then: only his, linked to its topic.
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/kasus saya")
        mine = await next_in_group(fake, snippet("staff.my_cases"), mark, thread=None)
        assert budis in body(mine) and rinas not in body(mine)
        assert [e["url"] for e in mine.get("entities", []) if e["type"] == "text_link"] == [
            f"https://t.me/c/{internal}/{budi_topic}"]

        # When: Budi lets his case go, /kasus saya says he handles none.
        await staff_says(fake, f"/serahkan {budis}")
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/kasus saya")
        await next_in_group(fake, snippet("staff.no_my_cases"), mark, thread=None)
        assert_clean(fake)


def _buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]
