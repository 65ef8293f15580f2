"""Turning domain values into the bytes that get encrypted, and back. JSON, nothing clever."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from flows.intake import Draft, Step
from flows.intents import (
    Button,
    ChatRoute,
    Intent,
    OpenTopic,
    Say,
    SendEvidence,
    Target,
    ToChat,
    ToReporter,
    ToStaff,
    WipeChat,
)


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def loads(data: bytes) -> Any:
    return json.loads(data.decode())


def draft_to_bytes(draft: Draft) -> bytes:
    data = asdict(draft)
    data["state"] = Step(draft.state).value
    data["created_at"] = draft.created_at.isoformat()
    data["updated_at"] = draft.updated_at.isoformat()
    data["sealed_contact"] = (
        base64.b64encode(draft.sealed_contact).decode() if draft.sealed_contact else None
    )
    return dumps(data)


def draft_from_bytes(raw: bytes) -> Draft:
    data = loads(raw)
    data["state"] = Step(data["state"])
    data["created_at"] = datetime.fromisoformat(data["created_at"])
    data["updated_at"] = datetime.fromisoformat(data["updated_at"])
    if data.get("sealed_contact"):
        data["sealed_contact"] = base64.b64decode(data["sealed_contact"])
    return Draft(**data)


def target_to_json(target: Target) -> dict[str, Any]:
    if isinstance(target, ToChat):
        return {"t": "chat", "route": int(target.route)}
    if isinstance(target, ToReporter):
        return {"t": "reporter", "case_id": target.case_id}
    return {"t": "staff", "case_id": target.case_id, "thread_id": target.thread_id}


def target_from_json(data: dict[str, Any]) -> Target:
    if data["t"] == "chat":
        return ToChat(ChatRoute(data["route"]))
    if data["t"] == "reporter":
        return ToReporter(data["case_id"])
    return ToStaff(data.get("case_id"), data.get("thread_id"))


def intent_target(intent: Intent) -> Target:
    if isinstance(intent, OpenTopic):
        return ToStaff(intent.case_id)
    return intent.to


def intent_to_json(intent: Intent) -> dict[str, Any]:
    """The intent without its target (the target is stored apart, under the routing key)."""
    if isinstance(intent, Say):
        return {
            "type": "say", "key": intent.key, "params": intent.params, "lang": intent.lang,
            "case_id": intent.case_id, "card": intent.card,
            "buttons": [[[b.key, b.data, b.params] for b in row] for row in intent.buttons],
            **({"reply_prompt": intent.reply_prompt} if intent.reply_prompt else {}),
        }
    if isinstance(intent, SendEvidence):
        return {"type": "evidence", "evidence_id": intent.evidence_id, "case_id": intent.case_id,
                "lang": intent.lang}
    if isinstance(intent, OpenTopic):
        return {"type": "topic", "case_id": intent.case_id}
    return {"type": "wipe", "first": intent.first_message_id, "last": intent.last_message_id}


def intent_from_json(data: dict[str, Any], target: Target) -> Intent:
    kind = data["type"]
    if kind == "say":
        buttons = tuple(tuple(Button(k, d, p) for k, d, p in row) for row in data["buttons"])
        return Say(target, data["key"], data["params"], buttons, data["lang"], data["case_id"],
                   data["card"], data.get("reply_prompt"))
    if kind == "evidence":
        return SendEvidence(target, data["evidence_id"], data["case_id"], data["lang"])
    if kind == "topic":
        return OpenTopic(data["case_id"])
    assert isinstance(target, ToChat)
    return WipeChat(target, data["first"], data["last"])
