"""Small encodings the crypto package shares: sizes, length-prefixed framing, strict base64."""

from __future__ import annotations

import base64
import binascii
import re

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


def frame(*parts: str | bytes) -> bytes:
    """Length-prefixed concatenation: distinct part lists never give the same bytes."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else bytes(part)
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def b64decode(text: str, *, urlsafe: bool) -> bytes | None:
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
