"""``crisisbot run``: the bot's life from start-up to a clean stop.

Start: check the token's shape, open storage and the core (with the moderation desk when
``moderation.chat_id`` is set), ask Telegram who the bot is (a rejected token stops here with
:class:`~bot.errors.TelegramSetupError`), start the outbox sender and :mod:`bot.runtime`'s
upkeep (re-alert timers, daily housekeeping) and flow watch (hot reload), then take updates by
long polling or through the webhook app, which store each update in the inbox and acknowledge
it; the inbox's decider decides it afterwards. The webhook app runs in a process of its own
(:mod:`bot.telegram.acceptor`), on the socket bound here, so that its answers do not wait for
the decider or the sender. Whatever was acknowledged but not decided, or committed but not
sent, before a crash is in the inbox or the outbox and is handled now.

SIGHUP reloads the flows (see :mod:`bot.runtime.flow_watch`).

Stop (SIGINT or SIGTERM): stop taking updates (the webhook's process lets the requests in
progress commit and answers them, then exits), let the decider finish its round, stop the
background work, flush the outbox for a few seconds (what is left is sent on the next start),
close storage.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from pydantic import SecretStr
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import build_service
from bot.config import API_BASE_ENV, TOKEN_ENV, TOKEN_FILE_ENV, Config, token_source, webhook_secret
from bot.core.warm import compile_in_background
from bot.errors import ConfigError, TelegramSetupError
from bot.health.metrics import MetricsServing, default_metrics, serve_metrics
from bot.runtime import FlowReloader, FlowWatch, Upkeep
from bot.telegram.acceptor import AcceptorSettings, start_acceptor
from bot.telegram.application import TelegramBot, assemble, build_application
from bot.telegram.handlers import AnyApplication
from bot.telegram.identity import adopt_bot
from bot.telegram.poller import ALLOWED_UPDATES, DurablePoller
from bot.telegram.ratelimit import SendLimits
from bot.telegram.sender import SenderSettings, claimer_name

_LOGGER = logging.getLogger(__name__)
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
FLUSH_SECONDS = 5.0
START_ATTEMPTS = 6  # pauses of 2, 4, 8, 16 and 32 s between them
START_FIRST_PAUSE_SECONDS = 2.0


def require_token(token: SecretStr | None) -> SecretStr:
    """The token if it looks like one; otherwise a :class:`TelegramSetupError` saying what to do.

    The token stays wrapped (hidden in every ``repr``) until python-telegram-bot is given it.
    """
    if token is None or not token.get_secret_value():
        raise TelegramSetupError(
            f"{TOKEN_ENV} is not set, nor {TOKEN_FILE_ENV}; export the token @BotFather gave you "
            f"(for example {TOKEN_ENV}=123456:ABC...), or the path of a file holding it as "
            f"{TOKEN_FILE_ENV}, and run again"
        )
    if not _TOKEN_SHAPE.match(token.get_secret_value()):
        raise TelegramSetupError(
            f"the token in {token_source(token)} does not look like a bot token (digits, a colon, "
            "then letters, digits, _ or -); copy it again from @BotFather"
        )
    return token


async def serve(config: Config, token: SecretStr) -> None:
    """Run the bot until SIGINT or SIGTERM; raise TelegramSetupError if Telegram refuses it."""
    service, storage, desk = build_service(config)
    metrics: MetricsServing | None = None
    try:
        # Replicas (docs/deploy.md): database metrics, and one send budget for all replicas
        # in place of AIORateLimiter's per-process limits.
        metrics = serve_metrics(storage, config.telegram)
        limits = SendLimits.with_bot_rate(config.telegram.max_messages_per_second)
        bot = assemble(
            build_application(
                token.get_secret_value(), base_url=config.telegram.api_base_url, rate_limited=False
            ),
            service,
            storage,
            token=token.get_secret_value(),
            moderation_chat_id=config.moderation.chat_id,
            desk=desk,
            log_text=config.telegram.log_text,
            sender_settings=SenderSettings(
                limits=limits, claimer=claimer_name(config.telegram.webhook_port)
            ),
        )
        upkeep = Upkeep(
            storage,
            desk,
            retention_days=config.moderation.retention_days,
            wake_sender=bot.sender.wake,
        )
        watch = FlowWatch(
            FlowReloader(service, config.flows_dir, config.entry_flow),
            storage,
            moderation_chat_id=config.moderation.chat_id,
            wake_sender=bot.sender.wake,
        )
        async with _started(bot.application, token, config.telegram.api_base_url):
            await asyncio.to_thread(adopt_bot, storage, bot.application.bot.id)
            # What start-up built (the core, the gate's lexicon and model, the wiring) lives as
            # long as the process: move it out of the cyclic collector's way, so a collection
            # during an update walks only what updates made.
            gc.freeze()
            compile_in_background(service.core)
            await _serve_started(bot, config, token, (upkeep, watch))
    finally:
        if metrics is not None:
            metrics.close()
        storage.close()


async def _serve_started(
    bot: TelegramBot,
    config: Config,
    token: SecretStr,
    background: tuple[Upkeep, FlowWatch],
) -> None:
    stop = asyncio.Event()
    upkeep, watch = background
    with _on_signals(stop, reload_flows=watch.hangup):
        sender_task = asyncio.create_task(bot.sender.run(), name="outbox-sender")
        decider_task = asyncio.create_task(bot.decider.run(), name="inbox-decider")
        chores = [
            asyncio.create_task(upkeep.run(stop), name="upkeep"),
            asyncio.create_task(watch.run(stop), name="flow-watch"),
        ]
        try:
            if config.telegram.mode == "webhook":
                await _serve_webhook(bot, config, token, stop)
            else:
                await _serve_polling(bot, token, stop)
        finally:
            # Updates no longer arrive: the decider finishes its round; what still waits in
            # the inbox is decided on the next start or by another replica.
            bot.decider.stop()
            try:
                await decider_task
            except Exception:
                _LOGGER.exception("the inbox decider ended with an error")
            stop.set()  # the chores finish the step they are in, then return
            for failed in await asyncio.gather(*chores, return_exceptions=True):
                if failed is not None:
                    _LOGGER.error("background task ended with %s", type(failed).__name__)
            bot.sender.stop()
            await sender_task
            flushed = await bot.sender.flush(FLUSH_SECONDS)
            _LOGGER.info("stopped; %d queued messages sent while stopping", flushed)


async def _serve_polling(bot: TelegramBot, token: SecretStr, stop: asyncio.Event) -> None:
    telegram = bot.application.bot
    try:
        await _retrying(  # getUpdates needs no webhook
            "deleteWebhook", lambda: telegram.delete_webhook(drop_pending_updates=False), token
        )
    except TelegramError as error:
        raise TelegramSetupError(
            f"could not remove the webhook before polling ({_without_token(str(error), token)}); "
            "check the network, or run with telegram.mode: webhook"
        ) from None
    poller = DurablePoller(telegram, bot.accept)
    _LOGGER.info("crisisbot running as @%s (long polling)", telegram.username)
    polling = asyncio.create_task(poller.run(), name="poller")
    await _until_stopped(stop, polling)
    poller.stop()
    try:
        await polling
    except InvalidToken as error:
        raise TelegramSetupError(_token_rejected(error, token)) from None


async def _serve_webhook(
    bot: TelegramBot,
    config: Config,
    token: SecretStr,
    stop: asyncio.Event,
) -> None:
    """Serve the webhook from its own process (:mod:`bot.telegram.acceptor`) until stopped."""
    settings = config.telegram
    listener = _listen(settings.webhook_listen, settings.webhook_port)
    metrics = default_metrics()
    try:
        acceptor = await start_acceptor(
            listener,
            AcceptorSettings(
                storage_url=config.storage.url,
                path=settings.webhook_path,
                secret=webhook_secret(token),
                token=token.get_secret_value(),
                log_text=settings.log_text,
            ),
        )
    finally:
        listener.close()  # the acceptor holds its own copy
    serving = asyncio.create_task(
        acceptor.serve(
            on_commit=bot.decider.wake,
            on_unreadable=metrics.unreadable.inc,
            metrics_page=metrics.render,
        ),
        name="webhook-acceptor",
    )
    try:
        await _register_webhook(bot, config, token)
        _LOGGER.info(
            "crisisbot running as @%s (webhook on %s:%s%s)",
            bot.application.bot.username,
            settings.webhook_listen,
            settings.webhook_port,
            settings.webhook_path,
        )
        await _until_stopped(stop, serving)
    finally:
        # Stop accepting; requests in progress commit and are answered, then the process exits.
        code = await acceptor.stop()
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
    if stop.is_set():
        return
    if code != 0:
        raise RuntimeError(f"the webhook's process ended on its own (exit code {code})")
    # Stopped cleanly by a signal of its own (Ctrl-C or a stop sent to the whole group).
    _LOGGER.warning("the webhook's process stopped; stopping")


async def _register_webhook(bot: TelegramBot, config: Config, token: SecretStr) -> None:
    """``setWebhook`` with the secret, when ``telegram.webhook_url`` is set."""
    settings = config.telegram
    if not settings.webhook_url:
        _LOGGER.warning("telegram.webhook_url is not set: not calling setWebhook")
        return
    try:
        await _retrying(
            "setWebhook",
            lambda: bot.application.bot.set_webhook(
                url=settings.webhook_url,
                secret_token=webhook_secret(token),
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            ),
            token,
        )
    except TelegramError as error:
        raise TelegramSetupError(
            f"Telegram refused telegram.webhook_url {settings.webhook_url!r} "
            f"({_without_token(str(error), token)}); it must be an https URL Telegram "
            "can reach, on port 443, 80, 88 or 8443"
        ) from None


def _listen(host: str, port: int) -> socket.socket:
    """Bind the webhook's socket here, so a busy port is a clear error and not an exit."""
    try:
        return socket.create_server((host, port), reuse_port=False)
    except OSError as error:
        raise ConfigError(
            f"telegram.webhook_listen/webhook_port: cannot listen on {host}:{port} "
            f"({error.strerror}); free the port or choose another one"
        ) from None


@contextlib.asynccontextmanager
async def _started(
    application: AnyApplication, token: SecretStr, base_url: str
) -> AsyncIterator[None]:
    """Initialise the Application (``getMe``); a refused token or no Bot API is a setup error."""
    try:
        await _retrying("getMe", application.initialize, token)
    except InvalidToken as error:
        raise TelegramSetupError(_token_rejected(error, token)) from None
    except NetworkError as error:
        reason = _without_token(str(error), token)
        raise TelegramSetupError(
            f"cannot reach the Bot API at {base_url} after {START_ATTEMPTS} attempts "
            f"({reason}); check {API_BASE_ENV} or telegram.api_base_url, and the network"
        ) from None
    try:
        yield
    finally:
        await application.shutdown()


async def _retrying(what: str, call: Callable[[], Awaitable[object]], token: SecretStr) -> None:
    """Run a start-up call, again after a network error or a 5xx, :data:`START_ATTEMPTS` times.

    Pauses double from :data:`START_FIRST_PAUSE_SECONDS` (about a minute in all): a passing
    hiccup (a 502 while Telegram restarts a front end) should not need a supervisor's restart.
    The last error is raised.
    """
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            await call()
            return
        except InvalidToken:
            raise
        except NetworkError as error:  # includes 5xx answers and timeouts
            if attempt == START_ATTEMPTS:
                raise
            pause = START_FIRST_PAUSE_SECONDS * 2 ** (attempt - 1)
            _LOGGER.warning(
                "the Bot API did not answer %s (%s); trying again in %.0fs (%d/%d)",
                what,
                _without_token(str(error), token),
                pause,
                attempt,
                START_ATTEMPTS,
            )
            await asyncio.sleep(pause)


async def _until_stopped(stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    """Wait for a stop signal or for ``task`` to end on its own (an error it raises)."""
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


@contextlib.contextmanager
def _on_signals(stop: asyncio.Event, *, reload_flows: Callable[[], None]) -> Iterator[None]:
    """SIGINT and SIGTERM stop the bot; SIGHUP (where the system has it) reloads the flows."""
    loop = asyncio.get_running_loop()
    actions: dict[signal.Signals, Callable[[], object]] = {
        signal.SIGINT: stop.set,
        signal.SIGTERM: stop.set,
    }
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is not None:
        actions[hangup] = reload_flows
    handled = []
    for signum, action in actions.items():
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, action)
            handled.append(signum)
    try:
        yield
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)


def _token_rejected(error: Exception, token: SecretStr) -> str:
    return (
        f"Telegram rejected the token in {token_source(token)} "
        f"({_without_token(str(error), token)}); "
        f"check it with @BotFather, and check that {API_BASE_ENV} or telegram.api_base_url "
        "points at the Bot API"
    )


def _without_token(text: str, token: SecretStr) -> str:
    """``text`` with the token (python-telegram-bot quotes it in some errors) masked."""
    return text.replace(token.get_secret_value(), "<token>")


__all__ = ["require_token", "serve"]
