"""How an evidence file looks when it is copied to staff: a neutral name, a labelled caption.

The reporter's own file name may identify them ("scan.KTP.Rina_S"), so staff get
`bukti-<id>` with a suffix taken only from a fixed list of types (by MIME type, else by a known
extension), never from the name's text. The caption says whose words follow (the reporter's),
like every other message relayed from the reporter, and fits Telegram's 1024 characters.
"""

from __future__ import annotations

import html
import re
from pathlib import PurePath

from bot.render import fill
from flows.model import EvidenceFile

MAX_CAPTION = 1024
BY_MIME = {
    "application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif",
    "image/webp": ".webp", "image/tiff": ".tif", "image/bmp": ".bmp", "image/heic": ".heic",
    "image/heif": ".heif", "video/mp4": ".mp4", "video/quicktime": ".mov",
    "video/webm": ".webm", "video/3gpp": ".3gp", "audio/mpeg": ".mp3", "audio/ogg": ".ogg",
    "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/aac": ".aac", "audio/wav": ".wav",
    "audio/x-wav": ".wav", "audio/amr": ".amr", "audio/opus": ".opus", "text/plain": ".txt",
    "text/csv": ".csv", "application/rtf": ".rtf", "application/zip": ".zip",
    "application/vnd.rar": ".rar", "application/x-rar-compressed": ".rar",
    "application/x-7z-compressed": ".7z", "message/rfc822": ".eml",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
KNOWN_EXTENSIONS = frozenset(BY_MIME.values()) | {".jpeg", ".tiff", ".oga", ".mpeg", ".mpg",
                                                   ".mkv", ".avi", ".m4v", ".flac", ".json"}


def file_name(evidence: EvidenceFile) -> str:
    """`bukti-<first 8 of its id><suffix>`, the suffix from the type, never from free text."""
    suffix = BY_MIME.get((evidence.mime_type or "").split(";")[0].strip().lower())
    if suffix is None:
        extension = PurePath(evidence.file_name or "").suffix.lower()
        suffix = extension if extension in KNOWN_EXTENSIONS else ""
    return f"bukti-{evidence.id[:8]}{suffix}"


def staff_file_name(mime_type: str | None) -> str:
    """A staff file's name for the reporter: `dokumen-petugas<suffix>`, the suffix by type."""
    suffix = BY_MIME.get((mime_type or "").split(";")[0].strip().lower(), "")
    return f"dokumen-petugas{suffix}"


def staff_caption(language: str, number: str, words: str | None) -> str:
    """The label (whose file, which case) and, if they wrote any, the reporter's words, escaped
    and cut so the whole caption stays within Telegram's limit (counted in UTF-16 units)."""
    if not words:
        return fill(language, "staff.evidence_label", {"number": number})
    room = MAX_CAPTION - _units(fill(language, "staff.evidence_caption",
                                     {"number": number, "caption": ""}))
    cut = words.encode("utf-16-le")[:2 * max(room, 0)].decode("utf-16-le", errors="ignore")
    return fill(language, "staff.evidence_caption", {"number": number, "caption": cut})


def _units(markup: str) -> int:
    """Telegram's count of a caption's length: UTF-16 code units of the text without markup."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", markup)).encode("utf-16-le")) // 2
