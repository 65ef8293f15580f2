"""Turning domain values into the bytes that get encrypted, and back. JSON, nothing clever."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flows.buttons import decode, encode
from flows.intake import Draft, Step
from flows.intents import (
    PARAM_KINDS,
    Button,
    ChatRoute,
    EditCard,
    EditConfirmation,
    Intent,
    MarkMoved,
    Mention,
    MovePrompt,
    OpenTopic,
    RelayFile,
    Say,
    SendEvidence,
    SendReport,
    ShowTopicStatus,
    Target,
    ToChat,
    ToReporter,
    ToStaff,
    WipeChat,
)

_KINDS = {kind.__name__: kind for kind in PARAM_KINDS}
_KIND = "$kind"


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
    data: dict[str, Any] = {"t": "staff", "case_id": target.case_id, "thread_id": target.thread_id}
    if target.group is not None:
        data["group"] = target.group
    return data


def target_from_json(data: dict[str, Any]) -> Target:
    if data["t"] == "chat":
        return ToChat(ChatRoute(data["route"]))
    if data["t"] == "reporter":
        return ToReporter(data["case_id"])
    return ToStaff(data.get("case_id"), data.get("thread_id"), data.get("group"))


def _param_to_json(value: object) -> object:
    """A parameter, with its kind when it has one (`StatusName`, `CaseRows`...)."""
    kind = type(value)
    if isinstance(value, Mention):
        return {_KIND: "Mention", "v": str(value), "id": value.user_id}
    if kind.__name__ in _KINDS and _KINDS[kind.__name__] is kind:
        plain = str(value) if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        return {_KIND: kind.__name__, "v": plain}
    return value


def _param_from_json(value: object) -> object:
    if isinstance(value, dict) and value.get(_KIND) == "Mention":
        return Mention(value["v"], int(value["id"]))
    if isinstance(value, dict) and _KIND in value and value[_KIND] in _KINDS:
        return _KINDS[value[_KIND]](value["v"])
    return value


def _prompt_to_json(prompt: MovePrompt) -> dict[str, Any]:
    return {"case_id": prompt.case_id, "trigger": prompt.trigger, "actor": prompt.actor,
            "expires": prompt.expires.isoformat(), "step": prompt.step}


def _prompt_from_json(data: dict[str, Any]) -> MovePrompt:
    return MovePrompt(data["case_id"], data["trigger"], data["actor"],
                      datetime.fromisoformat(data["expires"]), data.get("step", "text"))


def intent_to_json(intent: Intent) -> dict[str, Any]:
    """The intent without its target (the target is stored apart, under the routing key)."""
    if isinstance(intent, Say):
        return {
            "type": "say", "key": intent.key,
            "params": {k: _param_to_json(v) for k, v in intent.params.items()},
            "lang": intent.lang, "case_id": intent.case_id, "card": intent.card,
            "buttons": [[[b.key, encode(b.data), b.params] for b in row] for row in intent.buttons],
            **({"reply_prompt": intent.reply_prompt} if intent.reply_prompt else {}),
            **({"link": intent.link_kind} if intent.link_kind != "note" else {}),
            **({"relay_id": intent.relay_id} if intent.relay_id else {}),
            **({"silent": True} if intent.silent else {}),
            **({"awaits": _prompt_to_json(intent.awaits)} if intent.awaits else {}),
        }
    if isinstance(intent, RelayFile):
        return {"type": "relay_file", "case_id": intent.case_id, "number": intent.number,
                "kind": intent.kind, "data": base64.b64encode(intent.data).decode(),
                "mime_type": intent.mime_type, "text": intent.text, "lang": intent.lang,
                "relay_id": intent.relay_id}
    if isinstance(intent, EditConfirmation):
        return {"type": "edit_confirmation", "relay_id": intent.relay_id, "key": intent.key,
                "params": {k: _param_to_json(v) for k, v in intent.params.items()},
                "lang": intent.lang}
    if isinstance(intent, EditCard):
        return {"type": "edit_card", "card": intent_to_json(intent.card)}
    if isinstance(intent, ShowTopicStatus):
        return {"type": "topic_status", "case_id": intent.case_id, "number": intent.number,
                "category": intent.category, "status": intent.status, "close": intent.close}
    if isinstance(intent, SendReport):
        return {"type": "report", "kind": intent.kind, "case_id": intent.case_id,
                "start": intent.start.isoformat() if intent.start else None,
                "end": intent.end.isoformat() if intent.end else None, "lang": intent.lang}
    if isinstance(intent, SendEvidence):
        return {"type": "evidence", "evidence_id": intent.evidence_id, "case_id": intent.case_id,
                "lang": intent.lang}
    if isinstance(intent, OpenTopic):
        return {"type": "topic", "case_id": intent.case_id}
    if isinstance(intent, MarkMoved):
        return {"type": "moved", "number": intent.number, "card": intent.card_message_id,
                "key": intent.key, "lang": intent.lang}
    return {"type": "wipe", "first": intent.first_message_id, "last": intent.last_message_id}


def intent_from_json(data: dict[str, Any], target: Target) -> Intent:
    kind = data["type"]
    if kind == "say":
        buttons = tuple(tuple(Button(k, decode(d), p) for k, d, p in row)  # type: ignore[arg-type]
                        for row in data["buttons"])
        params = {k: _param_from_json(v) for k, v in data["params"].items()}
        awaits = data.get("awaits")
        return Say(target, data["key"], params, buttons, data["lang"], data["case_id"],
                   data["card"], data.get("reply_prompt"), data.get("link", "note"),
                   data.get("relay_id"), data.get("silent", False),
                   _prompt_from_json(awaits) if awaits else None)
    if kind == "relay_file":
        assert isinstance(target, ToReporter)
        return RelayFile(target, data["case_id"], data["number"], data["kind"],
                         base64.b64decode(data["data"]), data["mime_type"], data["text"],
                         data["lang"], data["relay_id"])
    if kind == "edit_confirmation":
        assert isinstance(target, ToStaff)
        return EditConfirmation(target, data["relay_id"], data["key"],
                                {k: _param_from_json(v) for k, v in data["params"].items()},
                                data["lang"])
    if kind == "edit_card":
        return EditCard(intent_from_json(data["card"], target))  # type: ignore[arg-type]
    if kind == "topic_status":
        return ShowTopicStatus(data["case_id"], data["number"], data["category"], data["status"],
                               data["close"])
    if kind == "report":
        assert isinstance(target, ToStaff)
        return SendReport(target, data["kind"], data["case_id"],
                          date.fromisoformat(data["start"]) if data["start"] else None,
                          date.fromisoformat(data["end"]) if data["end"] else None, data["lang"])
    if kind == "evidence":
        return SendEvidence(target, data["evidence_id"], data["case_id"], data["lang"])
    if kind == "topic":
        return OpenTopic(data["case_id"])
    if kind == "moved":
        assert isinstance(target, ToStaff)
        return MarkMoved(target, data["number"], data["card"], data["key"], data["lang"])
    assert isinstance(target, ToChat)
    return WipeChat(target, data["first"], data["last"])
