"""Every cryptographic primitive Peluit uses, behind one small facade.

This package is the only code in the project that imports ``cryptography``. Its modules, by job:

* ``primitives``: the keyring the running bot holds. **content** (reports, answers, relayed
  messages, evidence) and **routing** (the reporter's chat id) are encrypted with AES-256-GCM
  under two separate key sets; each ciphertext is bound to where it lives (format version,
  purpose, table, column, row id, key id as associated data), so a ciphertext copied to another
  row, column, table or purpose does not decrypt. **Lookups** (ticket hashes, chat hashes, staff
  pseudonyms, the audit chain) use HMAC-SHA256 under one lookup key, a domain per use.
* ``sealing``: contact details sealed to the integrity officer's offline X25519 public key; the
  running bot holds only the public key and cannot open what it sealed.
* ``keyfiles``: ``keys.json``, key settings, the one-time disclosure private key file.
* ``encoding`` and ``errors``: what the others share.

Nothing here logs or prints, and no exception message carries key material or plaintext.
"""

from storage.crypto.errors import CryptoError, DecryptionError, KeyConfigError, UnknownKeyId
from storage.crypto.keyfiles import (
    KEYS_FILE,
    PRIVATE_KEY_FILE,
    keyring_from_json,
    keyring_to_json,
    load_or_create_keyring,
    save_keyring,
)
from storage.crypto.primitives import Keyring, KeySet, Purpose
from storage.crypto.sealing import (
    generate_disclosure_keypair,
    load_private_key_file,
    open_sealed,
    public_key_from_text,
    public_key_to_text,
)

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
    "keyring_from_json",
    "keyring_to_json",
    "load_or_create_keyring",
    "load_private_key_file",
    "open_sealed",
    "public_key_from_text",
    "public_key_to_text",
    "save_keyring",
]
