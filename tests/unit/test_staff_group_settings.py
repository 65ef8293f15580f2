"""PELUIT_ESCALATION_CHAT_ID and PELUIT_ROUTES: read, checked, and a calm word when wrong."""

from __future__ import annotations

import pytest

from bot.app import policy_from
from bot.settings import SettingsError, load_settings

TOKEN = "123456:abcdefghijklmnopqrstuvwxyz"
MAIN = -1001000000000


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    for name in ("PELUIT_ESCALATION_CHAT_ID", "PELUIT_ROUTES", "PELUIT_STAFF_CHAT_ID",
                 "TELEGRAM_BOT_TOKEN", "PELUIT_CATEGORIES"):
        monkeypatch.delenv(name, raising=False)


def _load(monkeypatch: pytest.MonkeyPatch, **env: str):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("PELUIT_STAFF_CHAT_ID", str(MAIN))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def test_given_one_group_then_there_is_one_group_and_no_route(monkeypatch) -> None:
    settings = _load(monkeypatch)
    assert settings.staff_groups == (MAIN,)
    policy = policy_from(settings)
    assert policy.escalation_group is None and policy.routes == ()
    assert policy.staff_groups == (None,)


def test_given_escalation_and_routes_then_both_are_read(monkeypatch) -> None:
    settings = _load(monkeypatch, PELUIT_ESCALATION_CHAT_ID="-1002000000001",
                     PELUIT_ROUTES=" pelecehan:-1002000000002 , netralitas:-1002000000003,")
    assert settings.routes == (("pelecehan", -1002000000002), ("netralitas", -1002000000003))
    assert settings.staff_groups == (MAIN, -1002000000001, -1002000000002, -1002000000003)
    policy = policy_from(settings)
    assert policy.escalation_group == -1002000000001
    assert dict(policy.routes) == {"pelecehan": -1002000000002, "netralitas": -1002000000003}


def test_given_a_route_to_the_main_group_then_it_is_no_route(monkeypatch) -> None:
    settings = _load(monkeypatch, PELUIT_ROUTES=f"pelecehan:{MAIN}")
    assert policy_from(settings).routes == ()


@pytest.mark.parametrize(("env", "said"), [
    ({"PELUIT_ROUTES": "pelecehan"}, "PELUIT_ROUTES"),
    ({"PELUIT_ROUTES": "pelecehan:abc"}, "not a chat id"),
    ({"PELUIT_ROUTES": "pelecehan:12345"}, "negative"),
    ({"PELUIT_ROUTES": "pelecehan:-1002,pelecehan:-1003"}, "routed twice"),
    ({"PELUIT_ROUTES": "pencurian:-1002000000002"}, "not one of PELUIT_CATEGORIES"),
    ({"PELUIT_ESCALATION_CHAT_ID": str(MAIN)}, "PELUIT_ESCALATION_CHAT_ID"),
    ({"PELUIT_ESCALATION_CHAT_ID": "777"}, "PELUIT_ESCALATION_CHAT_ID"),
    ({"PELUIT_ESCALATION_CHAT_ID": "-1002", "PELUIT_ROUTES": "pelecehan:-1002"},
     "escalation group"),
])
def test_given_a_wrong_group_setting_then_start_up_stops_with_a_calm_word(
    monkeypatch, env: dict[str, str], said: str,
) -> None:
    with pytest.raises(SettingsError) as stopped:
        _load(monkeypatch, **env)
    text = str(stopped.value)
    assert "Peluit cannot start" in text and said in text
    assert "Traceback" not in text
