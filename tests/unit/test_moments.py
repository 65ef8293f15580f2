"""Dates and times shown to people: the reader's language, the institution's zone, one formatter
(bot/render.py); the institution named in the welcome and the help."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import render
from bot.render import format_moment, render_say, zone_label
from flows.intents import ChatRoute, Institution, Moment, Say, Timeline, ToChat, moment
from flows.policy import Policy
from flows.welcome import reporter_help, welcome

MONTHS = {"id": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split(),
          "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()}
ZONES = ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura", "UTC",
         "Asia/Kolkata", "America/Sao_Paulo", "Europe/Amsterdam", "Pacific/Chatham",
         "America/St_Johns"]
SHAPE = re.compile(r"^(\d{1,2}) (\w{3}) (\d{4}), (\d{2})([.:])(\d{2}) (WIB|WITA|WIT|UTC(?:[+-]\d{1,2}(?::\d{2})?)?)$")
moments = st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2200, 12, 30),
                       timezones=st.just(UTC))


def test_given_the_example_then_it_reads_as_people_write_it() -> None:
    at = datetime(2026, 11, 28, 7, 5, 40, tzinfo=UTC)
    jakarta = ZoneInfo("Asia/Jakarta")
    assert format_moment(at, "id", jakarta) == "28 Nov 2026, 14.05 WIB"
    assert format_moment(at, "en", jakarta) == "28 Nov 2026, 14:05 WIB"
    assert format_moment(at, "id", ZoneInfo("Asia/Makassar")) == "28 Nov 2026, 15.05 WITA"
    assert format_moment(at, "en", ZoneInfo("Asia/Jayapura")) == "28 Nov 2026, 16:05 WIT"
    assert format_moment(datetime(2026, 8, 17, 23, 30, tzinfo=UTC), "id", jakarta) == (
        "18 Agu 2026, 06.30 WIB")  # the next day in Jakarta, in Indonesian
    assert format_moment(at, "en", ZoneInfo("Asia/Kolkata")) == "28 Nov 2026, 12:35 UTC+5:30"
    assert format_moment(at, "en", ZoneInfo("UTC")) == "28 Nov 2026, 07:05 UTC"
    assert format_moment(at, "id", ZoneInfo("America/Sao_Paulo")) == "28 Nov 2026, 04.05 UTC-3"


@given(at=moments, zone_name=st.sampled_from(ZONES), language=st.sampled_from(["id", "en"]))
def test_given_any_moment_and_zone_then_the_text_is_that_moment_in_that_zone(
    at: datetime, zone_name: str, language: str,
) -> None:
    zone = ZoneInfo(zone_name)
    shown = format_moment(at, language, zone)

    match = SHAPE.match(shown)
    assert match, shown
    day, month, year, hour, sep, minute, label = match.groups()
    local = at.astimezone(zone)
    assert (int(day), MONTHS[language].index(month) + 1, int(year), int(hour), int(minute)) == (
        local.day, local.month, local.year, local.hour, local.minute)
    assert sep == ("." if language == "id" else ":")
    assert label == zone_label(zone, local)
    if label.startswith("UTC"):  # the label is the true offset at that moment (summer time too)
        sign = -1 if "-" in label else 1
        hours, _, mins = label[3:].lstrip("+-").partition(":")
        offset = timedelta(hours=int(hours or 0), minutes=int(mins or 0)) * sign
        assert offset == local.utcoffset()


@given(at=moments)
def test_given_a_moment_stored_as_a_parameter_then_it_renders_the_same_to_the_minute(
    at: datetime,
) -> None:
    stored = moment(at)
    assert isinstance(stored, Moment) and stored.endswith("+00:00")
    assert datetime.fromisoformat(stored) == at.replace(second=0, microsecond=0)
    jakarta = ZoneInfo("Asia/Jakarta")
    assert render._moment("id", stored) == format_moment(at, "id", jakarta)  # default zone


def test_given_the_institution_zone_then_status_timelines_use_it() -> None:
    at = datetime(2026, 11, 28, 7, 5, tzinfo=UTC)
    say = Say(ToChat(ChatRoute(1)), "status.show", {
        "number": "WBS-2026-0001", "status": "received", "question": "", "outcome": "",
        "contact": "", "timeline": Timeline([[moment(at), "relay.to_staff", ""],
                                             [moment(at), "case.moved", "verifying"]])}, lang="id")
    try:
        render.set_zone(ZoneInfo("Asia/Makassar"))
        body = render_say(say).texts[0]
    finally:
        render.set_zone(ZoneInfo("Asia/Jakarta"))
    assert "28 Nov 2026, 15.05 WITA · Anda menjawab pertanyaan petugas" in body
    assert "28 Nov 2026, 15.05 WITA · Status menjadi: " in body
    assert "Jawaban Anda" not in body


def test_given_an_old_day_only_timeline_row_then_it_is_shown_as_it_was() -> None:
    assert render.timeline_lines("en", [["2026-11-28", "case.submitted", "korupsi"]]) == [
        "2026-11-28 · You sent the report"]


@pytest.mark.parametrize(("language", "neutral"), [("id", "instansi kami"),
                                                   ("en", "our institution")])
def test_given_an_institution_name_then_welcome_and_help_name_it_else_a_neutral_wording(
    language: str, neutral: str,
) -> None:
    named = Policy(categories=("korupsi",), institution_name="Inspektorat Kabupaten Contoh")
    unnamed = Policy(categories=("korupsi",))
    route = ChatRoute(5)
    for make in (welcome, reporter_help):
        assert "Inspektorat Kabupaten Contoh" in render_say(make(named, route, language)).texts[0]
        body = render_say(make(unnamed, route, language)).texts[0]
        assert neutral in body and "{institution}" not in body
    assert render._words(language, Institution("A &amp; <b>")) == "A &amp; <b>"  # escaped by fill
    escaped = render_say(Say(ToChat(route), "start.welcome",
                             {"institution": Institution("Dinas <A&B>")}, lang=language))
    assert "Dinas &lt;A&amp;B&gt;" in escaped.texts[0]


def test_given_the_settings_then_zone_and_institution_reach_the_bot_and_a_bad_zone_stops_start_up(
) -> None:
    from bot.app import policy_from
    from bot.settings import SettingsError, load_settings

    settings = load_settings(require_telegram=False, PELUIT_INSTITUTION_NAME=" Inspektorat Contoh ",
                             PELUIT_TIMEZONE="Asia/Jayapura")
    assert settings.zone == ZoneInfo("Asia/Jayapura")
    assert policy_from(settings).institution_name == "Inspektorat Contoh"
    default = load_settings(require_telegram=False)
    assert (default.zone, policy_from(default).institution_name) == (ZoneInfo("Asia/Jakarta"), "")
    with pytest.raises(SettingsError, match="PELUIT_TIMEZONE"):
        load_settings(require_telegram=False, PELUIT_TIMEZONE="Jakarta")
