"""Repositories, one module per aggregate: load and save domain records, encrypting on the way in
and out. They flush, never commit: the unit of work owns the transaction."""

from storage.repositories.base import Repository, chat_lane, insert_for
from storage.repositories.cases import STAFF_CHAT, CaseRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.drafts import DraftRepository
from storage.repositories.evidence import EvidenceRepository
from storage.repositories.throttle import ThrottleRepository

__all__ = [
    "STAFF_CHAT",
    "CaseRepository",
    "ChatRepository",
    "DraftRepository",
    "EvidenceRepository",
    "Repository",
    "ThrottleRepository",
    "chat_lane",
    "insert_for",
]
