"""The floor for any python-telegram-bot bot: it asks the same questions as Peluit's intake and
only replies. No database, no encryption, no outbox, no state beyond a dict in memory.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT python -m benchmarks.bare_bot

It runs as python-telegram-bot's examples do (`Application.run_polling`, handlers that await
`reply_text`), so the CPU it spends per update is what parsing updates, dispatching them and
sending one answer costs in PTB itself. `benchmarks.bench compare` runs it beside Peluit.
By default it is a default PTB bot (httpx); `BARE_HTTP_CLIENT=aiohttp` gives it the aiohttp
transport Peluit uses by default (bot/http.py), so both bots can be compared on the same one;
`BARE_EVENT_LOOP=uvloop` runs it on uvloop (`benchmarks.compare --peluit-loop uvloop` does Peluit).

The conversation: /lapor -> category buttons -> five questions (what, who, when, where, how),
each answered with one text -> a [Kirim] button -> a made-up ticket code. Each user action gets
exactly one message (and a press also its callback answer).
"""

from __future__ import annotations

import os
import secrets

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

QUESTIONS = (
    "Langkah 2 dari 7. Apa yang terjadi?",
    "Langkah 3 dari 7. Siapa yang Anda laporkan?",
    "Langkah 4 dari 7. Kapan kejadiannya?",
    "Langkah 5 dari 7. Di mana kejadiannya?",
    "Langkah 6 dari 7. Bagaimana caranya?",
)
CATEGORIES = ("Korupsi", "Penipuan", "Maladministrasi", "Lainnya")
_step: dict[int, int] = {}


async def report(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_chat is not None
    _step[update.effective_chat.id] = 0
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(c, callback_data=f"b:cat:{i}")]
                                     for i, c in enumerate(CATEGORIES)])
    await update.effective_message.reply_text("Langkah 1 dari 7. Pilih kategori:", reply_markup=keyboard)


async def press(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    await query.answer()
    chat = update.effective_chat.id
    if query.data.startswith("b:cat:"):
        _step[chat] = 1
        await update.effective_chat.send_message(QUESTIONS[0])
    elif query.data == "b:submit":
        _step.pop(chat, None)
        code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        await update.effective_chat.send_message(f"Terkirim. Kode tiket Anda: {code}")


async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_chat is not None
    chat = update.effective_chat.id
    step = _step.get(chat)
    if step is None or step == 0:
        await update.effective_message.reply_text("Ketik /lapor untuk mulai.")
        return
    if step < len(QUESTIONS):
        _step[chat] = step + 1
        await update.effective_message.reply_text(QUESTIONS[step])
        return
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Kirim", callback_data="b:submit")]])
    await update.effective_message.reply_text("Langkah 7 dari 7. Kirim laporan?", reply_markup=keyboard)


def main() -> None:
    root = os.environ["TELEGRAM_API_URL"].rstrip("/")
    builder = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
               .base_url(f"{root}/bot").base_file_url(f"{root}/file/bot"))
    if os.environ.get("BARE_HTTP_CLIENT", "httpx") == "aiohttp":  # Peluit's transport, for fairness
        from bot.http import AiohttpRequest

        builder = (builder.request(AiohttpRequest(connection_pool_size=256))
                   .get_updates_request(AiohttpRequest(connection_pool_size=2)))
    app = builder.build()
    app.add_handler(CommandHandler("lapor", report))
    app.add_handler(CallbackQueryHandler(press))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, answer))
    if os.environ.get("BARE_EVENT_LOOP", "asyncio") == "uvloop":  # pip install uvloop (not a dependency)
        import asyncio

        import uvloop

        asyncio.set_event_loop(uvloop.new_event_loop())
    app.run_polling(poll_interval=0, timeout=int(os.environ.get("PELUIT_POLL_TIMEOUT_SECONDS", "1")),
                    allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
