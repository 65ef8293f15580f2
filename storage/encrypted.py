"""Encrypting a value for the column it is stored in.

`models.ENCRYPTED_COLUMNS` declares each encrypted column once, with its purpose (which key set).
Storage code names the mapped column itself (`encrypt(keyring, CaseRow.report_enc, row_id, data)`)
and the purpose, table and column name bound into the ciphertext as associated data are read from
that declaration, so they cannot drift apart from it; a column not declared there is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import QueryableAttribute

from storage.crypto import Keyring, Purpose
from storage.models import ENCRYPTED_COLUMNS, ROW_KEY


@dataclass(frozen=True)
class EncryptedColumn:
    """Where a ciphertext lives: bound into it, with the row id and key id, as associated data."""

    purpose: Purpose
    table: str
    column: str


def _declarations() -> dict[tuple[type, str], EncryptedColumn]:
    found: dict[tuple[type, str], EncryptedColumn] = {}
    for model, column, purpose in ENCRYPTED_COLUMNS:
        attribute = getattr(model, column)  # AttributeError at import: no such column
        if model not in ROW_KEY or (model, column) in found:
            raise LookupError(f"{model.__name__}.{column}: declared twice, or its model has no ROW_KEY")
        found[(model, attribute.key)] = EncryptedColumn(purpose, model.__tablename__, column)
    return found


_DECLARED = _declarations()


def declared(column: QueryableAttribute[Any]) -> EncryptedColumn:
    """The declaration of a mapped column (e.g. `CaseRow.report_enc`); LookupError when the
    column is not in `models.ENCRYPTED_COLUMNS`."""
    found = _DECLARED.get((column.class_, column.key))
    if found is None:
        raise LookupError(f"{column} is not declared in models.ENCRYPTED_COLUMNS")
    return found


def encrypt(keyring: Keyring, column: QueryableAttribute[Any], row_id: str, plaintext: bytes) -> bytes:
    place = declared(column)
    return keyring.encrypt(place.purpose, plaintext, table=place.table, column=place.column,
                           row_id=row_id)


def decrypt(keyring: Keyring, column: QueryableAttribute[Any], row_id: str, blob: bytes) -> bytes:
    place = declared(column)
    return keyring.decrypt(place.purpose, blob, table=place.table, column=place.column,
                           row_id=row_id)
