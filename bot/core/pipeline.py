"""The core pipeline: crisis gate first, then system commands, the advice guard, and the flows.

``Core.process`` is pure: a stored record (or none) and one inbound in, an :class:`Outcome` out.
Every inbound of every kind passes :meth:`CrisisGate.assess` before anything else looks at it,
and while a conversation is in crisis mode nothing but crisis replies and the crisis-safe system
commands can be produced.

When the gate is unsure (its check-in outcome) the person is asked directly whether they are
thinking about suicide, with the crisis lines and the buttons Yes / Not sure / No, instead of
any topic, goodbye or fallback. Yes or Not sure (or a refusal) opens crisis mode as a crisis
message does; No gets what the message would have got (never a topic after a means question)
and leaves a weak signal for the rest of the window. The generic fallback always carries a
crisis line and the emergency number for the person's country.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import check_in, system
from bot.core.language import lines_country, observe_language, prepare_languages, reply_language
from bot.core.replies import CrisisReplies
from bot.crisis.answers import Answer, AnswerReader, default_answers
from bot.crisis.wording import Wording
from bot.engine.engine import BUTTON_PREFIX, FlowEngine, FlowStep
from bot.gate import (
    UNSURE_KIND,
    AdviceGuard,
    AdviceMatch,
    Assessment,
    CrisisGate,
    LexiconReading,
)
from bot.gate.signals import CRISIS_KIND_PREFIX, MEANS_KIND
from bot.i18n import SOURCE_LANGUAGE, language_name
from bot.model import (
    ConversationRecord,
    CrisisState,
    Event,
    Inbound,
    InboundKind,
    Outcome,
    PendingCheckIn,
    Reply,
    Risk,
    Route,
    Signal,
)

MAX_MATCH_CHARS = 10_000  # longer text is still gated in full, but not matched to a topic


@dataclass(frozen=True, slots=True)
class CoreSettings:
    """Tunables of the core, from config."""

    default_country: str | None = "US"
    cooldown_seconds: float = 24 * 3600.0
    signal_window_seconds: float = 24 * 3600.0
    max_signals: int = 20
    handoff_available: bool = False
    check_in_expiry_seconds: float = 6 * 3600.0  # a "No" to an older check-in changes nothing


@dataclass(frozen=True, slots=True)
class _Advice:
    """The medical-advice reply a message gets: the guard's reason, rule and related topic."""

    reason: str
    rule: str | None
    topic: str | None


class Core:
    """Gate, guard and flows, wired together."""

    def __init__(
        self,
        *,
        gate: CrisisGate,
        advice: AdviceGuard,
        replies: CrisisReplies,
        engine: FlowEngine,
        settings: CoreSettings,
        answers: AnswerReader | None = None,
    ) -> None:
        self.gate = gate
        self.advice = advice
        advice.read_after(gate)  # the guard reads each text after the gate: one anchor scan
        self.replies = replies
        self.engine = engine
        self.settings = settings
        self.answers = answers or default_answers()
        # the enabled languages, read on every turn: the replies' languages are fixed once loaded
        self._enabled = replies.languages.enabled()

    def compile_all(self, between: Callable[[], object] = lambda: None) -> int:
        """Compile the gate's and the guard's regular expressions now instead of on first use.

        They are compiled lazily so that ``chat`` and ``triage`` start within seconds; a
        long-running process calls this once it serves, so that no later message pays for a
        compile (up to 18 ms for the longest typo-tolerant patterns). ``between`` is called
        after each (to pace a background thread). Returns how many.
        """
        return self.gate.compile_all(between) + self.advice.compile_all(between)

    def prepare(self, texts: Sequence[str]) -> None:
        """Do ahead, in batches, the costly work of reading ``texts`` (the lexicon's and the
        advice guard's reading, encoding them, naming their language): a cache only,
        :meth:`process` decides the same with or without it."""
        # the lexicon and the guard first, each text by both in turn (the guard reuses the
        # gate's normalised text, kept for a few recent texts only), back to back while their
        # tables are in the processor's caches, before the encoder's batch pushes them out
        gate, advice = self.gate, self.advice
        readings: dict[str, LexiconReading] = {}
        matches: dict[str, AdviceMatch | None] = {}
        for text in dict.fromkeys(texts):
            if not text or text.isspace():
                continue
            try:
                reading = readings[text] = gate.read(text)
                # the guard reads what may reach the flows: not a crisis, nor longer text than
                # is matched to a topic
                if not reading.crisis and len(text) <= MAX_MATCH_CHARS:
                    matches[text] = advice.match(text)
            except Exception:  # noqa: S112 - only a cache: process reads the text again, and
                continue  # a failure there is that update's to handle (and rescue), not the batch's
        gate.keep_readings(readings)
        advice.keep_matches(matches)
        gate.prepare(texts)
        self.engine.prepare(texts)
        # the reply language's model product too, so that it does not run, and push the
        # lexicon's tables out of the processor's caches, between one message and the next
        prepare_languages(texts, self._enabled)

    def process(self, record: ConversationRecord | None, inbound: Inbound) -> Outcome:
        """Decide what to answer to ``inbound`` and how the conversation record changes."""
        now = inbound.received_at or time.time()
        assessment, outcome = self._decide(record, inbound, now)
        # most messages name no detector: the outcome already says so (no outcome above names one)
        return outcome.with_detectors(assessment.detectors) if assessment.detectors else outcome

    def _decide(
        self, record: ConversationRecord | None, inbound: Inbound, now: float
    ) -> tuple[Assessment, Outcome]:
        if record is None:
            record = self.engine.new_record(inbound.conversation_id, now)
        # This turn's changes to the record are made in one copy, after the gate: nothing read
        # before then (the signals, a pending check-in, crisis mode, a handoff) depends on them,
        # and the language seen changes only fields that nothing before then reads.
        turn: dict[str, Any] = {
            "updated_at": now,
            "turns": record.turns + 1,
            "language_code": inbound.language_code or record.language_code,
            "country": record.country or _valid_country(inbound.country),
        }
        turn.update(observe_language(record, inbound, self._enabled))
        history = self._recent_signals(record, now)
        # nothing here reads the language the gate read the text as: it is named only where
        # the gate's decision depends on it
        assessment = self.gate.assess(inbound.gate_text(), history, now, name_language=False)
        if _unsure_only(assessment) and (
            record.crisis is not None
            or record.handoff_case is not None
            or self._typed_answer(record, inbound, now)
        ):
            # Unsure messages add up to a crisis only to start one: in crisis mode or while a
            # person from the team is talking with them nothing changes, and an answer to the
            # check-in ("nope", "why do you care") that reads as unsure is the answer, not a
            # second unsure message adding up with the one that asked.
            assessment = _NOT_A_STATEMENT
        turn["signals"] = self._kept_signals(history, assessment, now)
        events: list[Event] = []
        crisis = record.crisis
        if (
            crisis is not None
            and not assessment.crisis
            and now - crisis.last_signal_at >= self.settings.cooldown_seconds
        ):
            turn["crisis"] = None
            events.append(Event.CRISIS_COOLED_DOWN)
        record = record.with_changes(**turn)
        if record.handoff_case is not None:
            return assessment, self._in_handoff(record, inbound, assessment, now, events)
        if assessment.crisis:
            return assessment, self._enter_crisis(record, inbound, assessment, now, events)
        if record.crisis is not None:
            return assessment, self._stay_in_crisis(record, inbound, events)
        return assessment, self._normal(record, inbound, assessment, now, events)

    def _in_handoff(
        self,
        record: ConversationRecord,
        inbound: Inbound,
        assessment: Assessment,
        now: float,
        events: list[Event],
    ) -> Outcome:
        """A person from the team is talking with this person: relay, but keep gating."""
        events.append(Event.RELAY)
        if assessment.crisis:
            return self._enter_crisis(record, inbound, assessment, now, events)
        if inbound.command in system.SYSTEM_COMMANDS or _system_action(inbound) is not None:
            if record.crisis is not None:
                return self._stay_in_crisis(record, inbound, events)
            press = check_in.parse(_system_action(inbound))
            if press is not None:
                return self._check_in_press(record, press, now, events)
            return self._system(record, inbound, _system_action(inbound), events)
        crisis = record.crisis
        return Outcome(
            Route.HANDOFF,
            (),
            record,
            risk=crisis.risk if crisis else None,
            category=crisis.category if crisis else None,
            events=tuple(events),
        )

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        """The answer to a message in a group chat, where no flows run but the gate still does.

        Crisis text gets the crisis lines at once (default country) with the nudge to write
        privately; other text gets the nudge alone, and an edit without crisis text gets nothing.
        """
        assessment = self.gate.assess(text, name_language=False)
        words = self.replies.words(None).system
        if assessment.crisis:
            lines = self.replies.crisis_lines_only(country=self.settings.default_country)
            return Reply(f"{words.group_crisis}\n\n{lines.text}", ())
        return None if edited else Reply(words.group_notice, ())

    def person_words(self, record: ConversationRecord | None) -> Wording:
        """The wording in the language this person is answered in (English without a record)."""
        if record is None:
            return self.replies.words(None)
        return self.replies.words(self._language(record))

    def end_crisis(self, record: ConversationRecord) -> ConversationRecord:
        """Crisis mode and any handoff off (a moderator resolved the case); signals are kept."""
        return record.with_changes(crisis=None, handoff_case=None)

    # -- crisis --------------------------------------------------------------------------------

    def _enter_crisis(
        self,
        record: ConversationRecord,
        inbound: Inbound,
        assessment: Assessment,
        now: float,
        events: list[Event],
    ) -> Outcome:
        risk = assessment.risk or Risk.CONCERN
        category = assessment.category or "mention"
        rule = assessment.rule or "unknown"
        previous = record.crisis
        if previous is None:
            crisis = CrisisState(now, risk, category, rule, last_signal_at=now)
            events.append(Event.CRISIS_OPENED)
        elif risk.rank > previous.risk.rank:
            crisis = previous.with_changes(
                risk=risk, category=category, rule=rule, last_signal_at=now
            )
            events.append(Event.CRISIS_RAISED)
        else:
            crisis = previous.with_changes(last_signal_at=now)
            events.append(Event.CRISIS_SIGNAL)
        record = record.with_changes(crisis=crisis, check_in=None)
        if _system_action(inbound) == system.HUMAN:
            events.append(Event.HUMAN_REQUESTED)
        reply = self._crisis_reply(record, category_override=category, risk_override=risk)
        return self._crisis_outcome(record, (reply,), events, rule=rule)

    def _stay_in_crisis(
        self, record: ConversationRecord, inbound: Inbound, events: list[Event]
    ) -> Outcome:
        action = _system_action(inbound)
        choosing_language = _chooses_language(inbound, action)
        if choosing_language:  # the lines under the choice come in the chosen language
            record, chosen = self._language_choice(record, inbound, action)
            lines = self._lines_only(record)
            return self._crisis_outcome(record, (system.with_lines(chosen, lines),), events)
        if action == system.HUMAN:
            events.append(Event.HUMAN_REQUESTED)
            ack = Reply(self._human_text(record), ())
            lines = self._lines_only(record)
            return self._crisis_outcome(record, (system.with_lines(ack, lines),), events)
        if action is not None and action.startswith(system.COUNTRY):
            record, reply = self._country_choice(record, action)
            if record.country is not None and reply.buttons == ():
                reply = self._crisis_reply(record)
            return self._crisis_outcome(record, (reply,), events)
        if action in (system.FORGET_YES, system.FORGET_NO) or inbound.command in (
            "privacy",
            "forget",
            "stop",
        ):
            lines = self._lines_only(record)
            outcome = self._system(record, inbound, action, events)
            replies = tuple(system.with_lines(reply, lines) for reply in outcome.replies)
            return self._crisis_outcome(outcome.record, replies, list(outcome.events))
        return self._crisis_outcome(record, (self._crisis_reply(record),), events)

    def _lines_only(self, record: ConversationRecord) -> Reply:
        """The crisis lines alone, shown under the few system replies crisis mode allows (built
        only for them: most messages in crisis mode get the crisis reply instead)."""
        language = self._language(record)
        return self.replies.crisis_lines_only(
            country=self._country(record, language),
            handoff_available=self.settings.handoff_available,
            language=language,
        )

    def _crisis_reply(
        self,
        record: ConversationRecord,
        *,
        category_override: str | None = None,
        risk_override: Risk | None = None,
    ) -> Reply:
        crisis = record.crisis
        assert crisis is not None
        language = self._language(record)
        return self.replies.crisis(
            risk=risk_override or crisis.risk,
            category=category_override or crisis.category,
            country=self._country(record, language),
            repeat=crisis.replies_sent,
            handoff_available=self.settings.handoff_available,
            language=language,
        )

    def _crisis_outcome(
        self,
        record: ConversationRecord,
        replies: tuple[Reply, ...],
        events: list[Event],
        *,
        rule: str | None = None,
    ) -> Outcome:
        crisis = record.crisis
        assert crisis is not None
        crisis = crisis.with_changes(replies_sent=crisis.replies_sent + 1)
        return Outcome(
            Route.CRISIS,
            replies,
            record.with_changes(crisis=crisis),
            risk=crisis.risk,
            category=crisis.category,
            rule=rule or crisis.rule,
            events=tuple(events),
        )

    # -- not in crisis -------------------------------------------------------------------------

    def _normal(
        self,
        record: ConversationRecord,
        inbound: Inbound,
        assessment: Assessment,
        now: float,
        events: list[Event],
    ) -> Outcome:
        action = _system_action(inbound)
        press = check_in.parse(action)
        if press is not None:
            return self._check_in_press(record, press, now, events)
        if action is not None or (inbound.command in system.SYSTEM_COMMANDS):
            return self._system(record, inbound, action, events)
        if inbound.kind is InboundKind.NON_TEXT:
            language = self._language(record)
            reply = self.replies.non_text(
                country=self._country(record, language), language=language
            )
            return Outcome(Route.SYSTEM, (reply,), record, events=tuple(events))
        pending = self._pending(record, now)
        if pending is not None and inbound.kind in _ANSWER_KINDS:
            answer = self.answers.read(inbound.text)
            if answer is not None:
                return self._check_in_answered(record, pending, answer, now, events)
        if record.check_in is not None:
            record = self._check_in_left(record, pending, now, events)
        record, notice = self.engine.revalidate(record)
        if notice is not None:
            events.append(Event.FLOW_RESTARTED)
        step = self._flow_step(record, inbound)
        # An advice question outranks a check-in asked on an uncertain score alone; never one
        # asked on a weak signal or a safety-net word, and never a crisis (decided above).
        if assessment.check_in and not (isinstance(step, _Advice) and assessment.meaning_only):
            return self._ask_check_in(record, step, assessment, now, events)
        if isinstance(step, _Advice):
            if assessment.meaning_only:  # no check-in was asked: it leaves no unsure signal
                kept = tuple(
                    s for s in record.signals if not (s.kind == UNSURE_KIND and s.at == now)
                )
                record = record.with_changes(signals=kept)
            return self._advice_outcome(record, step, events)
        language = self._language(record)
        reply = localise_flow_reply(step, inbound.command, self.replies.words(language), language)
        reply = self._with_support_line(step.route, reply, record, language)
        if notice is not None:
            reply = Reply(f"{notice}\n\n{reply.text}", reply.buttons)
        return Outcome(
            step.route, (reply,), step.record, events=tuple(events), trigger=step.trigger
        )

    def _advice_outcome(
        self, record: ConversationRecord, advice: _Advice, events: list[Event], prefix: str = ""
    ) -> Outcome:
        topic = self.engine.topic_action(advice.topic) if advice.topic else None
        reply = self.replies.medical_advice(
            reason=advice.reason,
            topic_label=topic[0] if topic else None,
            topic_action=topic[1] if topic else None,
            language=self._language(record),
        )
        if prefix:
            reply = Reply(f"{prefix}\n\n{reply.text}", reply.buttons)
        return Outcome(
            Route.MEDICAL_ADVICE, (reply,), record, rule=advice.rule, events=tuple(events)
        )

    def _with_support_line(
        self, route: Route, reply: Reply, record: ConversationRecord, language: str
    ) -> Reply:
        """The generic fallback with a crisis line and the emergency number under it
        (``language``: the record's reply language)."""
        if route is not Route.FALLBACK:
            return reply
        line = self.replies.support_line(country=self._country(record, language), language=language)
        return Reply(f"{reply.text}\n\n{line}", reply.buttons)

    # -- check-in ------------------------------------------------------------------------------

    def _typed_answer(self, record: ConversationRecord, inbound: Inbound, now: float) -> bool:
        """Whether ``inbound`` is a typed answer to a check-in that is still waiting for one."""
        return (
            inbound.kind in _ANSWER_KINDS
            and self._pending(record, now) is not None
            and self.answers.read(inbound.text) is not None
        )

    def _pending(self, record: ConversationRecord, now: float) -> PendingCheckIn | None:
        """The check-in waiting for an answer, unless it has expired."""
        pending = record.check_in
        if pending is None or now - pending.asked_at > self.settings.check_in_expiry_seconds:
            return None
        return pending

    def _ask_check_in(
        self,
        record: ConversationRecord,
        step: FlowStep | _Advice,
        assessment: Assessment,
        now: float,
        events: list[Event],
    ) -> Outcome:
        """Ask directly, and remember where the message would have led (not its words)."""
        means = assessment.category == "means" or any(
            signal.kind == MEANS_KIND for signal in assessment.signals
        )
        if isinstance(step, _Advice):
            pending = PendingCheckIn(
                now,
                record.turns,
                Route.MEDICAL_ADVICE.value,
                means,
                trigger=step.topic,
                reason=step.reason,
            )
        elif step.route is Route.ANSWER:
            moved = step.record
            pending = PendingCheckIn(
                now, record.turns, Route.ANSWER.value, means, moved.flow, moved.state, step.trigger
            )
        else:
            pending = PendingCheckIn(now, record.turns, Route.FALLBACK.value, means)
        record = record.with_changes(check_in=pending)
        language = self._language(record)
        reply = self.replies.check_in(
            country=self._country(record, language),
            actions=check_in.actions(pending.ref),
            language=language,
        )
        events.append(Event.CHECK_IN_ASKED)
        return Outcome(Route.CHECK_IN, (reply,), record, events=tuple(events))

    def _check_in_press(
        self, record: ConversationRecord, press: check_in.Press, now: float, events: list[Event]
    ) -> Outcome:
        """A check-in button: Yes or Not sure count whenever pressed; a stale No changes nothing."""
        pending = self._pending(record, now)
        if press.answer is not Answer.NO:
            return self._check_in_positive(record, pending, press.answer, now, events)
        if pending is None or pending.ref != press.ref:
            events.append(Event.CHECK_IN_STALE)
            reply = Reply(self.replies.check_in_stale(self._language(record)))
            return Outcome(Route.SYSTEM, (reply,), record, events=tuple(events))
        return self._check_in_no(record, pending, now, events)

    def _check_in_answered(
        self,
        record: ConversationRecord,
        pending: PendingCheckIn,
        answer: Answer,
        now: float,
        events: list[Event],
    ) -> Outcome:
        if answer is Answer.NO:
            return self._check_in_no(record, pending, now, events)
        return self._check_in_positive(record, pending, answer, now, events)

    def _check_in_positive(
        self,
        record: ConversationRecord,
        pending: PendingCheckIn | None,
        answer: Answer,
        now: float,
        events: list[Event],
    ) -> Outcome:
        """Yes, Not sure or a refusal: crisis mode and a case, exactly as a crisis message."""
        means = pending is not None and pending.means
        risk = Risk.HIGH if answer is Answer.YES else Risk.CONCERN
        category = MEANS_KIND if means else check_in.CATEGORY
        rule = f"{check_in.CATEGORY}.{answer.value}"
        # The first crisis reply asks no question: the person has just answered one.
        crisis = CrisisState(now, risk, category, rule, last_signal_at=now, replies_sent=1)
        signal = Signal(at=now, kind=CRISIS_KIND_PREFIX + check_in.CATEGORY, weight=1.0)
        record = record.with_changes(
            crisis=crisis,
            check_in=None,
            signals=(*record.signals, signal)[-self.settings.max_signals :],
        )
        events.extend((Event(f"check_in_{answer.value}"), Event.CRISIS_OPENED))
        return self._crisis_outcome(record, (self._crisis_reply(record),), events, rule=rule)

    def _check_in_no(
        self, record: ConversationRecord, pending: PendingCheckIn, now: float, events: list[Event]
    ) -> Outcome:
        """Thanks, then what the message would have got; after a means question, no topic."""
        events.append(Event.CHECK_IN_NO)
        signals = (*record.signals, check_in.no_signal(now))[-self.settings.max_signals :]
        record = record.with_changes(check_in=None, signals=signals)
        language = self._language(record)
        thanks = self.replies.after_no(
            means=pending.means, country=self._country(record, language), language=language
        )
        if pending.means:
            return Outcome(Route.CHECK_IN, (Reply(thanks),), record, events=tuple(events))
        if pending.answer == Route.MEDICAL_ADVICE.value:
            advice = _Advice(pending.reason or "general", None, pending.trigger)
            return self._advice_outcome(record, advice, events, prefix=thanks)
        step = self._pending_step(record, pending)
        reply = self._with_support_line(step.route, step.reply, record, language)
        return Outcome(
            step.route,
            (Reply(f"{thanks}\n\n{reply.text}", reply.buttons),),
            step.record,
            events=tuple(events),
            trigger=step.trigger,
        )

    def _pending_step(self, record: ConversationRecord, pending: PendingCheckIn) -> FlowStep:
        """The flow answer a check-in held back, or the fallback when its state is gone."""
        flow = self.engine.flows.get(pending.flow or "")
        if pending.answer != Route.ANSWER.value or flow is None or pending.state not in flow.states:
            return self.engine.fallback(record)
        assert pending.state is not None
        moved = record.with_changes(flow=flow.name, flow_version=flow.version, state=pending.state)
        reply = self.engine.render(flow, pending.state)
        return FlowStep(Route.ANSWER, reply, moved, pending.trigger)

    def _check_in_left(
        self,
        record: ConversationRecord,
        pending: PendingCheckIn | None,
        now: float,
        events: list[Event],
    ) -> ConversationRecord:
        """The person wrote something else: the check-in lapses, unanswered or expired.

        An unanswered check-in leaves the same weak signal as a "no".
        """
        if pending is None:
            events.append(Event.CHECK_IN_EXPIRED)
            return record.with_changes(check_in=None)
        events.append(Event.CHECK_IN_UNANSWERED)
        signals = (*record.signals, check_in.no_signal(now))[-self.settings.max_signals :]
        return record.with_changes(check_in=None, signals=signals)

    # -- flows ---------------------------------------------------------------------------------

    def _flow_step(self, record: ConversationRecord, inbound: Inbound) -> FlowStep | _Advice:
        if inbound.kind is InboundKind.BUTTON and inbound.button is not None:
            if inbound.button == system.MENU or not inbound.button.startswith(BUTTON_PREFIX):
                return self.engine.restart(record)
            return self.engine.on_button(record, inbound.button)
        if inbound.kind is InboundKind.COMMAND and inbound.command:
            step = self.engine.on_command(record, inbound.command)
            if step is not None:
                return step
            if not inbound.text.strip():
                return self.engine.fallback(record)
        text = inbound.text.strip()
        if len(text) > MAX_MATCH_CHARS:
            topics = self.engine.fallback(record).reply.buttons
            too_long = self.replies.words(self._language(record)).general.too_long
            return FlowStep(Route.FALLBACK, Reply(too_long, topics), record)
        advice = self.advice.check(text) if text else None
        if advice is not None:
            return _Advice(advice.reason, advice.rule, advice.topic)
        if not text:
            return self.engine.fallback(record)
        return self.engine.on_text(record, text)

    def _system(
        self,
        record: ConversationRecord,
        inbound: Inbound,
        action: str | None,
        events: list[Event],
    ) -> Outcome:
        command = inbound.command
        language = self._language(record)
        country = self._country(record, language)
        words = self.replies.words(language)
        if action == system.HUMAN or command == "human":
            events.append(Event.HUMAN_REQUESTED)
            ack = Reply(self._human_text(record), ())
            reply = system.with_lines(
                ack,
                self.replies.crisis_lines_only(
                    country=country,
                    handoff_available=self.settings.handoff_available,
                    language=language,
                ),
            )
        elif _chooses_language(inbound, action):
            record, reply = self._language_choice(record, inbound, action)
        elif (action or "").startswith(system.COUNTRY) or command == "country":
            if command == "country" and inbound.text.strip():
                action = f"{system.COUNTRY}:{inbound.text.strip().split()[0].upper()[:8]}"
            record, reply = self._country_choice(record, action or system.COUNTRY)
        elif command == "crisis":
            reply = self.replies.crisis_lines_only(
                country=country,
                handoff_available=self.settings.handoff_available,
                language=language,
            )
        elif command == "privacy":
            reply = Reply(words.system.privacy, ())
        elif command == "forget":
            reply = system.forget_confirmation(words)
        elif action == system.FORGET_YES:
            events.append(Event.FORGET)
            reply = Reply(words.system.forget_done, ())
        elif action == system.FORGET_NO:
            reply = Reply(words.system.forget_kept, ())
        elif command == "stop":
            reply = Reply(words.system.stop, ())
        else:
            step = self.engine.restart(record)
            return Outcome(step.route, (step.reply,), step.record, events=tuple(events))
        return Outcome(Route.SYSTEM, (reply,), record, events=tuple(events))

    def _country_choice(
        self, record: ConversationRecord, action: str
    ) -> tuple[ConversationRecord, Reply]:
        code = action.removeprefix(system.COUNTRY).lstrip(":").upper()
        language = self._language(record)
        words = self.replies.words(language)
        names = self.replies.country_names(language)
        if not code:
            return record, system.country_picker(names, words.system.country_ask, words)
        if code in names:
            record = record.with_changes(country=code)
            text = words.system.country_set.format(name=names[code])
            lines = self.replies.crisis_lines_only(country=code, language=language)
            return record, system.with_lines(Reply(text, ()), lines)
        record = record.with_changes(country="XX")
        lines = self.replies.crisis_lines_only(country=None, language=language)
        picker = system.country_picker(names, words.system.country_unknown.format(code=code), words)
        return record, Reply(f"{lines.text}\n\n{picker.text}", picker.buttons)

    def _language_choice(
        self, record: ConversationRecord, inbound: Inbound, action: str | None
    ) -> tuple[ConversationRecord, Reply]:
        """The language picker, or the choice made (kept in the record; it wins from now on)."""
        enabled = self._enabled
        if inbound.command == "language" and inbound.text.strip():
            code = inbound.text.strip().split()[0].lower()[:8]
        else:
            code = (action or "").removeprefix(system.LANGUAGE).lstrip(":").lower()
        names = {language: language_name(language) for language in enabled}
        if code not in names:
            return record, system.language_picker(names, self.replies.words(self._language(record)))
        record = record.with_changes(language=code)
        words = self.replies.words(code)
        return record, Reply(words.system.language_set.format(name=names[code]), ())

    # -- helpers -------------------------------------------------------------------------------

    def _language(self, record: ConversationRecord) -> str:
        return reply_language(record, self._enabled)

    def _country(self, record: ConversationRecord, language: str) -> str | None:
        """The country whose lines to show (``language``: the record's reply language, which
        every caller has worked out already)."""
        return lines_country(
            record,
            language=language,
            default_country=self.settings.default_country,
            known=self.replies.lines.known_countries(),
            card_languages=self.replies.lines.card_languages(),
        )

    def _human_text(self, record: ConversationRecord) -> str:
        words = self.replies.words(self._language(record)).system
        return words.human_ack if self.settings.handoff_available else words.human_unavailable

    def _recent_signals(self, record: ConversationRecord, now: float) -> tuple[Signal, ...]:
        horizon = now - self.settings.signal_window_seconds
        return tuple(signal for signal in record.signals if signal.at >= horizon)

    def _kept_signals(
        self, history: tuple[Signal, ...], assessment: Assessment, now: float
    ) -> tuple[Signal, ...]:
        kept = (*history, *assessment.signals)
        return kept[-self.settings.max_signals :]


_ANSWER_KINDS = frozenset({InboundKind.TEXT, InboundKind.CAPTION})
"""Inbounds read as a typed answer to a check-in (an edit changes an earlier message instead)."""
_NOT_A_STATEMENT = Assessment(crisis=False, risk=None, category=None, rule=None, signals=())
"""What an unsure-only crisis becomes where it changes nothing (see ``Core._decide``)."""


def _unsure_only(assessment: Assessment) -> bool:
    """A crisis reached only by adding up unsure signals of check-ins (no rule, no term)."""
    return (
        assessment.crisis
        and all(s.kind == UNSURE_KIND for s in assessment.signals)
        and (assessment.rule or "").startswith("accumulated.")
    )


def _system_action(inbound: Inbound) -> str | None:
    button = inbound.button
    if inbound.kind is InboundKind.BUTTON and button and button != system.MENU:
        return button if button.startswith(system.SYSTEM_PREFIX) else None
    return None


def _chooses_language(inbound: Inbound, action: str | None) -> bool:
    return (action or "").startswith(system.LANGUAGE) or inbound.command == "language"


def localise_flow_reply(
    step: FlowStep, command: str | None, words: Wording, language: str
) -> Reply:
    """A flow's reply for a person reading another language than English.

    Topics are written in English: a one-line note in the person's language says so, the
    generic fallback is replaced by its translation, and /start and /help open with a welcome.
    """
    reply = step.reply
    if language == SOURCE_LANGUAGE:
        return reply
    if step.route is Route.FALLBACK:
        return Reply(words.general.fallback, reply.buttons)
    lead = words.general.welcome if command in ("start", "help") else words.general.english_only
    return Reply(f"{lead}\n\n{reply.text}", reply.buttons)


def _valid_country(code: str | None) -> str | None:
    if code and len(code) == 2 and code.isalpha():
        return code.upper()
    return None
