"""Safety-net idioms: everyday sayings whose death words the net does not read.

Each family of ``idioms:`` in ``bot/gate/semantic/safety_net.yaml`` has an everyday line the net
no longer reads, the same saying beside one's own crisis words (the gate still routes crisis),
and beside another safety-net word (the net still reads that one).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import ModelError
from bot.gate import CrisisGate
from bot.gate.semantic.safety_net import (
    SafetyNet,
    _alternation,
    fold,
    folded_text,
    idiom_regex,
)

IDIOMS = [
    "my laptop just died halfway through the form, can i start again",
    "the charger is dead so i'm on 3%",
    "how do i kill the process that holds port 8080",
    "ran sudo kill and it still hangs",
    "fatal error when i open the app",
    "killing some time before the appointment",
    "dying to find out what the results say",
    "her lasagne is to die for",
    "i'm dead tired after the night shift",
    "my character keeps dying in the second level",
    "i keep dying at the first boss",
    "we died laughing at the wedding speech",
    "waiting that long will kill me lol",
    "my mum is going to kill me when she finds out i dyed my hair",
    "this homework is killing me",
    "a documentary about the black death",
    "my brother ate my fries again, i'll murder him lol",
    "overdosed on christmas movies all weekend",
    "is there data on suicide rates in teenagers for my essay",
    "estaba muerto de hambre después del gimnasio",
    "vou matar o trabalho hoje pra ir ao médico",
    "je suis morte de rire devant ce film",
    "sono morta dal sonno, vado a letto",
    "ik lachte me dood om die film",
    "tata mnie zabije jak zobaczy rachunek",
    "опять умираю на боссе, подскажите билд",
    "ये ठंड तो मेरी जान ले लेगी",
    "우분투에서 멈춘 프로세스 kill 어떻게 해",
    "昨日は死ぬほど笑った",
    "引っ越しの日、暑くて死ぬかと思った",
    # a relative's or a pet's death told as such: grief, not the person's own wish
    "мой дедушка умер в марте, как пережить первый праздник без него?",
    "è mancata mia nonna, come scrivo due parole per il funerale?",
    "mijn oma is overleden, mag ik vrij vragen op mijn werk?",
    "помер мій дідусь, як підтримати маму?",
    "babaannem vefat etti, taziye mesajı nasıl yazılır?",
    "se murió mi perro después de 14 años",
    "minha avó faleceu na semana passada",
    "ma grand-mère est décédée, comment l'annoncer à mon fils ?",
    "meine oma ist gestorben, wie schreibe ich eine trauerkarte?",
    "zmarł mi dziadek, jak zorganizować pogrzeb?",
    "dadi guzar gayi pichle hafte, ghar me sab udaas hain",
    # a game boss, friendly fire, dead pixels, a traffic jam that is "some death"
    "died to the same boss 12 times tonight",
    "got killed by friendly fire again, great team",
    "two dead pixels on the new screen",
    "ten korek to jakaś śmierć",
    "на новому моніторі мертві пікселі",
    "на мониторе мертвые пиксели",
    "martwe piksele w rogu ekranu",
]


@pytest.mark.parametrize("text", IDIOMS)
def test_an_idiom_alone_carries_no_safety_net_word(net: SafetyNet, text: str) -> None:
    assert not net.asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "my laptop just died and honestly i want to die too",
        "killing some time before i go to the bridge to end it all",
        "i keep dying at the first boss. i keep wishing i was dead irl",
        "dying to find out if 40 of my pills would be enough to kill me",
        "ik lachte me dood maar eigenlijk wil ik dood",
        "overdosed on netflix and now i'm thinking about an overdose for real",
        "мой дедушка умер, и я тоже хочу умереть",
        "mi abuela murió y yo también quiero morirme",
        "死ぬかと思った。本当にもう消えたい",
        "died to the boss again and i want to die",
        "мертві пікселі, а я хочу вмерти",
        "ten korek to jakaś śmierć, chcę umrzeć",
    ],
)
def test_other_safety_net_words_beside_an_idiom_still_count(net: SafetyNet, text: str) -> None:
    assert net.asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "my phone died and i want to kill myself",
        "killing time until everyone is asleep, then i'm going to kill myself",
        "this homework is killing me and i want to die",
        "i keep dying in this game and in real life i want to end my life",
        "estoy muerta de sueño y quiero morirme de verdad",
        "the research on suicide rates is for class but i have been suicidal for weeks",
    ],
)
def test_own_crisis_words_beside_an_idiom_route_to_crisis(gate: CrisisGate, text: str) -> None:
    assert gate.assess(text).crisis


@pytest.mark.parametrize(
    ("idiom", "message"),
    [
        ("(sudo)? kill", "cannot start with an optional group"),
        ("(|)", "empty word"),
    ],
)
def test_an_idiom_that_cannot_compile_is_refused_with_its_place(
    tmp_path: Path, idiom: str, message: str
) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(f'en: [dead]\nidioms:\n  en:\n    - "{idiom}"\n', encoding="utf-8")
    with pytest.raises(ModelError, match=message) as error:
        SafetyNet.load(path)
    assert str(error.value).startswith(f"{path}:4:")


def test_idioms_behind_one_word_start_test_blank_what_each_alone_would() -> None:
    """The idioms are searched as one alternation, each run of whole-word idioms behind one
    word-start test; it blanks exactly what the idioms joined one by one blank, the order of
    the alternatives (the first that matches at a place wins) included."""
    regexes = [
        idiom_regex(idiom)
        for idiom in ("my (phone|laptop) died", "死", "kill (the)? process", "kill", "to die for")
    ]
    one_by_one = re.compile("|".join(regexes))
    factored = re.compile(_alternation(regexes))
    assert factored.pattern != one_by_one.pattern
    texts = [
        *IDIOMS,
        "我想死 my phone died, kill the process; to die for",
        "skill process died, kill process, killed",
    ]
    for text in texts:
        folded = fold(text)
        assert factored.sub(" ", folded) == one_by_one.sub(" ", folded)


def test_a_text_s_folded_views_are_remembered_but_each_caller_gets_its_own_list(
    net: SafetyNet,
) -> None:
    text = "Ich will nicht mehr LEBEN, s u i c i d e"
    first = net.views(text)
    first.append("changed by a caller")
    again = net.views(text)
    assert "changed by a caller" not in again
    assert again[0] == folded_text(text) == fold(text)
    assert net.hits_in(again) == net.hits(text)


def _asks_blanking_every_view(net: SafetyNet, text: str) -> bool:
    """``asks`` as it was written first: every view blanked, then read."""
    views = net.views(text)
    if net._idioms is not None:
        views = [net._idioms.sub(" ", folded) for folded in views]
    return any(net._hits_folded(folded) for folded in views)


SPACED = " ".join(
    "my phone died again. how long does the effect last. the appointment was fine. " * 25
)


@pytest.mark.parametrize(
    "text",
    [
        SPACED,
        SPACED + " i want to die",
        " ".join("i want to die. my phone died. ") + " ok",
        "my subprocess killer script died",
        "process kill then i want to die",
        "this homework is killing me " * 80,
        "ये ठंड तो मेरी जान ले लेगी, my phone died",
    ],
)
def test_views_that_cannot_ask_are_not_blanked_and_the_answer_stays(
    net: SafetyNet, text: str
) -> None:
    assert net.asks(text) == _asks_blanking_every_view(net, text)


def test_a_term_whose_words_an_idiom_separated_still_asks_once_the_idiom_is_blanked() -> None:
    # blanking removes the idiom's words, so the term's words become neighbours: the view has
    # every word of the term and is blanked, not skipped
    net = SafetyNet(["stop breathing"], idioms=["my phone (died|dead)"])
    assert not net.asks("stop, then breathing")
    assert net.asks("stop my phone died breathing")
    assert net.asks("stop my phone died breathing") == _asks_blanking_every_view(
        net, "stop my phone died breathing"
    )
