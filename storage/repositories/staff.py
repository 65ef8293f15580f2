"""The staff directory: display names of staff members (encrypted), by the keyed pseudonym the
audit log knows them by; their @username only as a keyed hash (to find them by it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update

from storage.models import StaffMemberRow
from storage.repositories.base import Repository


class StaffRepository(Repository):
    def _username_hash(self, username: str) -> bytes:
        return self.keyring.lookup_hash("staff_username", username.lstrip("@").lower())

    async def remember(self, actor: str, name: str, username: str | None, now: datetime) -> None:
        """Keep `actor`'s name (and @username) as Telegram shows them now; nothing is written
        when they read as before."""
        name = name.strip()[:64] or "?"
        username_hash = self._username_hash(username) if username else None
        row = await self.session.get(StaffMemberRow, actor)
        if row is None:
            self.session.add(StaffMemberRow(
                actor=actor, name_enc=self.encrypt(StaffMemberRow.name_enc, actor, name.encode()),
                username_hash=username_hash, updated_at=now))
            await self.session.flush()
            return
        if (self.decrypt(StaffMemberRow.name_enc, actor, row.name_enc).decode() == name
                and row.username_hash == username_hash):
            return
        if username_hash is not None:  # a @username now belongs to this member only
            await self.session.execute(update(StaffMemberRow).where(
                StaffMemberRow.username_hash == username_hash, StaffMemberRow.actor != actor)
                .values(username_hash=None))
        row.name_enc = self.encrypt(StaffMemberRow.name_enc, actor, name.encode())
        row.username_hash, row.updated_at = username_hash, now
        await self.session.flush()

    async def names(self, actors: Sequence[str]) -> dict[str, str]:
        """The names of these members (a member not in the directory is left out)."""
        wanted = sorted(set(actors))
        if not wanted:
            return {}
        rows = (await self.session.execute(select(StaffMemberRow.actor, StaffMemberRow.name_enc)
                                           .where(StaffMemberRow.actor.in_(wanted)))).all()
        return {actor: self.decrypt(StaffMemberRow.name_enc, actor, enc).decode()
                for actor, enc in rows}

    async def by_username(self, username: str) -> str | None:
        """The pseudonym of the member with this @username, if they have acted in the group."""
        return await self.session.scalar(select(StaffMemberRow.actor).where(  # type: ignore[no-any-return]
            StaffMemberRow.username_hash == self._username_hash(username)))
