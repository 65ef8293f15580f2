"""Break-glass disclosure of sealed contact details: offline only, always audited.

The running bot holds only the disclosure PUBLIC key, so nothing in it can open a sealed
contact. This module is used by `peluit identity reveal`, on a machine where the integrity
officer brings the private key file.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.crypto import CryptoError, load_private_key_file, open_sealed
from storage.models import CaseRow, SealedContactRow
from storage.uow import Database


class DisclosureError(Exception):
    """Why a disclosure did not happen (no such case, nothing sealed, wrong or missing key)."""


async def reveal_contact(db: Database, case_number: str, key_file: Path, reason: str,
                         actor: str = "operator") -> str:
    """Open the sealed contact of `case_number` with the private key in `key_file`.

    Every attempt is written to the audit log with its reason, whether it succeeds or not.
    """
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise DisclosureError("a reason of at least 10 characters is required")
    async with db.uow() as uow:
        session = uow.session
        assert session is not None
        case_id = await session.scalar(select(CaseRow.id).where(CaseRow.number == case_number))
        sealed = await session.get(SealedContactRow, case_id) if case_id else None
        outcome = "identity.revealed"
        error: DisclosureError | None = None
        if case_id is None:
            outcome, error = "identity.reveal_failed", DisclosureError("no such case")
        elif sealed is None:
            outcome, error = "identity.reveal_failed", DisclosureError(
                "this case has no sealed contact (the reporter stayed anonymous, or it was purged)")
        else:
            try:
                private = load_private_key_file(key_file)
                contact = open_sealed(private, sealed.sealed).decode()
            except (CryptoError, OSError) as exc:
                outcome, error = "identity.reveal_failed", DisclosureError(
                    f"the key could not open the sealed contact ({type(exc).__name__})")
        await uow.audit.record(actor, outcome, case_number if case_id else None, reason)
        await uow.commit()
    if error is not None:
        raise error
    return contact
