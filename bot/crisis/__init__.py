"""Crisis lines, the crisis reply, the medical-advice reply and the other fixed replies.

Nothing here knows Telegram: replies are plain text with :class:`~bot.model.Button` actions
(``sys:human``, ``sys:country``, ``sys:menu`` or a caller's topic action) that the core understands.
"""

from bot.crisis.language import country_from_language
from bot.crisis.lines import (
    DEFAULT_LINES_PATH,
    CountryLines,
    CrisisLines,
    Emergency,
    Service,
    load_crisis_lines,
)
from bot.crisis.replies import (
    ACTION_COUNTRY,
    ACTION_HUMAN,
    ACTION_LANGUAGE,
    ACTION_MENU,
    CheckInActions,
    CrisisReplies,
    HumanContact,
)
from bot.crisis.wording import Wording, default_wording, load_wording

__all__ = [
    "ACTION_COUNTRY",
    "ACTION_HUMAN",
    "ACTION_LANGUAGE",
    "ACTION_MENU",
    "DEFAULT_LINES_PATH",
    "CheckInActions",
    "CountryLines",
    "CrisisLines",
    "CrisisReplies",
    "Emergency",
    "HumanContact",
    "Service",
    "Wording",
    "country_from_language",
    "default_wording",
    "load_crisis_lines",
    "load_wording",
]
