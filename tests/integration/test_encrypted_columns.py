"""Encrypted columns are declared once (`models.ENCRYPTED_COLUMNS`); storage encrypts a value for
the column object it is stored in. The associated data bound into each ciphertext must stay what
it always was (purpose, table, column, row id), byte for byte, or old rows no longer decrypt."""

from __future__ import annotations

import pytest
from sqlalchemy import LargeBinary

from storage.crypto import Keyring, KeySet
from storage.encrypted import declared, decrypt, encrypt
from storage.models import (
    ENCRYPTED_COLUMNS,
    ROW_KEY,
    Base,
    CaseMessageRow,
    CaseRow,
    DraftRow,
    EvidenceRow,
    HeldMessageRow,
    OutboxRow,
    ReporterRouteRow,
    StaffMemberRow,
)

KEYRING = Keyring(content=KeySet("c1", {"c1": bytes(range(32))}),
                  routing=KeySet("r1", {"r1": bytes(range(32, 64))}),
                  lookup_key=bytes([7]) * 32, disclosure_public_key=bytes([9]) * 32)
"""Fixed keys: the blobs below were made with them."""

ROW_ID = "row-1"

OLD_CALLS = {
    # column object: (purpose, table, column) exactly as the repositories spelled them out
    # before the declaration was used, and a blob made by that code path (plaintext "table.column")
    DraftRow.payload_enc: (("content", "drafts", "payload_enc"),
        "010263311e8dcacac3d58d28a6b50aa912390dab37b19cd9bc425bb733cf628da9b5024e3b18e73c7b8de1fefc0365097a5a"),
    CaseRow.report_enc: (("content", "cases", "report_enc"),
        "0102633118af5514514bc32541f91b988c85789d220f0d156258129edaff78cb63dd6f94859d74470b207588bf3572fc"),
    CaseRow.outcome_enc: (("content", "cases", "outcome_enc"),
        "0102633126296017f2dbc949a200a21d2490cf39a6f395912518c8bd6164b2f2e3cc87d4c99dfa24eecc45ffedc9f1ab82"),
    # Added with the recommendation (spelled out with the keyring, as the old calls were).
    CaseRow.recommendation_enc: (("content", "cases", "recommendation_enc"),
        "0102633190765f6be09369af7ace2d9679f8e5fb6a9124d74a48bd4b2500d831e53f86ec51b7f155bda21ee5b21ab949bcd69aa9e94dcfb7"),
    ReporterRouteRow.route_enc: (("routing", "reporter_routes", "route_enc"),
        "01027231bc70f6540b2fd2c3fd7855ab5b4a755eb48af797587da537ddb7dca42c4f493ffc7989b6a699f1b53be2853d2c2ef5b86eb9bdd723"),
    CaseMessageRow.body_enc: (("content", "case_messages", "body_enc"),
        "01026331d90800b43a55080405c67260f169dff57d383125e9deba55dcf1cc4424e76a458f082b435b52915f5f2677339e3338ee4261"),
    EvidenceRow.meta_enc: (("content", "evidence", "meta_enc"),
        "01026331bd9e83ec2b727d5ebe7f174ec157e52b35f4020b455786f38e603cf487a2d9ae2077561abfe0902c878f674278"),
    EvidenceRow.data_enc: (("content", "evidence", "data_enc"),
        "010263315991c603dd0b02ab9b9619ae11806e21d545e0cc5ec8c0105bd1c39fc26e49b4b3a9dcf14ee3e2049271cfd32b"),
    OutboxRow.target_enc: (("routing", "outbox", "target_enc"),
        "01027231ee95199a669943d7622ed5ca29716b5ffc055d492e2da292de0de24f6581107e5e9e71f1388bdfc01703650bcf"),
    OutboxRow.payload_enc: (("content", "outbox", "payload_enc"),
        "0102633120c56e0eb0254cf359356be282a6aaf6479343a205b6a8a9e77a0db1c5cb7135a315fb5b0602e86e3bf1a55a4cfc"),
    # added with the staff directory (migration 0004_a): the place as first spelled out, pinned
    StaffMemberRow.name_enc: (("content", "staff_members", "name_enc"),
        "010263311635c6753641a76ba5c538df89a370999ac85fec06fe12a51626bcd515f653603d195fc4d7818d00bb21674c118891c3cc16"),
    HeldMessageRow.body_enc: (("content", "held_messages", "body_enc"),
        "010263315fc20ac9eb45a48ba188e63cd77d36e1723693bc4ddd757f2f3d91acf4341d2f8363aaeb1d93ab3567ca20bd25e7f40f504b"),
}


@pytest.mark.parametrize("column", list(OLD_CALLS), ids=str)
def test_given_a_blob_made_by_the_old_code_path_when_decrypted_for_its_column_then_it_reads(
    column: object,
) -> None:
    (_purpose, table, name), blob = OLD_CALLS[column]  # type: ignore[index]
    plaintext = f"{table}.{name}".encode()
    assert decrypt(KEYRING, column, ROW_ID, bytes.fromhex(blob)) == plaintext  # type: ignore[arg-type]


@pytest.mark.parametrize("column", list(OLD_CALLS), ids=str)
def test_given_a_value_encrypted_for_its_column_when_read_with_the_old_spelled_out_place_then_it_reads(
    column: object,
) -> None:
    (purpose, table, name), _blob = OLD_CALLS[column]  # type: ignore[index]
    blob = encrypt(KEYRING, column, ROW_ID, b"isi")  # type: ignore[arg-type]
    assert KEYRING.decrypt(purpose, blob, table=table, column=name, row_id=ROW_ID) == b"isi"  # type: ignore[arg-type]
    assert (declared(column).purpose, declared(column).table, declared(column).column) == (  # type: ignore[arg-type]
        purpose, table, name)


def test_given_the_declaration_then_it_names_every_encrypted_column_of_the_schema_once() -> None:
    declared_columns = [(model.__tablename__, column) for model, column, _ in ENCRYPTED_COLUMNS]
    schema = [(table.name, column.name) for table in Base.metadata.sorted_tables
              for column in table.columns
              if column.name.endswith("_enc") and isinstance(column.type, LargeBinary)]
    assert sorted(declared_columns) == sorted(schema)
    assert len(set(declared_columns)) == len(declared_columns)
    assert sorted(OLD_CALLS, key=str) == sorted(
        (getattr(model, column) for model, column, _ in ENCRYPTED_COLUMNS), key=str)
    assert {model for model, _, _ in ENCRYPTED_COLUMNS} == set(ROW_KEY)


def test_given_a_column_not_declared_encrypted_when_used_to_encrypt_then_it_is_refused() -> None:
    with pytest.raises(LookupError, match="ENCRYPTED_COLUMNS"):
        encrypt(KEYRING, CaseRow.number, ROW_ID, b"x")
    with pytest.raises(LookupError, match="ENCRYPTED_COLUMNS"):
        decrypt(KEYRING, CaseRow.ticket_hash, ROW_ID, b"x")


def test_given_a_blob_bound_to_one_column_when_read_for_another_then_it_does_not_decrypt() -> None:
    blob = encrypt(KEYRING, CaseRow.report_enc, ROW_ID, b"laporan")
    with pytest.raises(Exception, match="authenticate"):
        decrypt(KEYRING, CaseRow.outcome_enc, ROW_ID, blob)
