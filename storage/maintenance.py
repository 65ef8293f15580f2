"""Operator maintenance over the whole database: key rotation (re-encrypt everything)."""

from __future__ import annotations

from sqlalchemy import select

from storage.crypto import Keyring
from storage.models import ENCRYPTED_COLUMNS, ROW_KEY
from storage.uow import Database


async def reencrypt_all(db: Database, new_keyring: Keyring, batch: int = 500) -> int:
    """Decrypt every encrypted value with the old keys and encrypt it with the new primary key.

    Runs table by table in batches, one transaction per batch; safe to run again after an
    interruption (values already under the new key are skipped).
    """
    old = db.keyring
    count = 0
    for model, column, purpose in ENCRYPTED_COLUMNS:
        table = model.__tablename__
        key_attr = ROW_KEY[model]
        offset = 0
        while True:
            async with db.sessions() as session, session.begin():
                rows = (await session.scalars(
                    select(model).order_by(getattr(model, key_attr)).offset(offset).limit(batch)
                )).all()
                for row in rows:
                    blob = getattr(row, column)
                    if not blob or not new_keyring.needs_reencrypt(purpose, blob):
                        continue
                    row_id = str(getattr(row, key_attr))
                    plain = old.decrypt(purpose, blob, table=table, column=column, row_id=row_id)
                    setattr(row, column, new_keyring.encrypt(purpose, plain, table=table,
                                                             column=column, row_id=row_id))
                    count += 1
            if len(rows) < batch:
                break
            offset += batch
    db.keyring = new_keyring
    return count
