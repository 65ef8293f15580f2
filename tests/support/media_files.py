"""Real sound, video and picture files for tests, made at test time by PyAV and Pillow, each
carrying the markers a reporter's file could carry: a name in its tags, a place in its location."""

from __future__ import annotations

import io
import math
import struct
from array import array

import av
from PIL import Image

NAME = "Rina Susanti"
PLACE = "+06.1234-106.8123/"
ENCODER = f"Lavf{av.library_versions['libavformat'][0]}".encode()
"""The encoder tag FFmpeg writes (with its version) unless told not to."""
MARKERS = (NAME.encode(), PLACE.encode(), b"106.8123", ENCODER, b"MARKERCAM")


def _tone(samples: int, rate: int, start: int = 0) -> bytes:
    return array("h", (int(8000 * math.sin(2 * math.pi * 440 * (start + k) / rate))
                       for k in range(samples))).tobytes()


def _audio(container: av.container.OutputContainer, codec: str, rate: int, seconds: float,
           frame: int = 960):
    """Add a sound stream (a 440 Hz tone); returns the function that fills it."""
    stream = container.add_stream(codec, rate=rate)
    stream.layout = "mono"

    def fill() -> None:
        pts = 0
        while pts < rate * seconds:
            chunk = av.AudioFrame(format="s16", layout="mono", samples=frame)
            chunk.planes[0].update(_tone(frame, rate, pts))
            chunk.sample_rate, chunk.pts = rate, pts
            pts += frame
            container.mux(stream.encode(chunk))
        container.mux(stream.encode())
    return fill


def _video(container: av.container.OutputContainer, frames: int = 10, size: int = 64,
           rotation: int = 0):
    """Add a picture stream (grey frames); returns the function that fills it."""
    stream = container.add_stream("mpeg4", rate=10)
    stream.width = stream.height = size
    stream.pix_fmt = "yuv420p"
    if rotation:
        stream.set_display_rotation(rotation)

    def fill() -> None:
        for i in range(frames):
            frame = av.VideoFrame(size, size, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 20) % 256]) * plane.buffer_size)
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return fill


def _write(fmt: str, metadata: dict[str, str], *streams, **options: str) -> bytes:
    """A file of format `fmt` with `metadata`; `streams` add streams and return their fillers."""
    out = io.BytesIO()
    with av.open(out, "w", format=fmt, options=options) as container:
        container.metadata.update(metadata)
        fillers = [add(container) for add in streams]
        for fill in fillers:
            fill()
    return out.getvalue()


def _id3v23(frames: list[tuple[bytes, bytes]]) -> bytes:
    """An ID3v2.3 tag, as music players and phone recorders write it."""
    body = b"".join(name + struct.pack(">IH", len(data), 0) + data for name, data in frames)
    size = len(body)
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x03\x00\x00" + syncsafe + body


def mp3_with_id3() -> bytes:
    """An MP3 with an ID3v2.3 tag (TPE1 artist, COMM comment, APIC cover photo) and an ID3v1
    tag (artist, comment), each carrying a name."""
    latin = NAME.encode("latin-1")
    tag = _id3v23([
        (b"TPE1", b"\x00" + latin),
        (b"COMM", b"\x00ind\x00" + b"Rekaman oleh " + latin),
        (b"APIC", b"\x00image/jpeg\x00\x03\x00" + exif_jpeg()),
    ])
    audio = _write("mp3", {"artist": NAME, "comment": NAME},
                   lambda c: _audio(c, "libmp3lame", 16000, 1.0, 1152),
                   id3v2_version="0", write_id3v1="1")
    data = tag + audio
    assert data.count(NAME.encode()) >= 3 and b"COMM" in data and b"MARKERCAM" in data
    return data


def opus_voice_note() -> bytes:
    """An OGG/Opus voice note whose comments carry a name and a place."""
    data = _write("ogg", {"artist": NAME, "location": PLACE},
                  lambda c: _audio(c, "libopus", 48000, 1.0))
    assert NAME.encode() in data and PLACE.encode() in data
    return data


def mov_with_location(rotation: int = 0) -> bytes:
    """A QuickTime video (as phones record) with ©xyz location and ©nam in moov/udta."""
    data = _write("mov", {"location": PLACE, "title": NAME},
                  lambda c: _video(c, rotation=rotation), lambda c: _audio(c, "aac", 16000, 1.0, 1024))
    assert b"\xa9xyz" in data and PLACE.encode() in data and NAME.encode() in data
    return data


def mp4_with_keys() -> bytes:
    """An MP4 with moov/meta keys as iPhones write them (ISO 6709 location, author)."""
    data = _write("mp4", {"com.apple.quicktime.location.ISO6709": PLACE,
                          "com.apple.quicktime.author": NAME},
                  lambda c: _video(c, size=240), movflags="use_metadata_tags")
    assert b"mdta" in data and PLACE.encode() in data and NAME.encode() in data
    return data


def rotation_of(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return next(container.decode(video=0)).rotation


def decoded_frames(data: bytes) -> int:
    """How many frames (audio and video) decode from `data`: proof it still plays."""
    with av.open(io.BytesIO(data)) as container:
        return sum(1 for _ in container.decode(*container.streams))


def packets(data: bytes) -> list[tuple[str, bytes]]:
    """The encoded sound and pictures of `data`, packet by packet (stream type, bytes); cover
    pictures are not sound or pictures of the recording."""
    with av.open(io.BytesIO(data)) as container:
        return [(p.stream.type, bytes(p)) for p in container.demux() if p.size
                and not p.stream.disposition & av.stream.Disposition.attached_pic]


def exif_jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG whose EXIF carries GPS and a camera name (MARKERCAM)."""
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (6.0, 12.0, 0.5)}
    exif[0x010F] = "MARKERCAM"
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert b"MARKERCAM" in data and b"Exif" in data
    return data


def png_bomb(side: int = 9400) -> bytes:
    """A PNG of side × side black pixels, a few hundred KiB on the wire (built row by row in
    zlib, never as a picture in memory)."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    squeeze = zlib.compressobj(9)
    row = b"\x00" + bytes(side * 3)
    body = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
            + chunk(b"IEND", b""))
