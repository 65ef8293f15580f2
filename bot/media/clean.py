"""One evidence file in, the file staff may see out: what could be removed is removed, what
could not is said. Decoding and copying run off the event loop, two at a time at most."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

from bot.media.images import (
    MAX_PIXELS,
    STRIPPABLE,
    TooManyPixels,
    UnreadableImage,
    sniff_image,
    strip_image_metadata,
)
from bot.media.recordings import UnreadableRecording, sniff_container, strip_recording_metadata

RECORDING_KINDS = ("voice", "audio", "video", "video_note", "animation")
SOUND_KINDS = ("voice", "audio", "video", "video_note")
UNKNOWN_TYPES = (None, "", "application/octet-stream")
MAY_CARRY_METADATA = ("application/pdf", "application/msword", "application/vnd.openxmlformats",
                      "application/vnd.ms-", "application/vnd.oasis.opendocument", "image/heic",
                      "image/heif", "image/", "video/", "audio/")
AT_ONCE = 2
"""Files decoded or copied at the same time, per process: two 40-megapixel pictures in memory
(about 2 × 320 MB at worst) rather than as many as arrive."""

_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


class Unreadable(Exception):
    """A file that says it is a picture, sound or video but cannot be read."""


@dataclass(frozen=True)
class Cleaned:
    data: bytes
    mime_type: str | None
    removed: bool = False
    """hidden data was left behind (pictures re-encoded, sound and video copied anew)"""
    may_remain: bool = False
    """a kind of file Peluit cannot clean: hidden data (author, device, place) may remain"""
    recording: bool = False
    """sound or video: a voice, a face or a room can identify whoever recorded it"""


def _slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(AT_ONCE)
    return slot


def may_carry_metadata(mime_type: str | None) -> bool:
    return mime_type in UNKNOWN_TYPES or any((mime_type or "").startswith(p) for p in MAY_CARRY_METADATA)


async def clean(kind: str, data: bytes, mime_type: str | None,
                max_pixels: int = MAX_PIXELS) -> Cleaned:
    """Raises TooManyPixels (a picture too large to decode) or Unreadable."""
    image_type = sniff_image(data) if kind in ("photo", "document") else None
    if image_type is None and kind == "photo":
        image_type = "image/jpeg"  # Telegram's photos are JPEG: anything else is unreadable
    if image_type is None and kind == "document" and mime_type in STRIPPABLE:
        image_type = mime_type
    if image_type is not None:
        async with _slot():
            try:
                clean_data = await asyncio.to_thread(strip_image_metadata, data, image_type,
                                                        max_pixels)
            except UnreadableImage as exc:
                raise Unreadable from exc
        known = mime_type if mime_type not in UNKNOWN_TYPES and kind == "document" else image_type
        return Cleaned(clean_data, known, removed=True)
    container = sniff_container(data) if kind in (*RECORDING_KINDS, "document") else None
    recording = kind in SOUND_KINDS or (kind == "document" and container is not None)
    if container is not None:
        async with _slot():
            try:
                clean_data = await strip_recording_metadata(data, container)
            except UnreadableRecording as exc:
                raise Unreadable from exc
        known = container.mime_type if mime_type in UNKNOWN_TYPES else mime_type
        return Cleaned(clean_data, known, removed=True, recording=recording)
    if kind in RECORDING_KINDS:
        return Cleaned(data, mime_type, may_remain=True, recording=recording)
    return Cleaned(data, mime_type, may_remain=kind == "document" and may_carry_metadata(mime_type))


__all__ = ["Cleaned", "TooManyPixels", "Unreadable", "clean", "may_carry_metadata"]
