"""The flow engine: moves one conversation record through the compiled flows.

It never sees crisis content: the core calls it only after the crisis gate and the medical-advice
guard have passed the text. It is pure: a record and an input in, a new record and a reply out.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.embedding import shared_encoder
from bot.engine.compiler import CompiledFlow
from bot.engine.matcher import (
    KEYWORD_SCORE,
    Encode,
    JointIndex,
    MeaningIndex,
    TriggerPattern,
    tokens,
)
from bot.engine.schema import StateSpec
from bot.model import FLOW_PREFIX, Button, ConversationRecord, Reply, Route

BUTTON_PREFIX = FLOW_PREFIX  # the name the core imports
DEFAULT_FALLBACK = (
    "I'm not sure I understood that. I'm an automated assistant that shares general, sourced "
    "information about ketamine and esketamine treatment for depression. Pick a topic below, or "
    'ask a question such as "how does ketamine work?" I can\'t advise on your own treatment: '
    "that is for your clinician. If you are going through a hard time, /crisis shows crisis lines."
)
STALE_BUTTON = "That button belongs to an earlier message, so here is where we are now."
FLOW_CHANGED = "This conversation's topics were updated since we last spoke, so let's start again."
# Cosine similarity a question needs with a topic's phrase to reach it by meaning (docs/flows.md,
# "Topics by meaning", has how it was chosen and what it measures).
MEANING_THRESHOLD = 0.3
KEYWORD_MARGIN = 0.2  # a keyword's topic this close to the nearest in meaning keeps its place
# A question matched by meaning alone needs this many words; a shorter one must also name
# something the topics know (one of their keywords): "what time is it" is not about sessions.
MIN_MEANING_WORDS = 5
_GLOBAL = "*"  # the joint index's view of every flow's global triggers (no flow is named so)


@dataclass(frozen=True, slots=True)
class FlowStep:
    """The engine's answer to one input."""

    route: Route
    reply: Reply
    record: ConversationRecord
    trigger: str | None = None


def state_text(state: StateSpec) -> str:
    """The text a state sends: its reply, then its sources and review date when it has them."""
    text = state.reply.strip()
    if state.sources:
        text += "\n\nSources: " + "; ".join(state.sources)
    if state.reviewed is not None:
        text += f"\nReviewed: {state.reviewed.isoformat()}"
    return text


def button_action(flow: str, trigger: str) -> str:
    """The payload a flow button sends back when pressed."""
    return f"{BUTTON_PREFIX}{flow}:{trigger}"


class FlowEngine:
    """All compiled flows of one version of ``flows/``, with one entry flow."""

    def __init__(
        self,
        flows: Iterable[CompiledFlow],
        entry: str,
        *,
        meaning_threshold: float | None = MEANING_THRESHOLD,
        encode: Encode | None = None,
    ) -> None:
        """``meaning_threshold`` None turns matching by meaning off (for measuring without it);
        ``encode`` defaults to the shared sentence encoder."""
        self.flows = {flow.name: flow for flow in flows}
        if entry not in self.flows:
            known = ", ".join(sorted(self.flows)) or "none"
            raise ValueError(f"entry flow {entry!r} is not among the loaded flows ({known})")
        self.entry = self.flows[entry]
        self._global_patterns = tuple(
            pattern
            for flow in self.flows.values()
            for pattern in flow.patterns
            if pattern.trigger in flow.global_triggers
        )
        # Each flow's index and the global one, read in one pass over a message (same answers).
        views = {name: flow.patterns for name, flow in self.flows.items()}
        self._joint_index = JointIndex({**views, _GLOBAL: self._global_patterns})
        self.meaning_threshold = meaning_threshold
        self._encode = encode
        self._meaning: MeaningIndex | None = None
        self._meaning_lock = threading.Lock()
        self._rendered: dict[tuple[str, str], Reply] = {}

    def meaning_index(self) -> MeaningIndex:
        """The topics' phrases as vectors: encoded once for these flows, on first need."""
        with self._meaning_lock:
            if self._meaning is None:
                encode = self._encode or shared_encoder().encode
                self._meaning = MeaningIndex(self._global_patterns, encode)
            return self._meaning

    def prepare(self, texts: Sequence[str]) -> None:
        """Encode in one batch what a topic lookup by meaning of ``texts`` would (a cache)."""
        if self.meaning_threshold is not None:
            self.meaning_index().prepare(texts)

    # -- records -----------------------------------------------------------------------------

    def new_record(self, conversation_id: str, now: float) -> ConversationRecord:
        """A fresh conversation at the entry flow's initial state."""
        return ConversationRecord(
            conversation_id=conversation_id,
            flow=self.entry.name,
            flow_version=self.entry.version,
            state=self.entry.spec.initial,
            created_at=now,
            updated_at=now,
        )

    def revalidate(self, record: ConversationRecord) -> tuple[ConversationRecord, str | None]:
        """Keep ``record`` if its flow and state still exist; otherwise restart it with a notice."""
        flow = self.flows.get(record.flow)
        if flow is not None and record.state in flow.states:
            if record.flow_version != flow.version:
                record = record.with_changes(flow_version=flow.version)
            return record, None
        restarted = record.with_changes(
            flow=self.entry.name, flow_version=self.entry.version, state=self.entry.spec.initial
        )
        return restarted, FLOW_CHANGED

    # -- inputs ------------------------------------------------------------------------------

    def on_command(self, record: ConversationRecord, command: str) -> FlowStep | None:
        """The step for ``/command`` when a flow binds it, else ``None``."""
        current = self.flows[record.flow]
        for flow in (current, *self.flows.values()):
            trigger = flow.commands.get(command)
            if trigger is not None:
                step = self._fire(flow, record, trigger)
                if step is not None:
                    return step
        return None

    def on_button(self, record: ConversationRecord, action: str) -> FlowStep:
        """The step for a pressed flow button; an old or unknown one shows where we are."""
        flow_name, _, trigger = action.removeprefix(BUTTON_PREFIX).partition(":")
        flow = self.flows.get(flow_name)
        if flow is not None:
            step = self._fire(flow, record, trigger)
            if step is not None:
                return step
        return self._here(record, STALE_BUTTON)

    def on_text(self, record: ConversationRecord, text: str) -> FlowStep:
        """The step for free text: the best matching trigger, else the fallback.

        When no phrase matches (nothing, or only a keyword), the topic closest in meaning comes
        first if it is close enough: "¿cuánto cuesta una infusión?" is about cost, not about
        the infusion keyword.
        """
        # what a TriggerIndex of the current flow's patterns and one of every flow's global
        # triggers would each give as their best
        (local, local_score), (found, found_score) = self._joint_index.best(
            text, (record.flow, _GLOBAL)
        )
        candidates = [(local, local_score), (found, found_score)]
        if found_score > local_score:  # the current flow wins ties, not a weaker match
            candidates.reverse()
        if (
            self.meaning_threshold is not None
            and max(local_score, found_score) <= KEYWORD_SCORE
            and (max(local_score, found_score) > 0 or len(tokens(text)) >= MIN_MEANING_WORDS)
        ):
            candidates = self._by_meaning(text, candidates, self.meaning_threshold)
        for pattern, _ in candidates:
            if pattern is not None:
                step = self._fire(self.flows[pattern.flow], record, pattern.trigger)
                if step is not None:
                    return step
        return self.fallback(record)

    def _by_meaning(
        self,
        text: str,
        candidates: list[tuple[TriggerPattern | None, int]],
        threshold: float,
    ) -> list[tuple[TriggerPattern | None, int]]:
        """``candidates`` with the topic closest in meaning first, when it is close enough.

        A keyword match keeps its place when its own topic is nearly as close in meaning
        (within ``KEYWORD_MARGIN``): the keyword and the meaning then agree well enough.

        The similarities a prepared batch worked out roughly decide it when they are clear of
        every bound (nearly always); else the exact ones do, which give the same answer there.
        """
        index = self.meaning_index()
        rough = index.rough_similarities(text)
        if rough is not None:
            surely = _surely_by_meaning(rough, index.rough_error, candidates, threshold)
            if surely is not None:
                return surely
        return _by_similarities(index.similarities(text), candidates, threshold)

    def fallback(self, record: ConversationRecord) -> FlowStep:
        """Say what the bot can do and show the topics; the state does not change."""
        current = self.flows[record.flow]
        text = current.spec.fallback or DEFAULT_FALLBACK
        topics = self.render(self.entry, self.entry.spec.initial).buttons
        return FlowStep(Route.FALLBACK, Reply(text, topics), record)

    def restart(self, record: ConversationRecord) -> FlowStep:
        """Back to the entry flow's first state."""
        moved = record.with_changes(
            flow=self.entry.name, flow_version=self.entry.version, state=self.entry.spec.initial
        )
        return FlowStep(Route.ANSWER, self.render(self.entry, self.entry.spec.initial), moved)

    def topic_action(self, trigger: str) -> tuple[str, str] | None:
        """``(label, action)`` of a button leading to ``trigger`` in any flow, if one exists."""
        for flow in self.flows.values():
            if trigger in flow.global_triggers:
                for state in flow.spec.states:
                    for button in state.buttons:
                        if button.trigger == trigger and button.flow in (None, flow.name):
                            return button.label, button_action(flow.name, trigger)
                return trigger.replace("_", " ").capitalize(), button_action(flow.name, trigger)
        return None

    # -- rendering ---------------------------------------------------------------------------

    def render(self, flow: CompiledFlow, state_name: str) -> Reply:
        """The reply shown on entering ``state_name``: its text, sources, review date, buttons.

        A state of these flows is rendered once (replies are frozen, so one serves everyone)."""
        if self.flows.get(flow.name) is not flow:
            return self._render(flow, state_name)
        key = (flow.name, state_name)
        reply = self._rendered.get(key)
        if reply is None:
            reply = self._rendered.setdefault(key, self._render(flow, state_name))
        return reply

    def _render(self, flow: CompiledFlow, state_name: str) -> Reply:
        state = flow.states[state_name]
        text = state_text(state)
        buttons = tuple(
            Button(button.label, button_action(button.flow or flow.name, button.trigger))
            for button in state.buttons
        )
        return Reply(text, buttons)

    def all_replies(self) -> Sequence[tuple[str, str, Reply]]:
        """Every reply the flows can produce, as ``(flow, state, reply)`` (for content checks)."""
        return [
            (flow.name, state, self.render(flow, state))
            for flow in self.flows.values()
            for state in flow.states
        ]

    # -- internals ---------------------------------------------------------------------------

    def _fire(
        self, flow: CompiledFlow, record: ConversationRecord, trigger: str
    ) -> FlowStep | None:
        source = record.state if flow.name == record.flow else None
        if source is None:
            if trigger not in flow.global_triggers:
                return None
            source = flow.spec.initial
        dest = flow.fire(source, trigger, record)
        if dest is None:
            return None
        moved = record.with_changes(flow=flow.name, flow_version=flow.version, state=dest)
        return FlowStep(Route.ANSWER, self.render(flow, dest), moved, trigger)

    def _here(self, record: ConversationRecord, notice: str) -> FlowStep:
        flow = self.flows[record.flow]
        reply = self.render(flow, record.state)
        return FlowStep(Route.ANSWER, Reply(f"{notice}\n\n{reply.text}", reply.buttons), record)


def _by_similarities(
    similarities: dict[TriggerPattern, float],
    candidates: list[tuple[TriggerPattern | None, int]],
    threshold: float,
) -> list[tuple[TriggerPattern | None, int]]:
    """:meth:`FlowEngine._by_meaning` from the topics' exact similarities."""
    if not similarities:
        return candidates
    meant = max(similarities, key=lambda pattern: similarities[pattern])
    best = similarities[meant]
    if best < threshold or not meant.by_meaning:
        return candidates
    for pattern, score in candidates:
        if (
            pattern is not None
            and score > 0
            and similarities.get(pattern, -1.0) >= (best - KEYWORD_MARGIN)
        ):
            return candidates
    return [(meant, 0), *candidates]


def _surely_by_meaning(
    rough: Mapping[TriggerPattern, float],
    error: float,
    candidates: list[tuple[TriggerPattern | None, int]],
    threshold: float,
) -> list[tuple[TriggerPattern | None, int]] | None:
    """What :meth:`FlowEngine._by_meaning` gives, told from similarities each within ``error``
    of the ones it reads; ``None`` when one of its comparisons is too close to tell.

    The nearest topic must be nearest by more than twice the error (or all of them below the
    threshold by more than it), its similarity clear of the threshold, and each keyword topic's
    clear of the nearest's less ``KEYWORD_MARGIN``.
    """
    if not rough:
        return None
    values = list(rough.values())
    best = max(values)
    if best + error < threshold:
        return candidates  # every topic below the threshold
    nearest = values.index(best)  # the first of the highest, as max over the topics takes
    if max(values[:nearest] + values[nearest + 1 :], default=-math.inf) + 2 * error >= best:
        return None  # the nearest is not surely the nearest
    meant = list(rough)[nearest]
    if not meant.by_meaning:
        return candidates
    if best - error < threshold:
        return None
    for pattern, score in candidates:
        if pattern is None or score <= 0:
            continue
        similarity = rough.get(pattern)
        # how far its similarity stands from the nearest's, and how unsure that is
        gap, unsure = (-1.0 - best, error) if similarity is None else (similarity - best, 2 * error)
        if gap - unsure > -KEYWORD_MARGIN:
            return candidates  # the keyword and the meaning agree well enough
        if gap + unsure >= -KEYWORD_MARGIN:
            return None
    return [(meant, 0), *candidates]
