"""Crisis terms lift a term only in its exempt context, and only that term of that rule.

Suicide statistics, research or prevention named as a subject (ar, hi, hi-Latn, zh) are not the
person's own crisis; the person's own crisis words beside them still route to crisis.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ModelError
from bot.gate import CrisisGate
from bot.gate.terms import CrisisTerms


@pytest.mark.parametrize(
    "text",
    [
        "أكتب بحثا عن إحصائيات الانتحار في المدارس",
        "ما هو معدل الانتحار في العالم العربي؟",
        "मुझे भारत में आत्महत्या दर के आँकड़े चाहिए",
        "आत्महत्या की रोकथाम पर प्रोजेक्ट लिख रहा हूँ",
        "中国的自杀率是多少",
        "有没有关于自殺預防的資料",
        "khudkushi ke aankde chahiye project ke liye",
        # a film, a book or a documentary about suicide (ja, zh, ar)
        "若者の自殺を描いた映画を観た",
        "自殺をテーマにした小説を読んでいる",
        "昨晚看了一部关于自杀的纪录片",
        "以自杀为题材的电影很少拍得好",
        "شفت فيلم وثائقي عن الانتحار امبارح",
        "قريت رواية عن الانتحار",
    ],
)
def test_suicide_as_a_subject_is_not_a_crisis_term(gate: CrisisGate, text: str) -> None:
    assert gate.terms.find(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "ابحث عن احصائيات الانتحار. أريد أن أموت",
        "قرأت عن معدل الانتحار وانا بفكر في الانتحار",
        "आत्महत्या की रोकथाम पर पढ़ा, पर मैं आत्महत्या करना चाहता हूँ",
        "我看了自杀率的报道，我想自杀",
        "我在研究自杀预防，但我不想活了",
        "khudkushi ke aankde padhe, main khudkushi kar lunga",
        "自殺を描いた映画を観た。私も自殺したい",
        "看了自杀的纪录片，我也想自杀",
        "قريت رواية عن الانتحار وبفكر في الانتحار",
    ],
)
def test_own_crisis_words_beside_the_subject_still_route_to_crisis(
    gate: CrisisGate, text: str
) -> None:
    assert gate.terms.find(text) is not None
    assert gate.assess(text).crisis


def test_each_exemption_names_one_rule_and_a_term_its_contexts_hold(gate: CrisisGate) -> None:
    rules = {rule.id for rule in gate.terms.rules}
    assert gate.terms.exemptions
    for exemption in gate.terms.exemptions:
        assert exemption.rule in rules
        assert exemption.term
        assert all(exemption.term in context.pattern for context in exemption.contexts)


def test_a_context_without_its_term_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text(
        "rules:\n  - id: explicit.terms\n    category: explicit\n    risk: high\n"
        "    languages: {zh: ['自杀']}\n"
        "exemptions:\n  - id: professional.x\n    lifts: explicit.terms\n    term: '自杀'\n"
        "    contexts: {zh: ['统计数据']}\n",
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match="does not hold the term"):
        CrisisTerms.load(path)
