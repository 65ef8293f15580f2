"""The Bot API's form bodies (bot/http.py `form`): what a server reads back is exactly what was
sent, as with `urllib.parse.urlencode`, for any text."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st

from bot.http import form

values = st.text(st.characters(codec="utf-8"), max_size=60)
names = st.sampled_from(["chat_id", "text", "reply_markup", "parse_mode", "a b", "x&y=z+", "ü"])


@given(st.dictionaries(names, values, max_size=5))
def test_given_any_parameters_when_form_encoded_then_a_server_reads_back_the_same(params):
    body = form(params).decode("ascii")  # percent-encoded: nothing but ASCII on the wire
    assert parse_qsl(body, keep_blank_values=True) == list(params.items())
    assert parse_qsl(body, keep_blank_values=True) == parse_qsl(urlencode(params),
                                                                keep_blank_values=True)


def test_given_a_message_with_buttons_then_reserved_characters_are_escaped():
    body = form({"text": "a+b=c & 100% “ok” — <b>", "reply_markup": '{"k": [1]}'}).decode()
    assert body == ("text=a%2Bb%3Dc+%26+100%25+%E2%80%9Cok%E2%80%9D+%E2%80%94+%3Cb%3E"
                    "&reply_markup=%7B%22k%22:+%5B1%5D%7D")
