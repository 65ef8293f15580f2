"""The embedded Bot API: a strict, in-process stand-in for Telegram's Bot API HTTP server.

The sandbox (``sandbox.world``) runs Peluit against it, and so do the end-to-end tests and the
benchmarks. The real application (python-telegram-bot 22) talks to it over real HTTP::

    async with running_fake_telegram() as tg:
        tg.add_user(1001, "Ani")
        tg.add_group(-100500, "Integrity staff", forum=True, members=[2001])
        app = (ApplicationBuilder().token(tg.token)
               .base_url(tg.url + "/bot").base_file_url(tg.url + "/file/bot").build())
        ...                                   # start the app (polling or webhook)
        await tg.send_text(1001, "/start")    # a user action -> Update
        msg = await tg.wait_bot_message(1001, contains="Halo")
        await tg.press(1001, msg, "lapor")    # a button press -> callback_query Update
        tg.rejected                           # what Telegram would have refused: []

It is meant to be *at least as strict as Telegram*: text/caption limits after entity parsing,
HTML/MarkdownV2 validation, callback_data byte limits, "message is not modified", callback query
expiry, chat/thread/membership/blocking rules, deletion rules, getUpdates conflicts and flood limits
are answered with Telegram's status codes and description strings. Every call lands in ``calls``;
refusals from these checks also land in ``rejected`` (injected faults do not, and neither does a
409 answered to a long poll whose client already hung up).

Besides the core API: ``add_topic`` (a human creates a topic), ``unblock_bot``,
``advance_clock`` (ages messages and callback queries), ``rate_limits``/``enforce_rate_limits``,
``privacy_mode`` (non-admin bots see only commands, replies and mentions in groups),
``callback_answers``, ``reply_keyboard(chat)``, ``commands``, ``calls_to(method)``,
``describe_calls()`` and ``flush_webhook()``.

Faults, for delivery tests: ``inject_faults`` (429, an HTML 502 from a proxy, Telegram's 401/404
JSON answers, an HTML 404, a non-JSON 200, at a rate or on every call), ``garble_answers`` (the
call succeeds, the answer is one python-telegram-bot cannot parse), ``slow`` (a method is carried
out at once and answered late), ``change_member`` (emits ``my_chat_member`` / ``chat_member`` like
Telegram), ``migrate_group`` (a group upgraded to a supergroup: its old id answers with
``migrate_to_chat_id``) and ``delete_account`` (a deleted user: "chat not found"). Creating a forum
topic posts the ``forum_topic_created`` service message, which reaches the bot as an update.
What Telegram would not let a person do (write where they are not a member, press a button that
is not there, reply to a deleted message) raises ``ImpossibleAction``.

Deliberate differences from Telegram: photos are not recompressed (the largest PhotoSize holds
the uploaded bytes); webhook URLs may use plain http on localhost; "@username" chat ids are
"chat not found"; a newer getUpdates ends an older pending one with 409, as Telegram does; where
Telegram is lenient (a bare "&" or ">" in HTML, unknown HTML entities) we refuse; messages in a
forum topic carry ``reply_to_message`` = the topic's creation message, a real Telegram quirk.

One job per module:

    limits      Telegram's limits, the wording of its refusals, ApiError
    entities    HTML / MarkdownV2 / Markdown parsing, and the entities found in typed text
    params      request parameters, read as the Bot API reads them
    state       the world (people, chats, messages, topics, files, pending updates) and its lookups
    methods/    the Bot API methods, one mixin per family (see methods/__init__.py)
    actions     what people do: join, leave, write, send files, press buttons
    faults      the faults it can be told to answer with
    inspection  what tests and the sandbox page read from it, and waits
    server      FakeTelegram: all of the above served over HTTP, and update delivery
"""

from sandbox.botapi.entities import detect_entities, parse_html, parse_markdown, parse_markdown_v2
from sandbox.botapi.limits import ApiError
from sandbox.botapi.server import FakeTelegram, running_fake_telegram
from sandbox.botapi.state import Call, ImpossibleAction, User

__all__ = ["ApiError", "Call", "FakeTelegram", "ImpossibleAction", "User", "detect_entities",
           "parse_html", "parse_markdown", "parse_markdown_v2", "running_fake_telegram"]
