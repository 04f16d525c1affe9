"""``crisisbot run [--config FILE]``: run the Telegram bot until SIGINT or SIGTERM.

The token comes only from ``TELEGRAM_BOT_TOKEN`` or the file ``TELEGRAM_BOT_TOKEN_FILE`` names;
the Bot API base from ``telegram.api_base_url`` or ``TELEGRAM_API_BASE_URL``. Exit 0 after a
clean stop; exit 2 with one line on stderr when the token is missing or rejected, or the
configuration or storage is unusable.
"""

import asyncio
import sys
from pathlib import Path

import typer

from bot.cli.main import ConfigOption
from bot.errors import CrisisbotError

ENVIRONMENT_VARIABLES = (
    ("TELEGRAM_BOT_TOKEN", "the token from @BotFather (never put it in the config file)."),
    (
        "TELEGRAM_BOT_TOKEN_FILE",
        "or a file holding only the token (a Docker secret, a systemd credential); set one of "
        "the two.",
    ),
    (
        "TELEGRAM_WEBHOOK_SECRET",
        "webhook mode: the secret Telegram sends with every update (1-256 of A-Z a-z 0-9 _ -), "
        "the same on every replica; derived from the token when unset.",
    ),
    ("TELEGRAM_API_BASE_URL", "overrides telegram.api_base_url (e.g. a local Bot API server)."),
    (
        "CRISISBOT_<SECTION>__<KEY>",
        "overrides one config key, e.g. CRISISBOT_STORAGE__URL, CRISISBOT_TELEGRAM__MODE, "
        "CRISISBOT_TELEGRAM__WEBHOOK_PORT, CRISISBOT_MODERATION__CHAT_ID; top-level keys have "
        "no section: CRISISBOT_FLOWS_DIR, CRISISBOT_ENTRY_FLOW.",
    ),
)
ENVIRONMENT_HELP = "Environment variables:\n\n" + "\n\n".join(
    f"{name}: {meaning}" for name, meaning in ENVIRONMENT_VARIABLES
)


def run_command(config_path: Path | None) -> int:
    """Run the bot with the configuration at ``config_path``; return the exit code."""
    from bot.config import load_config, telegram_token, use_timedelta_periods
    from bot.telegram.logs import configure_logging, keep_text_out_of_logs
    from bot.telegram.runner import require_token, serve

    configure_logging()
    try:
        config = load_config(config_path)
        keep_text_out_of_logs(config.telegram.log_text)
        token = require_token(telegram_token())
        use_timedelta_periods()
        asyncio.run(serve(config, token))
    except CrisisbotError as error:
        print(f"crisisbot: {error}", file=sys.stderr)
        return 2
    return 0


def register(app: typer.Typer) -> None:
    """Add the ``run`` command to the ``crisisbot`` command line."""

    @app.command("run", epilog=ENVIRONMENT_HELP)
    def run(config: ConfigOption = None) -> None:
        """Run the Telegram bot (long polling or webhook, as configured)."""
        raise typer.Exit(run_command(config))
