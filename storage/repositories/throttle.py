"""Rate limits: fixed windows of counted attempts, one row per key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy import case as sql_case

from storage.models import ThrottleRow, UTCDateTime
from storage.prepared import Prepared, per_dialect
from storage.repositories.base import Repository


def _throttle_hit(insert: Any) -> Prepared:
    stmt = insert(ThrottleRow).values(key=bindparam("key"), count=bindparam("amount"),
                                      window_start=bindparam("now", type_=UTCDateTime()))
    # A window that starts after `now` belongs to a clock that has since been set back: it is
    # over too (else a clock step back would stretch every window by the step).
    expired = or_(ThrottleRow.window_start <= bindparam("cutoff", type_=UTCDateTime()),
                  ThrottleRow.window_start > bindparam("now", type_=UTCDateTime()))
    return Prepared(stmt.on_conflict_do_update(
        index_elements=[ThrottleRow.key],
        set_={"count": sql_case((expired, stmt.excluded.count),
                                else_=ThrottleRow.count + stmt.excluded.count),
              "window_start": sql_case((expired, stmt.excluded.window_start),
                                       else_=ThrottleRow.window_start)},
    ).returning(ThrottleRow.count))


_THROTTLE_HIT = per_dialect(_throttle_hit)
_THROTTLE_REFUND = Prepared(update(ThrottleRow).where(
    ThrottleRow.key == bindparam("b_key"), ThrottleRow.count > 0,
    ThrottleRow.window_start <= bindparam("since", type_=UTCDateTime()),
    ThrottleRow.window_start > bindparam("cutoff", type_=UTCDateTime()),
    ThrottleRow.window_start <= bindparam("now", type_=UTCDateTime()),
).values(count=ThrottleRow.count - 1))
_THROTTLE_WINDOWS: dict[int, Prepared] = {}


def _throttle_windows(keys: int) -> Prepared:
    """SELECT the current windows of `keys` keys (bound as k0, k1, ...)."""
    found = _THROTTLE_WINDOWS.get(keys)
    if found is None:
        found = _THROTTLE_WINDOWS[keys] = Prepared(
            select(ThrottleRow.key, ThrottleRow.count).where(
                or_(*(ThrottleRow.key == bindparam(f"k{i}") for i in range(keys))),
                ThrottleRow.window_start > bindparam("cutoff", type_=UTCDateTime()),
                ThrottleRow.window_start <= bindparam("now", type_=UTCDateTime())))
    return found


class ThrottleRepository(Repository):
    """Fixed windows, one row per key: `count` is the attempts made since `window_start`,
    refused ones included; an attempt is allowed while the count stays within the limit."""

    async def used(self, keys: Sequence[str], window_seconds: float, now: datetime) -> dict[str, int]:
        """The count of each key in its current window (0 when none): one SELECT for all keys."""
        counts = dict.fromkeys(keys, 0)
        if not counts:
            return counts
        params: dict[str, Any] = {f"k{i}": key for i, key in enumerate(counts)}
        params["cutoff"], params["now"] = now - timedelta(seconds=window_seconds), now
        counts.update(await _throttle_windows(len(counts)).rows(self.session, params))
        return counts

    async def count(self, key: str, window_seconds: float, now: datetime) -> int:
        return (await self.used([key], window_seconds, now))[key]

    async def hit(self, key: str, limit: int, window_seconds: float, now: datetime,
                  amount: int = 1) -> bool:
        """Count an attempt (or `amount` of something, e.g. bytes) in a fixed window; False when
        the count then exceeds the limit."""
        return await self.add(key, amount, window_seconds, now) <= limit

    async def add(self, key: str, amount: int, window_seconds: float, now: datetime) -> int:
        """Count `amount` in a fixed window; the window's count after it.

        One statement: the upsert both restarts an expired window and counts, atomically (the
        row is locked by the write on PostgreSQL, and SQLite has a single writer), so concurrent
        attempts never allow more than the limit."""
        [(count,)] = await _THROTTLE_HIT[self.session.bind.dialect.name].rows(self.session, {
            "key": key, "amount": amount, "now": now,
            "cutoff": now - timedelta(seconds=window_seconds)})
        return int(count)

    async def refund(self, key: str, since: datetime, window_seconds: float,
                     now: datetime) -> None:
        """One statement: the window that counted the attempt at `since`, if it is still the
        current one, counts one less (never below zero)."""
        await _THROTTLE_REFUND.rows(self.session, {
            "b_key": key, "since": since, "now": now,
            "cutoff": now - timedelta(seconds=window_seconds)})
