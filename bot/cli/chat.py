"""``crisisbot chat``: the bot in a terminal, with the same gate, flows and storage as Telegram."""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.app import build_lasting_service
from bot.clean_text import clean_text
from bot.config import load_config
from bot.model import Button, Inbound, InboundKind, Outcome, Reply

QUIT_WORDS = frozenset({"/quit", "/exit", ":q"})
BANNER = (
    "crisisbot chat: type a question, a number to press a button, or /help. /quit leaves; "
    "the conversation is kept and continues next time.\n"
    "This is an automated assistant, not a clinician. In an emergency call your local "
    "emergency number."
)


def parse_line(line: str, buttons: tuple[Button, ...], conversation_id: str) -> Inbound:
    """Turn one typed line into an inbound: a button number, a /command, or text.

    The line is cleaned like a Telegram message (:mod:`bot.clean_text`): a terminal that is not
    set to UTF-8 hands over undecodable bytes as unpaired surrogates, which storage refuses.
    """
    text = clean_text(line.strip())
    now = time.time()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        button = buttons[int(text) - 1]
        return Inbound(
            conversation_id,
            InboundKind.BUTTON,
            text=button.label,
            button=button.action,
            received_at=now,
        )
    if text.startswith("/") and len(text) > 1:
        command, _, args = text[1:].partition(" ")
        return Inbound(
            conversation_id,
            InboundKind.COMMAND,
            text=args.strip(),
            command=command.lower(),
            received_at=now,
        )
    return Inbound(conversation_id, InboundKind.TEXT, text=text, received_at=now)


def render(outcome: Outcome) -> tuple[str, tuple[Button, ...]]:
    """The replies as terminal text, with numbered buttons, and the buttons of the last one."""
    parts: list[str] = []
    buttons: tuple[Button, ...] = ()
    for reply in outcome.replies:
        parts.append(_render_reply(reply))
        buttons = reply.buttons
    tag = f"[{outcome.route.value}" + (f" · {outcome.risk.value}" if outcome.risk else "") + "]"
    return f"{tag}\n" + "\n\n".join(parts), buttons


def _render_reply(reply: Reply) -> str:
    lines = [reply.text]
    lines.extend(f"  {number}. {button.label}" for number, button in enumerate(reply.buttons, 1))
    return "\n".join(lines)


def run_chat(
    config_path: Path | None,
    user: str,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Read lines until end of input or /quit; every line goes through the service."""
    config = load_config(config_path)
    service, storage, _desk = build_lasting_service(config)
    conversation_id = f"cli:{user}"
    print(BANNER, file=stdout)
    buttons: tuple[Button, ...] = ()
    interactive = stdin.isatty()
    try:
        while True:
            if interactive:
                print("\nyou> ", end="", file=stdout, flush=True)
            line = stdin.readline()
            if not line or line.strip() in QUIT_WORDS:
                break
            if not line.strip():
                continue
            inbound = parse_line(line, buttons, conversation_id)
            outcome = service.handle(inbound)
            if outcome is None:  # only with update ids, which the terminal does not use
                continue
            text, buttons = render(outcome)
            print(f"\nbot {text}", file=stdout, flush=True)
    finally:
        storage.close()
        gc.unfreeze()
    return 0
