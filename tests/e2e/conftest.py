from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sandbox.botapi import FakeTelegram
from tests.e2e.harness import world


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram("7000000001:AAH-peluit-test-token-0123456789abcdef")
    await server.start()
    world(server)
    try:
        yield server
    finally:
        await server.stop()
