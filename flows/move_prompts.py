"""Moves without typing: a press on a move that needs words ([Selesai], [Teruskan], [Tolak]) or
a question ([Minta info]) answers with a reply prompt addressed to the officer who pressed
(force reply, selective: it mentions them); that officer's reply to it completes the move.

The prompt is remembered by its message id once sent (`MovePrompt` on the message's link,
stored by flows/delivery.py): the case, the move, the officer's pseudonym and when it expires.
Another officer's reply completes nothing; nor does a reply after it expired. A prompt asks for
one `step` ("text"); a move that needs more words later (issue 15: a conclusion and then a
recommendation) can answer one step with the prompt for the next.

[Selesai] takes two steps: the conclusion (the move is made; the reporter is told the
conclusion), then the recommendation for leadership (step "recommendation": recorded, never told
to the reporter).
"""

from __future__ import annotations

from datetime import timedelta

from flows import casework
from flows.commands import CaseRef
from flows.context import Answer, Context, Reply, Result
from flows.intents import Intent, Mention, MovePrompt, Say, ToStaff
from flows.lifecycle import MOVES_BY_TRIGGER, Move
from flows.model import Case

PROMPT_TTL = timedelta(minutes=30)
"""How long a prompt waits for its officer's reply."""
RECOMMENDATION = "recommendation"
"""The step after a conclusion: the recommendation for leadership."""


async def ask_for_words(ctx: Context, case: Case, move: Move, user_id: int, name: str) -> Reply:
    """The prompt for `move`'s words, in the case's topic, addressed to the officer."""
    prompt = MovePrompt(case.id, move.trigger, ctx.uow.actor_token("staff", user_id),
                        ctx.now + PROMPT_TTL)
    officer = Mention(name or "Petugas", user_id)
    say = Say(ToStaff(case.id), f"staff.prompt.{move.trigger}",
              {"officer": officer, "number": case.number}, lang=ctx.policy.staff_language,
              case_id=case.id, reply_prompt=f"staff.prompt_hint.{move.trigger}", awaits=prompt)
    return Reply([say], answer=Answer(""))


def ask_for_recommendation(ctx: Context, case: Case, user_id: int, name: str = "") -> Say:
    """The second step of [Selesai] (or of `/selesai` without "Rekomendasi:"): the
    recommendation for leadership, asked of the officer who concluded."""
    prompt = MovePrompt(case.id, "conclude", ctx.uow.actor_token("staff", user_id),
                        ctx.now + PROMPT_TTL, step=RECOMMENDATION)
    return Say(ToStaff(case.id), "staff.prompt.recommendation",
               {"officer": Mention(name or "Petugas", user_id), "number": case.number},
               lang=ctx.policy.staff_language, case_id=case.id,
               reply_prompt="staff.prompt_hint.recommendation", awaits=prompt)


async def answer(ctx: Context, message_id: int, user_id: int, text: str,
                 reply_in: ToStaff) -> Result | None:
    """A reply to message `message_id`: when that message is a prompt, what the reply does
    (completes the move, or says why not); None when it is no prompt."""
    uow, lang = ctx.uow, ctx.policy.staff_language
    prompt = await uow.prompts.get(message_id, ctx.staff_group)
    if prompt is None:
        return None
    found = await uow.cases.destination(prompt.case_id)
    if found is None or found.group != ctx.staff_group:
        return None  # another group's message with the same id: no prompt here
    number = found.number
    said: list[Intent]
    if uow.actor_token("staff", user_id) != prompt.actor:
        said = [Say(reply_in, "staff.prompt_not_yours", {"number": number}, lang=lang)]
        return said
    if prompt.expires <= ctx.now:
        await uow.prompts.remove(message_id, ctx.staff_group)
        return [Say(reply_in, "staff.prompt_expired", {"number": number}, lang=lang)]
    words = text.strip()
    if not words:
        return [Say(reply_in, "staff.prompt_empty", lang=lang)]
    move = MOVES_BY_TRIGGER[prompt.trigger]
    case = await casework.find_case(ctx, CaseRef(case_id=prompt.case_id))
    await uow.prompts.remove(message_id, ctx.staff_group)
    if prompt.step == RECOMMENDATION:
        return await casework.recommend(ctx, case, user_id, words, reply_in)
    if move.asks == "question":
        return await casework.move(ctx, case, move.trigger, user_id, None, reply_in,
                                   question=words)
    if move.trigger == "conclude":
        conclusion, recommendation = casework.split_recommendation(words)
        if not conclusion:
            return [Say(reply_in, "staff.prompt_empty", lang=lang)]
        moved = await casework.move(ctx, case, move.trigger, user_id, conclusion, reply_in,
                                    recommendation=recommendation)
        if recommendation is None:
            moved.append(ask_for_recommendation(ctx, case, user_id))
        return moved
    return await casework.move(ctx, case, move.trigger, user_id, words, reply_in)
