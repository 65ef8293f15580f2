"""Sound and video from reporters (voice notes, audio, video, round videos): which container
they are, and the same sound and pictures in a new container without its metadata.

The copy is made by PyAV (FFmpeg's libraries) in a child process (bot.media.remux), with limits on
memory, CPU time and wall time, and without Peluit's settings in its environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from dataclasses import dataclass

TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Container:
    demuxer: str
    muxer: str
    mime_type: str


class UnreadableRecording(Exception):
    """A file that looks like sound or video but cannot be read and written again."""


def sniff_container(data: bytes) -> Container | None:
    """The container the bytes say they are (only those whose metadata can be left behind)."""
    head = data[:64]
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return Container("mov", "mov", "video/quicktime")
        if brand.startswith((b"3gp", b"3g2")):
            return Container("mov", "3gp", "video/3gpp")
        if brand in (b"M4A ", b"M4B "):
            return Container("mov", "ipod", "audio/mp4")
        return Container("mov", "mp4", "video/mp4")
    if head.startswith(b"OggS"):
        return Container("ogg", "ogg", "audio/ogg")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" in head:
            return Container("matroska", "webm", "video/webm")
        return Container("matroska", "matroska", "video/x-matroska")
    if head.startswith(b"fLaC"):
        return Container("flac", "flac", "audio/flac")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Container("wav", "wav", "audio/wav")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
                                   and head[1] & 0x06):  # an MPEG audio frame, not AAC (layer 0)
        return Container("mp3", "mp3", "audio/mpeg")
    return None


def _child_environment() -> dict[str, str]:
    """The environment without Peluit's settings (the token, the keys): the child needs none."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PELUIT_"))}


async def strip_recording_metadata(data: bytes, container: Container) -> bytes:
    """The sound and pictures of `data` in a new `container.muxer` container, nothing else."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.media.remux", container.demuxer, container.muxer,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=_child_environment())
    try:
        clean, _ = await asyncio.wait_for(child.communicate(data), TIMEOUT_SECONDS)
    except (TimeoutError, BrokenPipeError, ConnectionResetError) as exc:
        raise UnreadableRecording from exc
    finally:
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()
    if child.returncode != 0 or not clean:
        raise UnreadableRecording
    return clean
