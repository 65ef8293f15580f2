"""Self-tests of the stand-in Bot API server: it answers like Telegram, and refuses like it."""

from __future__ import annotations

import asyncio
import io
import json
import ssl

import aiohttp
import pytest
from aiohttp import web
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.request import HTTPXRequest

from sandbox.botapi import FakeTelegram, ImpossibleAction, running_fake_telegram

USER, OTHER, STAFF, PLAIN = 1001, 1002, -1001234567890, -1009876543210
_SSL = ssl.create_default_context()  # shared: building one per httpx client costs ~30 ms


def fast_request() -> HTTPXRequest:
    return HTTPXRequest(httpx_kwargs={"verify": _SSL})


@pytest.fixture
async def tg():
    async with running_fake_telegram() as fake:
        fake.add_user(USER, "Ani", username="ani_w")
        fake.add_user(OTHER, "Budi")
        fake.add_group(STAFF, "Integrity staff", forum=True, members=[OTHER])
        fake.add_group(PLAIN, "Plain group", forum=False, members=[OTHER], bot_is_admin=False)
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram):
    b = Bot(tg.token, base_url=tg.url + "/bot", base_file_url=tg.url + "/file/bot",
            request=fast_request(), get_updates_request=fast_request())
    await b.initialize()
    yield b
    await b.shutdown()


async def raw(tg: FakeTelegram, method: str, token: str | None = None, **params) -> tuple:
    async with aiohttp.ClientSession() as s, s.post(
        f"{tg.url}/bot{token or tg.token}/{method}", json=params
    ) as r:
        return r.status, await r.json()


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])


# ------------------------------------------------------------------------ basics


async def test_get_me_and_send_message_through_ptb(tg, bot):
    assert bot.username == "peluit_test_bot"
    assert bot.id == tg.bot_id
    await tg.send_text(USER, "hello")
    msg = await bot.send_message(USER, "Halo!", protect_content=True)
    assert msg.text == "Halo!" and msg.chat.type == "private" and msg.message_id == 2
    assert tg.last_bot_message(USER)["has_protected_content"] is True
    assert [m["text"] for m in tg.messages(USER)] == ["hello", "Halo!"]
    assert tg.rejected == []


async def test_unknown_method_and_wrong_token(tg):
    assert await raw(tg, "sendTelepathy") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await raw(tg, "getMe", token="1:WRONG")
    assert status == 401 and body["description"] == "Unauthorized"
    assert len(tg.rejected) == 2


async def test_text_length_is_checked_after_entity_parsing(tg, bot):
    await tg.send_text(USER, "/start")
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_document(USER, b"data", filename="a.txt", caption="c" * 1025)
    assert [c.status for c in tg.rejected] == [400, 400, 400]


async def test_bad_html_is_rejected(tg, bot):
    await tg.send_text(USER, "/start")
    cases = ["<foo>x</foo>", "<b>unclosed", "<b><i>x</b></i>", "1 < 2", "R&D", "a > b",
             '<span class="red">x</span>', "<code><b>x</b></code>", "<br>", "&nbsp;"]
    for bad_html in cases:
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(USER, bad_html, parse_mode="HTML")
    assert len(tg.rejected) == len(cases) and tg.bot_messages(USER) == []


async def test_good_html_is_accepted_with_entities(tg, bot):
    await tg.send_text(USER, "/start")
    msg = await bot.send_message(
        USER, '<b>Lapor</b> &lt;1&gt; &amp; <a href="https://x.id/?a=1&amp;b=2">link</a> '
        "<tg-spoiler>s</tg-spoiler> <pre><code class=\"language-py\">x</code></pre> 🙂<i>é</i>",
        parse_mode="HTML")
    assert msg.text == "Lapor <1> & link s x 🙂é"
    types = {e.type: e for e in msg.entities}
    assert types["text_link"].url == "https://x.id/?a=1&b=2"
    assert types["pre"].language == "py"
    assert types["italic"].offset == len("Lapor <1> & link s x ") + 2  # emoji = 2 UTF-16 units


async def test_markdown_v2_needs_escaping(tg, bot):
    await tg.send_text(USER, "/start")
    with pytest.raises(BadRequest, match="reserved and must be escaped"):
        await bot.send_message(USER, "Nomor laporan: A-12.", parse_mode="MarkdownV2")
    msg = await bot.send_message(USER, r"*Nomor* laporan: A\-12\.", parse_mode="MarkdownV2")
    assert msg.text == "Nomor laporan: A-12." and msg.entities[0].type == "bold"


async def test_callback_data_limit_is_in_bytes(tg, bot):
    await tg.send_text(USER, "/start")
    await bot.send_message(USER, "ok", reply_markup=keyboard("x" * 64))
    await bot.send_message(USER, "ok", reply_markup=keyboard("é" * 32))
    for data in ("x" * 65, "é" * 33):
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(USER, "no", reply_markup=keyboard(data))
    assert [c.description for c in tg.rejected] == ["Bad Request: BUTTON_DATA_INVALID"] * 2


# ------------------------------------------------------------------------ chats and access


async def test_who_the_bot_may_write_to(tg, bot):
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(USER, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")
    await tg.send_text(USER, "/start")
    tg.block_bot(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    assert await bot.leave_chat(PLAIN)
    assert tg.left_chats == {PLAIN}
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(PLAIN, "hi")
    member = await bot.get_chat_member(STAFF, OTHER)
    assert member.status == "member"
    assert (await bot.get_chat_member(STAFF, 777)).status == "left"
    chat = await bot.get_chat(STAFF)
    assert chat.is_forum and chat.type == "supergroup"


async def test_get_updates_delivers_user_text_with_command_entity(tg):
    sent = await tg.send_text(USER, "/start token123")
    status, body = await raw(tg, "getUpdates", timeout=0)
    assert status == 200 and len(body["result"]) == 1
    update = body["result"][0]
    msg = update["message"]
    assert msg == sent
    assert msg["chat"] == {"id": USER, "type": "private", "first_name": "Ani",
                           "username": "ani_w"}
    assert msg["from"] == {"id": USER, "is_bot": False, "first_name": "Ani",
                           "username": "ani_w", "language_code": "id"}
    assert msg["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    # unconfirmed updates are redelivered; offset confirms them
    assert (await raw(tg, "getUpdates"))[1]["result"] == [update]
    assert (await raw(tg, "getUpdates", offset=update["update_id"] + 1))[1]["result"] == []
    second = await tg.send_text(USER, "halo")
    assert second["message_id"] == 2


async def test_injected_redelivery_reaches_the_bot_again(tg):
    await tg.send_text(USER, "sekali")
    (update,) = (await raw(tg, "getUpdates"))[1]["result"]
    assert (await raw(tg, "getUpdates", offset=update["update_id"] + 1))[1]["result"] == []
    await tg.inject_raw_update(update)  # same update_id: Telegram redelivering
    body = (await raw(tg, "getUpdates", offset=update["update_id"] + 1))[1]
    assert body["result"] == [update]
    later = await tg.send_text(USER, "lagi")
    (fresh,) = (await raw(tg, "getUpdates", offset=update["update_id"] + 1))[1]["result"]
    assert fresh["message"] == later and fresh["update_id"] > update["update_id"]


async def test_long_poll_wakes_up_and_conflicts(tg):
    first = asyncio.create_task(raw(tg, "getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(raw(tg, "getUpdates", timeout=5))
    status, body = await first
    assert status == 409 and body["description"].startswith(
        "Conflict: terminated by other getUpdates request")
    await tg.send_text(USER, "wake up")
    status, body = await second
    assert status == 200 and body["result"][0]["message"]["text"] == "wake up"
    tg.webhook_url = "http://127.0.0.1:9/hook"
    status, body = await raw(tg, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]


async def test_group_privacy_mode_and_bot_command_with_username(tg):
    await tg.send_text(OTHER, "just chatting", chat_id=PLAIN)
    await tg.send_text(OTHER, "/status@peluit_test_bot", chat_id=PLAIN)
    texts = [u["message"]["text"] for u in (await raw(tg, "getUpdates"))[1]["result"]]
    assert texts == ["/status@peluit_test_bot"]
    assert len(tg.messages(PLAIN)) == 2


# ------------------------------------------------------------------------ buttons and edits


async def test_press_creates_callback_query_and_answers_are_checked(tg, bot):
    await tg.send_text(USER, "/start")
    sent = await bot.send_message(USER, "Pilih", reply_markup=keyboard("kategori:1"))
    msg = tg.last_bot_message(USER)
    with pytest.raises(ImpossibleAction, match="no button"):
        await tg.press(USER, msg, "kategori:2")
    query = await tg.press(USER, msg, "kategori:1")
    updates = (await raw(tg, "getUpdates"))[1]["result"]
    cq = updates[-1]["callback_query"]
    assert cq["data"] == "kategori:1" and cq["message"]["message_id"] == sent.message_id
    assert cq["from"]["id"] == USER and cq["id"] == query["id"]
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(cq["id"], text="x" * 201)
    assert await bot.answer_callback_query(cq["id"], text="Oke")
    with pytest.raises(BadRequest, match=r"[Qq]uery is too old"):
        await bot.answer_callback_query(cq["id"])
    late = await tg.press(USER, msg, "kategori:1")
    tg.advance_clock(16)
    with pytest.raises(BadRequest, match=r"[Qq]uery is too old"):
        await bot.answer_callback_query(late["id"])


async def test_identical_edit_is_not_modified(tg, bot):
    await tg.send_text(USER, "/start")
    sent = await bot.send_message(USER, "<b>Satu</b>", parse_mode="HTML",
                                  reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<b>Satu</b>", USER, sent.message_id, parse_mode="HTML",
                                    reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("Satu", USER, sent.message_id)  # drops bold + keyboard
    assert edited.text == "Satu" and edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    with pytest.raises(BadRequest, match="can't be edited"):
        await bot.edit_message_text("x", USER, 1)  # the user's own /start


async def test_delete_rules(tg, bot):
    await tg.send_text(OTHER, "/start")
    own = await bot.send_message(OTHER, "bot says")
    assert await bot.delete_message(OTHER, 1)  # user's message in a private chat: allowed
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(OTHER, 1)
    tg.advance_clock(48 * 3600 + 1)
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(OTHER, own.message_id)
    user_msg = await tg.send_text(OTHER, "in group", chat_id=PLAIN)
    with pytest.raises(BadRequest, match="Message can't be deleted"):  # bot is no admin there
        await bot.delete_message(PLAIN, user_msg["message_id"])
    assert await bot.delete_messages(OTHER, [own.message_id, 55])
    with pytest.raises(BadRequest):
        await bot.delete_messages(OTHER, list(range(1, 102)))


# ------------------------------------------------------------------------ files


async def test_document_upload_round_trips_byte_for_byte(tg, bot):
    await tg.send_text(USER, "/start")
    payload = bytes(range(256)) * 100
    msg = await bot.send_document(USER, payload, filename="bukti.pdf")
    assert msg.document.file_name == "bukti.pdf" and msg.document.file_size == len(payload)
    assert tg.uploaded_files == [("sendDocument", payload)]
    f = await bot.get_file(msg.document.file_id)
    assert bytes(await f.download_as_bytearray()) == payload
    # a user's upload round-trips too, and a file_id can be re-sent
    user_msg = await tg.send_document(USER, b"%PDF-1.4 user", "laporan.pdf", "application/pdf")
    f2 = await bot.get_file(user_msg["document"]["file_id"])
    assert bytes(await f2.download_as_bytearray()) == b"%PDF-1.4 user"
    await bot.send_document(STAFF, user_msg["document"]["file_id"])
    with pytest.raises(BadRequest, match=r"(?i)can.t use file of type document as photo"):
        await bot.send_photo(STAFF, user_msg["document"]["file_id"])


async def test_photos_and_big_files(tg, bot):
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), "red").save(buf, "PNG")
    msg = await tg.send_photo(USER, buf.getvalue(), caption="foto")
    assert [(s["width"], s["height"]) for s in msg["photo"]] == [(90, 68), (400, 300)]
    f = await bot.get_file(msg["photo"][-1]["file_id"])
    assert bytes(await f.download_as_bytearray()) == buf.getvalue()
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER, b"not an image")
    big = await tg.send_big_document(USER, 25 * 2**20)
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(big["document"]["file_id"])


# ------------------------------------------------------------------------ forum topics


async def test_forum_topic_create_and_post(tg, bot):
    topic = await bot.create_forum_topic(STAFF, "Laporan #7")
    assert tg.topics(STAFF) == {topic.message_thread_id: "Laporan #7"}
    msg = await bot.send_message(STAFF, "Laporan baru", message_thread_id=topic.message_thread_id)
    assert msg.message_thread_id == topic.message_thread_id and msg.is_topic_message
    user_msg = await tg.send_text(OTHER, "balas", chat_id=STAFF,
                                  thread_id=topic.message_thread_id)
    assert user_msg["is_topic_message"] is True
    assert tg.messages(STAFF, thread_id=topic.message_thread_id)[-2:] == [
        tg.last_bot_message(STAFF), user_msg]
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.create_forum_topic(PLAIN, "x")
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.edit_forum_topic(STAFF, topic.message_thread_id, name="Laporan #7")
    assert await bot.close_forum_topic(STAFF, topic.message_thread_id)


async def test_topic_icons_names_and_closing_as_strict_as_telegram(tg, bot):
    # The icons a topic may take: custom emoji stickers, complete for python-telegram-bot.
    icons = await bot.get_forum_topic_icon_stickers()
    assert icons and all(s.type == "custom_emoji" and s.custom_emoji_id and s.emoji for s in icons)
    topic = await bot.create_forum_topic(STAFF, "WBS-1 · Diterima")
    tid = topic.message_thread_id
    # Rename with an icon; an empty name keeps the name; the same again is not a change.
    assert await bot.edit_forum_topic(STAFF, tid, name="WBS-1 · Verifikasi",
                                      icon_custom_emoji_id=icons[0].custom_emoji_id)
    assert tg.topic_state(STAFF, tid)["icon_custom_emoji_id"] == icons[0].custom_emoji_id
    assert await bot.edit_forum_topic(STAFF, tid, name="", icon_custom_emoji_id="")
    assert tg.topic_state(STAFF, tid) == {"name": "WBS-1 · Verifikasi", "closed": False,
                                          "deleted": False, "icon_custom_emoji_id": None}
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.edit_forum_topic(STAFF, tid, name="WBS-1 · Verifikasi")
    with pytest.raises(BadRequest, match="Topic_title_too_long"):
        await bot.edit_forum_topic(STAFF, tid, name="x" * 129)
    with pytest.raises(BadRequest, match="Topic_icon_invalid"):
        await bot.edit_forum_topic(STAFF, tid, icon_custom_emoji_id="12345")
    # Each change posts its service message in the topic.
    service = [m for m in tg.messages(STAFF, thread_id=tid) if "forum_topic_edited" in m]
    assert service[0]["forum_topic_edited"]["name"] == "WBS-1 · Verifikasi"
    # Closed: members may no longer write there, the bot (an admin) still may; closing twice,
    # reopening an open topic: not modified.
    assert await bot.close_forum_topic(STAFF, tid)
    assert tg.topic_state(STAFF, tid)["closed"] is True
    assert "forum_topic_closed" in tg.messages(STAFF, thread_id=tid)[-1]
    with pytest.raises(ImpossibleAction, match="closed"):
        await tg.send_text(OTHER, "boleh?", chat_id=STAFF, thread_id=tid)
    await bot.send_message(STAFF, "kartu", message_thread_id=tid)
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.close_forum_topic(STAFF, tid)
    assert await bot.reopen_forum_topic(STAFF, tid)
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.reopen_forum_topic(STAFF, tid)
    await tg.send_text(OTHER, "boleh", chat_id=STAFF, thread_id=tid)


async def test_topic_rights_follow_can_manage_topics(tg, bot):
    mine = (await bot.create_forum_topic(STAFF, "Laporan #9")).message_thread_id
    theirs = tg.add_topic(STAFF, "Obrolan")
    tg.set_bot_rights(STAFF, can_manage_topics=False)
    member = await bot.get_chat_member(STAFF, tg.bot_id)
    assert member.can_manage_topics is False
    with pytest.raises(BadRequest, match="Not enough rights to create a topic"):
        await bot.create_forum_topic(STAFF, "Laporan #10")
    # The topic's creator may still edit and close it; someone else's topic it may not.
    assert await bot.edit_forum_topic(STAFF, mine, name="Laporan #9 · selesai")
    assert await bot.close_forum_topic(STAFF, mine)
    with pytest.raises(BadRequest, match="Not enough rights to close a topic"):
        await bot.close_forum_topic(STAFF, theirs)
    # A closed topic refuses the bot too once it may not manage topics.
    with pytest.raises(BadRequest, match="Topic_closed"):
        await bot.send_message(STAFF, "x", message_thread_id=mine)
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.edit_forum_topic(PLAIN, 1, name="x")


async def test_deleted_topic_is_thread_not_found(tg, bot):
    topic = await bot.create_forum_topic(STAFF, "Laporan #8")
    tg.delete_topic(STAFF, topic.message_thread_id)
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(STAFF, "x", message_thread_id=topic.message_thread_id)
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.copy_message(STAFF, STAFF, 1, message_thread_id=999)


async def test_copy_returns_only_message_id_and_forward_is_recorded(tg, bot):
    user_msg = await tg.send_text(USER, "rahasia")
    copied = await raw(tg, "copyMessage", chat_id=STAFF, from_chat_id=USER,
                       message_id=user_msg["message_id"])
    assert copied[1]["result"] == {"message_id": 1}
    assert "forward_origin" not in tg.last_bot_message(STAFF)
    fwd = await bot.forward_message(STAFF, USER, user_msg["message_id"])
    assert fwd.forward_origin.sender_user.id == USER
    assert [c.params["from_chat_id"] for c in tg.calls_to("forwardMessage")] == [USER]


# ------------------------------------------------------------------------ faults and limits


async def test_injected_faults_have_no_effect(tg, bot):
    await tg.send_text(USER, "/start")
    tg.inject_faults(1.0, retry_after=3, kinds=("429",))
    with pytest.raises(RetryAfter, match=r"Retry in (3|0:00:03)"):
        await bot.send_message(USER, "x")
    assert await bot.get_me()  # getMe is exempt
    status, body = await raw(tg, "sendMessage", chat_id=USER, text="y")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    assert body["description"] == "Too Many Requests: retry after 3"
    tg.inject_faults(1.0, kinds=("502",))
    assert (await raw_status(tg, "sendMessage", chat_id=USER, text="z")) == 502
    tg.clear_faults()
    assert len(tg.bot_messages(USER)) == 0 and tg.rejected == []


async def raw_status(tg, method, **params) -> int:
    async with aiohttp.ClientSession() as s, s.post(
        f"{tg.url}/bot{tg.token}/{method}", json=params
    ) as r:
        return r.status


async def test_group_rate_limit(tg, bot):
    for i in range(20):
        await bot.send_message(STAFF, f"m{i}")
    with pytest.raises(RetryAfter):
        await bot.send_message(STAFF, "one too many")
    await bot.send_message(PLAIN, "other groups have their own budget")
    tg.advance_clock(61)
    await bot.send_message(STAFF, "ok again")
    tg.rate_limits(enabled=False)
    for i in range(40):
        await bot.send_message(STAFF, f"n{i}")


async def test_set_my_commands_is_validated(tg, bot):
    assert await bot.set_my_commands([("start", "Mulai"), ("lapor", "Buat laporan")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "lapor"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start", "Mulai")])
    with pytest.raises(BadRequest, match="Bot_command_description_invalid"):
        await bot.set_my_commands([("start", "")])


# ------------------------------------------------------------------------ webhook


async def test_webhook_delivery_secret_and_retries():
    received: list[tuple[dict, str | None]] = []
    answers = [500, 500, 500, 500, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.json(),
                         request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with running_fake_telegram() as tg:
            tg.add_user(USER)
            status, body = await raw(tg, "setWebhook", url="https://example.invalid:8443/x",
                                     secret_token="bad token!")
            assert status == 400 and "secret token" in body["description"]
            assert (await raw(tg, "setWebhook", url=f"http://127.0.0.1:{port}/hook",
                              secret_token="s3cr3t"))[0] == 200
            await tg.send_text(USER, "first")  # refused 4 times -> stays pending
            info = (await raw(tg, "getWebhookInfo"))[1]["result"]
            assert info["pending_update_count"] == 1 and "500" in info["last_error_message"]
            await tg.send_text(USER, "second")  # pending one goes first, in order
            texts = [u["message"]["text"] for u, _ in received]
            assert texts == ["first"] * 5 + ["second"]
            assert {secret for _, secret in received} == {"s3cr3t"}
            assert json.loads(json.dumps(received[-1][0]))["update_id"] > received[0][0][
                "update_id"]
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------------ a real Application


async def test_real_application_polling_round_trip(tg):
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

    async def start(update, context):
        await update.message.reply_text("Halo! Mau lapor?", reply_markup=keyboard("lapor"))

    async def pressed(update, context):
        await update.callback_query.answer("Oke")
        await update.callback_query.edit_message_text("Silakan tulis laporan Anda.")

    app = (ApplicationBuilder().token(tg.token).base_url(tg.url + "/bot")
           .base_file_url(tg.url + "/file/bot").request(fast_request())
           .get_updates_request(fast_request()).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)
        await tg.send_text(USER, "/start")
        msg = await tg.wait_bot_message(USER, contains="Mau lapor", timeout=3)
        await tg.press(USER, msg, "lapor")
        await tg.wait_for(lambda: tg.last_bot_message(USER)["text"].startswith("Silakan"), 3)
        await app.updater.stop()
        await app.stop()
    assert tg.rejected == [], tg.describe_calls()
    assert [c.method for c in tg.calls if c.method not in ("getUpdates",)] == [
        "getMe", "deleteWebhook", "sendMessage", "answerCallbackQuery", "editMessageText"]
