"""Helpers for the delivery tests: a sender clock that runs fast, and the outbox as stored."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import OutboxRow
from tests.e2e.harness import REPORT, Reporter, buttons


@dataclass
class FastClock:
    """The sender's clock, running `speed` times faster than real time (plus any `jump`): a
    ten-minute outage passes in seconds, through the real sender and real HTTP."""

    speed: float = 1.0
    jump: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        self._wall, self._mono = datetime.now(UTC), time.monotonic()

    def __call__(self) -> datetime:
        elapsed = (time.monotonic() - self._mono) * self.speed
        return self._wall + timedelta(seconds=elapsed) + self.jump


async def outbox_rows(peluit) -> list[OutboxRow]:
    async with peluit.services.db.sessions() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def parked(peluit) -> list[OutboxRow]:
    return [row for row in await outbox_rows(peluit) if row.status == "parked"]


async def drained(peluit) -> bool:
    """Nothing waits to be sent: nothing pending, nothing in flight, nothing parked."""
    return not [row for row in await outbox_rows(peluit) if row.status != "failed"]


async def to_review(r: Reporter, report: dict[str, str] | None = None) -> dict:
    """Walk the intake up to the review, where the next press submits."""
    report = report or REPORT
    await r.say("/lapor")
    menu = await r.expect(button="i:cat:")
    await r.fake.press(r.user_id, menu, next(d for d in buttons(menu) if d.startswith("i:cat:")))
    await r.expect(button="i:back:")
    for step in ("what", "who", "when", "where", "how"):
        await r.say(report[step])
        await r.expect(button="i:back:")  # the next question
    await r.press("i:done:")
    await r.expect(button="i:anon:")
    await r.press("i:anon:")
    return await r.expect(button="i:submit:")
