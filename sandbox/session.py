"""One sandbox world and the real Peluit running on it; reset makes a fresh pair.

Peluit runs exactly as in production (`bot.app.build_application` + `serve`, long polling), with
settings that come from here only (never the environment or .env, which may hold a real
configuration): the embedded Bot API on 127.0.0.1, and a throwaway data dir (SQLite database,
keys) that is removed when the world ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.app import build_application, serve
from bot.housekeeping import tick
from bot.settings import Settings
from sandbox import cast, seed
from sandbox.guard import NotLoopback, is_loopback
from sandbox.world import SandboxTelegram

log = logging.getLogger("peluit.sandbox")


class SandboxSettings(Settings):
    """Settings from the sandbox only: neither the environment nor .env is read."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   *_others: PydanticBaseSettingsSource,
                                   **_named: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def sandbox_settings(api_url: str, token: str, data_dir: Path) -> Settings:
    if not is_loopback(api_url):
        raise NotLoopback("the sandbox's Bot API must be on 127.0.0.1")
    return SandboxSettings(**{  # type: ignore[arg-type]
        "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api_url,
        "PELUIT_STAFF_CHAT_ID": cast.STAFF_CHAT, "PELUIT_DATA_DIR": data_dir,
        "PELUIT_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'peluit.db'}",
        "PELUIT_POLL_TIMEOUT_SECONDS": 10, "PELUIT_MEMBER_CACHE_SECONDS": 0,
        "PELUIT_SEND_GROUP_PER_MINUTE": 1000, "PELUIT_HEALTH_PORT": 0,
        # A short relay window: [Batalkan] can be tried, and a question still arrives quickly.
        "PELUIT_RELAY_DELAY_SECONDS": 5,
    })


class Changes:
    """A version number that grows with every change, and a way to wait for the next one."""

    def __init__(self) -> None:
        self.version = 0
        self._event = asyncio.Event()

    def bump(self) -> None:
        self.version += 1
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, since: int, seconds: float) -> None:
        if self.version > since:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)


@dataclass
class World:
    """One embedded Bot API, its people, and one Peluit process (task) running against it."""

    telegram: SandboxTelegram
    data_dir: Path
    app: Any
    stop: asyncio.Event
    task: asyncio.Task[None]
    people: tuple[cast.Person, ...]
    languages: dict[int, str] = field(default_factory=dict)
    clock_offset: float = 0.0
    seeded: bool = False

    @property
    def services(self) -> Any:
        return self.app.bot_data["services"]

    async def advance_clock(self, seconds: float) -> None:
        """Time passes, for Telegram and for Peluit; then the clock's work runs (reminders,
        expired drafts) as the minute's housekeeping would."""
        self.clock_offset += seconds
        self.telegram.advance_clock(seconds)
        offset = timedelta(seconds=self.clock_offset)
        self.services.clock = lambda: datetime.now(UTC) + offset
        await tick(self.services)
        self.services.sender.wake()
        self.telegram.on_change()

    async def close(self) -> None:
        self.stop.set()
        try:
            await asyncio.wait_for(self.task, 30)
        finally:
            await self.telegram.stop()
            shutil.rmtree(self.data_dir, ignore_errors=True)


async def open_world(on_change: Callable[[], None], *, seeded: bool = False) -> World:
    people = cast.PEOPLE + (cast.SEED_REPORTERS if seeded else ())
    data_dir = Path(tempfile.mkdtemp(prefix="peluit-sandbox-"))
    telegram = SandboxTelegram(cast.TOKEN, on_change=on_change)
    await telegram.start()
    try:
        cast.populate(telegram, people)
        settings = sandbox_settings(telegram.url, telegram.token, data_dir)
        app = build_application(settings)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, stop=stop, app=app), name="peluit-sandbox")
        # Polling starts right after deleteWebhook; updates sent before its first call wait.
        await telegram.wait_for(lambda: task.done() or telegram.calls_to("deleteWebhook"), 60)
        if task.done():
            task.result()
    except BaseException:
        await telegram.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        raise
    world = World(telegram, data_dir, app, stop, task, people,
                  {p.id: p.language for p in people}, seeded=seeded)
    if seeded:
        await seed.file_stories(world.telegram, cast.SEED_REPORTERS, settings.categories)
    log.info("sandbox.world_ready seeded=%s", seeded)
    return world


class Sandbox:
    """The current world, replaced whole by reset; what the page's API talks to."""

    def __init__(self, *, seeded: bool = False, claim_signals: bool = False) -> None:
        self.changes = Changes()
        self.shutdown = asyncio.Event()
        self.world: World | None = None
        self.generation = 0  # grows with each new world
        self.ready = asyncio.Event()
        self._seeded, self._claim_signals = seeded, claim_signals
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        await self.reset(self._seeded)

    async def reset(self, seeded: bool) -> None:
        async with self._lock:
            self.ready.clear()
            try:
                if self.world is not None:
                    old, self.world = self.world, None
                    await old.close()
                self.world = await open_world(self.changes.bump, seeded=seeded)
                self.generation += 1
                self._take_signals()
            finally:
                self.ready.set()
                self.changes.bump()

    async def close(self) -> None:
        async with self._lock:
            if self.world is not None:
                old, self.world = self.world, None
                await old.close()

    def _take_signals(self) -> None:
        """`serve` listens for Ctrl-C to stop Peluit; in the sandbox, Ctrl-C stops everything."""
        if not self._claim_signals:
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.shutdown.set)
