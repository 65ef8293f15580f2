"""bot.media: real pictures, sound and video in, the same without hidden data out (no network)."""

from __future__ import annotations

import asyncio
import io
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from bot.media import clean as cleaning
from bot.media.clean import Cleaned, Unreadable, clean
from bot.media.images import (
    STRIPPABLE,
    TooManyPixels,
    UnreadableImage,
    sniff_image,
    strip_image_metadata,
)
from bot.media.recordings import (
    Container,
    UnreadableRecording,
    sniff_container,
    strip_recording_metadata,
)
from tests.support import media_files as media

NAME = media.NAME.encode()


def assert_no_markers(data: bytes) -> None:
    found = [m for m in media.MARKERS if m in data]
    assert not found, found


def picture(fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    mode = "P" if fmt == "GIF" else "RGB"
    Image.new(mode, (64, 48), 3 if mode == "P" else "green").save(out, fmt, **options)
    return out.getvalue()


def exif(**tags: object) -> Image.Exif:
    found = Image.Exif()
    found[0x8825] = {1: "S", 2: (6.0, 12.0, 0.5)}  # GPS
    found[0x010F] = "MARKERCAM"                       # camera maker
    found[0x013B] = media.NAME                        # artist
    for tag, value in tags.items():
        found[int(tag[1:])] = value
    return found


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", media.NAME)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{media.NAME}</x:xmpmeta>")
    return picture("PNG", pnginfo=info, exif=exif())


DIRTY_PICTURES = {
    "image/jpeg": lambda: picture("JPEG", exif=exif(), comment=media.NAME.encode()),
    "image/png": png_with_text,
    "image/webp": lambda: picture("WEBP", exif=exif(), xmp=NAME),
    "image/tiff": lambda: picture("TIFF", exif=exif(), tiffinfo={315: media.NAME}),
    "image/gif": lambda: picture("GIF", comment=NAME),
}


# ---------------------------------------------------------------- pictures


@pytest.mark.parametrize("mime", sorted(DIRTY_PICTURES))
def test_given_a_picture_with_names_and_places_when_stripped_then_only_its_pixels_remain(mime: str) -> None:
    dirty = DIRTY_PICTURES[mime]()
    assert NAME in dirty or b"MARKERCAM" in dirty  # the test file really carries them

    clean_data = strip_image_metadata(dirty, mime)

    assert_no_markers(clean_data)
    assert b"Exif" not in clean_data and b"xmpmeta" not in clean_data
    assert sniff_image(clean_data) == mime
    with Image.open(io.BytesIO(clean_data)) as image:
        tags = image.getexif()  # a TIFF's own layout tags are read as EXIF too: none of these
        assert image.size == (64, 48) and not {0x8825, 0x010F, 0x013B} & set(tags)  # GPS, maker, artist
        assert not image.info.keys() - {"dpi", "compression", "resolution", "version",
                                        "background", "duration", "loop", "jfif",
                                        "jfif_version", "jfif_unit", "jfif_density"}


def test_given_a_photo_turned_by_its_exif_when_stripped_then_it_is_upright_and_the_tag_is_gone() -> None:
    turned = picture("JPEG", exif=exif(t274=6))  # orientation: rotate 90° to display

    with Image.open(io.BytesIO(strip_image_metadata(turned, "image/jpeg"))) as image:
        assert image.size == (48, 64) and 274 not in image.getexif()


def test_given_a_9400_square_png_when_stripped_then_it_is_refused_from_its_header_at_once() -> None:
    bomb = media.png_bomb(9400)

    began = time.perf_counter()
    with pytest.raises(TooManyPixels):
        strip_image_metadata(bomb, "image/png")
    assert time.perf_counter() - began < 0.2  # 88 MP were never decoded (that takes seconds)


def test_given_a_lower_bound_when_a_picture_is_over_it_then_refused() -> None:
    with pytest.raises(TooManyPixels):
        strip_image_metadata(picture("PNG"), "image/png", max_pixels=64 * 48 - 1)
    assert strip_image_metadata(picture("PNG"), "image/png", max_pixels=64 * 48)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mime=st.sampled_from(sorted(STRIPPABLE)), body=st.binary(max_size=4096),
       magic=st.sampled_from([b"", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a",
                              b"II*\x00", b"MM\x00*", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"BM"]))
def test_given_any_bytes_as_an_image_when_stripped_then_clean_bytes_or_unreadable(
    mime: str, body: bytes, magic: bytes,
) -> None:
    try:
        assert isinstance(strip_image_metadata(magic + body, mime), bytes)
    except (UnreadableImage, TooManyPixels):
        pass


# ---------------------------------------------------------------- sound and video


@pytest.mark.parametrize(("make", "container"), [
    (media.mp3_with_id3, Container("mp3", "mp3", "audio/mpeg")),
    (media.opus_voice_note, Container("ogg", "ogg", "audio/ogg")),
    (media.mov_with_location, Container("mov", "mov", "video/quicktime")),
    (media.mp4_with_keys, Container("mov", "mp4", "video/mp4")),
])
async def test_given_a_recording_with_names_and_places_when_stripped_then_it_plays_without_them(
    make, container: Container,
) -> None:
    dirty = make()
    assert sniff_container(dirty) == container

    clean_data = await strip_recording_metadata(dirty, container)

    assert_no_markers(clean_data)
    for atom in (b"\xa9xyz", b"\xa9nam", b"mdta", b"TPE1", b"COMM", b"APIC", b"TAG"):
        assert atom not in clean_data
    assert media.packets(clean_data) == media.packets(dirty)  # sound and pictures bit for bit
    assert media.decoded_frames(clean_data) > 0


async def test_given_a_video_filmed_upright_when_stripped_then_its_rotation_is_kept() -> None:
    turned = media.mov_with_location(rotation=90)

    clean_data = await strip_recording_metadata(turned, Container("mov", "mov", "video/quicktime"))

    assert media.rotation_of(clean_data) == media.rotation_of(turned) == 90


@pytest.mark.parametrize("broken", [b"OggS" + bytes(500), b"\x00\x00\x00\x18ftypisom" + b"\xff" * 300,
                                    b"ID3\x04\x00\x00\x00\x00\x00\x00"])
async def test_given_a_file_that_only_looks_like_a_recording_when_stripped_then_unreadable(
    broken: bytes,
) -> None:
    container = sniff_container(broken)
    assert container is not None
    with pytest.raises(UnreadableRecording):
        await strip_recording_metadata(broken, container)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=2048),
       magic=st.sampled_from([b"OggS", b"\x00\x00\x00\x20ftypqt  ", b"\x1a\x45\xdf\xa3webm",
                              b"fLaC", b"RIFF\x00\x00\x00\x00WAVE", b"ID3", b"\xff\xfb"]))
def test_given_any_bytes_behind_a_container_magic_when_stripped_then_clean_bytes_or_unreadable(
    body: bytes, magic: bytes,
) -> None:
    data = magic + body
    container = sniff_container(data)
    assert container is not None
    try:
        assert asyncio.run(strip_recording_metadata(data, container))
    except UnreadableRecording:
        pass


@given(st.binary(max_size=128))
def test_given_any_bytes_when_sniffed_then_a_container_or_none(data: bytes) -> None:
    assert sniff_container(data) is None or isinstance(sniff_container(data), Container)


# ---------------------------------------------------------------- one entry point


async def test_given_each_kind_of_file_when_cleaned_then_what_was_done_is_said() -> None:
    mp3 = media.mp3_with_id3()

    photo = await clean("photo", media.exif_jpeg(), "image/jpeg")
    voice = await clean("voice", media.opus_voice_note(), "audio/ogg")
    song_as_file = await clean("document", mp3, "application/octet-stream")
    pdf = await clean("document", b"%PDF-1.4 Rina", "application/pdf")
    text = await clean("document", b"hanya teks", "text/plain")
    amr = await clean("voice", b"#!AMR\n" + bytes(100), "audio/amr")
    gif = await clean("animation", media.mp4_with_keys(), "video/mp4")

    assert (photo.removed, photo.recording, b"MARKERCAM" in photo.data) == (True, False, False)
    assert (voice.removed, voice.recording) == (True, True)
    assert (song_as_file.removed, song_as_file.recording, song_as_file.mime_type) == (
        True, True, "audio/mpeg")
    assert pdf == Cleaned(b"%PDF-1.4 Rina", "application/pdf", may_remain=True)
    assert text == Cleaned(b"hanya teks", "text/plain")
    assert (amr.removed, amr.may_remain, amr.recording) == (False, True, True)
    assert (gif.removed, gif.recording) == (True, False)
    assert_no_markers(gif.data)


async def test_given_a_photo_that_is_not_a_picture_when_cleaned_then_unreadable() -> None:
    with pytest.raises(Unreadable):
        await clean("photo", b"bukan gambar", "image/jpeg")


async def test_given_many_pictures_at_once_when_cleaned_then_at_most_two_are_decoded_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running, most, lock = [0], [0], threading.Lock()

    def slow_strip(data: bytes, mime: str, max_pixels: int) -> bytes:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return data
    monkeypatch.setattr(cleaning, "strip_image_metadata", slow_strip)

    done = await asyncio.gather(*(clean("photo", media.exif_jpeg(), "image/jpeg") for _ in range(6)))

    assert len(done) == 6 and most[0] == cleaning.AT_ONCE == 2


async def test_given_a_copy_that_takes_too_long_when_the_time_is_up_then_the_child_is_killed_and_unreadable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.media import recordings

    monkeypatch.setattr(recordings, "TIMEOUT_SECONDS", 0.001)
    with pytest.raises(UnreadableRecording):
        await strip_recording_metadata(media.opus_voice_note(), Container("ogg", "ogg", "audio/ogg"))


def test_given_peluits_settings_in_the_environment_when_the_child_starts_then_it_gets_none_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.media.recordings import _child_environment

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "7000000001:secret")
    monkeypatch.setenv("PELUIT_LOOKUP_KEY", "secret")
    monkeypatch.setenv("LANG", "C.UTF-8")

    child = _child_environment()

    assert "LANG" in child and not [k for k in child if k.startswith(("TELEGRAM_", "PELUIT_"))]
