"""Crisis lines as plain text a person can read, copy and tap (Telegram links phone numbers).

No Markdown or HTML: the Telegram layer sends plain text. Entries from a secondary source (status
``S``) always carry "confirm at <website>" next to the number, so the person can check it.
"""

from __future__ import annotations

from bot.crisis.lines import CountryLines, Emergency, Service
from bot.crisis.wording import CardWording

BULLET = "•"


def call_phrase(service: Service) -> str:
    """``call 116 123`` (the service must take calls)."""
    return f"call {service.call}"


def text_phrase(service: Service) -> str:
    """``text SHOUT to 85258`` or ``text 50808`` (the service must take texts)."""
    if service.text_keyword:
        return f"text {service.text_keyword} to {service.text}"
    return f"text {service.text}"


def contact_phrase(service: Service) -> str:
    """Every way to reach ``service`` in a few words: call and/or text, else its website."""
    if service.call and service.text and service.call == service.text and not service.text_keyword:
        return f"call or text {service.call}"
    ways = [call_phrase(service)] if service.call else []
    ways += [text_phrase(service)] if service.text else []
    return " or ".join(ways) if ways else str(service.web)


def _web_note(entry: Service | Emergency, phrase: str, wording: CardWording) -> str:
    """`` (confirm at web)`` for status S, `` (web)`` for A, or nothing when already shown."""
    if entry.web is None or entry.web in phrase or entry.web in (entry.notes or ""):
        return ""
    return f" ({wording.confirm} {entry.web})" if entry.status == "S" else f" ({entry.web})"


def service_line(service: Service, wording: CardWording) -> str:
    """One bullet: name, how to reach it, its website, its notes."""
    phrase = contact_phrase(service)
    notes = f" {service.notes}" if service.notes else ""
    return f"{BULLET} {service.name}: {phrase}{_web_note(service, phrase, wording)}.{notes}"


def emergency_phrase(country: CountryLines, wording: CardWording) -> str:
    """The emergency number to call; on the international card, also "or your local one"."""
    if country.is_international:
        return wording.local_emergency.format(emergency=country.emergency.call)
    return country.emergency.call


def emergency_line(country: CountryLines, wording: CardWording) -> str:
    """The bullet with the emergency number and its note."""
    emergency = country.emergency
    phrase = f"call {emergency.call}"
    notes = f" {emergency.notes}" if emergency.notes else ""
    return f"{BULLET} {wording.emergency}: {phrase}{_web_note(emergency, phrase, wording)}.{notes}"


def short_entry(country: CountryLines, wording: CardWording) -> str:
    """One line for the multi-country list: a call and a text option, and the emergency number."""
    caller, texter = country.callable_services()[0], country.textable_services()[0]
    if caller is texter:
        ways = contact_phrase(caller)
    else:
        ways = f"{call_phrase(caller)} or {text_phrase(texter)}"
    unconfirmed = [caller] if caller is texter else [caller, texter]
    webs = [str(s.web) for s in unconfirmed if s.status == "S"]
    confirm = f" ({wording.confirm} {', '.join(webs)})" if webs else ""
    emergency = country.emergency
    emergency_confirm = _web_note(emergency, "", wording) if emergency.status == "S" else ""
    return (
        f"{BULLET} {country.name}: {ways}{confirm}; emergency {emergency.call}{emergency_confirm}"
    )


def one_line(country: CountryLines, wording: CardWording) -> str:
    """The first service of ``country`` in one line, for short replies."""
    service = country.services[0]
    phrase = contact_phrase(service)
    return f"{service.name}, {phrase}{_web_note(service, phrase, wording)}"


def country_card(country: CountryLines, wording: CardWording) -> str:
    """The full plain-text card: every service and the emergency number.

    The international card starts with the short list of every known country, then the worldwide
    directory and the emergency note.
    """
    own_lines = [service_line(service, wording) for service in country.services]
    own_lines.append(emergency_line(country, wording))
    if not country.is_international:
        return "\n".join([wording.header.format(country=country.name), *own_lines])
    elsewhere = [short_entry(other, wording) for other in country.other_countries]
    return "\n".join(
        [wording.elsewhere_header, *elsewhere, wording.international_header, *own_lines]
    )
