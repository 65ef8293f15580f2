"""Work that runs on a clock: expired drafts, daily overdue reminders, retention, pruning."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.services import Services
from flows.commands import ExpireDrafts, RemindOverdue
from storage.retention import purge
from storage.uow import Database

log = logging.getLogger("peluit.housekeeping")
INTERVAL_SECONDS = 60


async def tick(services: Services) -> None:
    now = services.clock()
    await services.bus.handle(ExpireDrafts())
    services.sender.take(await services.bus.handle(RemindOverdue()))
    async with services.db.uow() as uow:
        await uow.prune(now - timedelta(days=2))
        await uow.commit()
    report = await purge(services.db, routing_before=now - services.policy.retention_routing,
                         content_before=now - services.policy.retention_content, now=now)
    if report.routing_purged or report.content_purged:
        log.info("retention.purged routing=%d content=%d", len(report.routing_purged),
                 len(report.content_purged))


async def housekeeping(services: Services) -> None:
    while True:
        try:
            await tick(services)
        except Exception as exc:  # one failed round must not stop the next
            log.error("housekeeping.error type=%s", type(exc).__name__)
        await asyncio.sleep(INTERVAL_SECONDS)


async def checkpoints(db: Database, every_seconds: float = 1.0) -> None:
    """SQLite: fold the write-ahead log into the database file in the background, so that no
    commit (and no reporter waiting for its reply) pays for it; only after something was
    written."""
    if db.checkpointer is None:
        return
    while True:
        await asyncio.sleep(every_seconds)
        try:
            if db.commits != db.checkpointed:
                db.checkpointed = db.commits
                await db.checkpoint()
        except Exception as exc:  # a busy moment: the next round catches up
            log.warning("checkpoint.error type=%s", type(exc).__name__)
