"""Safety-net vocabulary added after set 21's review of the crisis lines the gate left clear.

Each family is read by the net, so a message carrying it never gets a topic answer or the
fallback without at least the check-in: things one will not need any more (pl); no way out
(zh); writing for the last time (hi); when everyone is asleep (hi, Hinglish); going to the
bridge or the roof (uk, ru). Each is also everyday, which is why it asks rather than routes to
crisis. The lines are invented.
"""

from __future__ import annotations

import pytest

from bot.gate.semantic.safety_net import SafetyNet

READ = [
    "oddałam siostrze książki, już mi się nie przydadzą",
    "真的没有出路了",
    "शायद आखिरी बार लिख रही हूँ यहाँ",
    "आज रात जब सब सो जाएंगे तब",
    "aaj raat jab sab so jayenge",
    "ввечері піду на дах",
    "завтра пойду на мост один",
]


@pytest.mark.parametrize("text", READ)
def test_new_wording_of_the_nets_families_is_read(net: SafetyNet, text: str) -> None:
    assert net.hits(text), text


NOT_READ = [
    "oddałam siostrze książki do czytania",
    "出口在哪里",
    "मैं रोज़ डायरी लिखता हूँ",
    "पुल पर चलेंगे",
    "піду на роботу",
    "пойду в магазин",
]


@pytest.mark.parametrize("text", NOT_READ)
def test_everyday_lines_beside_them_are_not_read(net: SafetyNet, text: str) -> None:
    assert not net.hits(text), text
