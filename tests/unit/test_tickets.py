"""flows.tickets: ticket codes are strong and forgiving to type; case numbers read back."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows import tickets
from flows.tickets import (
    CROCKFORD,
    MalformedTicket,
    format_case_number,
    looks_like_ticket,
    new_ticket_code,
    normalize_ticket,
    parse_case_number,
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
    assert looks_like_ticket(code)


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
    assert looks_like_ticket(typed)


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

    assert not looks_like_ticket(text)
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
