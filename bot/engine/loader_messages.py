"""Plain-words messages for pydantic's validation errors on a flow file.

Pydantic speaks of ``loc`` tuples and error types; an operator needs "unknown key 'buton' in state
'menu' (allowed: ...)". Each error becomes an :class:`Explained`: the ``loc`` whose node the message
is about (for :class:`~bot.engine.loader_yaml.NodeIndex`) and the message itself.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from bot.engine.schema import ButtonSpec, FlowSpec, StateSpec, TransitionSpec, TriggerSpec

Loc = tuple[str | int, ...]
_NAME_RULE = (
    "a lower-case name (a letter a-z, then letters, digits or '_', at most {size} characters)"
)
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")
_SOURCE_FORMS = "a state name, '*' (any state) or a list of state names"


@dataclass(frozen=True)
class Explained:
    """One validation problem: where it is (a pydantic-style loc) and what to say."""

    loc: Loc
    message: str


def _owner(loc: Loc, data: object) -> tuple[type[BaseModel], str | None]:
    """The model that holds the keys at ``loc`` and its name in a message (None: top level)."""
    match loc:
        case ("states", int(index)):
            return StateSpec, _state_name(data, index)
        case ("states", int(index), "buttons", int(button)):
            return ButtonSpec, f"button {button + 1} of {_state_name(data, index)}"
        case ("transitions", int(index)):
            trigger = _value_at(data, (*loc, "trigger"))
            named = f" (trigger {trigger!r})" if isinstance(trigger, str) else ""
            return TransitionSpec, f"transition {index + 1}{named}"
        case ("triggers", str(name)):
            return TriggerSpec, f"trigger {name!r}"
    return FlowSpec, None


def _where(loc: Loc, data: object) -> str:
    """ "in state 'menu'", "in transition 2", or "at the top level"."""
    noun = _owner(loc, data)[1]
    return f"in {noun}" if noun else "at the top level"


def _state_name(data: object, index: int) -> str:
    name = _value_at(data, ("states", index, "name"))
    return f"state {name!r}" if isinstance(name, str) else f"state number {index + 1}"


def _value_at(data: object, loc: Loc) -> object:
    for segment in loc:
        in_dict = isinstance(data, dict) and isinstance(segment, str) and segment in data
        in_list = isinstance(data, list) and isinstance(segment, int) and 0 <= segment < len(data)
        if in_dict or in_list:
            data = data[segment]  # type: ignore[index]  # checked just above
        else:
            return None
    return data


def _clean(loc: Loc, data: object) -> tuple[Loc, Loc | None]:
    """``loc`` without union-member tags, and the loc of the union field if there was one."""
    kept: list[str | int] = []
    union: Loc | None = None
    current = data
    for segment in loc:
        walks_dict = isinstance(current, dict) and isinstance(segment, str)
        if isinstance(current, dict) and segment not in current and not _FIELD.match(str(segment)):
            walks_dict = False  # not a key at all: a union member's tag like 'constrained-str'
        walks_list = isinstance(current, list) and isinstance(segment, int)
        if not (walks_dict or walks_list or segment == "[key]"):
            union = union or tuple(kept)
            continue
        kept.append(segment)
        current = _value_at(current, (segment,))
    return tuple(kept), union


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return repr(value)


def _subject(loc: Loc, data: object) -> str:
    """How to name the value at ``loc``: "'reply' in state 'menu'", "trigger name 'x'"..."""
    if loc[-1:] == ("[key]",):
        return f"{'trigger name' if loc[:1] == ('triggers',) else 'key'} {loc[-2]!r}"
    noun = _owner(loc, data)[1]
    if noun or not loc:
        return noun or "the flow"
    if len(loc) >= 2 and isinstance(loc[-1], int) and isinstance(loc[-2], str):
        return f"item {loc[-1] + 1} of {loc[-2]!r} {_where(loc[:-2], data)}"
    return f"{loc[-1]!r} {_where(loc[:-1], data)}"


def _pattern_message(subject: str, pattern: str, value: object) -> str:
    size = re.search(r"\{0,(\d+)\}", pattern)
    rule = _NAME_RULE.format(size=int(size.group(1)) + 1 if size else "a few")
    hint = "; write commands without the '/'" if str(value).startswith("/") else ""
    return f"{subject} must be {rule}, not {value!r}{hint}"


def _message(error: ErrorDetails, loc: Loc, data: object) -> Explained:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    subject = _subject(loc, data)
    if kind == "missing":
        return Explained(loc, f"missing required key {loc[-1]!r} {_where(loc[:-1], data)}")
    if kind == "extra_forbidden":
        model, where = _owner(loc[:-1], data)[0], _where(loc[:-1], data)
        allowed = sorted(model.model_fields)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        maybe = f"; did you mean {close[0]!r}?" if close else ""
        text = f"unknown key {loc[-1]!r} {where} (allowed: {', '.join(allowed)}){maybe}"
        return Explained((*loc, "[key]"), text)
    if kind == "string_type":
        if value is None:
            return Explained(loc, f"{subject} is empty; write some text")
        return Explained(loc, f"{subject} must be text, not {_kind(value)}; put it in quotes")
    if kind == "string_pattern_mismatch":
        return Explained(loc, _pattern_message(subject, str(ctx.get("pattern", "")), value))
    if kind == "string_too_short":
        least = int(ctx.get("min_length", 1))
        if least > 1 and isinstance(value, str) and value:
            return Explained(loc, f"{subject} is {value!r}; it needs at least {least} characters")
        return Explained(loc, f"{subject} is empty; write some text")
    if kind == "string_too_long":
        size = len(value) if isinstance(value, str) else "too many"
        limit = ctx.get("max_length")
        return Explained(loc, f"{subject} is {size} characters; at most {limit} are allowed")
    if kind == "too_short":
        return Explained(loc, f"{subject} must list at least {ctx.get('min_length', 1)} item")
    if kind in {"tuple_type", "list_type"}:
        return Explained(loc, f"{subject} must be a list ('- item' lines), not {_kind(value)}")
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return Explained(loc, f"{subject} must be a mapping of keys, not {_kind(value)}")
    if kind.startswith("bool_"):
        return Explained(loc, f"{subject} must be true or false, not {_kind(value)}")
    if kind.startswith(("date_", "datetime_")):
        reason = f" ({ctx['error']})" if "error" in ctx else ""
        return Explained(loc, f"{subject} must be a date written YYYY-MM-DD{reason}")
    if kind == "value_error":
        text = error["msg"].removeprefix("Value error, ")
        return Explained(_quoted_item(loc, text, data), f"{subject}: {text}")
    return Explained(loc, f"{subject}: {error['msg']}")


def _quoted_item(loc: Loc, text: str, data: object) -> Loc:
    """Point at the list item a validator's message quotes, if it is one."""
    items, quoted = _value_at(data, loc), re.search(r"'([^']*)'", text)
    if isinstance(items, list) and quoted and quoted.group(1) in items:
        return (*loc, items.index(quoted.group(1)))
    return loc


def _union_message(field: Loc, data: object) -> Explained:
    value = _value_at(data, field)
    forms = _SOURCE_FORMS if field[-1:] == ("source",) else "one of its accepted forms"
    text = f"{_subject(field, data)} must be {forms}, not {_kind(value)}"
    if isinstance(value, str):
        text += "; a state name is " + _NAME_RULE.format(size=40)
    return Explained(field, text)


def explain(errors: Sequence[ErrorDetails], data: object) -> list[Explained]:
    """Plain-words explanations of ``errors`` raised while validating ``data`` as a FlowSpec."""
    cleaned = [(error, *_clean(tuple(error["loc"]), data)) for error in errors]
    locs = [loc for _, loc, _ in cleaned]
    explained: list[Explained] = []
    unions: dict[Loc, list[Loc]] = {}
    for error, loc, union in cleaned:
        if error["type"] == "too_short" and any(o[: len(loc)] == loc != o for o in locs):
            continue  # pydantic adds "too short" when items failed; the items say why
        if union is not None:
            unions.setdefault(union, []).append(loc)
            if len(loc) == len(union):
                continue  # a member that did not fit the value's shape: said once below
        explained.append(_message(error, loc, data))
    for field, member_locs in unions.items():
        if all(len(loc) == len(field) for loc in member_locs):
            explained.append(_union_message(field, data))
    return explained
