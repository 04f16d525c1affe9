"""Text every channel cleans before the core or storage sees it.

Telegram's JSON can carry code points no database stores: an unpaired UTF-16 surrogate
(``"\\ud83d"`` alone) fails to encode as UTF-8 on SQLite and PostgreSQL, and NUL fails on
PostgreSQL. Either made a crisis message's transaction abort, so the person got no crisis reply.
:func:`clean_text` joins a split surrogate pair into its character and drops unpaired surrogates
and NUL: they carry nothing a person can read, and dropping them (rather than putting U+FFFD in
their place) keeps a word they were pushed into whole, so the crisis gate still reads it. Every
other character is kept.
"""

from __future__ import annotations

import re

_UNPAIRED_OR_NUL = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without unpaired surrogates or NUL (see the module's docstring)."""
    if _UNPAIRED_OR_NUL.search(text) is None:  # nearly always: the text as it came
        return text
    # Pairs split into two code points become one character; what stays a surrogate is alone.
    paired = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return _UNPAIRED_OR_NUL.sub("", paired)


def clean_optional(text: str | None) -> str | None:
    """:func:`clean_text` for a value that may be missing."""
    return None if text is None else clean_text(text)
