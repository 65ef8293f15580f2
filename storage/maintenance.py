"""Operator maintenance over the whole database: key rotation (re-encrypt everything)."""

from __future__ import annotations

from sqlalchemy import select

from storage.crypto import Keyring
from storage.encrypted import declared, decrypt, encrypt
from storage.models import ENCRYPTED_COLUMNS, ROW_KEY
from storage.uow import Database


async def reencrypt_all(db: Database, new_keyring: Keyring, batch: int = 500) -> int:
    """Decrypt every encrypted value with the old keys and encrypt it with the new primary key.

    Runs table by table in batches, one transaction per batch; safe to run again after an
    interruption (values already under the new key are skipped).
    """
    old = db.keyring
    count = 0
    for model, name, _purpose in ENCRYPTED_COLUMNS:
        column = getattr(model, name)
        purpose = declared(column).purpose
        key_attr = ROW_KEY[model]
        offset = 0
        while True:
            async with db.sessions() as session, session.begin():
                rows = (await session.scalars(
                    select(model).order_by(getattr(model, key_attr)).offset(offset).limit(batch)
                )).all()
                for row in rows:
                    blob = getattr(row, name)
                    if not blob or not new_keyring.needs_reencrypt(purpose, blob):
                        continue
                    row_id = str(getattr(row, key_attr))
                    plain = decrypt(old, column, row_id, blob)
                    setattr(row, name, encrypt(new_keyring, column, row_id, plain))
                    count += 1
            if len(rows) < batch:
                break
            offset += batch
    db.keyring = new_keyring
    return count
