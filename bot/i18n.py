"""Text catalogs (Bahasa Indonesia and English), looked up by key. Code holds no sentences."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LOCALES = Path(__file__).parent / "locales"


@cache
def catalog(language: str) -> dict[str, str]:
    with (LOCALES / f"{language}.toml").open("rb") as handle:
        return tomllib.load(handle)


def language_of(code: str | None) -> str:
    """Bahasa Indonesia unless the person's Telegram speaks English."""
    return "en" if (code or "").lower().startswith("en") else DEFAULT_LANGUAGE


def text(language: str, key: str) -> str:
    """The raw template for `key`; falls back to the default language, then to the key itself."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key


def label(language: str, key: str, fallback: str) -> str:
    """A label that configuration may add without a catalog entry (categories)."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or fallback
