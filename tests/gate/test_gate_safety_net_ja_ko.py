"""Japanese and Korean safety-net vocabulary: wanting to die or disappear, self-harm, means,
a suicide note, farewells. Both scripts match anywhere in the text (Hangul in the letters NFKD
folds it to). Idioms built on "death" (死ぬほど, 죽겠다) and everyday "finishing" are left out
of the lists on purpose, so they are not read. The lines are invented.
"""

from __future__ import annotations

import pytest

from bot.gate.semantic.safety_net import SafetyNet

READ = [
    "もうほんとに死にたいよ",
    "どこかに消えたい",
    "昨日またリスカしちゃった",
    "机の引き出しに遺書がある",
    "自殺しようと思ってる",
    "자살하려고 했어",
    "睡眠薬って何錠で危ないの",
    "みんな永遠にさようなら",
    "요즘 계속 죽고 싶어",
    "살기 싫다 진짜",
    "어제 또 자해했어",
    "수면제 모아 둔 거 있어",
    "이게 내 마지막 메시지야",
]


@pytest.mark.parametrize("text", READ)
def test_japanese_and_korean_crisis_words_are_read(net: SafetyNet, text: str) -> None:
    assert net.hits(text), text


NOT_READ = [
    "死ぬほど疲れた",
    "お腹すいて死にそう",
    "宿題を全部終わらせた",
    "今日はこれで終わりにする",
    "배고파 죽겠다",
    "웃겨 죽겠네",
    "너 죽을래? ㅋㅋ",
    "숙제 다 끝낼게",
    "그 사람한테 목매지 마",
    "ケタミンと自殺念慮の研究を読んでる",
    "케타민과 자살 충동 연구를 읽고 있어",
]


@pytest.mark.parametrize("text", NOT_READ)
def test_japanese_and_korean_idioms_are_not_read(net: SafetyNet, text: str) -> None:
    assert not net.hits(text), text
