"""`python -m bot.media.remux DEMUXER MUXER`: copy the audio and video streams of the file on
stdin into a new container on stdout, and nothing else.

Run as a child process by bot.media.recordings, never imported by the bot: FFmpeg (through PyAV)
parses hostile bytes here, so a crash, a hang or a memory blow-up ends this process, not the bot.
Only the named demuxer is used (no format probing). What is left behind: container metadata
(ID3, Vorbis/Opus comments, MP4/QuickTime udta such as ©xyz, meta/keys, ilst), chapters, cover
pictures, and every data, subtitle and attachment stream (GPS tracks, timecode). What is kept:
the encoded sound and pictures, bit for bit, with their timing and rotation.
"""

from __future__ import annotations

import io
import resource
import sys

MEMORY_BYTES = 1024 * 1024 * 1024
CPU_SECONDS = 30
UNREADABLE = 3


def remux(data: bytes, demuxer: str, muxer: str) -> bytes:
    import av  # here only: the bot process never loads FFmpeg

    out = io.BytesIO()
    # +bitexact: the muxer writes no "encoder" tag of its own (Lavf version) either.
    with av.open(io.BytesIO(data), format=demuxer) as source, \
            av.open(out, "w", format=muxer, container_options={"fflags": "+bitexact"}) as target:
        streams = {
            s.index: target.add_stream_from_template(s) for s in source.streams
            if s.type in ("audio", "video") and not s.disposition & av.stream.Disposition.attached_pic
        }
        if not streams:
            raise ValueError("no sound or pictures")
        for packet in source.demux([source.streams[i] for i in streams]):
            if packet.dts is None:  # the demuxer's flush packet
                continue
            packet.stream = streams[packet.stream.index]
            target.mux(packet)
    return out.getvalue()


def main(argv: list[str]) -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    demuxer, muxer = argv
    try:
        clean = remux(sys.stdin.buffer.read(), demuxer, muxer)
    except Exception:  # any failure to read or write the file: unreadable, said by exit code
        return UNREADABLE
    sys.stdout.buffer.write(clean)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
