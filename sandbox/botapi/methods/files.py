"""Files: what Telegram keeps of each file (ids, a path, the PhotoSizes of a photo), how a
message shows it, what an upload or a file_id in a call resolves to, and getFile.
"""

from __future__ import annotations

import copy
import io
import re
import secrets
from typing import Any

from PIL import Image

from sandbox.botapi.limits import (
    _DEFAULT_MIME,
    _FILE_DIRS,
    MAX_DOWNLOAD,
    MAX_PHOTO,
    MAX_UPLOAD,
    MEDIA_KINDS,
    ApiError,
    bad,
)
from sandbox.botapi.params import _Params
from sandbox.botapi.state import BotApiState, _File


class FileMethods(BotApiState):
    """The file store, uploads and getFile."""

    def _store_file(self, kind: str, data: bytes | None, *, size: int | None = None,
                    strict_image: bool = True, thumbnail: bool = False, **meta: Any) -> _File:
        self._file_seq += 1
        n = self._file_seq
        folder, ext = _FILE_DIRS[kind]
        if meta.get("file_name") and "." in meta["file_name"]:
            ext = meta["file_name"].rsplit(".", 1)[1]
        rec = _File(f"{kind[:2].upper()}AgAD{n:05d}{secrets.token_hex(6)}", f"AQAD{n:06d}",
                    kind, len(data) if data is not None else size or 0, data,
                    f"{folder}/file_{n}.{ext}", {k: v for k, v in meta.items() if v is not None})
        self._files[rec.file_id] = rec
        if kind == "photo" and not thumbnail:
            rec.sizes = self._photo_sizes(rec, strict_image)
        return rec

    def _photo_sizes(self, rec: _File, strict: bool) -> list[dict]:
        try:
            with Image.open(io.BytesIO(rec.data or b"")) as im:
                w, h = im.size
                thumb = im.convert("RGB")
                thumb.thumbnail((90, 90))
                buf = io.BytesIO()
                thumb.save(buf, "JPEG")
        except Exception:
            if strict:
                raise bad("IMAGE_PROCESS_FAILED") from None
            w, h, buf = 1280, 960, None
        if w + h > 10000 or max(w, h) > 20 * min(w, h):
            raise bad("PHOTO_INVALID_DIMENSIONS")
        big = {"file_id": rec.file_id, "file_unique_id": rec.unique_id, "file_size": rec.size,
               "width": w, "height": h}
        if buf is None or max(w, h) <= 90:
            return [big]
        small = self._store_file("photo", buf.getvalue(), thumbnail=True)
        small.sizes = sizes = [{"file_id": small.file_id, "file_unique_id": small.unique_id,
                                "file_size": small.size, "width": thumb.width,
                                "height": thumb.height}, big]
        return sizes

    @staticmethod
    def _file_json(rec: _File) -> dict:
        d = {"file_id": rec.file_id, "file_unique_id": rec.unique_id, "file_size": rec.size}
        m, k = rec.meta, rec.kind
        keys = {"document": ("file_name", "mime_type"),
                "video": ("width", "height", "duration", "file_name", "mime_type"),
                "animation": ("width", "height", "duration", "file_name", "mime_type"),
                "voice": ("duration", "mime_type"),
                "audio": ("duration", "file_name", "mime_type", "title", "performer"),
                "video_note": ("duration",), "sticker": ("width", "height")}[k]
        required = {"duration": 0, "width": 320, "height": 320}  # PTB requires these fields
        d.update({key: m.get(key, required.get(key)) for key in keys
                  if key in m or key in required})
        if k == "video_note":
            d["length"] = m.get("width", 240)
        if k == "sticker":
            d.update(type="regular", is_animated=False, is_video=False, emoji="🙂")
        return d

    def _media_content(self, rec: _File) -> dict:
        if rec.kind == "photo":
            return {"photo": copy.deepcopy(rec.sizes)}
        j = self._file_json(rec)
        return {"animation": j, "document": j} if rec.kind == "animation" else {rec.kind: j}

    def _input_file(self, p: _Params, files: dict, key: str, method: str) -> _File:
        """An uploaded part, an attach:// reference, or an existing file_id of the same kind."""
        value = p.get(key)
        part = files.get(key)
        if part is None and isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value[len("attach://"):])
            if part is None:
                raise bad(f"file of the media {key} not found in the request")
        if part is not None:
            fname, data, mime = part
            if not data:
                raise bad("file must be non-empty")
            if len(data) > (MAX_PHOTO if key == "photo" else MAX_UPLOAD):
                raise ApiError(413, "Request Entity Too Large")
            self.uploaded_files.append((method, data))
            meta = {"file_name": fname, "mime_type": mime or _DEFAULT_MIME.get(key)}
            for k in ("duration", "width", "height", "title", "performer"):
                if p.get(k) is not None:
                    meta[k] = p.get(k)
            if key in ("video", "animation", "video_note"):
                meta.setdefault("width", p.get_int("length") or 320)
                meta.setdefault("height", 320)
            return self._store_file(key, data, **({} if key == "photo" else meta))
        if not value:
            raise bad(f"there is no {key} in the request")
        if re.match(r"https?://", str(value)):
            raise bad("failed to get HTTP URL content")
        rec = self._files.get(str(value))
        if rec is None:
            raise bad("wrong file identifier/HTTP URL specified")
        if rec.kind != key:
            names = {k: k.title().replace("_", "") for k in MEDIA_KINDS}
            raise bad(f"can't use file of type {names[rec.kind]} as {names[key]}")
        return rec

    def _api_getFile(self, p: _Params, files: dict) -> dict:
        rec = self._files.get(p.get_str("file_id") or "")
        if rec is None:
            raise bad("invalid file_id")
        if rec.size > MAX_DOWNLOAD:
            raise bad("file is too big")
        rec.issued = True
        return {"file_id": rec.file_id, "file_unique_id": rec.unique_id, "file_size": rec.size,
                "file_path": rec.path}
