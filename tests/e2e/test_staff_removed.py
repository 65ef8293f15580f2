"""A staff member removed from the staff group loses staff powers at once, not when the cached
membership runs out: Telegram tells the bot (an administrator) with a chat_member update, and the
bot forgets what it had cached. In polling and in webhook mode."""

from __future__ import annotations

import json

import pytest

from tests.e2e.harness import STAFF, STAFF_CHAT, running_peluit
from tests.e2e.test_polling_faults import free_port
from tests.e2e.test_staff_journey import assert_clean, last_id, next_in_group, snippet, staff_says
from tests.e2e.test_staff_rules import group_bodies_after

pytestmark = pytest.mark.e2e


def _webhook() -> dict:
    port = free_port()
    return {"PELUIT_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "PELUIT_WEBHOOK_PORT": port}


def _allowed_updates(fake, webhook: bool) -> list[str]:
    call = fake.calls_to("setWebhook" if webhook else "getUpdates")[-1]
    allowed = call.params["allowed_updates"]
    return json.loads(allowed) if isinstance(allowed, str) else allowed


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_given_a_staff_member_removed_from_the_group_then_their_late_command_counts_for_nothing(
    fake, tmp_path, database_url, webhook
):
    mode = _webhook() if webhook else {}
    async with running_peluit(fake, tmp_path, database_url, PELUIT_MEMBER_CACHE_SECONDS=3600,
                              **mode) as peluit:
        assert "chat_member" in _allowed_updates(fake, webhook)
        # Given a colleague whose membership the bot has checked (and cached for an hour).
        mark = last_id(fake, STAFF_CHAT)
        sent = await staff_says(fake, "/bantuan", user=STAFF[1])
        await next_in_group(fake, snippet("staff.help"), mark)

        # When they are removed from the group, and a command of theirs arrives afterwards (sent
        # as they were removed, delivered late).
        fake.set_member(STAFF_CHAT, STAFF[1], "kicked")
        mark = last_id(fake, STAFF_CHAT)
        await staff_says(fake, "/bantuan")  # the removal is handled before this (same chat)
        await next_in_group(fake, snippet("staff.help"), mark)
        mark = last_id(fake, STAFF_CHAT)
        late = {**sent, "message_id": sent["message_id"] + 1000}
        await fake.inject_raw_update({"update_id": 700_000_201, "message": late})
        await staff_says(fake, "/bantuan")
        await fake.wait_for(lambda: not fake.pending_update_ids())  # all handled
        await peluit.settle()

    # Then only the member who stayed was answered: the removed one got nothing.
    assert len(group_bodies_after(fake, mark)) == 1
    assert_clean(fake)
