"""Checks on triggers: what fires them, and that no command or text fires two of them.

A trigger is fired by buttons, by commands and by text (phrases, keywords). Within one flow a
command or a normalised phrase or keyword may belong to one trigger only; across flows a command
may belong to one flow only; the system's own commands belong to no flow.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.check_text import FlowReport, Loc
from bot.engine.matcher import tokens
from bot.model import SYSTEM_COMMANDS


def check_trigger_use(report: FlowReport, fired_from_outside: set[str]) -> None:
    """Triggers defined but unused, and transitions whose trigger nothing can fire."""
    spec = report.flow.spec
    used = {item.trigger for item in spec.transitions}
    fired = set(fired_from_outside)
    fired |= {b.trigger for s in spec.states for b in s.buttons if b.flow in (None, spec.name)}
    fired |= {n for n, t in spec.triggers.items() if t.commands or t.phrases or t.keywords}
    for name in spec.triggers:
        if name not in used:
            report.warn(
                ("triggers", name, "[key]"),
                f"trigger {name!r} is defined under 'triggers' but no transition uses it; add "
                "a transition on it or remove it",
            )
    warned: set[str] = set()
    for index, item in enumerate(spec.transitions):
        if item.trigger not in fired and item.trigger not in warned:
            warned.add(item.trigger)
            report.warn(
                ("transitions", index, "trigger"),
                f"unreachable trigger {item.trigger!r}: no button, command, phrase or keyword "
                "fires it anywhere; add a button or a 'triggers' entry, or remove the transition",
            )


def check_trigger_texts(report: FlowReport) -> None:
    """Within one flow, no command, phrase or keyword may fire two different triggers."""
    commands: dict[str, tuple[str, Loc]] = {}
    texts: dict[str, tuple[str, str, Loc]] = {}
    for name, trigger in report.flow.spec.triggers.items():
        for number, command in enumerate(trigger.commands):
            loc: Loc = ("triggers", name, "commands", number)
            if command in SYSTEM_COMMANDS:
                reserved = ", ".join(f"/{c}" for c in sorted(SYSTEM_COMMANDS))
                report.add(
                    loc,
                    f"command '/{command}' is reserved for the system ({reserved}); a flow "
                    "cannot bind it: choose another command",
                )
                continue
            owner, first = commands.setdefault(command, (name, loc))
            if owner != name:
                report.add(
                    loc,
                    f"command '/{command}' of trigger {name!r} is already bound to trigger "
                    f"{owner!r} on line {report.line_of(first)}; keep it on one trigger",
                )
        for kind, items in (("phrases", trigger.phrases), ("keywords", trigger.keywords)):
            for number, text in enumerate(items):
                loc = ("triggers", name, kind, number)
                words = " ".join(tokens(text))
                if not words:
                    report.warn(loc, f"{kind[:-1]} {text!r} has no words to match; remove it")
                    continue
                owner, original, first = texts.setdefault(words, (name, text, loc))
                if owner != name:
                    report.add(
                        loc,
                        f"{kind[:-1]} {text!r} of trigger {name!r} matches the same words as "
                        f"{original!r} of trigger {owner!r} on line {report.line_of(first)}; "
                        "a message could fire either, so keep it on one trigger",
                    )


def check_across_flows(reports: Sequence[FlowReport]) -> dict[str, FlowReport]:
    """Flow names and commands must be unique across files; returns the flows by name."""
    by_name: dict[str, FlowReport] = {}
    commands: dict[str, tuple[FlowReport, Loc]] = {}
    for report in reports:
        spec = report.flow.spec
        first = by_name.setdefault(spec.name, report)
        if first is not report:
            report.add(
                ("name",),
                f"flow name {spec.name!r} is already used by {first.flow.path}:"
                f"{first.line_of(('name',))}; give each flow its own name",
            )
        for name, trigger in spec.triggers.items():
            for number, command in enumerate(trigger.commands):
                loc: Loc = ("triggers", name, "commands", number)
                owner, owner_loc = commands.setdefault(command, (report, loc))
                if owner.flow.spec.name != spec.name:
                    report.add(
                        loc,
                        f"command '/{command}' is also bound by flow {owner.flow.spec.name!r} "
                        f"({owner.flow.path}:{owner.line_of(owner_loc)}); a command belongs to "
                        "one flow",
                    )
    return by_name
