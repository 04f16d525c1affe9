"""The bot's languages: gettext catalogs of the fixed replies, and which language to write in.

English is the source (``bot/crisis/wording.yaml``); every other language is one gettext catalog,
``locales/<lang>/LC_MESSAGES/crisisbot.po``, read with Babel at start-up. See docs/crisis.md,
"Languages", for why catalogs are read as ``.po`` at run time and how to add a language.
"""

from bot.i18n.catalogs import (
    DEFAULT_LOCALES_DIR,
    SOURCE_LANGUAGE,
    Languages,
    Translation,
    language_name,
    load_languages,
)
from bot.i18n.choice import choose_language, language_for_moderators, language_of_code

__all__ = [
    "DEFAULT_LOCALES_DIR",
    "SOURCE_LANGUAGE",
    "Languages",
    "Translation",
    "choose_language",
    "language_for_moderators",
    "language_name",
    "language_of_code",
    "load_languages",
]
