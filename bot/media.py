"""Attachments from reporters: what kind they are, and images stripped of EXIF/GPS metadata."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

STRIPPABLE = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/tiff": "TIFF",
              "image/gif": "GIF", "image/bmp": "BMP"}
MAY_CARRY_METADATA = ("application/pdf", "application/msword", "application/vnd.openxmlformats",
                      "application/vnd.ms-", "application/vnd.oasis.opendocument", "image/heic",
                      "image/heif", "video/", "audio/")


class UnreadableImage(Exception):
    """An image file that claims to be an image but cannot be decoded."""


def strip_image_metadata(data: bytes, mime_type: str) -> bytes:
    """Re-encode the pixels only: EXIF (GPS, camera, time), XMP, IPTC and comments are dropped.

    The orientation stored in EXIF is applied first, so the picture still looks right.
    """
    fmt = STRIPPABLE[mime_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                # A new image from the raw pixels: no info, no EXIF, nothing carried over.
                clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
                if upright.mode == "P" and upright.getpalette():
                    clean.putpalette(upright.getpalette())
                out = io.BytesIO()
                options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
                clean.save(out, format=fmt, **options)
                return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise UnreadableImage from exc


def may_carry_metadata(mime_type: str | None) -> bool:
    return bool(mime_type) and any(mime_type.startswith(p) for p in MAY_CARRY_METADATA)
