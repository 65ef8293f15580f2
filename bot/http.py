"""The Bot API over aiohttp: python-telegram-bot's `BaseRequest`, on one pooled aiohttp session.

python-telegram-bot's own client (`HTTPXRequest`, on httpx and httpcore) spends about half a
millisecond of CPU per call in its layers of locks, events and timeouts; aiohttp's client does
the same call in about a fifth of that. For a bot that makes one or two calls per update this is a
good part of its whole cost per update (benchmarks/README.md). `PELUIT_HTTP_CLIENT=httpx` goes
back to the library's own client.

It behaves as `HTTPXRequest` does, so python-telegram-bot cannot tell them apart:

- the same request bodies: parameters form-encoded (each value as the library encodes it), or,
  with files (`InputFile`), as multipart form data, the parameters as fields beside the files;
- the same four timeouts, with the same defaults and per-call overrides (`media_write_timeout`
  for uploads): a timeout raises `telegram.error.TimedOut` (a full pool says so), any other
  transport failure `telegram.error.NetworkError` naming aiohttp's error;
- HTTP status and body handed back untouched, whatever the status (the library judges them).

The environment is not trusted (`trust_env=False`: no proxy or netrc from variables), no cookies
are kept, and connections are pooled and kept alive, up to `connection_pool_size` at once.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

log = logging.getLogger("peluit.http")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
POOL_FULL = ("Pool timeout: All connections in the connection pool are occupied. Request was "
             "*not* sent to Telegram. Consider adjusting the connection pool size or the pool "
             "timeout.")


class AiohttpRequest(BaseRequest):
    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session", "_write")

    def __init__(self, connection_pool_size: int = 1, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0
                 ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write, self._connect = read_timeout, write_timeout, connect_timeout
        self._pool, self._media_write = pool_timeout, media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT}, raise_for_status=False,
                timeout=aiohttp.ClientTimeout(total=None))

    async def shutdown(self) -> None:
        if self._session is None or self._session.closed:
            return
        await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE,
                         write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        connect = self._connect if connect_timeout is BaseRequest.DEFAULT_NONE else connect_timeout
        pool = self._pool if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout
        write = ((self._media_write if files else self._write)
                 if write_timeout is BaseRequest.DEFAULT_NONE else write_timeout)
        body: Any = None
        headers: dict[str, str] | None = None
        if files:
            body = _multipart(request_data.json_parameters if request_data else {}, files)
        elif request_data is not None and request_data.json_parameters:
            body, headers = form(request_data.json_parameters), FORM
        # aiohttp has no write timeout of its own: the request as a whole gets every phase's
        # allowance; waiting for a pooled connection is bounded by `pool` (+ `connect` to open it).
        timeout = aiohttp.ClientTimeout(
            total=_sum(pool, connect, write, read), connect=_sum(pool, connect),
            sock_connect=connect, sock_read=read)
        try:
            async with session.request(method, url, data=body, headers=headers,
                                       timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut(message=POOL_FULL if _pool_full(session) else "Timed out") from err
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


def form(parameters: dict[str, str]) -> bytes:
    """Parameters form-encoded (application/x-www-form-urlencoded, UTF-8). yarl's quoter (C,
    installed with aiohttp) does in ~15 µs what `urllib.parse.urlencode` does in ~100 µs for a
    message with buttons (it quotes byte by byte in Python); what a server reads back is the
    same (`tests/unit/test_http_form.py`)."""
    return URL.build(query=parameters).raw_query_string.encode()


def _sum(*parts: float | None) -> float | None:
    """The sum of timeouts; None (no limit) when any of them is unlimited."""
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def _pool_full(session: aiohttp.ClientSession) -> bool:
    connector = session.connector
    return connector is not None and connector.limit > 0 and (
        len(getattr(connector, "_acquired", ())) >= connector.limit)


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, Any, str]]) -> aiohttp.FormData:
    """Parameters and files as multipart form data, as httpx builds it for the library."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


__all__ = ["AiohttpRequest"]
