"""The sandbox page's server: static files and a small JSON API that acts as the people and
returns the world's state (long polling: `GET /api/state?since=N` answers when something changed
after version N, or after 25 s).

Bound to 127.0.0.1 by `sandbox.main`. Requests naming another host are refused (DNS rebinding), and
every POST must carry the `X-Peluit-Sandbox` header, which another site's page cannot send without
asking first (CSRF). Files people sent are served as images or sound only when they are; anything
else is a download, so that nothing uploaded runs in the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox import cast, people
from sandbox.people import ActionRefused, Upload
from sandbox.session import Sandbox, World
from sandbox.view import world_view

STATIC = Path(__file__).parent / "static"
ASSETS = {"app.js": "text/javascript", "render.js": "text/javascript", "style.css": "text/css",
          "favicon.svg": "image/svg+xml"}
POLL_SECONDS = 25.0
MAX_CLOCK_STEP = 400 * 86400
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' blob:; media-src 'self'; connect-src 'self'; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
IMAGES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
SANDBOX = web.AppKey("sandbox", Sandbox)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(web.HTTPException):
    def __init__(self, status: int, why: str) -> None:
        self.status_code = status
        super().__init__(text=json.dumps({"error": why}), content_type="application/json")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    host = (request.host or "").rsplit(":", 1)[0].strip("[]")
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise Refused(421, "the sandbox answers on 127.0.0.1 only")
    if request.method == "POST" and request.headers.get("X-Peluit-Sandbox") != "1":
        raise Refused(403, "missing X-Peluit-Sandbox header")
    try:
        response = await handler(request)
    except ActionRefused as exc:
        response = web.json_response({"error": str(exc)}, status=409)
    response.headers.update(SECURITY_HEADERS)
    return response


def _world(request: web.Request) -> World:
    world = request.app[SANDBOX].world
    if world is None or not request.app[SANDBOX].ready.is_set():
        raise Refused(503, "the sandbox is starting")
    return world


def _int(value: Any, name: str, *, optional: bool = False) -> int | None:
    if optional and value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Refused(400, f"{name} must be a number") from None


def _person(world: World, value: Any) -> cast.Person:
    person = cast.by_id(_int(value, "person") or 0, world.people)
    if person is None:
        raise Refused(404, "no such person in this sandbox")
    return person


async def _body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise Refused(400, "a JSON object is expected") from None
    if not isinstance(body, dict):
        raise Refused(400, "a JSON object is expected")
    return body


def state(sandbox: Sandbox) -> dict:
    world = sandbox.world
    if world is None:
        raise Refused(503, "the sandbox is stopping")
    return world_view(world.telegram, world.people, world.languages,
                      version=sandbox.changes.version, generation=sandbox.generation,
                      clock_offset=world.clock_offset,
                      seeded=world.seeded)


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html"})


async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": ASSETS[name]})


async def get_state(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    since = _int(request.query.get("since"), "since", optional=True)
    if since is not None:
        await sandbox.changes.wait(since, POLL_SECONDS)
    await sandbox.ready.wait()
    return web.json_response(state(sandbox))


async def write(request: web.Request) -> web.StreamResponse:
    world, body = _world(request), await _body(request)
    text = body.get("text")
    if not isinstance(text, str):
        raise Refused(400, "text must be a string")
    await people.write(world.telegram, _person(world, body.get("person")), text,
                       reply_to=_int(body.get("reply_to"), "reply_to", optional=True),
                       thread_id=_int(body.get("thread"), "thread", optional=True))
    return web.json_response({"ok": True})


async def upload(request: web.Request) -> web.StreamResponse:
    world = _world(request)
    form = await request.post()
    part = form.get("file")
    if not isinstance(part, web.FileField):
        raise Refused(400, "a file is expected")
    kind = str(form.get("kind") or "document")
    item = Upload(kind, part.file.read(people.MAX_FILE + 1), part.filename or "file",
                  part.content_type or "application/octet-stream", str(form.get("caption") or ""))
    await people.send_file(world.telegram, _person(world, form.get("person")), item,
                           reply_to=_int(form.get("reply_to"), "reply_to", optional=True),
                           thread_id=_int(form.get("thread"), "thread", optional=True))
    return web.json_response({"ok": True})


async def press(request: web.Request) -> web.StreamResponse:
    world, body = _world(request), await _body(request)
    data = body.get("data")
    if not isinstance(data, str):
        raise Refused(400, "data must be a string")
    await people.press(world.telegram, _person(world, body.get("person")),
                       _int(body.get("message_id"), "message_id") or 0, data)
    return web.json_response({"ok": True})


async def language(request: web.Request) -> web.StreamResponse:
    world, body = _world(request), await _body(request)
    person, lang = _person(world, body.get("person")), body.get("language")
    if lang not in ("id", "en"):
        raise Refused(400, "language is id or en")
    world.languages[person.id] = lang
    people.set_language(world.telegram, person, lang)
    return web.json_response({"ok": True})


async def clock(request: web.Request) -> web.StreamResponse:
    world, body = _world(request), await _body(request)
    seconds = _int(body.get("seconds"), "seconds") or 0
    if not 0 < seconds <= MAX_CLOCK_STEP:
        raise Refused(400, "the clock moves forward, at most 400 days at a time")
    await world.advance_clock(seconds)
    return web.json_response({"ok": True})


async def reset(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    await request.app[SANDBOX].reset(bool(body.get("seeded")))
    return web.json_response({"ok": True})


async def file(request: web.Request) -> web.StreamResponse:
    found = _world(request).telegram.file_bytes(request.match_info["file_id"])
    if found is None:
        raise web.HTTPNotFound()
    data, kind, name, mime = found
    image = next((mime for magic, mime in IMAGES if data.startswith(magic)), None)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        image = "image/webp"
    if image is not None:  # what the bytes are, whatever the name says
        return web.Response(body=data, content_type=image)
    if kind in ("voice", "audio"):  # a sound cannot run script; the browser plays what it can
        audio = mime if re.fullmatch(r"audio/[\w.+-]{1,40}", mime) else "audio/ogg"
        return web.Response(body=data, content_type=audio)
    safe_name = "".join(c for c in name if c.isalnum() or c in "._-")[:80] or "file"
    return web.Response(body=data, content_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{safe_name}"'})


def make_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=people.MAX_FILE + 2**20)
    app[SANDBOX] = sandbox
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", asset)
    app.router.add_get("/api/state", get_state)
    app.router.add_get("/api/file/{file_id}", file)
    for path, handler in (("/api/write", write), ("/api/upload", upload), ("/api/press", press),
                          ("/api/language", language), ("/api/clock", clock),
                          ("/api/reset", reset)):
        app.router.add_post(path, handler)
    return app
