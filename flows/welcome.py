"""The first thing a reporter sees: the welcome, naming the institution, with the menu."""

from __future__ import annotations

from flows.buttons import MenuButton
from flows.intents import Button, ChatRoute, Institution, Keyboard, Say, ToChat
from flows.policy import Policy


def menu() -> Keyboard:
    return (
        (Button("button.report", MenuButton("lapor")), Button("button.status", MenuButton("status"))),
        (Button("button.help", MenuButton("help")), Button("button.privacy", MenuButton("privacy"))),
        (Button("button.lang_id", MenuButton("lang", "id")),
         Button("button.lang_en", MenuButton("lang", "en"))),
    )


def welcome(policy: Policy, route: ChatRoute, language: str) -> Say:
    """`/start`, and a first message from someone with no report yet ("halo, saya mau lapor")."""
    return Say(ToChat(route), "start.welcome", {"institution": Institution(policy.institution_name)},
               lang=language, buttons=menu())


def reporter_help(policy: Policy, route: ChatRoute, language: str) -> Say:
    return Say(ToChat(route), "help.reporter",
               {"institution": Institution(policy.institution_name)}, lang=language)
