"""Helpers of the fault tests: a moderated config on the project's flows, updates from payloads."""

from __future__ import annotations

from pathlib import Path

from telegram import Update

from bot.telegram.application import TelegramBot

ROOT = Path(__file__).resolve().parents[2]
MOD_CHAT = -100_4242
MODERATOR = 601


def moderated_config_file(folder: Path, storage_url: str) -> Path:
    """A config on the project's flows with a moderators' chat; the US crisis line is 988."""
    path = folder / "config.yaml"
    path.write_text(
        f"flows_dir: {ROOT / 'flows'}\n"
        f"storage:\n  url: {storage_url}\n"
        f"moderation:\n  chat_id: {MOD_CHAT}\n  moderators: [{MODERATOR}]\n",
        encoding="utf-8",
    )
    return path


def as_update(payload: dict[str, object], bot: TelegramBot) -> Update:
    """The payload as python-telegram-bot reads it, bound to the bot."""
    update = Update.de_json(payload, bot.application.bot)
    assert update is not None
    return update
