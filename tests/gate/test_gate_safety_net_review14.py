"""Safety-net vocabulary added after set 14's review of the crisis lines the gate left clear.

Each family is read by the net, so a message carrying it never gets a topic answer or the
fallback without at least the check-in (unless the semantic detector is confidently benign):
not lasting until a day, a weekday or the next session; being a burden or a cost that soon
stops; having made one's peace; asking someone to look after a parent "for me"; "it's over"
and "I've decided" (Arabic, Arabizi); nobody needing one any more; "forgive me" as a farewell;
lethal poisons kept at home (zh); "die on the spot" (zh). The lines are invented.
"""

from __future__ import annotations

import pytest

from bot.gate.semantic.safety_net import SafetyNet

READ = [
    "i've made my peace with everything now",
    "look after your mom for me, ok?",
    "keine ahnung ob ich nächste woche noch da bin",
    "prometo que vou parar de dar trabalho",
    "chissà se arrivo a sabato",
    "не знаю, доживу до пятницы или нет",
    "не доживу до весни мабуть",
    "nie wiem czy dożyję do świąt",
    "annene iyi bak, tamam mı",
    "خلاص قررت وما في رجعة",
    "5elset 2essti ya jame3a",
    "sam7ini ya emme",
    "अब मेरी ज़रूरत नहीं किसी को",
    "मैं अगले महीने नहीं रहूँगा",
    "ab meri zarurat nahi hai yahan",
    "家里有百草枯",
    "今天真的想原地去世",
]


@pytest.mark.parametrize("text", READ)
def test_new_wording_of_the_nets_families_is_read(net: SafetyNet, text: str) -> None:
    assert net.hits(text), text


NOT_READ = [
    "i've made my bed, now the dishes",
    "look after yourself this weekend",
    "ist noch Kaffee da?",
    "vou parar de trabalhar às seis",
    "arrivo a casa alle sette",
    "доживём до понедельника, сказал учитель",
]


@pytest.mark.parametrize("text", NOT_READ)
def test_everyday_neighbours_of_those_families_are_not_read(net: SafetyNet, text: str) -> None:
    assert not net.hits(text), text
