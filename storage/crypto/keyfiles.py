"""Where the keys live: ``keys.json`` in the data dir (mode 0600), key settings that override it
field by field, the one-time disclosure private key file, and creating all of them on first start.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from storage.crypto.encoding import KEY_BYTES, b64decode
from storage.crypto.errors import KeyConfigError
from storage.crypto.primitives import ID_PREFIX, KEY_ID, Keyring, KeySet, random_key
from storage.crypto.sealing import generate_disclosure_keypair, public_key_from_text, public_key_to_text

try:  # POSIX only; elsewhere key creation is simply not guarded against concurrent starts.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

KEYS_FILE = "keys.json"
PRIVATE_KEY_FILE = "disclosure-private-key.pem"
_KEYS_FILE_FORMAT = "peluit-keys"
_KEYS_FILE_VERSION = 1


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
        lookup = b64decode(doc["lookup_key"], urlsafe=False)
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
        raw = b64decode(text, urlsafe=False)
        if not KEY_ID.fullmatch(str(key_id)) or raw is None or len(raw) != KEY_BYTES:
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
        raw = b64decode(text, urlsafe=False) if sep else None
        if not KEY_ID.fullmatch(key_id.strip()) or raw is None or len(raw) != KEY_BYTES:
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
        raw = b64decode(lookup_key, urlsafe=False)
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
            generated[purpose] = KeySet.generate(ID_PREFIX[purpose])
    if "lookup_key" not in given:
        generated["lookup_key"] = random_key()
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


def keyring_to_json(keyring: Keyring) -> str:
    """The keys-file format.  The result is secret: write it only through ``save_keyring``."""
    return _dump(_fields(keyring)).decode("utf-8")


def keyring_from_json(text: str) -> Keyring:
    fields = _parse_document(text, where=KEYS_FILE)
    missing = [_FIELD_SETTING[name] for name in _FIELD_SETTING if name not in fields]
    if missing:
        raise KeyConfigError(f"{KEYS_FILE} lacks: {', '.join(missing)}")
    return Keyring(**fields)  # type: ignore[arg-type]
