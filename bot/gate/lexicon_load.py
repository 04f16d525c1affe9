"""Reading and validating lexicon files: the built-in floor plus an operator's extension.

The extension may only **add**: new rules, new weak signals, new fuzzy keys, and exemptions that
can suppress nothing stronger than a built-in rule of risk ``concern``. It can never remove,
replace or weaken a built-in rule (the floor), change the accumulation settings or add negation
cues. Every problem raises :class:`bot.errors.LexiconError` naming the file, the key and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from rapidfuzz.distance import OSA

from bot.errors import LexiconError
from bot.gate.floor import check_floor
from bot.gate.lexicon import (
    CATEGORIES,
    Accumulation,
    Exemption,
    FuzzySettings,
    Lexicon,
    Rule,
    SignalRule,
)
from bot.gate.lexicon_fields import Fields
from bot.gate.macros import MacroExpander, read_macros
from bot.gate.phrases import PhraseSyntaxError, compile_phrase
from bot.model import Risk
from bot.safe_yaml import YamlProblem, load_yaml_file, place_in_file

BUILTIN_PATH = Path(__file__).with_name("lexicon.yaml")

_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
_BUILTIN_KEYS = frozenset(
    {"version", "macros", "rules", "signals", "exemptions", "fuzzy", "accumulation", "negation"}
)
_EXTENSION_KEYS = frozenset({"version", "rules", "signals", "exemptions", "fuzzy"})
_NESTED_QUANTIFIER = re.compile(r"\([^()]*[+*}][^()]*\)\s*[+*{]")
_MAX_PATTERN = 800
_RISK_VALUES = ", ".join(risk.value for risk in Risk)


def load_lexicon(extra_path: Path | None = None) -> Lexicon:
    """Built-in lexicon from bot/gate/lexicon.yaml plus an operator's extension file.

    The extension can ADD patterns/words (and add figurative exemptions only if they can never
    suppress a built-in rule of risk high/imminent); it can never remove or weaken built-in rules
    (the floor): :func:`bot.gate.floor.check_floor` refuses an extension whose exemptions let a
    floor sentence through. Invalid extension -> LexiconError naming file, key and what to do.
    """
    builtin = _read(BUILTIN_PATH, builtin=True, known=(), macros={})
    if extra_path is None:
        return builtin
    extension = _read(
        Path(extra_path), builtin=False, known=builtin.rules, macros=dict(builtin.macros)
    )
    _check_fuzzy_keys(Path(extra_path), builtin.fuzzy.keys, extension.fuzzy.keys)
    merged = Lexicon(
        rules=builtin.rules + extension.rules,
        signals=builtin.signals + extension.signals,
        exemptions=builtin.exemptions + extension.exemptions,
        fuzzy=FuzzySettings(
            keys=builtin.fuzzy.keys + extension.fuzzy.keys,
            masked_keys=builtin.fuzzy.masked_keys + extension.fuzzy.masked_keys,
            exclude=builtin.fuzzy.exclude,
            words=builtin.fuzzy.words,
        ),
        accumulation=builtin.accumulation,
        negation_cues=builtin.negation_cues,
        macros=builtin.macros,
        sources=builtin.sources + extension.sources,
    )
    check_floor(merged, Path(extra_path))
    return merged


def _read(path: Path, *, builtin: bool, known: tuple[Rule, ...], macros: dict[str, str]) -> Lexicon:
    """Load one lexicon file; ``known`` are the built-in rules an extension is checked against.

    ``macros`` are the built-in ``@name`` shorthands; only the built-in file may define them.
    """
    try:
        data = load_yaml_file(path)
    except FileNotFoundError as exc:
        raise LexiconError(
            f"{path}: lexicon file not found; fix the path in crisis.lexicon_extra or remove it"
        ) from exc
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read the lexicon file ({exc.strerror})") from exc
    except YamlProblem as exc:
        raise LexiconError(f"{exc.where(path)}: {exc}") from exc
    top = Fields(path, "top level", data, _BUILTIN_KEYS if builtin else _EXTENSION_KEYS)
    if builtin:
        macros = read_macros(Fields(path, "macros", top.mapping("macros"), top.mapping("macros")))
    context = MacroExpander(macros)
    rules = tuple(
        _rule(Fields(path, f"rules[{i}]", item, _RULE_KEYS), builtin, context)
        for i, item in enumerate(top.list_of("rules"))
    )
    _check_ids(path, known, rules)
    signals = tuple(
        _signal(Fields(path, f"signals[{i}]", item, _SIGNAL_KEYS), builtin, context)
        for i, item in enumerate(top.list_of("signals"))
    )
    every_rule = {rule.id: rule for rule in (*known, *rules)}
    exemptions = tuple(
        _exemption(
            Fields(path, f"exemptions[{i}]", item, _EXEMPTION_KEYS), builtin, every_rule, context
        )
        for i, item in enumerate(top.list_of("exemptions"))
    )
    fuzzy = Fields(path, "fuzzy", top.mapping("fuzzy"), _FUZZY_KEYS if builtin else {"keys"})
    accumulation = Fields(path, "accumulation", top.mapping("accumulation"), _ACCUMULATION_KEYS)
    negation = Fields(path, "negation", top.mapping("negation"), {"cues"})
    return Lexicon(
        rules=rules,
        signals=signals,
        exemptions=exemptions,
        fuzzy=FuzzySettings(
            keys=_fuzzy_keys(fuzzy),
            masked_keys=fuzzy.words("masked_keys")
            + tuple(k.split(":")[0] for k in _fuzzy_keys(fuzzy)),
            exclude=fuzzy.words("exclude"),
            words=fuzzy.words("words"),
        ),
        accumulation=Accumulation(
            half_life_hours=accumulation.positive_number("half_life_hours", 6.0),
            threshold=accumulation.positive_number("threshold", 0.85),
        ),
        negation_cues=tuple(_checked_phrases(negation, "cues", context)),
        macros=tuple(macros.items()),
        sources=(str(path),),
    )


_RULE_KEYS = frozenset(
    {
        "id",
        "category",
        "risk",
        "phrases",
        "patterns",
        "negatable",
        "requires",
        "requires_inside",
        "comment",
    }
)
_SIGNAL_KEYS = frozenset({"id", "kind", "weight", "phrases", "patterns", "comment"})
_EXEMPTION_KEYS = frozenset({"id", "suppresses", "phrases", "patterns", "comment"})
_FUZZY_KEYS = frozenset({"keys", "masked_keys", "exclude", "words"})
_ACCUMULATION_KEYS = frozenset({"half_life_hours", "threshold"})


def _rule(fields: Fields, builtin: bool, context: MacroExpander) -> Rule:
    rule_id = _rule_id(fields)
    category = fields.choice("category", CATEGORIES)
    if not rule_id.startswith(category + "."):
        raise fields.error("id", f"{rule_id!r} must start with its category, e.g. {category}.name")
    risk_name = fields.text("risk")
    if risk_name not in {risk.value for risk in Risk}:
        raise fields.error("risk", f"{risk_name!r} is not a risk level; use one of {_RISK_VALUES}")
    requires = fields.words("requires")
    for needed in requires:
        if needed not in CATEGORIES:
            raise fields.error("requires", f"{needed!r} is not a category; use {CATEGORIES}")
    phrases, patterns = _matchers(fields, context)
    return Rule(
        id=rule_id,
        category=category,
        risk=Risk(risk_name),
        phrases=phrases,
        patterns=patterns,
        negatable=fields.flag("negatable"),
        requires=requires,
        requires_inside=fields.flag("requires_inside"),
        builtin=builtin,
        comment=fields.optional_text("comment"),
    )


def _signal(fields: Fields, builtin: bool, context: MacroExpander) -> SignalRule:
    phrases, patterns = _matchers(fields, context)
    return SignalRule(
        id=_rule_id(fields),
        kind=fields.text("kind"),
        weight=fields.positive_number("weight", None),
        phrases=phrases,
        patterns=patterns,
        builtin=builtin,
        comment=fields.optional_text("comment"),
    )


def _exemption(
    fields: Fields, builtin: bool, rules: Mapping[str, Rule], context: MacroExpander
) -> Exemption:
    phrases, patterns = _matchers(fields, context)
    exemption = Exemption(
        id=_rule_id(fields),
        suppresses=fields.words("suppresses", required=True),
        phrases=phrases,
        patterns=patterns,
        builtin=builtin,
        comment=fields.optional_text("comment"),
    )
    for target in exemption.suppresses:
        single = Exemption(id=exemption.id, suppresses=(target,))
        if not any(single.covers(rule_id) for rule_id in rules):
            raise fields.error("suppresses", f"{target!r} names no rule; use an existing rule id")
    if not builtin:
        for rule in rules.values():
            if exemption.covers(rule.id) and rule.builtin and rule.risk is not Risk.CONCERN:
                raise fields.error(
                    "suppresses",
                    f"would suppress built-in rule {rule.id!r} of risk {rule.risk.value}; "
                    "an extension may only suppress its own rules or built-in concern rules",
                )
    return exemption


def _check_fuzzy_keys(path: Path, builtin: tuple[str, ...], added: tuple[str, ...]) -> None:
    """An added key close to a built-in one could capture its typo repairs; refuse it."""
    words = [key.split(":")[0] for key in builtin]
    for index, key in enumerate(added):
        word = key.split(":")[0]
        near = [known for known in words if known != word and OSA.distance(word, known) <= 2]
        if near:
            place = place_in_file(path, ("fuzzy", "keys", index))
            raise LexiconError(
                f"{place}: fuzzy: keys: {word!r} is within two edits of the built-in key "
                f"{near[0]!r} and could take over its typo repair; remove it (the built-in "
                "lexicon already repairs that word)"
            )


def _fuzzy_keys(fields: Fields) -> tuple[str, ...]:
    """``fuzzy.keys``: lower-case words, optionally with an edit distance, ``suicide:2``."""
    keys = fields.words("keys")
    for index, key in enumerate(keys):
        if not re.fullmatch(r"[a-z]{4,}(?::[12])?", key):
            raise fields.error(
                f"keys[{index}]", f"{key!r} must be a word of 4+ letters, optionally ':1' or ':2'"
            )
    return keys


def _rule_id(fields: Fields) -> str:
    rule_id = fields.text("id")
    if not _RULE_ID.match(rule_id):
        raise fields.error("id", f"{rule_id!r} is not an id like 'category.name' (a-z, 0-9, _)")
    return rule_id


def _check_ids(path: Path, known: tuple[Rule, ...], rules: tuple[Rule, ...]) -> None:
    seen = {rule.id for rule in known}
    for index, rule in enumerate(rules):
        if rule.id in seen:
            origin = "the built-in lexicon" if any(k.id == rule.id for k in known) else "this file"
            place = place_in_file(path, ("rules", index, "id"))
            raise LexiconError(
                f"{place}: rules: id {rule.id!r} already exists in {origin}; extensions can only "
                "add rules, so give yours a new id (built-in rules cannot be replaced or removed)"
            )
        seen.add(rule.id)


def _matchers(fields: Fields, context: MacroExpander) -> tuple[tuple[str, ...], tuple[str, ...]]:
    phrases = tuple(_checked_phrases(fields, "phrases", context))
    patterns = tuple(_checked_patterns(fields))
    if not phrases and not patterns:
        raise fields.error("phrases", "give at least one phrase or pattern")
    return phrases, patterns


def _checked_phrases(fields: Fields, key: str, context: MacroExpander) -> list[str]:
    phrases: list[str] = []
    for index, written in enumerate(fields.words(key)):
        try:
            phrase = context.expand(written)
            compile_phrase(phrase)
        except PhraseSyntaxError as exc:
            raise fields.error(f"{key}[{index}]", f"{exc}; see the phrase grammar") from exc
        phrases.append(phrase)
    return phrases


def _checked_patterns(fields: Fields) -> list[str]:
    patterns = list(fields.words("patterns"))
    for index, pattern in enumerate(patterns):
        key = f"patterns[{index}]"
        if len(pattern) > _MAX_PATTERN:
            raise fields.error(key, f"longer than {_MAX_PATTERN} characters; split it")
        if _NESTED_QUANTIFIER.search(pattern):
            raise fields.error(
                key, "a repeated group that itself repeats can backtrack for ever; use phrases"
            )
        try:
            re.compile(pattern)
        except re.error as exc:
            raise fields.error(key, f"invalid regular expression ({exc})") from exc
    return patterns


__all__ = ["BUILTIN_PATH", "load_lexicon"]
