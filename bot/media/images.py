"""Pictures from reporters: pixels re-encoded, every byte of EXIF, GPS, XMP, IPTC and comments left
behind, and a bound on pixels checked in the header before anything is decoded."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

MAX_PIXELS = 40_000_000
"""The default bound (PELUIT_MAX_IMAGE_MEGAPIXELS): a 40-megapixel picture decodes to at most
160 MB (RGBA); phone cameras stay below 50 MP, screenshots far below. A 9,400 × 9,400 PNG (88 MP,
274 KiB on the wire) is refused unread."""

STRIPPABLE = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/tiff": "TIFF",
              "image/gif": "GIF", "image/bmp": "BMP"}
SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 95}, "WEBP": {"quality": 95},
    "TIFF": {"compression": "tiff_lzw"},  # uncompressed, 40 MP would pass Telegram's 50 MB upload
}
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"),
          (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))


class UnreadableImage(Exception):
    """An image file that claims to be an image but cannot be decoded."""


class TooManyPixels(Exception):
    """A picture whose header announces more than MAX_PIXELS pixels: refused before decoding."""


def sniff_image(data: bytes) -> str | None:
    """The image type the bytes say they are, whatever name or MIME type the file came with:
    Telegram clients send a picture without a known extension as application/octet-stream."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def strip_image_metadata(data: bytes, mime_type: str, max_pixels: int = MAX_PIXELS) -> bytes:
    """Re-encode the pixels only: EXIF (GPS, camera, time), XMP, IPTC and comments are dropped.

    Only the decoder of `mime_type` is tried. The size is read from the header first, and a
    picture of more than `max_pixels` is refused before its pixels are decoded. The orientation
    stored in EXIF is applied first, so the picture still looks right. Blocking: call it from a
    worker thread (bot.media.clean does).
    """
    fmt = STRIPPABLE[mime_type]
    try:
        # No warnings.catch_warnings here: it is not thread-safe, and this runs in worker
        # threads. Pillow's own bomb check (a warning above 89 MP) comes after ours anyway.
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise TooManyPixels
            image.load()
            # A new image (turned upright, or a plain copy): pixels and palette only; its info
            # (EXIF, XMP, ICC, comments, text chunks) is emptied, so nothing is carried over.
            clean = ImageOps.exif_transpose(image)
        clean.info = {}
        out = io.BytesIO()
        clean.save(out, format=fmt, **SAVE_OPTIONS.get(fmt, {}))
        return out.getvalue()
    except TooManyPixels:
        raise
    except Exception as exc:  # a decoder fed hostile bytes fails in many ways: all mean unreadable
        raise UnreadableImage from exc
