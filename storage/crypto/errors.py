"""Every failure the crypto package raises.  Messages never contain key material or plaintext."""

from __future__ import annotations


class CryptoError(Exception):
    """Base of every failure raised here.  Messages never contain key material or plaintext."""


class DecryptionError(CryptoError):
    """A ciphertext is damaged, was moved to another place, or was made with another key."""


class UnknownKeyId(DecryptionError):
    """The ciphertext names a key id this keyring does not hold."""


class KeyConfigError(CryptoError):
    """Key settings or key files are malformed; the message says which one."""
