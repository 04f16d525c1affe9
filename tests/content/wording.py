"""What the content must never say, as patterns the wording tests apply to every text.

Kept apart from the tests so that the patterns themselves are tested on invented examples before
they are trusted to pass the real content.
"""

from __future__ import annotations

import re

_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?|half|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred"
    r"|a\s+couple\s+of|a\s+few|several)"
)
_UNIT = (
    r"(?:mg\s*/\s*kg|mg|ml|mls|mcg|µg|μg|ug|g|milligrams?|micrograms?|millilit(?:re|er)s?"
    r"|sprays?|puffs?|units?|iu|tablets?|pills?|capsules?|lozenges?|troches?|drops?|doses?"
    r"|devices?)"
)
# A number followed by a unit of medicine: "56 mg", "0.5mg/kg", "three sprays", "2 tablets".
DOSE = re.compile(rf"\b{_NUMBER}[\s-]*{_UNIT}(?![^\W\d_])", re.IGNORECASE)
# A dosing schedule: "twice a week", "every 3 days", "once weekly", "induction phase".
SCHEDULE = re.compile(
    r"\b(?:once|twice|thrice|\d+\s+times|(?:one|two|three|four)\s+times)\s+"
    r"(?:a|per|each|every)\s+(?:day|week|fortnight|month)\b"
    r"|\b(?:once|twice)\s+(?:daily|weekly|monthly)\b"
    r"|\bevery\s+(?:\d+|other|two|three|four)\s+(?:hours?|days?|weeks?)\b"
    r"|\b(?:induction|maintenance)\s+phase\b|\bper\s+kg\b",
    re.IGNORECASE,
)
# Promotional or overclaiming words the evidence does not support.
PROMOTIONAL = re.compile(
    r"\bhighly\s+effective\b|\blife[\s-]?saving\b|\bbreakthrough|\bmiracle|\bai[\s-]*driven\b"
    r"|\bai[\s-]*powered\b|\brepairs?\s+(?:the|your)\s+brain\b|\brewires?\b|\bcures?\b"
    r"|\bcured\b|\bguarantee|\bgame[\s-]?changer|\brevolutionary\b|\b100\s*%"
    r"|\bproven\s+to\s+work\b|\bsafe\s+and\s+effective\b",
    re.IGNORECASE,
)
# Telling the person what to do with their own treatment.
DIRECTIVE = re.compile(
    r"\byou\s+(?:should|must|need\s+to|ought\s+to|have\s+to)\b"
    r"|\b(?:stop|start|keep|try)\s+taking\b|\byour\s+dose\b|\btry\s+(?:ketamine|esketamine|spravato)\b"
    r"|\b(?:increase|decrease|lower|raise|double|skip)\s+(?:your|the)\s+(?:dose|treatment)\b",
    re.IGNORECASE,
)
# Vocabulary of the crisis route: not in triggers, and in replies only where allowed.
CRISIS_WORD = re.compile(
    r"\bsuicid\w*|\bkill\w*|\bdie\b|\bdies\b|\bdying\b|\bdead\b|\bdeath\w*|\boverdos\w*"
    r"|\blethal\w*|\bself[\s-]?harm\w*|\bhurt\w*\s+(?:myself|yourself|themselves)\b"
    r"|\bend\s+(?:my|your|their)\s+life\b|\bunalive\w*|\bcutting\b",
    re.IGNORECASE,
)
# The gentle closing line every educational answer carries.
CLINICIAN_LINE = re.compile(r"\bclinician\b", re.IGNORECASE)
# Mechanism is a hypothesis: it is "thought to", never stated as settled.
HEDGED = re.compile(r"\bis\s+thought\s+to\b", re.IGNORECASE)
