"""Semantic checks on loaded flows: what the schema alone cannot see.

Errors stop the bot from starting (``bot.app``) and fail ``crisisbot check``; warnings are shown
and pass. Every diagnostic points at the node it is about, as ``path:line:col``. The checks:

* here: states, the initial state, transition ends, buttons, reachability and dead ends;
* :mod:`bot.engine.check_triggers`: what fires each trigger, colliding and reserved commands and
  texts, flow names and commands across files;
* :mod:`bot.engine.check_text`: what the flows say (lengths, payloads, doses, crisis wording,
  sources and review dates).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from pathlib import Path

from bot.engine.check_text import (
    FlowReport,
    Loc,
    check_crisis_wording,
    check_sources,
    check_texts,
)
from bot.engine.check_triggers import check_across_flows, check_trigger_texts, check_trigger_use
from bot.engine.loader import LoadedFlow, flow_files, load_flow_file
from bot.engine.schema import FlowSpec
from bot.errors import Diagnostic, FlowError


def _suggest(name: str, known: Sequence[str], kind: str = "states") -> str:
    """The closest name as a suggestion, then all of them: "; did you mean 'menu'? (...)"."""
    close = difflib.get_close_matches(name, known, n=1)
    listed = ", ".join(known) if known else "none"
    return (f"; did you mean {close[0]!r}?" if close else "") + f" ({kind}: {listed})"


def _check_states(report: FlowReport) -> list[str]:
    """Duplicate state names and the initial state; returns the state names, first of each."""
    spec = report.flow.spec
    first: dict[str, int] = {}
    for index, state in enumerate(spec.states):
        if state.name in first:
            line = report.line_of(("states", first[state.name], "name"))
            report.add(
                ("states", index, "name"),
                f"state {state.name!r} is defined twice (first on line {line}); rename or "
                "remove one",
            )
        else:
            first[state.name] = index
    names = list(first)
    if spec.initial not in first:
        report.add(
            ("initial",),
            f"initial state {spec.initial!r} is not a state of this flow"
            + _suggest(spec.initial, names),
        )
    return names


def _check_transitions(report: FlowReport, names: list[str]) -> None:
    """Every source and dest of every transition names a state of the flow."""
    for index, item in enumerate(report.flow.spec.transitions):
        here: Loc = ("transitions", index)
        ends: list[tuple[Loc, str, str]] = [((*here, "dest"), "dest", item.dest)]
        if isinstance(item.source, tuple):
            ends += [((*here, "source", n), "source", s) for n, s in enumerate(item.source)]
        elif item.source != "*":
            ends.append(((*here, "source"), "source", item.source))
        for loc, role, name in ends:
            if name not in names:
                report.add(
                    loc,
                    f"transition {index + 1} (trigger {item.trigger!r}): {role} {name!r} is not "
                    f"a state of this flow{_suggest(name, names)}",
                )


def _star_triggers(spec: FlowSpec) -> set[str]:
    """Triggers with a ``*`` transition: they fire from any state, and from other flows."""
    return {item.trigger for item in spec.transitions if item.source == "*"}


def _moves(spec: FlowSpec) -> dict[str, list[tuple[str, str]]]:
    """``state -> [(trigger, dest)]`` for the transitions that name their source states."""
    moves: dict[str, list[tuple[str, str]]] = {}
    for item in spec.transitions:
        if item.source != "*":
            for source in item.sources(()):
                moves.setdefault(source, []).append((item.trigger, item.dest))
    return moves


def _check_buttons(report: FlowReport, flows: dict[str, FlowReport]) -> None:
    """A button's trigger must move the conversation: here, or in the flow it names."""
    spec = report.flow.spec
    star, moves = _star_triggers(spec), _moves(spec)
    for index, state in enumerate(spec.states):
        leaving = star | {trigger for trigger, _ in moves.get(state.name, ())}
        for number, button in enumerate(state.buttons):
            here: Loc = ("states", index, "buttons", number)
            named = f"button {button.label!r} in state {state.name!r}"
            if button.flow is None or button.flow == spec.name:
                if button.trigger not in leaving:
                    report.add(
                        (*here, "trigger"),
                        f"{named} fires trigger {button.trigger!r}, but no transition on it "
                        f"leaves {state.name!r} or '*'; add one, or fix the trigger",
                    )
                continue
            target = flows.get(button.flow)
            if target is None:
                report.add(
                    (*here, "flow"),
                    f"{named} leads to flow {button.flow!r}, which is not loaded"
                    f"{_suggest(button.flow, sorted(flows), 'flows')}",
                )
            elif button.trigger not in _star_triggers(target.flow.spec):
                report.add(
                    (*here, "trigger"),
                    f"{named} leads to trigger {button.trigger!r} of flow {button.flow!r}, but "
                    f"that flow has no transition on it with source '*'; add one there",
                )


def _check_reachability(report: FlowReport, names: list[str]) -> None:
    """States that cannot be reached from the initial state, and states with no way out."""
    spec = report.flow.spec
    moves = _moves(spec)
    reached = {spec.initial} | {t.dest for t in spec.transitions if t.source == "*"}
    frontier = list(reached)
    while frontier:
        for _, dest in moves.get(frontier.pop(), ()):
            if dest not in reached:
                reached.add(dest)
                frontier.append(dest)
    anywhere = bool(_star_triggers(spec))
    seen: set[str] = set()
    for index, state in enumerate(spec.states):
        if state.name in seen:
            continue
        seen.add(state.name)
        if spec.initial in names and state.name not in reached:
            report.warn(
                ("states", index, "name"),
                f"state {state.name!r} cannot be reached from the initial state "
                f"{spec.initial!r}; lead to it with a button and transition, or remove it",
            )
        if not (state.buttons or anywhere or state.name in moves or state.final):
            report.warn(
                ("states", index, "name"),
                f"state {state.name!r} is a dead end: no buttons and no transitions out; add a "
                "way out, or mark it 'final: true' if the conversation may end there",
            )


def check_flows(flows: Sequence[LoadedFlow], *, today: dt.date | None = None) -> list[Diagnostic]:
    """Errors and warnings about ``flows`` taken together, sorted by path, line and column.

    ``today`` (default: the local date) is what review dates are compared with.
    """
    today = today or dt.date.today()
    reports = [FlowReport(flow) for flow in flows]
    by_name = check_across_flows(reports)
    for report in reports:
        spec = report.flow.spec
        fired_from_outside = {
            button.trigger
            for other in reports
            if other.flow.spec.name != spec.name
            for state in other.flow.spec.states
            for button in state.buttons
            if button.flow == spec.name
        }
        names = _check_states(report)
        _check_transitions(report, names)
        _check_buttons(report, by_name)
        check_trigger_use(report, fired_from_outside)
        _check_reachability(report, names)
        check_trigger_texts(report)
        check_texts(report)
        check_crisis_wording(report)
        check_sources(report, today)
    found = [diagnostic for report in reports for diagnostic in report.found]
    return sorted(found, key=lambda d: (d.path, d.line, d.column, d.severity, d.message))


def check_paths(paths: Sequence[Path], *, today: dt.date | None = None) -> list[Diagnostic]:
    """Load and check flow files (a folder stands for its flow files); load errors included."""
    files: list[Path] = []
    found: list[Diagnostic] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
        elif listed := flow_files(path):
            files.extend(listed)
        else:
            message = "no flow files (*.yaml, *.yml) in this folder; add one or fix the path"
            found.append(Diagnostic(str(path), 1, 1, message))
    loaded: list[LoadedFlow] = []
    for file in dict.fromkeys(files):  # a file named twice (folder and file) is checked once
        try:
            loaded.append(load_flow_file(file))
        except FlowError as error:
            found.extend(error.diagnostics)
    found.extend(check_flows(loaded, today=today))
    return sorted(found, key=lambda d: (d.path, d.line, d.column, d.severity, d.message))
