"""Commands reach the doors for real: an action queues them in the outbox, the outbox's worker publishes them to the
broker, and a door subscribed to its ``commands`` topic receives them."""

from __future__ import annotations

import json
from typing import Any

from shequ.cards import actions as card_actions
from shequ.core import outbox
from shequ.core.roles import Role
from shequ.population import actions as population_actions
from shequ.safety import commands
from shequ.safety.actions import credentials
from shequ.safety.choices import CredentialKind


def _commands_heard(listener: Any) -> list[dict[str, Any]]:
    return [json.loads(payload) for payload in listener.on("/commands")]


def test_a_move_out_reaches_her_buildings_door_as_a_revoke_command_through_the_broker(
        broker, listener, alice, make_staff, resident_person, door, yuyuan_door):
    card = card_actions.issue_card(actor=make_staff(Role.CLERK, "clerk"), person=resident_person)
    credentials.grant(actor=alice, person=resident_person, kinds=[CredentialKind.CARD])
    assert outbox.deliver_due() == 1
    listener.wait_for(lambda: len(_commands_heard(listener)) == 1)

    population_actions.move_out(actor=alice, person=resident_person, destination="浦东新区")
    assert outbox.deliver_due() == 1
    listener.wait_for(lambda: len(_commands_heard(listener)) == 2)

    [(topic, _payload, _retained)] = [m for m in listener.messages if "credential.revoke" in m[1].decode()]
    assert topic == commands.topic(door, "commands")  # her building's door only, not 愚园's
    revoke = json.loads(_payload)
    assert revoke["data"]["card"] == card.number
    assert "王秀英" not in _payload.decode()  # the door learns a card number, never her name

