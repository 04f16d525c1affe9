"""Character tables the normaliser uses: lookalike letters, leetspeak and a few telling emoji.

Everything here is plain data. ``normalize`` applies :data:`CONFUSABLES` after NFKC, so the tables
only need the characters NFKC leaves alone (Cyrillic, Greek, Armenian lookalikes, small capitals,
negative squared and circled letters, regional indicators). :data:`LEET` is applied by the gate's
own text views, never by the public ``normalize`` (digits must stay digits for flow matching).
"""

from __future__ import annotations

from types import MappingProxyType


def _pairs(pairs: str) -> dict[int, str]:
    """Build a ``str.translate`` table from ``"aA bB ..."`` style pairs (source then target)."""
    table: dict[int, str] = {}
    for pair in pairs.split():
        source, target = pair[0], pair[1:]
        table[ord(source)] = target
    return table


def _letter_block(first: int) -> dict[int, str]:
    """Map 26 consecutive code points starting at ``first`` onto ``a``..``z``."""
    return {first + offset: chr(ord("a") + offset) for offset in range(26)}


# Cyrillic, Greek and Armenian letters that look like Latin ones, upper and lower case.
_SCRIPT_LOOKALIKES = _pairs(
    "аa вb еe ёe кk мm нh оo рp сc тt уy хx ѕs іi їi јj ԁd ӏl ԛq ԝw ьb ъb ћh һh ӕa ғf ԍg "
    "Аa Вb Еe Ёe Кk Мm Нh Оo Рp Сc Тt Уy Хx Ѕs Іi Їi Јj Ԁd Ӏl Ԛq Ԝw Ғf Ԍg "
    "αa βb γy δd εe ζz ηn θo ιi κk λl μu νv οo πn ρp σo ςs τt υu φf χx ψw ωw "
    "Αa Βb Γr Εe Ζz Ηh Θo Ιi Κk Λl Μm Νn Οo Ρp Σe Τt Υy Φf Χx Ωw "
    "ոn սu ցg օo հh ɑa ɡg ıi ȷj ɩi ʟl ɪi ᴀa ʙb ᴄc ᴅd ᴇe ꜰf ɢg ʜh ᴊj ᴋk ᴍm ɴn ᴏo ᴘp "
    "ǫq ʀr ꜱs ᴛt ᴜu ᴠv ᴡw ʏy ᴢz ɐa ǝe ɟf ɥh ɯm ɹr ʇt ʌv ʍw ʎy"
)

# Ligatures NFKC leaves alone, written out as their letters ("sœur", "cœur", "Straße").
LIGATURES: MappingProxyType[int, str] = MappingProxyType(_pairs("œoe Œoe æae Æae ßss ẞss"))

# Letters in shapes that NFKC leaves alone: negative circled or squared, regional indicators.
_SHAPED_LETTERS = {
    **_letter_block(0x1F150),  # negative circled capital letters
    **_letter_block(0x1F170),  # negative squared capital letters
    **_letter_block(0x1F1E6),  # regional indicator symbols
}

# Typographic quotes and dashes folded to ASCII so patterns only ever see ' " and -.
_PUNCTUATION = {
    **_pairs("’' ‘' ʼ' ʹ' `' ´' ′' ‛' ＇' ‐- ‑- ‒- –- —- ―- −- ﹘- ﹣-"),
    **{ord(quote): '"' for quote in "“”„‟″«»"},
}

CONFUSABLES: MappingProxyType[int, str] = MappingProxyType(
    {**_SCRIPT_LOOKALIKES, **LIGATURES, **_SHAPED_LETTERS, **_PUNCTUATION}
)
"""Code point -> Latin replacement, applied after NFKC by :func:`bot.gate.normalize.normalize`."""

LEET: MappingProxyType[str, str] = MappingProxyType(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "€": "e",
        "!": "i",
        "|": "l",
    }
)
"""Leetspeak symbol -> letter, used only inside tokens that also contain letters."""

EMOJI_WORDS: MappingProxyType[str, str] = MappingProxyType(
    {
        "🔪": "knife",
        "🗡": "knife",
        "💊": "pills",
        "🔫": "gun",
        "🪢": "rope",
        "⚰": "coffin",
        "🪦": "grave",
        "🩸": "blood",
        "🌉": "bridge",
    }
)
"""Emoji whose meaning the crisis rules should see, as words (others become spaces)."""

__all__ = ["CONFUSABLES", "EMOJI_WORDS", "LEET", "LIGATURES"]
