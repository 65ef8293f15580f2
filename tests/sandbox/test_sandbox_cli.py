"""Issue 12: `peluit sandbox` starts the sandbox (loopback only, a throwaway data dir, its URL
printed); production `peluit` never falls back to it and fails fast without a real token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.settings import PLACEHOLDER_TOKEN, SettingsError, load_settings
from sandbox.guard import NotLoopback, is_loopback, refuse_real_telegram, token_configured

REAL_LOOKING = "123456789:AAH-real-looking-token-0123456789abcdef"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PELUIT_"))}
    env.update(TMPDIR=str(tmp_path / "tmp"), **extra)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return env


def peluit(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=clean_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def no_configuration(tmp_path, monkeypatch):
    """A working directory without .env, and no Telegram or Peluit settings in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "PELUIT_")):
            monkeypatch.delenv(name)


def test_given_the_placeholder_token_from_env_example_when_the_bot_starts_then_it_counts_as_not_configured(
    no_configuration, monkeypatch
):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", PLACEHOLDER_TOKEN)
    monkeypatch.setenv("PELUIT_STAFF_CHAT_ID", "-1001234567890")
    with pytest.raises(SettingsError) as stopped:
        load_settings()
    assert "TELEGRAM_BOT_TOKEN" in str(stopped.value) and "peluit sandbox" in str(stopped.value)
    assert not token_configured()


def test_given_a_real_looking_token_when_asked_then_it_is_configured(no_configuration, monkeypatch):
    assert not token_configured()
    (Path.cwd() / ".env").write_text(f"TELEGRAM_BOT_TOKEN={REAL_LOOKING}\n")
    assert token_configured()


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:8081", True), ("http://localhost:9000/x", True), ("http://[::1]:80", True),
    ("http://127.8.9.10", True), ("https://api.telegram.org", False), ("http://10.0.0.5:8081", False),
    ("http://127.0.0.1.example.com", False), ("not a url", False),
])
def test_loopback_is_recognised(url, loopback):
    assert is_loopback(url) is loopback


def test_given_telegram_as_the_api_url_when_the_sandbox_is_asked_to_start_then_it_refuses():
    refuse_real_telegram(None)
    refuse_real_telegram("http://127.0.0.1:8081")
    for url in ("https://api.telegram.org", "http://192.168.1.10:8081"):
        with pytest.raises(NotLoopback):
            refuse_real_telegram(url)


@pytest.mark.parametrize("token", ["", PLACEHOLDER_TOKEN])
def test_given_no_real_token_when_peluit_runs_then_it_fails_fast_and_never_starts_the_sandbox(tmp_path, token):
    started = time.monotonic()
    done = peluit(tmp_path, "run", TELEGRAM_BOT_TOKEN=token)
    assert done.returncode != 0 and time.monotonic() - started < 30
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "SANDBOX" not in done.stdout
    assert not (tmp_path / "data").exists()  # no keys, no database for a configuration that never worked


def test_given_telegram_as_api_url_when_peluit_sandbox_starts_then_it_refuses(tmp_path):
    done = peluit(tmp_path, "sandbox", "--port", "0", TELEGRAM_API_URL="https://api.telegram.org")
    assert done.returncode != 0 and "not on this machine" in done.stderr


def test_given_no_token_when_peluit_sandbox_runs_then_it_serves_the_page_on_loopback_and_cleans_up(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "bot", "sandbox", "--port", "0"], cwd=tmp_path,
                               env=clean_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        url, said = "", []
        deadline = time.monotonic() + 60
        while not url and time.monotonic() < deadline:
            said.append(process.stdout.readline())
            assert said[-1], process.stderr.read()
            if "Open  http://127.0.0.1:" in said[-1]:
                url = said[-1].split()[1]
        assert "PELUIT SANDBOX  -  this is NOT Telegram" in "".join(said)
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=10) as page:
            assert "SANDBOX" in page.read().decode()
        assert list((tmp_path / "tmp").glob("peluit-sandbox-*"))  # its throwaway data dir
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert not list((tmp_path / "tmp").glob("peluit-sandbox-*"))  # removed at exit
    assert not (tmp_path / "data").exists()


def test_guard_module_tells_scripts_run_whether_a_token_is_configured(tmp_path):
    def guard(**env: str) -> int:
        return subprocess.run([sys.executable, "-m", "sandbox.guard"], cwd=tmp_path,
                              env=clean_env(tmp_path, **env), timeout=60).returncode
    assert guard() == 1
    assert guard(TELEGRAM_BOT_TOKEN=PLACEHOLDER_TOKEN) == 1
    assert guard(TELEGRAM_BOT_TOKEN=REAL_LOOKING) == 0
