"""Case numbers: unique and consecutive under concurrent submissions, restarting every year."""

from __future__ import annotations

import asyncio
import random

from storage.uow import Database


async def _take(db: Database, year: int, prefix: str = "WBS", *, commit: bool = True) -> str:
    async with db.uow() as uow:
        number = await uow.cases.next_number(year, prefix)
        await asyncio.sleep(random.random() / 100)  # let other submissions interleave
        if commit:
            await uow.commit()
    return number


async def test_given_30_concurrent_submissions_when_each_takes_a_number_then_they_are_unique_and_consecutive(
    db: Database,
) -> None:
    numbers = await asyncio.gather(*(_take(db, 2026) for _ in range(30)))

    assert len(set(numbers)) == 30
    assert sorted(numbers) == [f"WBS-2026-{n:04d}" for n in range(1, 31)]


async def test_given_numbers_in_one_year_when_a_new_year_starts_then_numbering_restarts_at_one(
    db: Database,
) -> None:
    taken = [await _take(db, year) for year in (2026, 2026, 2027, 2026, 2027, 2028)]

    assert taken == ["WBS-2026-0001", "WBS-2026-0002", "WBS-2027-0001", "WBS-2026-0003",
                     "WBS-2027-0002", "WBS-2028-0001"]
    assert await _take(db, 2026, "lpr") == "LPR-2026-0004"  # one counter per year, whatever the prefix


async def test_given_a_submission_that_rolls_back_when_the_next_one_commits_then_no_number_is_skipped(
    db: Database,
) -> None:
    first = await _take(db, 2026)
    abandoned = await _take(db, 2026, commit=False)
    second = await _take(db, 2026)

    assert (first, abandoned, second) == ("WBS-2026-0001", "WBS-2026-0002", "WBS-2026-0002")
