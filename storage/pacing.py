"""Each staff group's sending pace, shared by every replica on PostgreSQL.

Telegram lets a bot post about 20 messages a minute in one group. Replicas share that budget: a
send first reserves the group's next slot in one atomic statement (`INSERT … ON CONFLICT DO
UPDATE … RETURNING`, the row locked while it changes), on the database's clock, so two
replicas never take the same slot and never pace by clocks that disagree. Slots are one
interval apart (the window divided by the budget), so no window of that length ever holds more
than the budget plus the one message at its edge.

SQLite is one process (the bot runs a single replica on it): the pace stays in the process
(bot/posting.py, `Pace`).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_RESERVE = text("""
INSERT INTO send_pace (chat_key, next_at)
VALUES (:key, clock_timestamp() + make_interval(secs => CAST(:interval AS double precision)))
ON CONFLICT (chat_key) DO UPDATE
SET next_at = GREATEST(send_pace.next_at, clock_timestamp())
              + make_interval(secs => CAST(:interval AS double precision))
RETURNING EXTRACT(EPOCH FROM (send_pace.next_at - clock_timestamp()))
          - CAST(:interval AS double precision)
""")

_PAUSE = text("""
INSERT INTO send_pace (chat_key, next_at)
VALUES (:key, clock_timestamp() + make_interval(secs => CAST(:seconds AS double precision)))
ON CONFLICT (chat_key) DO UPDATE
SET next_at = GREATEST(send_pace.next_at,
                       clock_timestamp() + make_interval(secs => CAST(:seconds AS double precision)))
""")


def pace_key(chat_id: int) -> str:
    return f"group:{chat_id}"


async def reserve(engine: AsyncEngine, key: str, interval: float) -> float:
    """Take the next slot of `key`: the seconds until it (0 or less: now). PostgreSQL only."""
    async with engine.begin() as conn:
        wait = await conn.scalar(_RESERVE, {"key": key, "interval": float(interval)})
    return float(wait or 0.0)


async def pause(engine: AsyncEngine, key: str, seconds: float) -> None:
    """Nothing leaves for `key` for `seconds` (Telegram's retry_after), on every replica."""
    async with engine.begin() as conn:
        await conn.execute(_PAUSE, {"key": key, "seconds": float(seconds)})
