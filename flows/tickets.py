"""Ticket codes (the reporter's secret way back) and case numbers (the public name of a case).

A ticket code is 80 random bits from :mod:`secrets`, written as 16 characters of Crockford
base32 in four groups: ``XXXX-XXXX-XXXX-XXXX``.  People retype it from paper or a screenshot, so
input is read generously (any case, dashes, spaces or none, O as 0, I and L as 1) and then checked
strictly.  It is a credential: it is stored only as a keyed hash, and nothing here ever puts the
text a person typed into an exception message.

A case number (``WBS-2026-0042``) is public: staff see it, and it never reveals the ticket code.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import NewType

__all__ = [
    "CROCKFORD",
    "Candidate",
    "CaseNumber",
    "MalformedTicket",
    "TicketCode",
    "format_case_number",
    "new_ticket_code",
    "normalize_ticket",
    "parse_case_number",
    "ticket_candidates",
]

TicketCode = NewType("TicketCode", str)
CaseNumber = NewType("CaseNumber", str)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TICKET_BYTES = 10  # 80 bits
TICKET_SYMBOLS = 16  # 80 bits / 5 bits per symbol
GROUP = 4

# Characters people (and phone keyboards) put between groups: spaces, hyphen and unicode dashes,
# and the invisible characters that ride along with copy and paste.
_DASHES = frozenset("-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_SEPARATORS = _DASHES | frozenset(
    " \t\r\n\v\f"
    "\u00a0\u2007\u202f\u3000"  # no-break and other wide spaces
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters
)
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Longest input worth reading: 16 symbols with generous separators around them.
_MAX_INPUT = 64
_MALFORMED = "not a ticket code: expected 16 letters and digits, like XXXX-XXXX-XXXX-XXXX"

_MAX_SEQ_DIGITS = 9
_CASE_DASH = r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2212]\s*"
_CASE_NUMBER = re.compile(
    rf"\s*([A-Za-z0-9]{{1,16}}){_CASE_DASH}([0-9]{{4}}){_CASE_DASH}([0-9]{{1,{_MAX_SEQ_DIGITS}}})\s*"
)


class MalformedTicket(ValueError):
    """The text is not shaped like a ticket code.  The message never repeats the text."""

    def __init__(self) -> None:
        super().__init__(_MALFORMED)


def new_ticket_code() -> TicketCode:
    """A fresh code: 80 bits from ``secrets.token_bytes``, as ``XXXX-XXXX-XXXX-XXXX``."""
    number = int.from_bytes(secrets.token_bytes(TICKET_BYTES), "big")
    symbols = [CROCKFORD[(number >> (5 * (TICKET_SYMBOLS - 1 - i))) & 0x1F] for i in range(TICKET_SYMBOLS)]
    return _grouped("".join(symbols))


def normalize_ticket(text: str) -> TicketCode:
    """The canonical form of a typed ticket code, or :class:`MalformedTicket`.

    Accepts any case; dashes (also unicode dashes), spaces or nothing between symbols; O read as
    0, I and L read as 1.  U is not a Crockford symbol and is refused.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise MalformedTicket
    symbols = "".join(ch for ch in text if ch not in _SEPARATORS)
    if len(symbols) != TICKET_SYMBOLS or not symbols.isascii():
        raise MalformedTicket
    symbols = symbols.upper().translate(_READ_AS)
    if any(ch not in CROCKFORD for ch in symbols):
        raise MalformedTicket
    return _grouped(symbols)


@dataclass(frozen=True)
class Candidate:
    """A run of text that reads as a ticket code (says nothing about whether it exists)."""

    code: TicketCode
    code_like: bool
    """Written as only a code is: letters and digits mixed, or four groups joined by dashes.
    A 16-letter word ("mempertimbangkan" reads as a code!) or a phrase of four 4-letter words is
    not: it is looked up like any candidate, but when it matches no case it is ordinary text."""


# A symbol as people type it: Crockford base32 in any case, O/I/L for 0/1; never U.
_SYMBOL = "[0-9A-TV-Za-tv-z]"
_GAP = "[" + "".join(re.escape(ch) for ch in sorted(_SEPARATORS)) + "]{1,3}"
# At every position not preceded by a letter or digit, a lookahead (so overlapping runs are all
# seen): 16 symbols in one run, or four groups of four joined by separators; either way not
# followed by a letter or digit. `[^\W_]` is a Unicode letter or digit.
_CANDIDATE = re.compile(
    rf"(?<![^\W_])(?=({_SYMBOL}{{16}}|{_SYMBOL}{{4}}(?:{_GAP}{_SYMBOL}{{4}}){{3}})(?![^\W_]))")
_GROUP = re.compile(f"{_SYMBOL}{{4}}")


def ticket_candidates(text: str) -> list[Candidate]:
    """Every distinct ticket code written in `text`, in order of first appearance.

    Found: 16 symbols in one run, or grouped 4-4-4-4 with the separators `normalize_ticket`
    accepts, bounded by anything but a letter or digit, in any case, O/I/L read as 0/1. Runs of
    digits only (NIK, account and card numbers) are left out: a code is all digits once in 10^8.
    `code_like` tells a code's shape from a word's (see `Candidate`).
    """
    if not isinstance(text, str):
        return []
    found: dict[TicketCode, bool] = {}
    runs: set[str] = set()
    for match in _CANDIDATE.finditer(text):
        run = match.group(1)
        if run in runs or not any(ch.isalpha() for ch in run):
            continue
        runs.add(run)
        code = normalize_ticket(run)
        found[code] = found.get(code, False) or _code_like(run)
    return [Candidate(code, code_like) for code, code_like in found.items()]


def _code_like(run: str) -> bool:
    """Letters and digits in one run; four groups all joined by dashes; or four groups joined by
    spaces, two of them with digits. Not: a 16-letter word, words and a year ("pada 2025 saya
    lagi"), a word before three dashed groups ("kode 01AB-CD10-EFGH")."""
    if len(run) == TICKET_SYMBOLS:
        return any(ch.isdigit() for ch in run)
    groups, gaps = _GROUP.findall(run), _GROUP.split(run)[1:-1]
    dashed = [any(ch in _DASHES for ch in gap) for gap in gaps]
    if all(dashed):
        return True
    return not any(dashed) and sum(any(ch.isdigit() for ch in g) for g in groups) >= 2


def _grouped(symbols: str) -> TicketCode:
    return TicketCode("-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP)))


def format_case_number(year: int, seq: int, prefix: str = "WBS") -> CaseNumber:
    """``WBS-2026-0042``: the sequence has at least four digits and grows beyond 9999."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValueError("year must be a four-digit integer")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq < 10**_MAX_SEQ_DIGITS:
        raise ValueError(f"seq must be an integer from 1 to {10**_MAX_SEQ_DIGITS - 1}")
    return CaseNumber(f"{_check_prefix(prefix)}-{year:04d}-{seq:04d}")


def parse_case_number(text: str, prefix: str = "WBS") -> CaseNumber | None:
    """The canonical case number in ``text`` (``wbs-2026-42`` -> ``WBS-2026-0042``), or None.

    Tolerates case, surrounding spaces, spaces around the dashes and unicode dashes; the dashes
    themselves are required.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    match = _CASE_NUMBER.fullmatch(text)
    if match is None or match[1].upper() != _check_prefix(prefix):
        return None
    year, seq = int(match[2]), int(match[3])
    if year < 1000 or seq < 1:
        return None
    return format_case_number(year, seq, prefix)


def _check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,15}", prefix):
        raise ValueError("prefix must be 1-16 ASCII letters and digits, starting with a letter")
    return prefix.upper()
