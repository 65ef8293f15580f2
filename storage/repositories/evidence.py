"""Evidence files: kept encrypted, first with their draft, then with their case."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update

from flows.model import EvidenceFile
from storage.codec import dumps, loads
from storage.models import EvidenceRow
from storage.repositories.base import Repository


class EvidenceRepository(Repository):
    async def _add(self, draft_id: str | None, case_id: str | None, kind: str, data: bytes,
                   mime_type: str | None, file_name: str | None, caption: str | None = None,
                   answer: str | None = None) -> str:
        evidence_id = str(uuid.uuid4())
        fields = {"mime_type": mime_type, "file_name": file_name, "caption": caption}
        meta = dumps(fields | ({"answer": answer} if answer else {}))
        self.session.add(EvidenceRow(
            id=evidence_id, draft_id=draft_id, case_id=case_id, kind=kind,
            meta_enc=self.encrypt(EvidenceRow.meta_enc, evidence_id, meta),
            data_enc=self.encrypt(EvidenceRow.data_enc, evidence_id, data),
            created_at=datetime.now().astimezone()))
        await self.session.flush()
        return evidence_id

    async def add(self, draft_id: str, kind: str, data: bytes, mime_type: str | None,
                  file_name: str | None, caption: str | None = None,
                  answer: str | None = None) -> str:
        return await self._add(draft_id, None, kind, data, mime_type, file_name, caption, answer)

    async def add_to_case(self, case_id: str, kind: str, data: bytes, mime_type: str | None,
                          file_name: str | None, caption: str | None = None) -> str:
        return await self._add(None, case_id, kind, data, mime_type, file_name, caption)

    async def attach(self, evidence_ids: Sequence[str], case_id: str) -> None:
        if evidence_ids:
            await self.session.execute(update(EvidenceRow).where(
                EvidenceRow.id.in_(list(evidence_ids))).values(case_id=case_id, draft_id=None))

    async def get(self, evidence_id: str) -> EvidenceFile | None:
        row = await self.session.get(EvidenceRow, evidence_id)
        if row is None:
            return None
        meta = loads(self.decrypt(EvidenceRow.meta_enc, row.id, row.meta_enc))
        data = self.decrypt(EvidenceRow.data_enc, row.id, row.data_enc)
        return EvidenceFile(row.id, row.kind, meta["mime_type"], meta["file_name"], data,
                            meta.get("caption"), meta.get("answer"))

    async def remove(self, draft_id: str, evidence_id: str) -> None:
        await self.session.execute(delete(EvidenceRow).where(
            EvidenceRow.id == evidence_id, EvidenceRow.draft_id == draft_id,
            EvidenceRow.case_id.is_(None)))
    async def received(self, case_id: str) -> list[tuple[EvidenceFile, datetime]]:
        rows = (await self.session.scalars(select(EvidenceRow).where(
            EvidenceRow.case_id == case_id).order_by(EvidenceRow.created_at, EvidenceRow.id))).all()
        found = []
        for row in rows:
            meta = loads(self.decrypt(EvidenceRow.meta_enc, row.id, row.meta_enc))
            data = self.decrypt(EvidenceRow.data_enc, row.id, row.data_enc)
            found.append((EvidenceFile(row.id, row.kind, meta["mime_type"], meta["file_name"],
                                       data, meta.get("caption"), meta.get("answer")), row.created_at))
        return found
