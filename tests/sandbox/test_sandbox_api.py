"""Issue 12: the sandbox page's JSON API acts as the people against the real Peluit, and serves
nothing that could run in the page."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from PIL import Image

from sandbox import cast, seed
from sandbox.main import serving
from sandbox.session import Sandbox
from tests.e2e.test_staff_journey import snippet

pytestmark = pytest.mark.e2e

ANI, BUDI = cast.PEOPLE[0], cast.PEOPLE[2]
HEADERS = {"X-Peluit-Sandbox": "1"}


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[Sandbox, str, aiohttp.ClientSession]]:
    box = Sandbox()
    async with serving(box, 0) as url, aiohttp.ClientSession(url) as client:
        yield box, url, client


async def state(client: aiohttp.ClientSession, since: int | None = None) -> dict:
    async with client.get("/api/state", params={} if since is None else {"since": since}) as r:
        assert r.status == 200
        return await r.json()


async def post(client: aiohttp.ClientSession, path: str, body: dict, status: int = 200) -> dict:
    async with client.post(path, json=body, headers=HEADERS) as r:
        assert r.status == status, await r.text()
        return await r.json()


def bodies(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


async def test_given_another_host_or_a_post_without_the_header_then_the_api_refuses(sandbox):
    _, _url, client = sandbox
    async with client.get("/", headers={"Host": "attacker.example:80"}) as r:
        assert r.status == 421
    async with client.post("/api/write", json={"person": ANI.id, "text": "/start"}) as r:
        assert r.status == 403  # another site's page cannot add the header without asking
    async with client.get("/") as r:
        assert r.status == 200 and "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert "SANDBOX" in await r.text()


async def test_given_a_write_when_a_page_waits_for_changes_then_it_gets_the_bots_answer(sandbox):
    box, _, client = sandbox
    before = await state(client)
    waiting = asyncio.create_task(state(client, before["version"]))
    await post(client, "/api/write", {"person": ANI.id, "text": "/start"})
    after = await waiting
    assert after["version"] > before["version"]
    await box.world.telegram.wait_for(lambda: len(box.world.telegram.bot_messages(ANI.id)) == 1)
    welcome = (await state(client))["private"][str(ANI.id)][-1]
    assert welcome["from"]["bot"] and any(b["data"] == "m:lapor" for row in welcome["buttons"] for b in row)


async def test_given_files_people_sent_when_the_page_fetches_them_then_only_images_and_sound_are_shown(sandbox):
    box, _, client = sandbox
    world = box.world.telegram
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 0, 0)).save(png, "PNG")
    for name, data, mime in (("x.html", b"<script>alert(1)</script>", "text/html"),
                             ("bukti.png", png.getvalue(), "image/png"),
                             ("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml")):
        await world.send_document(ANI.id, data, name, mime)
    await world.send_media(ANI.id, "voice", b"ID3fake-mp3", mime_type="audio/mpeg")
    served = {}
    for message in (await state(client))["private"][str(ANI.id)]:
        media = message["media"]
        async with client.get(f"/api/file/{media['file_id']}") as r:
            served[media["name"] or media["kind"]] = (r.headers["Content-Type"],
                                                     r.headers.get("Content-Disposition", ""))
    assert served["x.html"] == ("application/octet-stream", 'attachment; filename="x.html"')
    assert served["x.svg"][0] == "application/octet-stream"
    assert served["bukti.png"] == ("image/png", "")
    assert served["voice"] == ("audio/mpeg", "")


async def test_given_an_overdue_case_when_the_clock_moves_forward_then_staff_are_reminded(sandbox):
    box, _, client = sandbox
    world = box.world.telegram
    reporter = cast.SEED_REPORTERS[0]
    world.add_user(reporter.id, reporter.name)
    await seed.file_story(world, reporter, seed.STORIES[1], box.world.services.policy.categories)
    await post(client, "/api/clock", {"seconds": 8 * 86400})
    reminder = snippet("staff.overdue")
    await world.wait_for(lambda: any(reminder in (m.get("text") or "") for m in world.bot_messages(cast.STAFF_CHAT)))
    seen = await state(client)
    assert seen["clock_offset"] == 8 * 86400 and seen["now"] > world.now() - 60
    await post(client, "/api/clock", {"seconds": -5}, status=400)


async def test_given_the_reporters_telegram_in_english_when_they_start_then_the_bot_answers_in_english(sandbox):
    box, _, client = sandbox
    await post(client, "/api/language", {"person": ANI.id, "language": "en"})
    await post(client, "/api/write", {"person": ANI.id, "text": "/start"})
    world = box.world.telegram
    welcome = await world.wait_bot_message(ANI.id)
    assert snippet("start.welcome", "en") in welcome["text"]
    assert next(p for p in (await state(client))["people"] if p["id"] == ANI.id)["language"] == "en"


async def test_given_a_reply_prompt_from_the_bot_when_the_person_writes_then_it_is_a_reply_to_the_prompt(sandbox):
    box, _, client = sandbox
    world = box.world.telegram
    await post(client, "/api/write", {"person": ANI.id, "text": "/start"})
    await world.wait_bot_message(ANI.id)
    # The bot asks with ForceReply (as it does for words a move needs), over the Bot API.
    async with aiohttp.ClientSession() as bot, bot.post(f"{world.url}/bot{world.token}/sendMessage", json={
            "chat_id": ANI.id, "text": "Tulis jawabannya",
            "reply_markup": {"force_reply": True, "input_field_placeholder": "Jawaban"}}) as r:
        prompt = (await r.json())["result"]
    seen = await state(client)
    assert seen["prompts"][str(ANI.id)] == {"message_id": prompt["message_id"], "thread": None,
                                            "placeholder": "Jawaban"}
    await post(client, "/api/write", {"person": ANI.id, "text": "ini jawabannya"})
    mine = [m for m in (await state(client))["private"][str(ANI.id)] if not m["from"]["bot"]][-1]
    assert mine["reply_to"]["id"] == prompt["message_id"]
    assert str(ANI.id) not in (await state(client))["prompts"]  # used once


async def test_given_a_reset_then_the_world_is_new_and_empty(sandbox):
    box, _, client = sandbox
    await post(client, "/api/write", {"person": ANI.id, "text": "/start"})
    await box.world.telegram.wait_bot_message(ANI.id)
    old_dir = box.world.data_dir
    before = await state(client)
    await post(client, "/api/reset", {"seeded": False})
    after = await state(client)
    assert after["world"] == before["world"] + 1 and not old_dir.exists()
    assert after["private"][str(ANI.id)] == [] and after["group"]["topics"] == []


async def test_given_unknown_people_or_gone_buttons_then_the_api_says_so(sandbox):
    _, _, client = sandbox
    await post(client, "/api/write", {"person": 1, "text": "x"}, status=404)
    await post(client, "/api/press", {"person": BUDI.id, "message_id": 999, "data": "c:verify:x"}, status=409)
    await post(client, "/api/write", {"person": ANI.id, "text": "  "}, status=409)
