"""Repositories, one module per aggregate: load and save domain records, encrypting on the way in
and out (`base.Repository`). They flush, never commit: the unit of work owns the transaction."""

from storage.repositories.cases import CaseRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.drafts import DraftRepository
from storage.repositories.evidence import EvidenceRepository
from storage.repositories.prompts import PromptRepository
from storage.repositories.staff import StaffRepository
from storage.repositories.throttle import ThrottleRepository

__all__ = [
    "CaseRepository",
    "ChatRepository",
    "DraftRepository",
    "EvidenceRepository",
    "PromptRepository",
    "StaffRepository",
    "ThrottleRepository",
]
