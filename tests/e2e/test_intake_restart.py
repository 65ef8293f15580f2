"""Issue 3, Show: a draft survives the application stopping; a new process carries on with it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.intents import ChatRoute
from tests.e2e.harness import REPORT, STAFF_CHAT, Reporter, buttons, first_words, running_peluit

pytestmark = pytest.mark.e2e


def snippet(lang: str, key: str) -> str:
    return first_words(lang, key)


async def answer(r: Reporter, step: str, *, asked: bool = False) -> None:
    if not asked:
        await r.expect(snippet("id", f"intake.ask_{step}"))
    await r.say(REPORT[step])  # the next question follows


async def test_given_a_draft_half_written_when_the_bot_restarts_then_lapor_resumes_and_one_complete_case_is_filed(
    fake, tmp_path, database_url
):
    user = 987650021
    r = Reporter(fake, user)
    async with running_peluit(fake, tmp_path, database_url) as first:
        await r.say("/lapor")
        menu = await r.expect(button="i:cat:")
        penipuan = next(d for d in buttons(menu) if d.startswith("i:cat:") and d.endswith(":1"))
        await fake.press(user, menu, penipuan)
        await answer(r, "what")
        await answer(r, "who")
        await r.expect(snippet("id", "intake.ask_when"))
        await first.settle()
    first_app = first.app

    async with running_peluit(fake, tmp_path, database_url) as second:
        assert second.app is not first_app
        await r.say("/lapor")
        resumed = await r.expect(snippet("id", "intake.resume"))
        assert snippet("id", "intake.ask_when") in resumed["text"]  # where it stopped
        await answer(r, "when", asked=True)
        await answer(r, "where")
        await answer(r, "how")
        await r.expect(button="i:done:")
        await r.press("i:done:")
        await r.expect(button="i:anon:")
        await r.press("i:anon:")
        review = await r.expect(snippet("id", "intake.review"), button="i:submit:")
        for step in ("what", "who", "when", "where", "how"):
            assert REPORT[step] in review["text"]
        await r.press("i:submit:")
        await r.expect(snippet("id", "intake.submitted"), button="i:wipe:")
        await second.settle()

        async with second.services.db.uow() as uow:
            cases = await uow.cases.for_route(ChatRoute(user))
            counts = await uow.cases.counts(datetime.now(UTC))
            assert await uow.drafts.get(ChatRoute(user)) is None
        assert sum(counts.values()) == 1
        (case,) = cases
        assert case.category == "penipuan"
        assert case.report == REPORT
        (thread, _), = fake.topics(STAFF_CHAT).items()
        card = fake.bot_messages(STAFF_CHAT, thread_id=thread)[0]
        assert all(REPORT[step] in card["text"] for step in REPORT)
        # The category was asked once: the second process did not start the draft over.
        asked = [m for m in r.bot_messages() if snippet("id", "intake.ask_category") in m["text"]]
        assert len(asked) == 1
    assert fake.rejected == [], [(c.method, c.description) for c in fake.rejected]
    assert not fake.calls_to("forwardMessage")
