"""storage.crypto: what is encrypted stays bound to its place, and no key leaks in text."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.crypto import (
    KEYS_FILE,
    PRIVATE_KEY_FILE,
    DecryptionError,
    KeyConfigError,
    Keyring,
    KeySet,
    UnknownKeyId,
    generate_disclosure_keypair,
    keyring_from_json,
    keyring_to_json,
    load_or_create_keyring,
    load_private_key_file,
    open_sealed,
    public_key_from_text,
    public_key_to_text,
    save_keyring,
)

PLACE = {"table": "cases", "column": "content", "row_id": "7f3c"}
PURPOSES = ("content", "routing")


@pytest.fixture(scope="module")
def disclosure() -> tuple[bytes, bytes]:
    return generate_disclosure_keypair()


@pytest.fixture(scope="module")
def keyring(disclosure: tuple[bytes, bytes]) -> Keyring:
    return Keyring.generate(disclosure_public_key=disclosure[1])


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def key_texts(keyring: Keyring) -> list[str]:
    """Every way a key of ``keyring`` could show up in text."""
    keys = [
        *keyring.content.keys.values(),
        *keyring.routing.keys.values(),
        keyring.lookup_key,
    ]
    texts = []
    for key in keys:
        texts += [b64(key), base64.urlsafe_b64encode(key).decode().rstrip("="), key.hex()]
        texts += [repr(key), str(key)]
    return texts


def setting(keyset_pairs: list[tuple[str, bytes]]) -> str:
    return ",".join(f"{key_id}:{b64(key)}" for key_id, key in keyset_pairs)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("purpose", PURPOSES)
@given(plaintext=st.binary(max_size=2048))
@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_given_any_plaintext_when_encrypted_then_it_decrypts_in_the_same_place(
    keyring: Keyring, purpose: str, plaintext: bytes
) -> None:
    blob = keyring.encrypt(purpose, plaintext, **PLACE)

    assert keyring.decrypt(purpose, blob, **PLACE) == plaintext
    assert len(plaintext) < 8 or plaintext not in blob  # shorter ones may occur by chance


def test_given_the_same_plaintext_twice_when_encrypted_then_the_ciphertexts_differ(
    keyring: Keyring,
) -> None:
    first = keyring.encrypt("content", b"rahasia", **PLACE)
    second = keyring.encrypt("content", b"rahasia", **PLACE)

    assert first != second


def test_given_a_ciphertext_then_it_starts_with_version_and_key_id(keyring: Keyring) -> None:
    blob = keyring.encrypt("content", b"x", **PLACE)

    assert blob[:4] == b"\x01\x02c1"
    assert len(blob) == 4 + 12 + 1 + 16


# --------------------------------------------------------------------------- tampering


@given(data=st.data())
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_given_a_ciphertext_when_any_byte_is_flipped_then_decryption_fails(
    keyring: Keyring, data: st.DataObject
) -> None:
    blob = bytearray(keyring.encrypt("content", b"laporan pelecehan", **PLACE))
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    blob[position] ^= mask

    with pytest.raises(DecryptionError):
        keyring.decrypt("content", bytes(blob), **PLACE)


@pytest.mark.parametrize(
    "moved",
    [
        {"row_id": "8a1d"},
        {"column": "answers"},
        {"table": "relays"},
    ],
    ids=["another row", "another column", "another table"],
)
def test_given_a_ciphertext_when_moved_to_another_place_then_decryption_fails(
    keyring: Keyring, moved: dict[str, str]
) -> None:
    blob = keyring.encrypt("content", b"isi laporan", **PLACE)

    with pytest.raises(DecryptionError):
        keyring.decrypt("content", blob, **{**PLACE, **moved})


def test_given_two_rows_when_their_ciphertexts_are_swapped_then_both_fail(
    keyring: Keyring,
) -> None:
    row_a = {**PLACE, "row_id": "a"}
    row_b = {**PLACE, "row_id": "b"}
    blob_a = keyring.encrypt("content", b"cerita A", **row_a)
    blob_b = keyring.encrypt("content", b"cerita B", **row_b)

    with pytest.raises(DecryptionError):
        keyring.decrypt("content", blob_b, **row_a)
    with pytest.raises(DecryptionError):
        keyring.decrypt("content", blob_a, **row_b)


def test_given_fields_that_could_run_together_then_the_bindings_stay_distinct(
    keyring: Keyring,
) -> None:
    blob = keyring.encrypt("content", b"x", table="cases", column="a|b", row_id="c")

    with pytest.raises(DecryptionError):
        keyring.decrypt("content", blob, table="cases", column="a", row_id="b|c")


@pytest.mark.parametrize(("made_for", "read_as"), [("content", "routing"), ("routing", "content")])
def test_given_a_ciphertext_when_read_for_the_other_purpose_then_decryption_fails(
    keyring: Keyring, made_for: str, read_as: str
) -> None:
    blob = keyring.encrypt(made_for, b"123456789", **PLACE)

    with pytest.raises(DecryptionError):
        keyring.decrypt(read_as, blob, **PLACE)


def test_given_the_same_key_ids_for_both_purposes_then_purpose_binding_still_holds(
    disclosure: tuple[bytes, bytes],
) -> None:
    shared = KeySet(primary_id="k1", keys={"k1": os.urandom(32)})
    ring = Keyring(
        content=shared, routing=shared, lookup_key=os.urandom(32), disclosure_public_key=disclosure[1]
    )
    blob = ring.encrypt("content", b"x", **PLACE)

    with pytest.raises(DecryptionError):
        ring.decrypt("routing", blob, **PLACE)


def test_given_a_ciphertext_naming_a_key_id_not_held_then_unknown_key_id(
    keyring: Keyring,
) -> None:
    blob = keyring.encrypt("content", b"x", **PLACE)
    renamed = blob[:2] + b"c9" + blob[4:]

    with pytest.raises(UnknownKeyId):
        keyring.decrypt("content", renamed, **PLACE)


def test_given_another_keyring_when_decrypting_then_it_fails(
    keyring: Keyring, disclosure: tuple[bytes, bytes]
) -> None:
    other = Keyring.generate(disclosure_public_key=disclosure[1])
    blob = keyring.encrypt("content", b"x", **PLACE)

    with pytest.raises(DecryptionError):
        other.decrypt("content", blob, **PLACE)


@given(cut=st.integers(min_value=0, max_value=40))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_given_a_truncated_ciphertext_when_decrypted_then_it_fails(keyring: Keyring, cut: int) -> None:
    blob = keyring.encrypt("content", b"laporan", **PLACE)

    with pytest.raises(DecryptionError):
        keyring.decrypt("content", blob[: len(blob) - 1 - cut], **PLACE)


@pytest.mark.parametrize("junk", [b"", b"\x01", b"\x02\x02c1" + bytes(40), b"\x01\x10c1"])
def test_given_junk_when_decrypted_then_decryption_error(keyring: Keyring, junk: bytes) -> None:
    with pytest.raises(DecryptionError):
        keyring.decrypt("content", junk, **PLACE)


def test_given_an_empty_row_id_when_encrypting_then_refused(keyring: Keyring) -> None:
    with pytest.raises(ValueError):
        keyring.encrypt("content", b"x", table="cases", column="content", row_id="")


# --------------------------------------------------------------------------- rotation


def test_given_a_rotated_keyring_then_it_encrypts_new_and_still_reads_old(
    keyring: Keyring,
) -> None:
    old_content = keyring.encrypt("content", b"lama", **PLACE)
    old_route = keyring.encrypt("routing", b"42", **PLACE)

    rotated = keyring.with_rotated_keys()
    new_content = rotated.encrypt("content", b"baru", **PLACE)

    assert (rotated.content.primary_id, rotated.routing.primary_id) == ("c2", "r2")
    assert new_content[2:4] == b"c2"
    assert rotated.decrypt("content", old_content, **PLACE) == b"lama"
    assert rotated.decrypt("routing", old_route, **PLACE) == b"42"
    assert rotated.needs_reencrypt("content", old_content)
    assert rotated.needs_reencrypt("routing", old_route)
    assert not rotated.needs_reencrypt("content", new_content)
    assert not keyring.needs_reencrypt("content", old_content)
    with pytest.raises(UnknownKeyId):
        keyring.decrypt("content", new_content, **PLACE)


def test_given_a_rotated_keyring_then_lookup_hashes_still_match(keyring: Keyring) -> None:
    rotated = keyring.with_rotated_keys().with_rotated_keys()

    assert rotated.content.primary_id == "c3"
    assert rotated.lookup_hash("ticket", "ABCD") == keyring.lookup_hash("ticket", "ABCD")
    assert rotated.disclosure_public_key == keyring.disclosure_public_key


# --------------------------------------------------------------------------- lookups


@given(domain=st.text(min_size=1, max_size=20), value=st.text(max_size=50))
@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_given_a_value_when_hashed_twice_then_the_hash_is_the_same_32_bytes(
    keyring: Keyring, domain: str, value: str
) -> None:
    first = keyring.lookup_hash(domain, value)

    assert first == keyring.lookup_hash(domain, value)
    assert first == keyring.lookup_hash(domain, value.encode())
    assert len(first) == 32


def test_given_one_value_in_different_domains_then_the_hashes_differ(keyring: Keyring) -> None:
    domains = ["ticket", "chat", "staff", "audit"]

    hashes = {keyring.lookup_hash(domain, "12345") for domain in domains}

    assert len(hashes) == len(domains)


def test_given_domain_and_value_that_run_together_then_hashes_differ(keyring: Keyring) -> None:
    assert keyring.lookup_hash("chat", "1234") != keyring.lookup_hash("chat1", "234")


def test_given_another_lookup_key_then_the_hash_differs(
    keyring: Keyring, disclosure: tuple[bytes, bytes]
) -> None:
    other = Keyring.generate(disclosure_public_key=disclosure[1])

    assert other.lookup_hash("ticket", "x") != keyring.lookup_hash("ticket", "x")


# --------------------------------------------------------------------------- sealing


def test_given_a_sealed_blob_when_opened_with_the_private_key_then_it_reads(
    keyring: Keyring, disclosure: tuple[bytes, bytes], tmp_path: Path
) -> None:
    private_pem, _ = disclosure
    blob = keyring.seal(b"Nama: Sari, HP 0812...")
    key_file = tmp_path / "officer.pem"
    key_file.write_bytes(private_pem)

    assert open_sealed(private_pem, blob) == b"Nama: Sari, HP 0812..."
    assert open_sealed(load_private_key_file(key_file), blob) == b"Nama: Sari, HP 0812..."
    assert blob[0] == 1
    assert keyring.seal(b"same") != keyring.seal(b"same")


def test_given_a_sealed_blob_when_opened_with_another_key_then_it_fails(
    keyring: Keyring,
) -> None:
    other_private, _ = generate_disclosure_keypair()
    blob = keyring.seal(b"kontak")

    with pytest.raises(DecryptionError):
        open_sealed(other_private, blob)


@given(data=st.data())
@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_given_a_sealed_blob_when_any_byte_is_flipped_then_it_fails(
    keyring: Keyring, disclosure: tuple[bytes, bytes], data: st.DataObject
) -> None:
    blob = bytearray(keyring.seal(b"kontak rahasia"))
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    blob[position] ^= data.draw(st.integers(1, 255), label="mask")

    with pytest.raises(DecryptionError):
        open_sealed(disclosure[0], bytes(blob))


def test_given_only_the_keyring_then_a_sealed_blob_cannot_be_opened(
    keyring: Keyring,
) -> None:
    blob = keyring.seal(b"kontak")

    for key in [keyring.lookup_key, *keyring.content.keys.values(), *keyring.routing.keys.values()]:
        with pytest.raises(DecryptionError):
            open_sealed(key, blob)
    with pytest.raises(DecryptionError):
        keyring.decrypt("content", blob, **PLACE)


def test_given_a_malformed_private_key_file_then_key_config_error_names_it(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")

    with pytest.raises(KeyConfigError, match=r"bad\.pem"):
        load_private_key_file(bad)
    with pytest.raises(KeyConfigError, match=r"missing\.pem"):
        load_private_key_file(tmp_path / "missing.pem")


def test_given_a_public_key_then_its_text_form_round_trips(
    disclosure: tuple[bytes, bytes],
) -> None:
    text = public_key_to_text(disclosure[1])

    assert public_key_from_text(text) == disclosure[1]
    assert public_key_from_text(f"  {text}=  ") == disclosure[1]
    assert "=" not in text and "+" not in text and "/" not in text
    with pytest.raises(KeyConfigError, match="PELUIT_DISCLOSURE_PUBLIC_KEY"):
        public_key_from_text(text[:-4])


# --------------------------------------------------------------------------- files and settings


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_given_an_empty_data_dir_when_loading_then_keys_are_created_private(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"

    keyring, notices = load_or_create_keyring(data_dir)

    keys_file = data_dir / KEYS_FILE
    private_file = data_dir / PRIVATE_KEY_FILE
    assert mode(keys_file) == 0o600
    assert mode(private_file) == 0o600
    assert mode(data_dir) == 0o700
    assert any(str(keys_file) in notice and "back them up" in notice for notice in notices)
    assert any(str(private_file) in n and "OFFLINE" in n for n in notices)
    assert len(notices) == 2
    blob = keyring.seal(b"kontak")
    assert open_sealed(load_private_key_file(private_file), blob) == b"kontak"
    assert not any(text in notice for notice in notices for text in key_texts(keyring))
    assert not list(data_dir.glob("*.tmp"))


def test_given_existing_keys_when_loading_again_then_the_same_keys_come_back(
    tmp_path: Path,
) -> None:
    first, _ = load_or_create_keyring(tmp_path)
    blob = first.encrypt("content", b"laporan", **PLACE)
    (tmp_path / PRIVATE_KEY_FILE).unlink()  # the operator moved it offline

    second, notices = load_or_create_keyring(tmp_path)

    assert second == first
    assert second.decrypt("content", blob, **PLACE) == b"laporan"
    assert notices == []


def test_given_the_private_key_left_on_the_server_then_every_start_says_so(
    tmp_path: Path,
) -> None:
    load_or_create_keyring(tmp_path)

    _, notices = load_or_create_keyring(tmp_path)

    assert len(notices) == 1
    assert str(tmp_path / PRIVATE_KEY_FILE) in notices[0]


def test_given_a_keys_file_readable_by_others_then_a_notice_says_how_to_fix(
    tmp_path: Path,
) -> None:
    load_or_create_keyring(tmp_path)
    os.chmod(tmp_path / KEYS_FILE, 0o644)

    _, notices = load_or_create_keyring(tmp_path)

    assert any("chmod 600" in notice for notice in notices)


def test_given_all_settings_then_no_file_is_written(tmp_path: Path) -> None:
    _, public = generate_disclosure_keypair()
    content_key, routing_key, lookup = os.urandom(32), os.urandom(32), os.urandom(32)

    keyring, notices = load_or_create_keyring(
        tmp_path / "data",
        content_keys=setting([("c7", content_key)]),
        routing_keys=setting([("r3", routing_key), ("r2", os.urandom(32))]),
        lookup_key=b64(lookup),
        disclosure_public_key=public_key_to_text(public),
    )

    assert not (tmp_path / "data").exists()
    assert notices == []
    assert keyring.content.primary_id == "c7"
    assert keyring.content.keys["c7"] == content_key
    assert keyring.routing.primary_id == "r3"
    assert set(keyring.routing.keys) == {"r2", "r3"}
    assert keyring.lookup_key == lookup
    assert keyring.disclosure_public_key == public


def test_given_settings_and_a_keys_file_then_settings_override_the_file(
    tmp_path: Path,
) -> None:
    stored, _ = load_or_create_keyring(tmp_path)
    content_key = os.urandom(32)

    keyring, notices = load_or_create_keyring(
        tmp_path, content_keys=setting([("c5", content_key), ("c1", stored.content.keys["c1"])])
    )

    assert keyring.content.primary_id == "c5"
    assert keyring.content.keys["c1"] == stored.content.keys["c1"]
    assert keyring.routing == stored.routing
    assert keyring.lookup_key == stored.lookup_key
    assert any("PELUIT_CONTENT_KEYS" in notice for notice in notices)


def test_given_some_settings_and_no_file_then_only_the_rest_is_generated_and_stored(
    tmp_path: Path,
) -> None:
    _, public = generate_disclosure_keypair()
    lookup = os.urandom(32)

    keyring, _ = load_or_create_keyring(
        tmp_path, lookup_key=b64(lookup), disclosure_public_key=public_key_to_text(public)
    )

    document = json.loads((tmp_path / KEYS_FILE).read_text())
    assert set(document) == {"format", "version", "content_keys", "routing_keys"}
    assert b64(lookup) not in (tmp_path / KEYS_FILE).read_text()
    assert not (tmp_path / PRIVATE_KEY_FILE).exists()
    assert keyring.lookup_key == lookup
    again, _ = load_or_create_keyring(
        tmp_path, lookup_key=b64(lookup), disclosure_public_key=public_key_to_text(public)
    )
    assert again == keyring


def test_given_a_partial_keys_file_and_no_setting_then_start_up_stops_naming_the_setting(
    tmp_path: Path,
) -> None:
    _, public = generate_disclosure_keypair()
    load_or_create_keyring(tmp_path, disclosure_public_key=public_key_to_text(public))

    with pytest.raises(KeyConfigError, match="PELUIT_DISCLOSURE_PUBLIC_KEY"):
        load_or_create_keyring(tmp_path)


SECRET = bytes(range(7, 39))  # fixed: parameters must be the same in every test worker


@pytest.mark.parametrize(
    ("argument", "value", "setting_name"),
    [
        ("content_keys", b64(SECRET), "PELUIT_CONTENT_KEYS"),  # forgot the id
        ("content_keys", f"c1:{b64(SECRET)[:-6]}", "PELUIT_CONTENT_KEYS"),  # short key
        ("content_keys", f"c1:{b64(SECRET)},c1:{b64(SECRET)}", "PELUIT_CONTENT_KEYS"),
        ("routing_keys", f"r 1:{b64(SECRET)}", "PELUIT_ROUTING_KEYS"),
        ("routing_keys", f"r1:{SECRET.hex()}", "PELUIT_ROUTING_KEYS"),  # hex, not base64
        ("lookup_key", SECRET.hex(), "PELUIT_LOOKUP_KEY"),
        ("lookup_key", b64(SECRET + b"x"), "PELUIT_LOOKUP_KEY"),
        ("disclosure_public_key", b64(SECRET)[:20], "PELUIT_DISCLOSURE_PUBLIC_KEY"),
    ],
)
def test_given_a_malformed_setting_then_the_error_names_it_and_shows_no_key(
    tmp_path: Path, argument: str, value: str, setting_name: str
) -> None:
    with pytest.raises(KeyConfigError) as caught:
        load_or_create_keyring(tmp_path, **{argument: value})

    message = str(caught.value)
    assert setting_name in message
    for text in (value, b64(SECRET), b64(SECRET)[:12], SECRET.hex()[:12]):
        assert text not in message
    assert not (tmp_path / KEYS_FILE).exists()


def test_given_a_corrupt_keys_file_then_the_error_names_the_file(tmp_path: Path) -> None:
    keyring, _ = load_or_create_keyring(tmp_path)
    document = json.loads((tmp_path / KEYS_FILE).read_text())
    document["lookup_key"] = document["lookup_key"][:-8]
    (tmp_path / KEYS_FILE).write_text(json.dumps(document))

    with pytest.raises(KeyConfigError) as caught:
        load_or_create_keyring(tmp_path)

    assert str(tmp_path / KEYS_FILE) in str(caught.value)
    assert "lookup_key" in str(caught.value)
    assert not any(text in str(caught.value) for text in key_texts(keyring))


def test_given_a_private_key_left_without_keys_file_then_it_is_never_overwritten(
    tmp_path: Path,
) -> None:
    (tmp_path / PRIVATE_KEY_FILE).write_bytes(b"the officer's only copy")

    with pytest.raises(KeyConfigError, match="PELUIT_DISCLOSURE_PUBLIC_KEY"):
        load_or_create_keyring(tmp_path)

    assert (tmp_path / PRIVATE_KEY_FILE).read_bytes() == b"the officer's only copy"


def test_given_a_rotated_keyring_when_saved_then_it_loads_back_private(tmp_path: Path) -> None:
    keyring, _ = load_or_create_keyring(tmp_path)
    rotated = keyring.with_rotated_keys()

    path = save_keyring(tmp_path, rotated)
    loaded, _ = load_or_create_keyring(tmp_path)

    assert path == tmp_path / KEYS_FILE
    assert mode(path) == 0o600
    assert loaded == rotated
    assert keyring_from_json(keyring_to_json(rotated)) == rotated


def test_given_a_keys_file_of_another_version_then_it_is_refused(keyring: Keyring) -> None:
    document = json.loads(keyring_to_json(keyring))
    document["version"] = 2

    with pytest.raises(KeyConfigError, match="version"):
        keyring_from_json(json.dumps(document))


# --------------------------------------------------------------------------- no key in text


def test_given_a_keyring_then_repr_and_str_show_no_key(keyring: Keyring) -> None:
    rotated = keyring.with_rotated_keys()
    texts = [repr(rotated), str(rotated), repr(rotated.content), str(rotated.routing)]
    secrets_ = [*key_texts(rotated), public_key_to_text(rotated.disclosure_public_key)]

    for text in texts:
        for secret in secrets_:
            assert secret not in text
    assert "c1" in repr(rotated) and "c2" in repr(rotated)
