"""The crisis reply, the medical-advice reply and the other fixed replies.

Each reply is built from the wording of the person's language (``wording.yaml`` for English, a
catalog per other language, see :mod:`bot.i18n`) and the crisis lines, following the
safe-messaging rules in docs/crisis.md: the crisis reply says it is an automated assistant, gives
the country's call and text lines and its emergency number (first, for imminent risk), offers a
person from the team, keeps the conversation open, asks at most one direct question, and never
carries anything about medicines, methods or the topic menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.crisis import cards
from bot.crisis.lines import CountryLines, CrisisLines
from bot.crisis.wording import Wording
from bot.i18n.catalogs import Languages, default_languages, load_languages
from bot.model import Button, Reply, Risk

ACTION_HUMAN = "sys:human"
ACTION_COUNTRY = "sys:country"
ACTION_MENU = "sys:menu"
ACTION_LANGUAGE = "sys:language"


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


@dataclass(frozen=True, slots=True)
class _PlaceText:
    """What the replies say of one place's lines in one language: the same on every reply."""

    place: CountryLines  # held, so the identity its key names stays this place's
    card: tuple[str, ...]  # the lines card (on the international card, the note before it)
    barriers: tuple[str, ...]  # "you can text" or the chat and e-mail variants
    emergency: str  # the emergency number to call
    support: str  # the one sentence with the first line and the emergency number
    buttons: tuple[tuple[Button, ...], tuple[Button, ...]]  # without, with the handoff button


MAX_PLACE_TEXTS = 1024
"""Bound on the texts kept of places and of the human offer (each times the languages: a few
hundred at most)."""


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
        languages: Languages | None = None,
    ) -> None:
        self._lines = lines
        self.lines = lines
        self._contacts = tuple(human_contacts)
        if languages is None:
            languages = default_languages() if wording is None else load_languages(wording)
        self.languages = languages
        self._place_texts: dict[tuple[int, str | None], _PlaceText] = {}
        self._offers: dict[tuple[bool, str | None], tuple[str, ...]] = {}

    def words(self, language: str | None) -> Wording:
        """The wording in ``language`` (English when it is not enabled)."""
        return self.languages.wording(language)

    def place(self, country: str | None, language: str | None) -> CountryLines:
        """The lines for ``country``, or the card of ``language``'s countries when unknown."""
        return self._lines.for_country(country, language=language)

    def crisis(
        self,
        *,
        risk: Risk,
        category: str,
        country: str | None,
        repeat: int,
        handoff_available: bool = True,
        language: str | None = None,
    ) -> Reply:
        """The crisis reply for one turn; ``repeat`` counts the crisis replies sent before it."""
        wording = self.words(language)
        words = wording.crisis
        voice = words.voice_for(category)
        turn = max(repeat, 0)
        shown = self._place_text(country, language)
        paragraphs: list[str] = []
        if risk is Risk.IMMINENT:
            urgent = words.urgent.helper if voice == "helper" else words.urgent.person
            paragraphs.append(urgent.format(emergency=shown.emergency))
        paragraphs.append(_variant(words.openings[voice].for_risk(risk), turn))
        paragraphs.append(_variant(words.notices, turn))
        paragraphs.extend(shown.card)
        paragraphs.append(_variant(shown.barriers, turn))
        support = words.support.helper if voice == "helper" else words.support.default
        paragraphs.append(_variant(support, turn))
        paragraphs.extend(self._offer(handoff_available, language))
        paragraphs.append(_variant(words.closings, turn))
        if turn % 2 == 0:
            paragraphs.append(_variant(words.questions[voice].for_risk(risk), turn // 2))
        return Reply(text="\n\n".join(paragraphs), buttons=shown.buttons[handoff_available])

    def country_names(self, language: str | None = None) -> dict[str, str]:
        """Code and name (in ``language``) of every country with lines, in the file's order."""
        return {
            code: cards.country_name(code, language or "en", self._lines.for_country(code).name)
            for code in self._lines.known_countries()
        }

    def crisis_lines_only(
        self,
        *,
        country: str | None,
        handoff_available: bool = False,
        language: str | None = None,
    ) -> Reply:
        """The crisis lines on request (a /crisis command), with the team's contacts.

        The "Talk to a person" button is offered only when the caller says handoff works.
        """
        wording = self.words(language)
        shown = self._place_text(country, language)
        paragraphs = [
            wording.lines_only.intro,
            *shown.card,
            shown.barriers[0],
            *self._offer(handoff_available, language),
        ]
        return Reply(text="\n\n".join(paragraphs), buttons=shown.buttons[handoff_available])

    def medical_advice(
        self,
        *,
        reason: str,
        topic_label: str | None,
        topic_action: str | None,
        language: str | None = None,
    ) -> Reply:
        """Why the bot cannot advise on a person's own treatment, and who can. States no dose."""
        wording = self.words(language)
        words = wording.advice
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
        buttons.append(Button(label=wording.buttons.menu, action=ACTION_MENU))
        return Reply(text="\n\n".join(paragraphs), buttons=tuple(buttons))

    def non_text(self, *, country: str | None, language: str | None = None) -> Reply:
        """The reply to a message with nothing to read: please type; one crisis line; emergency."""
        wording = self.words(language)
        line = self.support_line(country=country, language=language)
        return Reply(text=f"{wording.non_text.text}\n\n{line}")

    def support_line(self, *, country: str | None, language: str | None = None) -> str:
        """One sentence with the country's first crisis line and its emergency number.

        Added under replies that carry no crisis content, such as the generic fallback, so the
        numbers are never more than a glance away.
        """
        return self._place_text(country, language).support

    def check_in(
        self, *, country: str | None, actions: CheckInActions, language: str | None = None
    ) -> Reply:
        """The direct question whether the person is thinking about suicide, with the lines.

        One question, the country's crisis lines in the same message, the automated-assistant
        notice, and the buttons Yes, Not sure and No (plus the country picker on the
        international card).
        """
        wording = self.words(language)
        words = wording.check_in
        shown = self._place_text(country, language)
        card = shown.card
        paragraphs = [
            words.question,
            f"{words.lines_intro}\n{card[-1]}",
            *card[:-1],
            wording.crisis.notices[-1],
        ]
        labels = words.buttons
        buttons = [
            Button(labels.yes, actions.yes),
            Button(labels.not_sure, actions.not_sure),
            Button(labels.no, actions.no),
        ]
        if shown.place.is_international:
            buttons.append(Button(wording.buttons.country_unknown, ACTION_COUNTRY))
        return Reply(text="\n\n".join(paragraphs), buttons=tuple(buttons))

    def check_in_stale(self, language: str | None = None) -> str:
        """The answer to a "No" pressed under a check-in already answered or expired."""
        return self.words(language).check_in.stale

    def after_no(self, *, means: bool, country: str | None, language: str | None = None) -> str:
        """The thanks for a "no"; after a means question, also why it stays unanswered."""
        wording = self.words(language)
        thanks = wording.check_in.after_no
        if not means:
            return thanks
        refusal = wording.crisis.openings["means"].for_risk(Risk.CONCERN)[0]
        line = self.support_line(country=country, language=language)
        return f"{thanks}\n\n{refusal}\n\n{line}"

    def _place_text(self, country: str | None, language: str | None) -> _PlaceText:
        """What the replies in ``language`` say of the lines of ``country`` (see :meth:`place`),
        worked out on first use: the lines and the wording are fixed once loaded."""
        place = self.place(country, language)
        key = (id(place), language)  # the place is held by its entry, so its id stays its own
        shown = self._place_texts.get(key)
        if shown is None:
            shown = self._new_place_text(place, language)
            if len(self._place_texts) < MAX_PLACE_TEXTS:
                self._place_texts[key] = shown
        return shown

    def _new_place_text(self, place: CountryLines, language: str | None) -> _PlaceText:
        wording = self.words(language)
        emergency = self._emergency(place, wording)
        support = wording.non_text.line.format(
            line=cards.one_line(place, wording.cards), emergency=emergency
        )
        return _PlaceText(
            place,
            tuple(self._card(place, wording, language)),
            self._barriers(place, wording),
            emergency,
            support,
            (self._buttons(place, False, wording), self._buttons(place, True, wording)),
        )

    def _barriers(self, place: CountryLines, wording: Wording) -> tuple[str, ...]:
        """ "You can text" where a line shown takes texts; else the chat and e-mail variants."""
        shown = (place, *place.other_countries)
        if any(country.textable_services() for country in shown):
            return wording.crisis.barriers
        return wording.crisis.barriers_without_text

    def _emergency(self, place: CountryLines, wording: Wording) -> str:
        return cards.emergency_phrase(place, wording.cards)

    def _card(self, place: CountryLines, wording: Wording, language: str | None) -> list[str]:
        """The lines card, preceded on the international card by the unknown-country note."""
        card = cards.country_card(place, wording.cards, language or "en")
        if not place.is_international:
            return [card]
        note = wording.cards.unknown_country.format(button=wording.buttons.country_unknown)
        return [note, card]

    def _offer(self, handoff_available: bool, language: str | None) -> tuple[str, ...]:
        """:meth:`_human_offer` in ``language``, worked out on first use (the contacts and the
        wording are fixed once loaded)."""
        key = (handoff_available, language)
        offer = self._offers.get(key)
        if offer is None:
            offer = tuple(self._human_offer(handoff_available, self.words(language)))
            if len(self._offers) < MAX_PLACE_TEXTS:
                self._offers[key] = offer
        return offer

    def _human_offer(self, handoff_available: bool, wording: Wording) -> list[str]:
        """A person from the team: the button when handoff works, the contacts, a caveat."""
        words = wording.crisis.human
        offer: list[str] = []
        if handoff_available:
            offer.append(words.offer.format(button=wording.buttons.human))
        if self._contacts:
            listed = [f"{cards.BULLET} {c.name}: {c.reach} ({c.hours})" for c in self._contacts]
            offer.append("\n".join([words.contacts, *listed]))
        if offer:
            offer.append(words.caveat)
        return offer

    def _buttons(
        self, place: CountryLines, handoff_available: bool, wording: Wording
    ) -> tuple[Button, ...]:
        """Talk to a person (when handoff works), pick a country, pick a language; never topics."""
        labels = wording.buttons
        country_label = labels.country_unknown if place.is_international else labels.country_known
        buttons = [Button(label=labels.human, action=ACTION_HUMAN)] if handoff_available else []
        buttons.append(Button(label=country_label, action=ACTION_COUNTRY))
        buttons.append(Button(label=labels.language, action=ACTION_LANGUAGE))
        return tuple(buttons)
