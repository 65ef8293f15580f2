"""The composition root: settings in, a running Peluit out. Handlers are wired here, once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import logs, render, reporter, selfcheck, staff, staff_files
from bot.calls import with_retries
from bot.delivery import answer_recorder
from bot.delivery_updates import delivery_handlers
from bot.dispatch import on_error
from bot.guard import guard_handlers
from bot.health import Health
from bot.healthz import HealthServer
from bot.housekeeping import checkpoints, housekeeping
from bot.polling import poll
from bot.presses import press
from bot.render import plain
from bot.sender import Sender
from bot.services import PeluitContext, Services
from bot.settings import Settings
from bot.topics import topic_name
from bot.updates import ChatOrderedProcessor
from flows.bus import MessageBus
from flows.policy import Policy
from storage.crypto import load_or_create_keyring
from storage.db import is_sqlite, migrate
from storage.uow import Database

log = logging.getLogger("peluit")
Handler = Callable[[Update, PeluitContext], Awaitable[None]]


def policy_from(settings: Settings) -> Policy:
    return Policy(
        categories=settings.categories, case_prefix=settings.case_prefix,
        institution_name=settings.institution_name.strip(),
        staff_language=settings.staff_language,
        draft_ttl=timedelta(hours=settings.draft_ttl_hours),
        ack_deadline=timedelta(days=settings.ack_deadline_days),
        feedback_deadline=timedelta(days=settings.feedback_deadline_days),
        new_case_delay_max=timedelta(minutes=settings.new_case_delay_max_minutes),
        max_answer_chars=settings.max_answer_chars, max_attachments=settings.max_attachments,
        max_file_bytes=_download_limit(settings),
        max_image_pixels=int(settings.max_image_megapixels * 1_000_000),
        case_files_per_day=settings.case_files_per_day,
        case_bytes_per_day=settings.case_bytes_per_day,
        reports_per_chat_per_hour=settings.reports_per_chat_per_hour,
        status_attempts_per_chat=settings.status_attempts_per_chat,
        status_attempts_global=settings.status_attempts_global,
        status_window=timedelta(minutes=settings.status_window_minutes),
        retention_routing=timedelta(days=settings.retention_routing_days),
        retention_content=timedelta(days=settings.retention_content_days),
        delivery_horizon=timedelta(days=settings.delivery_horizon_days),
        delivery_backoff_cap=settings.delivery_backoff_cap_seconds,
        relay_delay=timedelta(seconds=settings.relay_delay_seconds),
        staff_chat_id=settings.staff_chat_id,
        **staff_routing(settings),
        # Indonesia's zones keep one offset all year (no daylight saving): report periods are
        # days at this offset.
        utc_offset=settings.zone.utcoffset(datetime.now(UTC)) or timedelta(0),
    )


def staff_routing(settings: Settings) -> dict[str, object]:
    """The extra staff groups as flows knows them (None is the main group: a route to the main
    group's id is no route)."""
    main = settings.staff_chat_id
    return {"escalation_group": settings.escalation_chat_id or None,
            "routes": tuple((c, g) for c, g in settings.routes if g != main)}


PUBLIC_BOT_API = "https://api.telegram.org"
PUBLIC_DOWNLOAD_LIMIT = 20 * 1024 * 1024
"""The most the public Bot API lets a bot download; a self-hosted Bot API server lifts it."""


def _download_limit(settings: Settings) -> int:
    if settings.telegram_api_url.rstrip("/") == PUBLIC_BOT_API:
        return min(settings.max_file_bytes, PUBLIC_DOWNLOAD_LIMIT)
    return settings.max_file_bytes


def open_database(settings: Settings) -> Database:
    keyring, notices = load_or_create_keyring(
        Path(settings.data_dir), content_keys=settings.content_keys,
        routing_keys=settings.routing_keys, lookup_key=settings.lookup_key,
        disclosure_public_key=settings.disclosure_public_key)
    for notice in notices:
        log.warning("keys.notice %s", notice)
    return Database(settings.database_url_or_default, keyring, background_checkpoints=True)


def register(app: Application, staff_chat_id: int | tuple[int, ...]) -> None:
    # Edited messages change nothing: Telegram re-sends an edit whole, as if it were new; an
    # edited answer, file caption or command is neither appended, relayed nor run again.
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new
    groups = staff_chat_id if isinstance(staff_chat_id, tuple) else (staff_chat_id,)
    staff_chat = filters.Chat(chat_id=list(groups)) & new
    media = (filters.PHOTO | filters.Document.ALL | filters.VIDEO | filters.VOICE | filters.AUDIO
             | filters.VIDEO_NOTE | filters.ANIMATION)
    handlers = [
        CommandHandler("start", reporter.start, private),
        CommandHandler(["lapor", "report"], reporter.report, private),
        CommandHandler(["batal", "cancel"], reporter.cancel, private),
        CommandHandler(["bantuan", "help"], reporter.help_command, private),
        CommandHandler("status", reporter.status_command, private),
        CommandHandler("tanya", staff.ask, staff_chat),
        CommandHandler("kasus", staff.list_cases, staff_chat),
        CommandHandler("ambil", staff.take, staff_chat),
        CommandHandler("alihkan", staff.transfer, staff_chat),
        CommandHandler("serahkan", staff.hand_over, staff_chat),
        CommandHandler("cari", staff.find, staff_chat),
        CommandHandler("statistik", staff.statistics, staff_chat),
        CommandHandler("berkas", staff.case_file, staff_chat),
        CommandHandler("laporan", staff.period_report, staff_chat),
        CommandHandler(["bantuan", "help"], staff.help_command, staff_chat),
        CommandHandler(list(staff.MOVE_COMMANDS), staff.move_command, staff_chat),
        CommandHandler(["start", "lapor", "report", "status", "batal", "cancel"],
                       staff.reporter_command_here, staff_chat),
        MessageHandler(staff_chat & filters.REPLY & filters.TEXT & ~filters.COMMAND, staff.reply),
        MessageHandler(staff_chat & (filters.PHOTO | filters.Document.ALL | filters.VOICE),
                       staff_files.staff_file),
        CallbackQueryHandler(press),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, reporter.text_message),
        MessageHandler(private & media, reporter.media_message),
        MessageHandler(private & filters.COMMAND, reporter.unknown_command),
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                       reporter.unsupported_message),
    ]
    app.add_handlers(delivery_handlers(), group=-2)  # the staff group's reachability, topics
    app.add_handlers(guard_handlers(groups), group=-1)  # who may act where, once
    app.add_handlers(handlers)
    app.add_error_handler(on_error)  # type: ignore[arg-type]


REPORTER_COMMANDS = ("start", "lapor", "status", "batal", "bantuan")
STAFF_COMMANDS = ("tanya", "kasus", "ambil", "serahkan", "alihkan", "cari", "statistik", "verifikasi",
                  "perluinfo", "klarifikasi", "selesai", "teruskan", "tolak", "bukakembali", "berkas",
                  "laporan", "bantuan")


async def register_commands(app: Application, staff_chat_id: int | tuple[int, ...],
                            staff_language: str) -> None:
    """The command menu, in both languages; staff commands only inside the staff group."""
    try:
        for lang, code in (("id", None), ("en", "en")):
            commands = [BotCommand(c, plain(lang, f"command.{c}")) for c in REPORTER_COMMANDS]
            await with_retries(lambda commands=commands, code=code: app.bot.set_my_commands(
                commands, scope=BotCommandScopeAllPrivateChats(), language_code=code))
        staff_commands = [BotCommand(c, plain(staff_language, f"command.{c}")) for c in STAFF_COMMANDS]
        groups = staff_chat_id if isinstance(staff_chat_id, tuple) else (staff_chat_id,)
        for group in groups:
            await with_retries(lambda group=group: app.bot.set_my_commands(  # type: ignore[misc]
                staff_commands, scope=BotCommandScopeChat(group)))
    except TelegramError as exc:
        log.warning("commands.not_registered type=%s", type(exc).__name__)


def build_application(settings: Settings, db: Database | None = None) -> Application:
    db = db or open_database(settings)
    policy = policy_from(settings)
    render.set_zone(settings.zone)  # every date and time shown, in the institution's zone
    root = settings.telegram_api_url.rstrip("/")
    builder = (ApplicationBuilder().token(settings.telegram_bot_token)
               .base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
               .request(answer_recorder(settings.http_client, 256))  # judging delivery failures
               .get_updates_request(answer_recorder(settings.http_client, 2))  # the long poll
               .concurrent_updates(ChatOrderedProcessor(256))
               .context_types(ContextTypes(context=PeluitContext)))
    app = builder.updater(None).build()  # polling: bot.polling; webhook: bot.webhook
    health = Health()
    bus = MessageBus(db.uow, policy=policy, clock=lambda: app.bot_data["services"].clock(),
                     sealer=db.keyring,
                     topic_name=lambda number, category, status: topic_name(policy, number, category,
                                                                      status),
                     lease=timedelta(seconds=settings.outbox_lease_seconds))
    sender = Sender(app.bot, db, bus, policy, settings.staff_chat_id, health=health,
                    global_per_second=settings.send_global_per_second,
                    group_per_minute=settings.send_group_per_minute,
                    lease_seconds=settings.outbox_lease_seconds,
                    backoff_cap=settings.delivery_backoff_cap_seconds,
                    groups=settings.staff_groups,
                    group_window=settings.send_group_window_seconds)
    app.bot_data["services"] = Services(db=db, policy=policy, keyring=db.keyring, sender=sender,
                                        bus=bus, staff_chat_id=settings.staff_chat_id,
                                        staff_groups=settings.staff_groups,
                                        member_cache_seconds=settings.member_cache_seconds,
                                        health=health)
    register(app, settings.staff_groups)
    return app


async def prepare_database(db: Database) -> None:
    """SQLite is migrated at start; PostgreSQL must be migrated with `peluit migrate`."""
    if is_sqlite(db.url):
        await migrate(db.url)
        return
    from storage.db import schema_is_current

    if not await schema_is_current(db):
        raise SystemExit("Peluit cannot start: the PostgreSQL schema is not up to date. "
                         "Run `peluit migrate` first.")


async def startup_check(bot: Any, staff_chat_id: int,
                        others: list[selfcheck.Group] | None = None) -> None:
    """`peluit check` at start: what to fix is logged in its plain words; without a reachable
    main staff group the bot does not start (StaffGroupUnreachable: `peluit` exits 1). Another
    configured group out of reach (escalation, a route) is logged as an error and the bot
    starts: the main group works, and that group's cases wait in the outbox (they are never
    sent to another group) until it is fixed."""
    report = await selfcheck.check(bot, staff_chat_id, others)
    for finding in report.findings:
        if finding.level == selfcheck.FATAL:
            log.error("selfcheck.failed %s", finding.text)
        elif finding.level == selfcheck.UNREACHABLE:
            log.error("selfcheck.group_unreachable %s Its cases wait until it is fixed.",
                      finding.text)
        elif finding.level == selfcheck.PROBLEM:
            log.warning("selfcheck.problem %s", finding.text)
    if not report.reachable:
        raise selfcheck.StaffGroupUnreachable(report)


async def serve(settings: Settings, *, stop: asyncio.Event | None = None,
                app: Application | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop`): polling by default, webhook when configured."""
    app = app or build_application(settings)
    services: Services = app.bot_data["services"]
    await prepare_database(services.db)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(logs.loop_exception)
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[Any]] = []
    sending: asyncio.Task[None] | None = None
    webhook = None
    health_server: HealthServer | None = None
    polling: asyncio.Task[None] | None = None
    async with app:
        await startup_check(app.bot, settings.staff_chat_id, selfcheck.groups_of(
            settings.staff_chat_id, settings.escalation_chat_id, settings.routes))
        await app.start()
        try:
            sending = asyncio.create_task(services.sender.run(), name="peluit-sender")
            tasks.append(sending)
            tasks.append(asyncio.create_task(housekeeping(services), name="peluit-housekeeping"))
            tasks.append(asyncio.create_task(checkpoints(services.db), name="peluit-checkpoints"))
            await register_commands(app, settings.staff_groups, settings.staff_language)
            if settings.webhook_url:
                from bot.webhook import WebhookServer

                webhook = WebhookServer(app, settings)
                await webhook.start()
            else:
                if settings.health_port:
                    health_server = HealthServer(services, settings.health_port)
                    await health_server.start()
                await with_retries(app.bot.delete_webhook, attempts=10)
                polling = asyncio.create_task(poll(app, stop, settings.poll_timeout_seconds),
                                              name="peluit-polling")
            log.info("peluit.started mode=%s", "webhook" if settings.webhook_url else "polling")
            await stop.wait()
            log.info("peluit.stopping")
        finally:
            stop.set()
            if polling is not None:  # let the batch in progress finish: its updates are not
                try:                 # confirmed yet, but handlers should not be cut in half
                    await asyncio.wait_for(polling, 30)
                except (TimeoutError, Exception) as exc:
                    log.warning("polling.stopped type=%s", type(exc).__name__)
            if webhook is not None:
                await webhook.stop()
            if health_server is not None:
                await health_server.stop()
            services.sender.stop()  # it lets deliveries under way end and records them
            if sending is not None:
                with contextlib.suppress(TimeoutError, Exception):
                    await asyncio.wait_for(asyncio.shield(sending), 15)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await app.stop()
    await services.db.close()
