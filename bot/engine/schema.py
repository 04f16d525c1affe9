"""The flow format, as pydantic models: what an operator may write in a flow file.

A flow uses the state-machine library's own words (``states``, ``initial``, ``transitions`` with
``trigger``, ``source``, ``dest``, ``conditions``) plus what a chat needs: a reply and buttons per
state, and for each trigger the commands and phrases that fire it. docs/flows.md is the guide.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from bot.model import BUTTON_LABEL_LIMIT, CALLBACK_DATA_LIMIT, MESSAGE_LIMIT
from bot.safe_yaml import StrictModel

IDENTIFIER = r"^[a-z][a-z0-9_]{0,39}$"
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER)]
MAX_REPLY_CHARS = MESSAGE_LIMIT
MAX_CALLBACK_BYTES = CALLBACK_DATA_LIMIT

# Conditions an operator may name in a transition. Anything else is rejected at load: operator YAML
# never names arbitrary callables (ENGINEERING.md, transitions).
ALLOWED_CONDITIONS = frozenset({"country_known", "country_unknown", "first_turn"})


class _Strict(StrictModel):
    """Flow files strip the whitespace around their texts as they are read."""

    model_config = ConfigDict(str_strip_whitespace=True)


class ButtonSpec(_Strict):
    """A button under a state's reply; pressing it fires ``trigger``.

    ``flow`` names another flow whose ``*``-sourced transition on ``trigger`` the press follows;
    without it the trigger belongs to this flow.
    """

    label: Annotated[str, StringConstraints(min_length=1, max_length=BUTTON_LABEL_LIMIT)]
    trigger: Identifier
    flow: Identifier | None = None


class StateSpec(_Strict):
    """One state: the reply shown on entering it and its buttons.

    A state with ``sources`` is an educational answer: it must also carry ``reviewed``, the date its
    facts were last checked against the evidence sheet. Both are shown under the reply.
    """

    name: Identifier
    reply: Annotated[str, StringConstraints(min_length=1)]
    buttons: tuple[ButtonSpec, ...] = ()
    sources: tuple[Annotated[str, StringConstraints(min_length=1)], ...] = ()
    reviewed: dt.date | None = None
    final: bool = False


class TransitionSpec(_Strict):
    """A move from ``source`` (a state, a list of states, or ``*`` for any) to ``dest``."""

    trigger: Identifier
    source: Identifier | Literal["*"] | tuple[Identifier, ...]
    dest: Identifier
    conditions: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    @field_validator("conditions", "unless", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("conditions", "unless")
    @classmethod
    def _allowed(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in ALLOWED_CONDITIONS]
        if unknown:
            allowed = ", ".join(sorted(ALLOWED_CONDITIONS))
            raise ValueError(f"unknown condition {unknown[0]!r}; use one of: {allowed}")
        return value

    @field_validator("source", mode="before")
    @classmethod
    def _source_list(cls, value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    def sources(self, all_states: tuple[str, ...]) -> tuple[str, ...]:
        """The concrete source states of this transition."""
        if self.source == "*":
            return all_states
        if isinstance(self.source, str):
            return (self.source,)
        return self.source


class TriggerSpec(_Strict):
    """What fires a trigger besides its buttons: commands (without the slash) and text.

    ``phrases`` match as whole words in order, tolerant of case, accents and small typos;
    ``keywords`` are single words, any of which is enough. When neither matches (or only a
    keyword does), a question close in meaning to one of the ``phrases``, in any language the
    model knows, also fires the trigger, unless ``by_meaning`` is false (small talk such as a
    goodbye, where a near miss would answer the wrong thing).
    """

    commands: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")], ...] = ()
    phrases: tuple[Annotated[str, StringConstraints(min_length=1, max_length=200)], ...] = ()
    keywords: tuple[Annotated[str, StringConstraints(min_length=2, max_length=40)], ...] = ()
    by_meaning: bool = True

    @field_validator("keywords")
    @classmethod
    def _single_words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for word in value:
            if re.search(r"\s", word):
                raise ValueError(f"keyword {word!r} has a space; put it under phrases")
        return value


class FlowSpec(_Strict):
    """A whole flow file."""

    name: Identifier
    title: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    version: str | None = None
    initial: Identifier
    states: tuple[StateSpec, ...] = Field(min_length=1)
    transitions: tuple[TransitionSpec, ...] = ()
    triggers: dict[Identifier, TriggerSpec] = Field(default_factory=dict)
    fallback: str | None = None
