"""Issue 13: what the live card and the move prompts keep — the new intents survive the outbox,
and a prompt is found by its message, once, and goes with its case. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from flows.announcement import case_card, topic_status
from flows.intents import EditCard, Mention, MovePrompt, Say, ToStaff
from flows.lifecycle import CaseStatus
from flows.model import Case
from flows.policy import Policy
from storage.models import CaseRow
from storage.uow import Database
from tests.integration.test_outbox import _case, claim


async def test_given_card_edits_topic_changes_and_prompts_when_queued_then_they_come_back_as_queued(
    db: Database,
) -> None:
    case: Case = await _case(db)
    now = datetime.now(UTC)
    prompt = MovePrompt(case.id, "conclude", "staff:0123456789abcdef", now + timedelta(minutes=30))
    asked = Say(ToStaff(case.id), "staff.prompt.conclude",
                {"officer": Mention("Budi", 424242), "number": case.number}, lang="id",
                case_id=case.id, reply_prompt="staff.prompt_hint.conclude", awaits=prompt)
    case.status = CaseStatus.CONCLUDED
    case.handler, case.handler_name = "staff:0123456789abcdef", "Budi Santoso"
    edit = EditCard(case_card(Policy(("korupsi",)), case, now=now))
    topic = topic_status(case, CaseStatus.CLARIFICATION)
    async with db.uow() as uow:
        await uow.outbox.put([asked, edit, topic])
        await uow.commit()

    items = []
    for _ in range(3):  # one lane (the case's): one at a time, in order
        [item] = await claim(db, now + timedelta(seconds=1))
        items.append(item.intent)
        async with db.uow() as uow:
            await uow.outbox.done([item.id])
            await uow.commit()

    assert items == [asked, edit, topic]
    mention = items[0].params["officer"]
    assert isinstance(mention, Mention) and mention.user_id == 424242
    assert topic.close is True and items[2].close is True


async def test_given_a_sent_prompt_when_looked_up_then_it_is_found_until_removed_and_goes_with_its_case(
    db: Database,
) -> None:
    case = await _case(db)
    expires = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    prompt = MovePrompt(case.id, "request_info", "staff:0123456789abcdef", expires)
    async with db.uow() as uow:
        await uow.prompts.add(9001, prompt)
        await uow.prompts.add(9002, MovePrompt(case.id, "reject", "staff:fedcba9876543210",
                                               expires))
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.prompts.get(9001) == prompt
        assert await uow.prompts.get(4242) is None
        await uow.prompts.remove(9001)
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.prompts.get(9001) is None
        assert (await uow.prompts.get(9002)).trigger == "reject"  # type: ignore[union-attr]
        # Prompts long expired are forgotten when the next one is stored.
        await uow.prompts.add(9003, MovePrompt(case.id, "forward", "staff:x",
                                               expires + timedelta(days=2)))
        assert await uow.prompts.get(9002) is None
        await uow.commit()
    async with db.sessions() as session:  # a deleted case takes its prompts along
        await session.execute(delete(CaseRow).where(CaseRow.id == case.id))
        await session.commit()
    async with db.uow() as uow:
        assert await uow.prompts.get(9003) is None
