"""Sealing to the integrity officer's offline X25519 key: the bot can seal, never open.

Ephemeral X25519 + HKDF-SHA256 + AES-256-GCM.  Sealed format, version 1::

    0x01 | ephemeral X25519 public key (32 bytes) | nonce (12 bytes) | AES-GCM ciphertext || tag

:func:`open_sealed` runs offline, with the private key (`peluit identity reveal`).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.crypto.encoding import KEY_BYTES, NONCE_BYTES, TAG_BYTES, b64decode, frame
from storage.crypto.errors import DecryptionError, KeyConfigError

_SEAL_V1 = 1


def seal_to(public_key: bytes, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` to the raw X25519 ``public_key``; only :func:`open_sealed` opens it."""
    recipient = X25519PublicKey.from_public_bytes(public_key)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    try:
        shared = ephemeral.exchange(recipient)
    except ValueError:
        raise KeyConfigError("the disclosure public key is not usable (low-order point)") from None
    header = bytes([_SEAL_V1]) + ephemeral_public
    key = _seal_key(shared, ephemeral_public, public_key)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + AESGCM(key).encrypt(nonce, bytes(plaintext), header)


def _seal_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=frame(b"peluit/seal/v1", ephemeral_public, recipient_public),
    )
    return hkdf.derive(shared)


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
    raw = b64decode(text, urlsafe=True)
    if raw is None or len(raw) != KEY_BYTES:
        raise KeyConfigError(
            f"{'PELUIT_DISCLOSURE_PUBLIC_KEY'} must be the base64url text of a "
            f"{KEY_BYTES}-byte X25519 public key"
        )
    return raw




