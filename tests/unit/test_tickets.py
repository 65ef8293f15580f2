"""flows.tickets: ticket codes are strong and forgiving to type; case numbers read back."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from flows import tickets
from flows.tickets import (
    CROCKFORD,
    MalformedTicket,
    format_case_number,
    new_ticket_code,
    normalize_ticket,
    parse_case_number,
    ticket_candidates,
)

CANONICAL = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")
GENERIC_MESSAGE = str(MalformedTicket())
SEPARATORS = ["", "-", " ", "  ", "\u2013", "\u2014", "\u2011", " - ", "\u00a0"]


@st.composite
def ticket_codes(draw: st.DrawFn) -> str:
    """A canonical ticket code drawn from the whole code space."""
    symbols = draw(st.text(alphabet=CROCKFORD, min_size=16, max_size=16))
    return "-".join(symbols[i : i + 4] for i in range(0, 16, 4))


@st.composite
def retyped(draw: st.DrawFn, code: str) -> str:
    """``code`` as a person might type it: any case, any separators, O/I/L for 0/1."""
    out = []
    for index, symbol in enumerate(code.replace("-", "")):
        if index and draw(st.booleans()):
            out.append(draw(st.sampled_from(SEPARATORS)))
        if symbol == "0":
            symbol = draw(st.sampled_from("0Oo"))
        elif symbol == "1":
            symbol = draw(st.sampled_from("1IiLl"))
        elif draw(st.booleans()):
            symbol = symbol.lower()
        out.append(symbol)
    padding = st.sampled_from(["", " ", "\n", "\t ", "\u200b"])
    return draw(padding) + "".join(out) + draw(padding)


# --------------------------------------------------------------------------- new codes


@given(st.integers(0, 1000))
def test_given_a_new_code_then_it_is_canonical_and_normalizes_to_itself(_: int) -> None:
    code = new_ticket_code()

    assert CANONICAL.fullmatch(code)
    assert normalize_ticket(code) == code


def test_given_a_thousand_new_codes_then_all_differ() -> None:
    codes = {new_ticket_code() for _ in range(1000)}

    assert len(codes) == 1000


def test_given_thousands_of_codes_then_every_position_uses_the_whole_alphabet() -> None:
    seen: dict[int, set[str]] = defaultdict(set)

    for _ in range(4000):
        for position, symbol in enumerate(new_ticket_code().replace("-", "")):
            seen[position].add(symbol)

    assert len(seen) == 16
    for position in range(16):
        assert seen[position] == set(CROCKFORD), position


def test_given_the_random_source_then_codes_carry_exactly_80_bits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requested: list[int] = []

    def token_bytes(n: int) -> bytes:
        requested.append(n)
        return bytes([0xFF] * n)

    monkeypatch.setattr(tickets.secrets, "token_bytes", token_bytes)
    assert new_ticket_code() == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    monkeypatch.setattr(tickets.secrets, "token_bytes", lambda n: bytes(n))
    assert new_ticket_code() == "0000-0000-0000-0000"
    assert requested == [10]
    assert len(CROCKFORD) ** 16 == 2**80


# --------------------------------------------------------------------------- normalization


@given(data=st.data(), code=ticket_codes())
def test_given_a_code_typed_loosely_then_it_normalizes_to_the_canonical_code(
    data: st.DataObject, code: str
) -> None:
    typed = data.draw(retyped(code), label="typed")

    assert normalize_ticket(typed) == code


@pytest.mark.parametrize(
    "typed",
    [
        "abcd-efgh-jkmn-pqrs",
        "ABCDEFGHJKMNPQRS",
        "abcd efgh jkmn pqrs",
        "  ABCD—EFGH–JKMN‐PQRS \n",
    ],
)
def test_given_examples_of_loose_typing_then_they_read_as_one_code(typed: str) -> None:
    assert normalize_ticket(typed) == "ABCD-EFGH-JKMN-PQRS"


def test_given_o_i_and_l_then_they_read_as_zero_and_one() -> None:
    assert normalize_ticket("OOOO-IIII-LLLL-oilO") == "0000-1111-1111-0110"


# --------------------------------------------------------------------------- malformed input

MALFORMED = [
    "",
    "ABCD-EFGH-JKMN-PQR",  # 15 symbols
    "ABCD-EFGH-JKMN-PQRST",  # 17 symbols
    "ABCD-EFGH-JKMN-PQRU",  # U is not Crockford
    "ABCD-EFGH-JKMN-PQR!",
    "ABCD.EFGH.JKMN.PQRS",
    "ABCD/EFGH/JKMN/PQRS",
    "ABCD-EFGH-JKMN-PQR🙂",
    "🙂🙂🙂🙂-🙂🙂🙂🙂-🙂🙂🙂🙂-🙂🙂🙂🙂",
    "ABCD-EFGH-JKMN-PQRＳ",  # fullwidth S
    "A" * 5000,
    "ABCD-EFGH-JKMN-PQRS" + " " * 5000,
    "/status ABCD-EFGH-JKMN-PQRS",
]


@pytest.mark.parametrize("text", MALFORMED)
def test_given_malformed_input_then_malformed_ticket_without_echo(text: str) -> None:
    with pytest.raises(MalformedTicket) as caught:
        normalize_ticket(text)

    assert str(caught.value) == GENERIC_MESSAGE
    assert text == "" or text not in str(caught.value)


@given(st.text(max_size=40))
def test_given_any_text_then_it_is_a_canonical_code_or_malformed_ticket(text: str) -> None:
    try:
        code = normalize_ticket(text)
    except MalformedTicket as error:
        assert str(error) == GENERIC_MESSAGE  # the same words whatever was typed
    else:
        assert CANONICAL.fullmatch(code)


@given(st.text(alphabet=CROCKFORD + "-", max_size=30).filter(lambda t: len(t.replace("-", "")) != 16))
def test_given_a_wrong_number_of_symbols_then_malformed(text: str) -> None:
    with pytest.raises(MalformedTicket):
        normalize_ticket(text)


def test_given_a_non_string_then_malformed() -> None:
    with pytest.raises(MalformedTicket):
        normalize_ticket(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- codes in free text

DASHES = ["-", "\u2013", "\u2014", "\u2011", " - ", "\u00a0-\u00a0"]
# What may stand next to a code in a message: anything but a letter or a digit.
BOUNDARIES = st.sampled_from([" ", "\n", ": ", ", ", ". ", "(", ")", "\"", "'", "🙂", "\u200b",
                              "/", "#", "*", "_", "<", ">", "¿"])
WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@st.composite
def written_in_text(draw: st.DrawFn, code: str) -> tuple[str, str, bool, str]:
    """`code` as a reporter might write it inside a message: any case, O/I/L for 0/1, as one run
    or in four groups joined by dashes, with any text around it. (message, the code as written,
    whether it was written with dashes, the text around it)."""
    symbols = []
    for symbol in code.replace("-", ""):
        if symbol == "0":
            symbol = draw(st.sampled_from("0Oo"))
        elif symbol == "1":
            symbol = draw(st.sampled_from("1IiLl"))
        elif draw(st.booleans()):
            symbol = symbol.lower()
        symbols.append(symbol)
    groups = ["".join(symbols[i:i + 4]) for i in range(0, 16, 4)]
    dashed = draw(st.booleans())
    written = draw(st.sampled_from(DASHES)).join(groups) if dashed else "".join(groups)
    before, after = draw(WORDS), draw(WORDS)
    message = before + draw(BOUNDARIES) + written + draw(BOUNDARIES) + after
    return message, written, dashed, before + "\n\n" + after


@given(data=st.data(), code=ticket_codes())
def test_given_a_code_anywhere_in_a_message_then_it_is_found_and_looks_like_a_code_when_it_has_a_digit_or_dashes(
    data: st.DataObject, code: str
) -> None:
    message, written, dashed, around = data.draw(written_in_text(code), label="message")
    assume(any(ch.isalpha() for ch in written))  # digits only are never looked for: 1 in 10^8

    found = {c.code: c.code_like for c in ticket_candidates(message)}

    assert code in found, message
    looks_like = dashed or any(ch.isdigit() for ch in written)
    # (unless the text around it happens to hold the same code written as a code)
    also_around = any(c.code == code and c.code_like for c in ticket_candidates(around))
    assert found[code] == (looks_like or also_around), message


@given(word=st.text(alphabet="abcdefghijklmnopqrstvwxyzABCDEFGHIJKLMNOPQRSTVWXYZ", min_size=16,
                   max_size=16), before=WORDS, after=WORDS)
def test_given_a_16_letter_word_in_a_message_then_it_never_looks_like_a_code(
    word: str, before: str, after: str
) -> None:
    message = f"{before} {word} {after}"

    found = {c.code: c.code_like for c in ticket_candidates(message)}

    assert found[normalize_ticket(word)] is False or normalize_ticket(word) in {
        c.code for c in ticket_candidates(f"{before} {after}") if c.code_like}


@pytest.mark.parametrize("message", [
    "Saya sedang mempertimbangkan untuk melapor.",  # a 16-letter word that reads as a code
    "MEMPERTIMBANGKAN",
    "Ini tanggung jawab kami bisa beri data yang akan saya coba lagi",  # 4-letter words
    "Kejadian pada 2025 saya lagi di kantor",  # words and a year
    "kata-kata sama-sama",
    "I am considering my responsibilities.",
])
def test_given_ordinary_words_that_read_as_codes_then_they_do_not_look_like_codes(message: str) -> None:
    assert all(not c.code_like for c in ticket_candidates(message))


@pytest.mark.parametrize("message", [
    "NIK 3201234567890001, rekening 1234-5678-9012-3456",  # digits only: never a code
    "x01AB-CD10-EFGH-JK01",  # joined to a letter: part of something longer
    "01AB-CD10-EFGH-JK019",
    "01AB-CD10-EFGH-JK0",  # fifteen symbols
    "01AB/CD10/EFGH/JK01",  # not a separator codes are written with
    "01UB-CD10-EFGH-JK01",  # U is no symbol
    "",
])
def test_given_text_without_a_code_then_nothing_is_found(message: str) -> None:
    assert ticket_candidates(message) == []


def test_given_overlapping_groups_then_every_reading_is_found() -> None:
    found = ticket_candidates("1111-01AB-CD10-EFGH-JK01 and 01ABCD10EFGHJK01 again")

    assert [c.code for c in found] == ["1111-01AB-CD10-EFGH", "01AB-CD10-EFGH-JK01"]
    assert all(c.code_like for c in found)


def test_given_a_word_before_dashed_groups_then_the_code_is_what_looks_like_one() -> None:
    found = {c.code: c.code_like for c in ticket_candidates("kode 01AB-CD10-EFGH-JK01.")}

    assert found == {"K0DE-01AB-CD10-EFGH": False, "01AB-CD10-EFGH-JK01": True}


def test_given_a_letter_only_code_in_four_groups_with_spaces_then_it_is_found_but_as_words() -> None:
    [found] = ticket_candidates("kode saya ABCD EFGH JKMN PQRS ya")[-1:]

    assert found.code == "ABCD-EFGH-JKMN-PQRS" and not found.code_like


# --------------------------------------------------------------------------- case numbers


@given(year=st.integers(1000, 9999), seq=st.integers(1, 999_999_999))
def test_given_a_year_and_sequence_then_the_case_number_reads_back(year: int, seq: int) -> None:
    number = format_case_number(year, seq)

    assert re.fullmatch(r"WBS-\d{4}-\d{4,}", number)
    assert parse_case_number(number) == number
    assert parse_case_number(number.lower()) == number
    assert parse_case_number(f"  WBS-{year}-{seq}  ") == number
    assert parse_case_number(f"wbs - {year} - {seq:06d}") == number


@pytest.mark.parametrize(
    ("year", "seq", "expected"),
    [
        (2026, 42, "WBS-2026-0042"),
        (2026, 1, "WBS-2026-0001"),
        (2026, 9999, "WBS-2026-9999"),
        (2026, 10000, "WBS-2026-10000"),
    ],
)
def test_given_examples_then_case_numbers_have_at_least_four_digits(
    year: int, seq: int, expected: str
) -> None:
    assert format_case_number(year, seq) == expected


def test_given_another_prefix_then_it_is_used_in_capitals() -> None:
    number = format_case_number(2026, 7, prefix="insp")

    assert number == "INSP-2026-0007"
    assert parse_case_number("insp-2026-7", prefix="INSP") == number
    assert parse_case_number("WBS-2026-7", prefix="INSP") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "wbs 2026 42",
        "WBS2026-42",
        "WBS-26-42",
        "WBS-2026-0",
        "WBS-2026-",
        "WBX-2026-42",
        "WBS-2026-42x",
        "WBS-２０２６-42",
        "WBS-2026-" + "9" * 5000,
        "ABCD-EFGH-JKMN-PQRS",
    ],
)
def test_given_text_that_is_no_case_number_then_none(text: str) -> None:
    assert parse_case_number(text) is None


@pytest.mark.parametrize(("year", "seq"), [(999, 1), (10000, 1), (2026, 0), (2026, -1)])
def test_given_an_impossible_year_or_sequence_then_value_error(year: int, seq: int) -> None:
    with pytest.raises(ValueError):
        format_case_number(year, seq)
