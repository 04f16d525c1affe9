"""The gate's semantic detector: crisis by meaning, in sixteen languages.

Beside the lexicon, it compares a message with labelled exemplars (``exemplars/*.yaml``) in a
multilingual sentence-embedding space (:mod:`bot.embedding`) and reports a k-nearest-neighbour
margin, placed by per-language thresholds in a crisis, check-in or clear band. The safety net
(``safety_net.yaml``) marks death, self-harm and farewell vocabulary. ``crisisbot gate rebuild``
recomputes the shipped vectors and thresholds after the exemplars change.
"""

from bot.gate.semantic.detector import SemanticDetector, SemanticVerdict, shared_detector
from bot.gate.semantic.safety_net import SafetyNet

__all__ = ["SafetyNet", "SemanticDetector", "SemanticVerdict", "shared_detector"]
