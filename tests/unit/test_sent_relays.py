"""What the sender tells the bus about a sent message: only a staff relay on its way to the
reporter needs its leaving recorded (its confirmation in the group is edited)."""

from __future__ import annotations

from flows.delivery_model import Queued, Sent
from flows.intents import ChatRoute, RelayFile, Say, ToChat, ToReporter, ToStaff


def test_given_a_relay_to_the_reporter_then_it_is_one_and_other_messages_are_not():
    relay = Say(ToReporter("c1"), "relay.text", relay_id="r1")
    file_relay = RelayFile(ToReporter("c1"), "c1", "WBS-1", "photo", b"x", "image/jpeg",
                           relay_id="r2")
    confirmation = Say(ToStaff(thread_id=5), "relay.confirm", relay_id="r1")  # in the group
    to_reporter = Say(ToReporter("c1"), "case.update")  # no relay id: not a relay
    reply = Say(ToChat(ChatRoute(42)), "intake.saved")
    assert Queued(1, relay.to, relay).is_relay
    assert Queued(2, file_relay.to, file_relay).is_relay
    for n, intent in enumerate((confirmation, to_reporter, reply), start=3):
        assert not Queued(n, intent.to, intent).is_relay


def test_given_a_sent_message_of_unknown_kind_then_it_is_looked_up_as_a_possible_relay():
    assert Sent(7).relay is True  # the safe default: a relay is never left unrecorded
