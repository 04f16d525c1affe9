"""The crisis gate and the medical-advice guard.

Every piece of text a person sends passes :class:`CrisisGate` first; anything about suicide,
self-harm or the means to it routes to crisis, never to treatment information. Text that is not a
crisis then passes :class:`AdviceGuard`, which spots requests for personal medical advice (doses,
stopping, mixing, suitability) so the bot can point to a clinician instead of answering.

The gate's rules are data (``bot/gate/lexicon.yaml``); operators may extend them with
:func:`load_lexicon` but never weaken them; :func:`default_gate` is the gate over the built-in
rules alone. :func:`normalize` is the shared text normaliser.
"""

from bot.gate.advice import AdviceGuard, AdviceMatch
from bot.gate.defaults import default_gate
from bot.gate.gate import UNSURE_KIND, Assessment, CrisisGate, LexiconReading
from bot.gate.lexicon import Lexicon
from bot.gate.lexicon_load import load_lexicon
from bot.gate.normalize import normalize

__all__ = [
    "UNSURE_KIND",
    "AdviceGuard",
    "AdviceMatch",
    "Assessment",
    "CrisisGate",
    "Lexicon",
    "LexiconReading",
    "default_gate",
    "load_lexicon",
    "normalize",
]
