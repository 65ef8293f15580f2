"""Every cryptographic primitive Peluit uses, behind one small facade.

This is the only module in the project that imports ``cryptography``.

What it protects (see PRODUCT.md, "What is protected, and how"):

* **content** (reports, answers, relayed messages, evidence) and **routing** (the reporter's chat
  id) are encrypted with AES-256-GCM under two separate key sets.  Each ciphertext is bound to
  where it lives: the associated data names the format version, the purpose, the table, the
  column, the row id and the key id, so a ciphertext copied to another row, column, table or
  purpose does not decrypt.
* **lookups** (ticket hashes, chat hashes, staff hashes, the audit chain) use HMAC-SHA256 under
  one lookup key, with a domain per use so that two domains never collide.
* **sealed contact details** are encrypted to the integrity officer's offline X25519 public key
  (ephemeral X25519 + HKDF-SHA256 + AES-256-GCM).  The running bot holds only the public key and
  cannot open what it sealed; :func:`open_sealed` runs offline, with the private key.

Ciphertext format (content and routing), version 1::

    0x01 | len(key_id) (1 byte) | key_id (ascii) | nonce (12 bytes) | AES-GCM ciphertext || tag

Sealed format, version 1::

    0x01 | ephemeral X25519 public key (32 bytes) | nonce (12 bytes) | AES-GCM ciphertext || tag

Nothing here logs or prints, and no exception message carries key material or plaintext.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal, get_args

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

try:  # POSIX only; elsewhere key creation is simply not guarded against concurrent starts.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "KEYS_FILE",
    "PRIVATE_KEY_FILE",
    "CryptoError",
    "DecryptionError",
    "KeyConfigError",
    "KeySet",
    "Keyring",
    "Purpose",
    "UnknownKeyId",
    "generate_disclosure_keypair",
    "load_or_create_keyring",
    "load_private_key_file",
    "open_sealed",
    "public_key_from_text",
    "public_key_to_text",
    "save_keyring",
]

Purpose = Literal["content", "routing"]
PURPOSES: tuple[str, ...] = get_args(Purpose)

KEYS_FILE = "keys.json"
PRIVATE_KEY_FILE = "disclosure-private-key.pem"

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_FORMAT_V1 = 1
_SEAL_V1 = 1
_KEYS_FILE_FORMAT = "peluit-keys"
_KEYS_FILE_VERSION = 1
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,16}")
_ID_PREFIX: dict[str, str] = {"content": "c", "routing": "r"}

# The names of the settings, as the operator knows them, for error messages.
SETTING_NAMES: dict[str, str] = {
    "content_keys": "PELUIT_CONTENT_KEYS",
    "routing_keys": "PELUIT_ROUTING_KEYS",
    "lookup_key": "PELUIT_LOOKUP_KEY",
    "disclosure_public_key": "PELUIT_DISCLOSURE_PUBLIC_KEY",
}
# Keyring field -> its setting.
_FIELD_SETTING = {
    "content": SETTING_NAMES["content_keys"],
    "routing": SETTING_NAMES["routing_keys"],
    "lookup_key": SETTING_NAMES["lookup_key"],
    "disclosure_public_key": SETTING_NAMES["disclosure_public_key"],
}


class CryptoError(Exception):
    """Base of every failure raised here.  Messages never contain key material or plaintext."""


class DecryptionError(CryptoError):
    """A ciphertext is damaged, was moved to another place, or was made with another key."""


class UnknownKeyId(DecryptionError):
    """The ciphertext names a key id this keyring does not hold."""


class KeyConfigError(CryptoError):
    """Key settings or key files are malformed; the message says which one."""


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
            if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
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
        return KeySet(primary_id=new_id, keys={**self.keys, new_id: _random_key()})

    @classmethod
    def generate(cls, prefix: str) -> KeySet:
        return cls(primary_id=f"{prefix}1", keys={f"{prefix}1": _random_key()})


def _random_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _frame(*parts: str | bytes) -> bytes:
    """Length-prefixed concatenation: distinct part lists never give the same bytes."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else bytes(part)
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def _check_place(table: str, column: str, row_id: str) -> None:
    for name, value in (("table", table), ("column", column), ("row_id", row_id)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str")
        if not value:
            raise ValueError(f"{name} must not be empty")


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")


# --------------------------------------------------------------------------- the keyring


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
            content=KeySet.generate(_ID_PREFIX["content"]),
            routing=KeySet.generate(_ID_PREFIX["routing"]),
            lookup_key=_random_key(),
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
        message = _frame(b"peluit/lookup/v1", domain, value)
        return hmac.new(self.lookup_key, message, hashlib.sha256).digest()

    # ---- sealing to the offline disclosure key ----------------------------------------------

    def seal(self, plaintext: bytes) -> bytes:
        """Encrypt to the disclosure public key.  Only :func:`open_sealed` can read the result."""
        recipient = X25519PublicKey.from_public_bytes(self.disclosure_public_key)
        ephemeral = X25519PrivateKey.generate()
        ephemeral_public = ephemeral.public_key().public_bytes_raw()
        try:
            shared = ephemeral.exchange(recipient)
        except ValueError:
            raise KeyConfigError("the disclosure public key is not usable (low-order point)") from None
        header = bytes([_SEAL_V1]) + ephemeral_public
        key = _seal_key(shared, ephemeral_public, self.disclosure_public_key)
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + AESGCM(key).encrypt(nonce, bytes(plaintext), header)

    # ---- rotation and serialisation -----------------------------------------------------------

    def with_rotated_keys(self) -> Keyring:
        """New random primary content and routing keys; old keys stay for decryption.

        The lookup key does not change (ticket hashes must keep matching) and neither does the
        disclosure public key.  Re-encrypt old rows (see ``needs_reencrypt``) before ever
        dropping an old key.
        """
        return Keyring(
            content=self.content.with_new_primary(_ID_PREFIX["content"]),
            routing=self.routing.with_new_primary(_ID_PREFIX["routing"]),
            lookup_key=self.lookup_key,
            disclosure_public_key=self.disclosure_public_key,
        )

    def to_json(self) -> str:
        """The keys-file format.  The result is secret: write it only through ``save_keyring``."""
        return _dump(_fields(self)).decode("utf-8")

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        fields = _parse_document(text, where=KEYS_FILE)
        missing = [_FIELD_SETTING[name] for name in _FIELD_SETTING if name not in fields]
        if missing:
            raise KeyConfigError(f"{KEYS_FILE} lacks: {', '.join(missing)}")
        return cls(**fields)


def _aad(purpose: str, table: str, column: str, row_id: str, key_id: str) -> bytes:
    return _frame(b"peluit/v1", purpose, table, column, row_id, key_id)


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
    if not _KEY_ID.fullmatch(key_id) or len(blob) < id_end + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("the ciphertext is truncated or not in a known format")
    return key_id, blob[id_end:]


def _seal_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=_frame(b"peluit/seal/v1", ephemeral_public, recipient_public),
    )
    return hkdf.derive(shared)


# --------------------------------------------------------------------------- disclosure keys


def generate_disclosure_keypair() -> tuple[bytes, bytes]:
    """``(private key PEM (PKCS#8, unencrypted), raw 32-byte public key)``."""
    private = X25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, private.public_key().public_bytes_raw()


def _private_key(material: bytes | str, password: bytes | None, where: str) -> X25519PrivateKey:
    if isinstance(material, str):
        material = material.encode("ascii", "replace")
    if len(material) == KEY_BYTES:
        return X25519PrivateKey.from_private_bytes(bytes(material))
    try:
        key = serialization.load_pem_private_key(bytes(material), password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyConfigError(
            f"{where} is not a readable X25519 private key (PEM, or wrong password)"
        ) from None
    if not isinstance(key, X25519PrivateKey):
        raise KeyConfigError(f"{where} is not an X25519 private key")
    return key


def load_private_key_file(path: str | os.PathLike[str], password: bytes | None = None) -> bytes:
    """Read the disclosure private key (PEM, optionally password-protected) as raw 32 bytes.

    For offline use only; the running bot never calls this.
    """
    try:
        material = Path(path).read_bytes()
    except OSError as exc:
        raise KeyConfigError(f"cannot read {path}: {exc.strerror}") from None
    return _private_key(material, password, str(path)).private_bytes_raw()


def open_sealed(private_key: bytes | str, blob: bytes, *, password: bytes | None = None) -> bytes:
    """Open a :meth:`Keyring.seal` blob, offline.

    ``private_key`` is either the PEM file's contents (as written by
    :func:`generate_disclosure_keypair`; ``password`` if it was encrypted since) or the raw
    32-byte key from :func:`load_private_key_file`.
    """
    key = _private_key(private_key, password, "the disclosure private key")
    blob = bytes(blob)
    header_len = 1 + KEY_BYTES
    if len(blob) < header_len + NONCE_BYTES + TAG_BYTES or blob[0] != _SEAL_V1:
        raise DecryptionError("the sealed blob is truncated or not in a known format")
    header, ephemeral_public = blob[:header_len], blob[1:header_len]
    nonce, sealed = blob[header_len : header_len + NONCE_BYTES], blob[header_len + NONCE_BYTES :]
    try:
        shared = key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        raise DecryptionError("the sealed blob does not open with this key") from None
    recipient_public = key.public_key().public_bytes_raw()
    aead_key = _seal_key(shared, ephemeral_public, recipient_public)
    try:
        return AESGCM(aead_key).decrypt(nonce, sealed, header)
    except InvalidTag:
        raise DecryptionError("the sealed blob does not open with this key, or was altered") from None


def public_key_to_text(raw: bytes) -> str:
    """Base64url without padding (43 characters), for ``PELUIT_DISCLOSURE_PUBLIC_KEY``."""
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(f"a disclosure public key is {KEY_BYTES} bytes")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_key_from_text(text: str) -> bytes:
    """Inverse of :func:`public_key_to_text`; padding is optional."""
    raw = _b64decode(text, urlsafe=True)
    if raw is None or len(raw) != KEY_BYTES:
        raise KeyConfigError(
            f"{SETTING_NAMES['disclosure_public_key']} must be the base64url text of a "
            f"{KEY_BYTES}-byte X25519 public key"
        )
    return raw


def _b64decode(text: str, *, urlsafe: bool) -> bytes | None:
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text.isascii():
        return None
    text += "=" * (-len(text) % 4)
    try:
        if urlsafe:
            if not re.fullmatch(r"[A-Za-z0-9_-]*=*", text):
                return None
            return base64.urlsafe_b64decode(text)
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


# --------------------------------------------------------------------------- settings and files


def _document(fields: Mapping[str, object]) -> dict[str, object]:
    """The keys-file document for whichever keyring fields are given."""

    def keyset(ks: KeySet) -> dict[str, object]:
        return {
            "primary": ks.primary_id,
            "keys": {kid: base64.b64encode(k).decode("ascii") for kid, k in ks.keys.items()},
        }

    doc: dict[str, object] = {"format": _KEYS_FILE_FORMAT, "version": _KEYS_FILE_VERSION}
    for name in ("content", "routing"):
        if name in fields:
            doc[f"{name}_keys"] = keyset(fields[name])  # type: ignore[arg-type]
    if "lookup_key" in fields:
        doc["lookup_key"] = base64.b64encode(fields["lookup_key"]).decode("ascii")  # type: ignore[arg-type]
    if "disclosure_public_key" in fields:
        doc["disclosure_public_key"] = public_key_to_text(fields["disclosure_public_key"])  # type: ignore[arg-type]
    return doc


def _fields(keyring: Keyring) -> dict[str, object]:
    return {name: getattr(keyring, name) for name in _FIELD_SETTING}


def _dump(fields: Mapping[str, object]) -> bytes:
    return (json.dumps(_document(fields), indent=2, sort_keys=True) + "\n").encode("utf-8")


def _parse_document(text: str, *, where: str) -> dict[str, object]:
    """The keys-file fields present in ``text``; any of the four may be absent."""
    try:
        doc = json.loads(text)
    except (ValueError, TypeError):
        raise KeyConfigError(f"{where} is not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != _KEYS_FILE_FORMAT:
        raise KeyConfigError(f"{where} is not a Peluit keys file")
    if doc.get("version") != _KEYS_FILE_VERSION:
        raise KeyConfigError(f"{where} has an unsupported version (expected {_KEYS_FILE_VERSION})")
    fields: dict[str, object] = {}
    for name, purpose in (("content_keys", "content"), ("routing_keys", "routing")):
        if name in doc:
            fields[purpose] = _keyset_from_document(doc[name], f"{where}: {name}")
    if "lookup_key" in doc:
        lookup = _b64decode(doc["lookup_key"], urlsafe=False)
        if lookup is None or len(lookup) != KEY_BYTES:
            raise KeyConfigError(f"{where}: lookup_key must be base64 of {KEY_BYTES} bytes")
        fields["lookup_key"] = lookup
    if "disclosure_public_key" in doc:
        try:
            fields["disclosure_public_key"] = public_key_from_text(doc["disclosure_public_key"])
        except KeyConfigError:
            raise KeyConfigError(
                f"{where}: disclosure_public_key must be base64url of {KEY_BYTES} bytes"
            ) from None
    return fields


def _keyset_from_document(entry: object, where: str) -> KeySet:
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("keys"), dict)
        or not isinstance(entry.get("primary"), str)
    ):
        raise KeyConfigError(f"{where} must hold 'primary' and 'keys'")
    keys: dict[str, bytes] = {}
    for number, (key_id, text) in enumerate(entry["keys"].items(), start=1):
        raw = _b64decode(text, urlsafe=False)
        if not _KEY_ID.fullmatch(str(key_id)) or raw is None or len(raw) != KEY_BYTES:
            raise KeyConfigError(
                f"{where}: key {number} must have an id of 1-16 characters "
                f"[A-Za-z0-9_.-] and a base64 value of {KEY_BYTES} bytes"
            )
        keys[key_id] = raw
    try:
        return KeySet(primary_id=entry["primary"], keys=keys)
    except KeyConfigError as exc:
        raise KeyConfigError(f"{where}: {exc}") from None


def _keyset_from_setting(value: str, setting: str) -> KeySet:
    """``id:base64key,id:base64key``; the first is primary.  Errors never echo the value."""
    keys: dict[str, bytes] = {}
    entries = [entry.strip() for entry in value.split(",")]
    for number, entry in enumerate(entries, start=1):
        key_id, sep, text = entry.partition(":")
        raw = _b64decode(text, urlsafe=False) if sep else None
        if not _KEY_ID.fullmatch(key_id.strip()) or raw is None or len(raw) != KEY_BYTES:
            raise KeyConfigError(
                f"{setting}: entry {number} must look like id:base64key, with an id of 1-16 "
                f"characters [A-Za-z0-9_.-] and a key of {KEY_BYTES} bytes "
                "(comma-separated, the first is primary)"
            )
        if key_id.strip() in keys:
            raise KeyConfigError(f"{setting}: entry {number} repeats an earlier key id")
        keys[key_id.strip()] = raw
    return KeySet(primary_id=entries[0].partition(":")[0].strip(), keys=keys)


def _parse_settings(
    content_keys: str | None,
    routing_keys: str | None,
    lookup_key: str | None,
    disclosure_public_key: str | None,
) -> dict[str, object]:
    fields: dict[str, object] = {}
    if content_keys:
        fields["content"] = _keyset_from_setting(content_keys, SETTING_NAMES["content_keys"])
    if routing_keys:
        fields["routing"] = _keyset_from_setting(routing_keys, SETTING_NAMES["routing_keys"])
    if lookup_key:
        raw = _b64decode(lookup_key, urlsafe=False)
        if raw is None or len(raw) != KEY_BYTES:
            raise KeyConfigError(f"{SETTING_NAMES['lookup_key']} must be base64 of {KEY_BYTES} random bytes")
        fields["lookup_key"] = raw
    if disclosure_public_key:
        fields["disclosure_public_key"] = public_key_from_text(disclosure_public_key)
    return fields


def _write_secret_file(path: Path, data: bytes) -> None:
    """Atomically write ``data`` to ``path`` with mode 0600 (set before any byte is written)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename durable where directories can be synced
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _ensure_dir(data_dir: Path) -> None:
    if not data_dir.exists():
        data_dir.mkdir(mode=0o700, parents=True)
        os.chmod(data_dir, 0o700)


@contextlib.contextmanager
def _key_creation_lock(data_dir: Path) -> Iterator[None]:
    """Serialise key creation between processes sharing one data directory."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(data_dir / ".keys.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def save_keyring(data_dir: Path, keyring: Keyring) -> Path:
    """Write the whole keyring to ``data_dir/keys.json`` (atomic, mode 0600), e.g. after rotation.

    Keys that came from settings are written too; settings still override the file, so after
    rotating, update the settings as well or unset them.
    """
    data_dir = Path(data_dir)
    _ensure_dir(data_dir)
    path = data_dir / KEYS_FILE
    _write_secret_file(path, _dump(_fields(keyring)))
    return path


def load_or_create_keyring(
    data_dir: Path,
    *,
    content_keys: str | None = None,
    routing_keys: str | None = None,
    lookup_key: str | None = None,
    disclosure_public_key: str | None = None,
) -> tuple[Keyring, list[str]]:
    """The keyring for the running bot, and notices for the operator (log them at WARNING).

    Settings override ``data_dir/keys.json``, field by field.  When ``keys.json`` does not exist
    and the settings do not give every key, the missing keys are generated and written to
    ``keys.json`` (mode 0600); keys given by settings are not copied to disk.  When no disclosure
    public key is given either, a keypair is generated and the private key is written to
    ``data_dir/disclosure-private-key.pem`` (mode 0600) for the operator to move offline; the bot
    never reads it.  An existing ``keys.json`` is never regenerated: a key it lacks must come from
    its setting.
    """
    data_dir = Path(data_dir)
    given = _parse_settings(content_keys, routing_keys, lookup_key, disclosure_public_key)
    notices: list[str] = []
    keys_path = data_dir / KEYS_FILE
    private_path = data_dir / PRIVATE_KEY_FILE

    if len(given) == len(_FIELD_SETTING) and not keys_path.exists():
        fields = dict(given)
    else:
        _ensure_dir(data_dir)
        with _key_creation_lock(data_dir):
            if keys_path.exists():
                stored = _read_keys_file(keys_path, notices)
            else:
                stored = _create_keys_file(data_dir, given, notices)
        fields = {**stored, **given}
        for name in sorted(set(stored) & set(given)):
            if stored[name] != given[name]:
                notices.append(
                    f"{_FIELD_SETTING[name]} overrides the value in {keys_path}; "
                    "keep the two in step or remove one"
                )
        missing = [_FIELD_SETTING[name] for name in _FIELD_SETTING if name not in fields]
        if missing:
            raise KeyConfigError(
                f"{keys_path} does not hold every key and these settings are unset: {', '.join(missing)}"
            )

    if private_path.exists() and not any(str(private_path) in notice for notice in notices):
        notices.append(
            f"the disclosure private key is still on this server at {private_path}: move it "
            "OFFLINE (e.g. to the integrity officer's USB stick) and delete it from this server; "
            "the bot does not need it"
        )
    return Keyring(**fields), notices  # type: ignore[arg-type]


def _read_keys_file(path: Path, notices: list[str]) -> dict[str, object]:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise KeyConfigError(f"cannot read {path}") from None
    if mode & 0o077:
        notices.append(f"{path} is open to group or other users (mode {mode:04o}): run `chmod 600 {path}`")
    return _parse_document(text, where=str(path))


def _create_keys_file(data_dir: Path, given: Mapping[str, object], notices: list[str]) -> dict[str, object]:
    keys_path = data_dir / KEYS_FILE
    private_path = data_dir / PRIVATE_KEY_FILE
    generated: dict[str, object] = {}
    for purpose in ("content", "routing"):
        if purpose not in given:
            generated[purpose] = KeySet.generate(_ID_PREFIX[purpose])
    if "lookup_key" not in given:
        generated["lookup_key"] = _random_key()
    if "disclosure_public_key" not in given:
        if private_path.exists():
            raise KeyConfigError(
                f"{private_path} exists but {keys_path} does not: move that private key offline "
                f"and set {SETTING_NAMES['disclosure_public_key']} to its public key, or remove it"
            )
        pem, public = generate_disclosure_keypair()
        _write_secret_file(private_path, pem)
        generated["disclosure_public_key"] = public
        notices.append(
            f"the disclosure private key was written to {private_path}: move it OFFLINE (e.g. to "
            "the integrity officer's USB stick) and delete it from this server; sealed contact "
            "details can only be opened with it"
        )
    _write_secret_file(keys_path, _dump(generated))
    notices.append(
        f"generated new keys in {keys_path}: back them up; losing them makes every report unreadable"
    )
    return generated
