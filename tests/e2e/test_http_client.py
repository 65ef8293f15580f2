"""The Bot API over either HTTP client (`PELUIT_HTTP_CLIENT`): aiohttp (bot/http.py, the default)
and python-telegram-bot's own httpx client. The whole journey and an upload, over HTTP, against
the strict stand-in Bot API."""

from __future__ import annotations

import asyncio
import io
import re
import socket

import pytest
from PIL import Image
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.delivery import AnswerRecorder, HttpxAnswerRecorder
from bot.http import AiohttpRequest
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, file_report, running_peluit

CLIENTS = {"aiohttp": AnswerRecorder, "httpx": HttpxAnswerRecorder}


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MARKERCAM"  # Make
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("client", sorted(CLIENTS))
async def test_given_either_http_client_when_a_reporter_files_a_report_then_the_journey_completes(
    fake, tmp_path, client
):
    async with running_peluit(fake, tmp_path, PELUIT_HTTP_CLIENT=client) as peluit:
        assert type(peluit.app.bot.request) is CLIENTS[client]  # the journey runs over it
        reporter = Reporter(fake, 987650031)
        ticket = await file_report(reporter)
        await peluit.settle()
        await reporter.say(f"/status {ticket}")
        status = await reporter.expect()

        (thread_id, name), = fake.topics(STAFF_CHAT).items()
        assert name.startswith("WBS-")
        card = fake.bot_messages(STAFF_CHAT, thread_id=thread_id)[0]
        assert REPORT["what"] in card["text"] and ticket not in card["text"]
        number = re.search(r"WBS-\S+", name).group(0)
        assert f"Kasus {number}" in status["text"]  # the status lookup answered over it too
        assert fake.rejected == []
        assert fake.calls_to("answerCallbackQuery")  # presses answered over this client too


@pytest.mark.parametrize("client", sorted(CLIENTS))
async def test_given_either_http_client_when_evidence_is_filed_then_the_clean_file_is_uploaded_to_staff(
    fake, tmp_path, client
):
    original = jpeg_with_exif()
    async with running_peluit(fake, tmp_path, PELUIT_HTTP_CLIENT=client) as peluit:
        reporter = Reporter(fake, 987650032)
        await file_report(reporter, evidence=[("bukti.jpg", original, "image/jpeg")])
        await peluit.settle()

        uploads = [(m, data) for m, data in fake.uploaded_files]
        assert len(uploads) == 1, [m for m, _ in uploads]
        method, data = uploads[0]
        assert method == "sendDocument"
        assert data.startswith(b"\xff\xd8") and b"MARKERCAM" not in data  # multipart, bytes intact
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.size == (64, 48)
        (thread_id, _name), = fake.topics(STAFF_CHAT).items()
        in_topic = fake.bot_messages(STAFF_CHAT, thread_id=thread_id)
        documents = [m["document"] for m in in_topic if "document" in m]
        assert len(documents) == 1
        assert documents[0]["mime_type"] == "image/jpeg"
        assert documents[0]["file_name"].endswith(".jpg")
        assert fake.rejected == []


# ---- the aiohttp request itself, against a small local server


@pytest.fixture
async def server():
    """A local HTTP server recording what it was sent; `/slow` never answers in time."""
    from aiohttp import web

    seen: list[dict] = []

    async def record(request: web.Request) -> web.Response:
        entry = {"content_type": request.content_type, "user_agent": request.headers.get("User-Agent")}
        if request.content_type == "multipart/form-data":
            form = await request.post()
            entry["fields"] = {k: (v.filename, v.content_type, v.file.read())
                               if isinstance(v, web.FileField) else v for k, v in form.items()}
        else:
            entry["fields"] = dict(await request.post())
        seen.append(entry)
        return web.Response(status=400, body=b'{"ok":false,"error_code":400,"description":"x"}')

    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(1.5)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_post("/record", record)
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def request_data(**params) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def test_given_parameters_when_posted_then_they_are_form_encoded_and_any_status_is_returned(server):
    url, seen = server
    request = AiohttpRequest(connection_pool_size=4)
    await request.initialize()
    try:
        status, body = await request.do_request(
            f"{url}/record", "POST", request_data(chat_id=5, text="Halo & selamat", reply_markup={"a": [1]}))
    finally:
        await request.shutdown()
    assert (status, body) == (400, b'{"ok":false,"error_code":400,"description":"x"}')
    assert seen[0]["content_type"] == "application/x-www-form-urlencoded"
    assert seen[0]["fields"] == {"chat_id": "5", "text": "Halo & selamat", "reply_markup": '{"a": [1]}'}
    assert seen[0]["user_agent"] == AiohttpRequest.USER_AGENT


async def test_given_files_when_posted_then_they_go_as_multipart_beside_the_parameters(server, tmp_path):
    url, seen = server
    on_disk = tmp_path / "catatan.txt"
    on_disk.write_bytes(b"isi berkas\x00\xff")
    request = AiohttpRequest()
    await request.initialize()
    try:
        with on_disk.open("rb") as handle:
            await request.do_request(f"{url}/record", "POST", request_data(
                chat_id=7, caption="bukti",
                document=InputFile(handle, filename="catatan.txt"),
                thumbnail=InputFile(b"\x89PNG fake", filename="t.png", attach=True)))
    finally:
        await request.shutdown()
    fields = seen[0]["fields"]
    assert seen[0]["content_type"] == "multipart/form-data"
    assert fields["chat_id"] == "7" and fields["caption"] == "bukti"
    assert fields["document"] == ("catatan.txt", "text/plain", b"isi berkas\x00\xff")
    assert fields["thumbnail"].startswith("attach://")  # the attached part, by its name
    assert fields[fields["thumbnail"].removeprefix("attach://")] == ("t.png", "image/png",
                                                                    b"\x89PNG fake")


async def test_given_a_server_that_does_not_answer_in_time_then_the_call_times_out(server):
    url, _seen = server
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/slow", "POST")
        with pytest.raises(TimedOut):  # a per-call timeout overrides the default
            await request.do_request(f"{url}/slow", "POST", read_timeout=0.1)
    finally:
        await request.shutdown()


async def test_given_a_full_pool_when_no_connection_frees_in_time_then_it_says_so(server):
    url, _seen = server
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.1, connect_timeout=0.1,
                             read_timeout=3)
    await request.initialize()
    try:
        holding = asyncio.create_task(request.do_request(f"{url}/slow", "POST"))
        await asyncio.sleep(0.2)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await request.do_request(f"{url}/record", "POST")
        holding.cancel()
    finally:
        await request.shutdown()


async def test_given_nothing_listening_when_called_then_a_network_error_names_aiohttp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"http://127.0.0.1:{port}/", "POST")
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match=r"^aiohttp\.") as caught:
            await request.do_request(f"http://127.0.0.1:{port}/", "POST")
        assert not isinstance(caught.value, TimedOut)
    finally:
        await request.shutdown()
    await request.shutdown()  # twice is fine
