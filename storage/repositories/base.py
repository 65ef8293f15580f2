"""What every repository shares: the session of its unit of work, the keyring, a chat's keyed
hash, and encryption for the column a value is stored in (`storage.encrypted`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from flows.intents import ChatRoute
from storage import encrypted
from storage.crypto import Keyring


def chat_lane(chat_hash: bytes) -> str:
    """The outbox lane of one chat's messages (they leave in order)."""
    return "chat:" + chat_hash.hex()[:40]


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT construct (it has ON CONFLICT)."""
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


class Repository:
    """Loads and saves records inside the unit of work's transaction: flushes, never commits."""

    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    def chat_hash(self, route: ChatRoute | str) -> bytes:
        return self.keyring.lookup_hash("chat", str(route))

    def encrypt(self, column: QueryableAttribute[Any], row_id: str, plaintext: bytes) -> bytes:
        """`plaintext` encrypted for `column` (e.g. `CaseRow.report_enc`) of the row `row_id`."""
        return encrypted.encrypt(self.keyring, column, row_id, plaintext)

    def decrypt(self, column: QueryableAttribute[Any], row_id: str, blob: bytes) -> bytes:
        return encrypted.decrypt(self.keyring, column, row_id, blob)
