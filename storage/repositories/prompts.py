"""Staff reply prompts waiting for their words (a move's text, or a question with the move):
which message (in which staff group), which case and move, for which officer (a pseudonym), until when."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from flows.intents import MovePrompt
from storage.models import MovePromptRow
from storage.repositories.base import Repository

KEEP_EXPIRED = timedelta(days=1)
"""An expired prompt is still recognised (and its reply answered "expired") this long."""


class PromptRepository(Repository):
    async def add(self, message_id: int, prompt: MovePrompt, group: int | None = None) -> None:
        """Remember a sent prompt; prompts long expired are forgotten on the way."""
        await self.session.execute(delete(MovePromptRow).where(
            MovePromptRow.expires_at < prompt.expires - KEEP_EXPIRED))
        await self.session.merge(MovePromptRow(
            staff_group=group or 0, message_id=message_id, case_id=prompt.case_id, trigger=prompt.trigger,
            step=prompt.step, actor=prompt.actor, expires_at=prompt.expires))
        await self.session.flush()

    async def get(self, message_id: int, group: int | None = None) -> MovePrompt | None:
        row = await self.session.get(MovePromptRow, (group or 0, message_id))
        if row is None:
            return None
        return MovePrompt(row.case_id, row.trigger, row.actor, row.expires_at, row.step)

    async def remove(self, message_id: int, group: int | None = None) -> None:
        await self.session.execute(delete(MovePromptRow).where(
            MovePromptRow.staff_group == (group or 0), MovePromptRow.message_id == message_id))
