"""What a button press carries, both ways, in one place: typed values in, Telegram's callback data
(at most 64 bytes) out, and back.

Callback data comes from the person's client, so `decode` trusts nothing: anything it cannot read
is None (a stale or forged press). The wire format is the one messages already in people's chats
carry, so buttons sent before an upgrade keep working.

    i:<action>:<version>:<arg>   an intake step's button (version: the draft's, for stale presses)
    i:wipe:<first message id>:   delete the report's messages (after submission)
    m:<choice>[:<arg>]           the /start menu
    c:<trigger>:<case id>        a staff move on the case card
    r:<relay id>                 [Batalkan] on a relay's confirmation: take the relay back
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64
"""Telegram's limit on callback data."""
INTAKE, MENU, MOVE, RELAY = "i", "m", "c", "r"
WIPE = "wipe"


@dataclass(frozen=True)
class IntakeButton:
    action: str
    version: int
    arg: str = ""


@dataclass(frozen=True)
class WipeButton:
    first_message_id: int


@dataclass(frozen=True)
class MenuButton:
    choice: str
    arg: str = ""


@dataclass(frozen=True)
class MoveButton:
    trigger: str
    case_id: str


@dataclass(frozen=True)
class RelayButton:
    relay_id: str


ButtonData = IntakeButton | WipeButton | MenuButton | MoveButton | RelayButton


def encode(button: ButtonData) -> str:
    if isinstance(button, IntakeButton):
        data = f"{INTAKE}:{button.action}:{button.version}:{button.arg}"
    elif isinstance(button, WipeButton):
        data = f"{INTAKE}:{WIPE}:{button.first_message_id}:"
    elif isinstance(button, MenuButton):
        data = f"{MENU}:{button.choice}" + (f":{button.arg}" if button.arg else "")
    elif isinstance(button, RelayButton):
        data = f"{RELAY}:{button.relay_id}"
    else:
        data = f"{MOVE}:{button.trigger}:{button.case_id}"
    assert len(data.encode()) <= MAX_BYTES, "callback data over Telegram's 64 bytes"
    return data


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def decode(data: str | None) -> ButtonData | None:
    """The button a press carries, or None when the data is not one Peluit made."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    prefix, _, rest = data.partition(":")
    if prefix == INTAKE:
        action, version, arg = ([*rest.split(":", 2), "", ""])[:3]
        if action == WIPE:
            first = _number(version)
            return WipeButton(first) if first is not None and arg == "" else None
        number = _number(version)
        if not action or number is None:
            return None
        return IntakeButton(action, number, arg)
    if prefix == MENU:
        choice, _, arg = rest.partition(":")
        return MenuButton(choice, arg) if choice else None
    if prefix == MOVE:
        trigger, _, case_id = rest.partition(":")
        return MoveButton(trigger, case_id) if trigger and case_id else None
    if prefix == RELAY:
        return RelayButton(rest) if rest and ":" not in rest else None
    return None
