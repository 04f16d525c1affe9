"""Crisis lines by country, the English wording of the fixed replies, and the check-in answers.

The data the crisis route stands on, each file checked on load: ``lines.yaml`` (call and text
lines, emergency numbers), ``wording.yaml`` (every fixed text, held to the safe-messaging rules)
and ``check_in_answers.yaml``. The replies built from them, in the person's language, are
:mod:`bot.core.replies`'s.
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
from bot.crisis.wording import Wording, default_wording, load_wording

__all__ = [
    "DEFAULT_LINES_PATH",
    "CountryLines",
    "CrisisLines",
    "Emergency",
    "Service",
    "Wording",
    "country_from_language",
    "default_wording",
    "load_crisis_lines",
    "load_wording",
]
