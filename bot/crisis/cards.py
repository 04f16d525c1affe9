"""Crisis lines as plain text a person can read, copy and tap (Telegram links phone numbers).

No Markdown or HTML: the Telegram layer sends plain text. Entries from a secondary or doubtful
source (status ``S`` or ``?``) always carry "confirm at <website>" next to the number, so the
person can check it. Every word around the numbers comes from the wording of the person's
language, country names from the Unicode CLDR data that Babel ships, and notes from the lines file
in that language when it has them (English otherwise).
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

from bot.crisis.lines import CountryLines, Emergency, Service
from bot.crisis.wording import CardWording

BULLET = "•"


@cache
def country_name(code: str, language: str, fallback: str) -> str:
    """The name of country ``code`` in ``language`` (CLDR), or ``fallback`` when CLDR lacks it."""
    try:
        names = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        return fallback
    return str(names.get(code, fallback))


def call_phrase(service: Service, wording: CardWording) -> str:
    """``call 116 123`` (the service must take calls)."""
    return wording.call.format(number=service.call)


def text_phrase(service: Service, wording: CardWording) -> str:
    """``text SHOUT to 85258`` or ``text 50808`` (the service must take texts)."""
    if service.text_keyword:
        return wording.text_keyword.format(keyword=service.text_keyword, number=service.text)
    return wording.text.format(number=service.text)


def contact_phrase(service: Service, wording: CardWording) -> str:
    """Every way to reach ``service`` in a few words: call and/or text, else its website."""
    if service.call and service.text and service.call == service.text and not service.text_keyword:
        return wording.call_or_text.format(number=service.call)
    if service.call and service.text:
        return wording.either.format(
            first=call_phrase(service, wording), second=text_phrase(service, wording)
        )
    if service.call:
        return call_phrase(service, wording)
    if service.text:
        return text_phrase(service, wording)
    return str(service.web)


def _web_note(entry: Service | Emergency, phrase: str, wording: CardWording, notes: str) -> str:
    """`` (confirm at web)`` for status S and ?, `` (web)`` for A, or nothing when already shown."""
    if entry.web is None or entry.web in phrase or entry.web in notes:
        return ""
    return f" ({wording.confirm} {entry.web})" if entry.needs_confirming else f" ({entry.web})"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", ")")) else f"{text}."


def service_line(service: Service, wording: CardWording, language: str) -> str:
    """One bullet: name, how to reach it, its website, its notes."""
    phrase = contact_phrase(service, wording)
    notes = service.notes_in(language) or ""
    web = _web_note(service, phrase, wording, "" if service.needs_confirming else notes)
    tail = f" {notes}" if notes else ""
    return f"{BULLET} {service.name}: {phrase}{web}.{tail}"


def emergency_phrase(country: CountryLines, wording: CardWording) -> str:
    """The emergency number to call; on the international card, also "or your local one"."""
    if country.is_international:
        return wording.local_emergency.format(emergency=country.emergency.call)
    return country.emergency.call


def emergency_line(country: CountryLines, wording: CardWording, language: str) -> str:
    """The bullet with the emergency number and its note."""
    emergency = country.emergency
    phrase = wording.call.format(number=emergency.call)
    notes = emergency.notes_in(language) or ""
    web = _web_note(emergency, phrase, wording, notes)
    tail = f" {notes}" if notes else ""
    return f"{BULLET} {wording.emergency}: {phrase}{web}.{tail}"


def short_entry(country: CountryLines, wording: CardWording, language: str) -> str:
    """One line for the multi-country list: a call and a text option, and the emergency number.

    Notes are added only when the lines file has them in ``language`` (the 988 Spanish option on
    the Spanish card), so the list stays short.
    """
    first = country.first_service_for(language)
    texters = [s for s in country.textable_services() if s is not first and first.text is None]
    shown = [first, *texters[:1]]
    ways = [contact_phrase(service, wording) for service in shown]
    phrase = ways[0] if len(ways) == 1 else wording.either.format(first=ways[0], second=ways[1])
    webs = [str(s.web) for s in shown if s.needs_confirming and s.web and s.web not in phrase]
    confirm = f" ({wording.confirm} {', '.join(dict.fromkeys(webs))})" if webs else ""
    notes = first.notes_in(language, fallback=False)
    emergency = wording.emergency_short.format(number=country.emergency.call)
    name = country_name(country.code, language, country.name)
    line = f"{BULLET} {name}: {phrase}{confirm}; {emergency}"
    return f"{line}. {notes}" if notes else line


def one_line(country: CountryLines, wording: CardWording) -> str:
    """The first service of ``country`` in one line, for short replies."""
    service = country.services[0]
    phrase = contact_phrase(service, wording)
    return f"{service.name}, {phrase}{_web_note(service, phrase, wording, '')}"


def country_card(country: CountryLines, wording: CardWording, language: str) -> str:
    """The full plain-text card: every service and the emergency number.

    The international card starts with the short list of the language's countries, then the
    worldwide directory and the emergency note.
    """
    own_lines = [service_line(service, wording, language) for service in country.services]
    own_lines.append(emergency_line(country, wording, language))
    if not country.is_international:
        name = country_name(country.code, language, country.name)
        return "\n".join([wording.header.format(country=name), *own_lines])
    elsewhere = [short_entry(other, wording, language) for other in country.other_countries]
    return "\n".join(
        [wording.elsewhere_header, *elsewhere, wording.international_header, *own_lines]
    )
