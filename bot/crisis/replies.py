"""The crisis reply, the medical-advice reply and the other fixed replies.

Each reply is built from ``wording.yaml`` and the crisis lines, following
/work/shared/content/safe-messaging.md: the crisis reply says it is an automated assistant, gives
the country's call and text lines and its emergency number (first, for imminent risk), offers a
person from the team, keeps the conversation open, asks at most one direct question, and never
carries anything about medicines, methods or the topic menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import Button, Reply, Risk
from bot.crisis import cards
from bot.crisis.lines import CountryLines, CrisisLines
from bot.crisis.wording import Wording, default_wording

ACTION_HUMAN = "sys:human"
ACTION_COUNTRY = "sys:country"
ACTION_MENU = "sys:menu"


@dataclass(frozen=True, slots=True)
class CheckInActions:
    """The button payloads of one check-in question (the core decides their form)."""

    yes: str
    not_sure: str
    no: str


@dataclass(frozen=True, slots=True)
class HumanContact:
    """A person on the team the crisis reply names (from config ``crisis.human_contacts``)."""

    name: str
    reach: str  # how to reach them
    hours: str


def _variant(variants: Sequence[str], turn: int) -> str:
    """The variant for ``turn``, cycling, so consecutive turns never repeat one another."""
    return variants[turn % len(variants)]


class CrisisReplies:
    """Builds the fixed replies; create once at start-up and share (it keeps no per-chat state)."""

    def __init__(
        self,
        lines: CrisisLines,
        human_contacts: Sequence[HumanContact],
        wording: Wording | None = None,
    ) -> None:
        self._lines = lines
        self._contacts = tuple(human_contacts)
        self._wording = wording or default_wording()

    def crisis(
        self,
        *,
        risk: Risk,
        category: str,
        country: str | None,
        repeat: int,
        handoff_available: bool = True,
    ) -> Reply:
        """The crisis reply for one turn; ``repeat`` counts the crisis replies sent before it."""
        words = self._wording.crisis
        voice = words.voice_for(category)
        turn = max(repeat, 0)
        place = self._lines.for_country(country)
        paragraphs: list[str] = []
        if risk is Risk.IMMINENT:
            urgent = words.urgent.helper if voice == "helper" else words.urgent.person
            paragraphs.append(urgent.format(emergency=self._emergency(place)))
        paragraphs.append(_variant(words.openings[voice].for_risk(risk), turn))
        paragraphs.append(_variant(words.notices, turn))
        paragraphs.extend(self._card(place))
        paragraphs.append(_variant(words.barriers, turn))
        support = words.support.helper if voice == "helper" else words.support.default
        paragraphs.append(_variant(support, turn))
        paragraphs.extend(self._human_offer(handoff_available))
        paragraphs.append(_variant(words.closings, turn))
        if turn % 2 == 0:
            paragraphs.append(_variant(words.questions[voice].for_risk(risk), turn // 2))
        return Reply(text="\n\n".join(paragraphs), buttons=self._buttons(place, handoff_available))

    def country_names(self) -> dict[str, str]:
        """Code and name of every country with checked lines, in the data file's order."""
        return {code: self._lines.for_country(code).name for code in self._lines.known_countries()}

    def crisis_lines_only(self, *, country: str | None, handoff_available: bool = False) -> Reply:
        """The crisis lines on request (a /crisis command), with the team's contacts.

        The "Talk to a person" button is offered only when the caller says handoff works.
        """
        place = self._lines.for_country(country)
        paragraphs = [
            self._wording.lines_only.intro,
            *self._card(place),
            self._wording.crisis.barriers[0],
            *self._human_offer(handoff_available),
        ]
        return Reply(text="\n\n".join(paragraphs), buttons=self._buttons(place, handoff_available))

    def medical_advice(
        self, *, reason: str, topic_label: str | None, topic_action: str | None
    ) -> Reply:
        """Why the bot cannot advise on a person's own treatment, and who can. States no dose."""
        words = self._wording.advice
        paragraphs = [
            words.intro,
            words.why,
            words.look_at.format(points=words.points_for(reason)),
            words.next,
        ]
        buttons: list[Button] = []
        if topic_label and topic_action:
            paragraphs.append(words.topic.format(topic=topic_label))
            buttons.append(Button(label=topic_label, action=topic_action))
        buttons.append(Button(label=self._wording.buttons.menu, action=ACTION_MENU))
        return Reply(text="\n\n".join(paragraphs), buttons=tuple(buttons))

    def non_text(self, *, country: str | None) -> Reply:
        """The reply to a message with nothing to read: please type; one crisis line; emergency."""
        return Reply(text=f"{self._wording.non_text.text}\n\n{self.support_line(country=country)}")

    def support_line(self, *, country: str | None) -> str:
        """One sentence with the country's first crisis line and its emergency number.

        Added under replies that carry no crisis content, such as the generic fallback, so the
        numbers are never more than a glance away.
        """
        place = self._lines.for_country(country)
        return self._wording.non_text.line.format(
            line=cards.one_line(place, self._wording.cards), emergency=self._emergency(place)
        )

    def check_in(self, *, country: str | None, actions: CheckInActions) -> Reply:
        """The direct question whether the person is thinking about suicide, with the lines.

        One question, the country's crisis lines in the same message, the automated-assistant
        notice, and the buttons Yes, Not sure and No (plus the country picker on the
        international card).
        """
        words = self._wording.check_in
        place = self._lines.for_country(country)
        card = self._card(place)
        paragraphs = [
            words.question,
            f"{words.lines_intro}\n{card[-1]}",
            *card[:-1],
            self._wording.crisis.notices[-1],
        ]
        labels = words.buttons
        buttons = [
            Button(labels.yes, actions.yes),
            Button(labels.not_sure, actions.not_sure),
            Button(labels.no, actions.no),
        ]
        if place.is_international:
            buttons.append(Button(self._wording.buttons.country_unknown, ACTION_COUNTRY))
        return Reply(text="\n\n".join(paragraphs), buttons=tuple(buttons))

    def check_in_stale(self) -> str:
        """The answer to a "No" pressed under a check-in already answered or expired."""
        return self._wording.check_in.stale

    def after_no(self, *, means: bool, country: str | None) -> str:
        """The thanks for a "no"; after a means question, also why it stays unanswered."""
        thanks = self._wording.check_in.after_no
        if not means:
            return thanks
        refusal = self._wording.crisis.openings["means"].for_risk(Risk.CONCERN)[0]
        return f"{thanks}\n\n{refusal}\n\n{self.support_line(country=country)}"

    def _emergency(self, place: CountryLines) -> str:
        return cards.emergency_phrase(place, self._wording.cards)

    def _card(self, place: CountryLines) -> list[str]:
        """The lines card, preceded on the international card by the unknown-country note."""
        card = cards.country_card(place, self._wording.cards)
        if not place.is_international:
            return [card]
        note = self._wording.cards.unknown_country.format(
            button=self._wording.buttons.country_unknown
        )
        return [note, card]

    def _human_offer(self, handoff_available: bool) -> list[str]:
        """A person from the team: the button when handoff works, the contacts, a caveat."""
        words = self._wording.crisis.human
        offer: list[str] = []
        if handoff_available:
            offer.append(words.offer.format(button=self._wording.buttons.human))
        if self._contacts:
            listed = [f"{cards.BULLET} {c.name}: {c.reach} ({c.hours})" for c in self._contacts]
            offer.append("\n".join([words.contacts, *listed]))
        if offer:
            offer.append(words.caveat)
        return offer

    def _buttons(self, place: CountryLines, handoff_available: bool) -> tuple[Button, ...]:
        """Talk to a person (when handoff works) and pick a country; never the topic menu."""
        labels = self._wording.buttons
        country_label = labels.country_unknown if place.is_international else labels.country_known
        buttons = [Button(label=labels.human, action=ACTION_HUMAN)] if handoff_available else []
        buttons.append(Button(label=country_label, action=ACTION_COUNTRY))
        return tuple(buttons)
