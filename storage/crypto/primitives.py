"""The keys the running bot holds and what it does with them: AES-256-GCM for content and
routing, bound to where each ciphertext lives, and HMAC-SHA256 for lookups.

Ciphertext format (content and routing), version 1::

    0x01 | len(key_id) (1 byte) | key_id (ascii) | nonce (12 bytes) | AES-GCM ciphertext || tag
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.crypto.encoding import KEY_BYTES, NONCE_BYTES, TAG_BYTES, frame
from storage.crypto.errors import DecryptionError, KeyConfigError, UnknownKeyId
from storage.crypto.sealing import seal_to

Purpose = Literal["content", "routing"]
PURPOSES: tuple[str, ...] = get_args(Purpose)

_FORMAT_V1 = 1
KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,16}")
ID_PREFIX: dict[str, str] = {"content": "c", "routing": "r"}


# --------------------------------------------------------------------------- key sets


@dataclass(frozen=True)
class KeySet:
    """One purpose's keys: ``id -> 32-byte AES-256 key``; ``primary_id`` encrypts."""

    primary_id: str
    keys: Mapping[str, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyConfigError("a key set needs at least one key")
        for key_id, key in self.keys.items():
            if not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
                raise KeyConfigError("key ids are 1-16 characters of A-Z a-z 0-9 _ . -")
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise KeyConfigError(f"key {key_id!r} is not {KEY_BYTES} bytes")
        if self.primary_id not in self.keys:
            raise KeyConfigError("the primary key id is not among the keys")
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    def __repr__(self) -> str:
        return f"KeySet(primary_id={self.primary_id!r}, key_ids={sorted(self.keys)!r})"

    __str__ = __repr__

    @property
    def primary_key(self) -> bytes:
        return self.keys[self.primary_id]

    def with_new_primary(self, prefix: str) -> KeySet:
        """A copy with a fresh random primary key under the next free id (``c1`` -> ``c2``)."""
        numbers = [
            int(key_id[len(prefix) :])
            for key_id in self.keys
            if key_id.startswith(prefix) and key_id[len(prefix) :].isdigit()
        ]
        next_number = max(numbers, default=0) + 1
        while f"{prefix}{next_number}" in self.keys:  # pragma: no cover - defensive
            next_number += 1
        new_id = f"{prefix}{next_number}"
        return KeySet(primary_id=new_id, keys={**self.keys, new_id: random_key()})

    @classmethod
    def generate(cls, prefix: str) -> KeySet:
        return cls(primary_id=f"{prefix}1", keys={f"{prefix}1": random_key()})


def random_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)




def _check_place(table: str, column: str, row_id: str) -> None:
    for name, value in (("table", table), ("column", column), ("row_id", row_id)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str")
        if not value:
            raise ValueError(f"{name} must not be empty")


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")


@dataclass(frozen=True)
class Keyring:
    """Every key the running bot holds.  It never holds the disclosure private key.

    ``with_rotated_keys`` replaces the primary content and routing keys but keeps the lookup key:
    ticket codes are stored only as lookup hashes, so a new lookup key would lock every reporter
    out of their case.  Rotating the lookup key needs the reporters' codes, which nobody holds.
    """

    content: KeySet
    routing: KeySet
    lookup_key: bytes = field(repr=False)
    disclosure_public_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.lookup_key, bytes) or len(self.lookup_key) != KEY_BYTES:
            raise KeyConfigError(f"the lookup key is not {KEY_BYTES} bytes")
        if not isinstance(self.disclosure_public_key, bytes) or len(self.disclosure_public_key) != KEY_BYTES:
            raise KeyConfigError(f"the disclosure public key is not {KEY_BYTES} bytes")

    def __repr__(self) -> str:
        return f"Keyring(content={self.content!r}, routing={self.routing!r})"

    __str__ = __repr__

    @classmethod
    def generate(cls, disclosure_public_key: bytes) -> Keyring:
        """A fresh keyring (``c1``, ``r1``, a new lookup key) sealing to the given public key."""
        return cls(
            content=KeySet.generate(ID_PREFIX["content"]),
            routing=KeySet.generate(ID_PREFIX["routing"]),
            lookup_key=random_key(),
            disclosure_public_key=disclosure_public_key,
        )

    def _keyset(self, purpose: Purpose) -> KeySet:
        _check_purpose(purpose)
        return self.content if purpose == "content" else self.routing

    # ---- content and routing ------------------------------------------------------------

    def encrypt(self, purpose: Purpose, plaintext: bytes, *, table: str, column: str, row_id: str) -> bytes:
        keyset = self._keyset(purpose)
        _check_place(table, column, row_id)
        key_id = keyset.primary_id
        header = bytes([_FORMAT_V1, len(key_id)]) + key_id.encode("ascii")
        nonce = os.urandom(NONCE_BYTES)
        aad = _aad(purpose, table, column, row_id, key_id)
        return header + nonce + AESGCM(keyset.primary_key).encrypt(nonce, bytes(plaintext), aad)

    def decrypt(self, purpose: Purpose, blob: bytes, *, table: str, column: str, row_id: str) -> bytes:
        keyset = self._keyset(purpose)
        _check_place(table, column, row_id)
        key_id, body = _split_blob(blob)
        key = keyset.keys.get(key_id)
        if key is None:
            raise UnknownKeyId(f"the ciphertext names {purpose} key id {key_id!r}, not held here")
        nonce, sealed = body[:NONCE_BYTES], body[NONCE_BYTES:]
        try:
            return AESGCM(key).decrypt(nonce, sealed, _aad(purpose, table, column, row_id, key_id))
        except InvalidTag:
            raise DecryptionError(
                "the ciphertext does not authenticate: damaged, moved, or another key"
            ) from None

    def needs_reencrypt(self, purpose: Purpose, blob: bytes) -> bool:
        """True when ``blob`` was made under a key other than the current primary one."""
        key_id, _ = _split_blob(blob)
        return key_id != self._keyset(purpose).primary_id

    # ---- lookups ---------------------------------------------------------------------------

    def lookup_hash(self, domain: str, value: str | bytes) -> bytes:
        """HMAC-SHA256 of ``value`` in ``domain`` ("ticket", "chat", "staff", "audit", ...).

        Deterministic, 32 bytes; the same value in two domains gives unrelated hashes.
        """
        if not isinstance(domain, str) or not domain:
            raise ValueError("domain must be a non-empty str")
        if not isinstance(value, str | bytes):
            raise TypeError("value must be str or bytes")
        message = frame(b"peluit/lookup/v1", domain, value)
        return hmac.new(self.lookup_key, message, hashlib.sha256).digest()

    # ---- sealing to the offline disclosure key ----------------------------------------------

    def seal(self, plaintext: bytes) -> bytes:
        """Encrypt to the disclosure public key.  Only :func:`open_sealed` can read the result."""
        return seal_to(self.disclosure_public_key, plaintext)

    # ---- rotation and serialisation -----------------------------------------------------------

    def with_rotated_keys(self) -> Keyring:
        """New random primary content and routing keys; old keys stay for decryption.

        The lookup key does not change (ticket hashes must keep matching) and neither does the
        disclosure public key.  Re-encrypt old rows (see ``needs_reencrypt``) before ever
        dropping an old key.
        """
        return Keyring(
            content=self.content.with_new_primary(ID_PREFIX["content"]),
            routing=self.routing.with_new_primary(ID_PREFIX["routing"]),
            lookup_key=self.lookup_key,
            disclosure_public_key=self.disclosure_public_key,
        )


def _aad(purpose: str, table: str, column: str, row_id: str, key_id: str) -> bytes:
    return frame(b"peluit/v1", purpose, table, column, row_id, key_id)


def _split_blob(blob: bytes) -> tuple[str, bytes]:
    """``(key_id, nonce || ciphertext || tag)``, or DecryptionError for a malformed blob."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise DecryptionError("the ciphertext is not bytes")
    blob = bytes(blob)
    if len(blob) < 2 or blob[0] != _FORMAT_V1:
        raise DecryptionError("the ciphertext is not in a known format")
    id_end = 2 + blob[1]
    try:
        key_id = blob[2:id_end].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("the ciphertext is not in a known format") from None
    if not KEY_ID.fullmatch(key_id) or len(blob) < id_end + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("the ciphertext is truncated or not in a known format")
    return key_id, blob[id_end:]

