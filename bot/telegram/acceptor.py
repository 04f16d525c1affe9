"""The webhook's own process: store each update and answer Telegram, whatever the bot is deciding.

In webhook mode ``crisisbot run`` starts this process beside itself (:func:`start_acceptor`).
It runs uvicorn with the webhook app (:mod:`bot.telegram.webhook`) on the socket the bot's
process bound, and its own :class:`~bot.telegram.inbox.InboxWriter`: an update is answered 200
once its JSON is committed to the inbox, as before. The decider, the sender and everything else
stay in the bot's process. Until then both shared one event loop and one interpreter lock, and
at capacity every answer waited behind the sender's requests and the decider's batches (a p99 of
about 0.3 s where the webhook alone answered within about 0.1 s, docs/benchmarks.md); now the
operating system schedules the two processes on their own.

The two talk over a socket pair, one line per message:

- bot -> acceptor, once: the settings (JSON: storage URL, webhook path, secret, token, log_text);
- acceptor -> bot: ``committed`` after each inbox commit (the decider looks at once),
  ``unreadable`` for an update python-telegram-bot could not read (counted by the bot's metrics),
  ``metrics`` when ``/metrics`` is asked for;
- bot -> acceptor: the metrics page, as its length on a line and then its bytes (``-1`` and no
  bytes when it could not be rendered: that scrape gets a 500).

Stopping: SIGTERM or SIGINT, or the bot's end of the pair closing (the bot's process stopped or
was killed): stop accepting, let the requests in progress commit and answer, exit. Nothing
acknowledged is lost either way: it is in the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import signal
import socket
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import uvicorn
from telegram import Bot

from bot.telegram.inbox import InboxWriter
from bot.telegram.logs import configure_logging, keep_text_out_of_logs
from bot.telegram.webhook import create_webhook_app

_LOGGER = logging.getLogger(__name__)

COMMITTED = b"committed"
UNREADABLE = b"unreadable"
METRICS = b"metrics"
NO_PAGE = b"-1"  # instead of a page's length: rendering it failed
#: How long requests in progress may take to finish once the acceptor stops.
GRACE_SECONDS = 30


@dataclass(frozen=True, slots=True)
class AcceptorSettings:
    """What the acceptor needs from the bot's configuration (sent over the pair, not argv)."""

    storage_url: str = field(repr=False)  # may hold the database password
    path: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    log_text: bool = False


class Acceptor:
    """The bot's side of the acceptor process: start it, serve its messages, stop it."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.process = process
        self._reader = reader
        self._writer = writer

    async def serve(
        self,
        *,
        on_commit: Callable[[], None],
        on_unreadable: Callable[[], None],
        metrics_page: Callable[[], bytes],
    ) -> None:
        """Answer the acceptor's messages until it closes its end (it stopped).

        A reset is a close too: the kernel resets the pair when the acceptor exits with bytes
        it had not read yet, which a stop can leave behind. Its exit code says how it ended.
        """
        try:
            await self._answer(on_commit, on_unreadable, metrics_page)
        except ConnectionResetError:
            _LOGGER.info("the webhook's process reset its end of the pair while stopping")

    async def _answer(
        self,
        on_commit: Callable[[], None],
        on_unreadable: Callable[[], None],
        metrics_page: Callable[[], bytes],
    ) -> None:
        while line := await self._reader.readline():
            message = line.strip()
            if message == COMMITTED:
                on_commit()
            elif message == UNREADABLE:
                on_unreadable()
            elif message == METRICS:
                try:
                    page = await asyncio.to_thread(metrics_page)
                except Exception as error:  # the scrape fails (500), not the bot
                    _LOGGER.error("rendering the metrics failed (%s)", type(error).__name__)
                    self._writer.write(NO_PAGE + b"\n")
                else:
                    self._writer.write(b"%d\n" % len(page) + page)
                await self._writer.drain()

    def close_channel(self) -> None:
        """Close the bot's end of the pair: the acceptor stops as if the bot's process died."""
        self._writer.close()

    async def stop(self, timeout: float = GRACE_SECONDS + 5) -> int:
        """SIGTERM, then wait for the requests in progress and the exit; its exit code."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                _LOGGER.error("the webhook's process did not stop within %ss; killing it", timeout)
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
        self._writer.close()
        return self.process.returncode if self.process.returncode is not None else -1


async def start_acceptor(listener: socket.socket, settings: AcceptorSettings) -> Acceptor:
    """Start the acceptor process on ``listener`` (bound by the caller) and send its settings."""
    ours, theirs = socket.socketpair()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            str(listener.fileno()),
            str(theirs.fileno()),
            pass_fds=(listener.fileno(), theirs.fileno()),
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    reader, writer = await asyncio.open_unix_connection(sock=ours)
    writer.write(json.dumps(asdict(settings)).encode("utf-8") + b"\n")
    await writer.drain()
    return Acceptor(process, reader, writer)


class _Channel:
    """The acceptor's side of the pair: tells the bot's process, reads its metrics answers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._asked: deque[asyncio.Future[bytes]] = deque()  # answers come in asking order

    def tell(self, message: bytes) -> None:
        self._writer.write(message + b"\n")

    async def metrics_page(self) -> bytes:
        answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._asked.append(answer)
        self.tell(METRICS)
        return await answer

    async def read_until_closed(self) -> None:
        """Hand each metrics answer to its asker; return once the bot's process closed its end."""
        try:
            while line := await self._reader.readline():
                size = int(line)
                page = await self._reader.readexactly(size) if size >= 0 else None
                if not self._asked:
                    continue
                if page is None:
                    self._asked.popleft().set_exception(RuntimeError("no metrics page"))
                else:
                    self._asked.popleft().set_result(page)
        except (OSError, EOFError, ValueError) as error:
            _LOGGER.error("the bot's process sent what the webhook cannot read (%s)", error)
        finally:
            for answer in self._asked:
                answer.set_exception(ConnectionError("the bot's process is gone"))
            self._asked.clear()


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: :func:`_serve` sets ``should_exit``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave signals to :func:`_serve`."""
        yield


async def _serve(listen_fd: int, channel_fd: int) -> None:
    from bot.app import storage_ready
    from bot.storage import Storage

    reader, writer = await asyncio.open_unix_connection(sock=socket.socket(fileno=channel_fd))
    settings = AcceptorSettings(**json.loads(await reader.readline()))
    keep_text_out_of_logs(settings.log_text)
    channel = _Channel(reader, writer)
    storage = Storage.from_url(settings.storage_url)
    try:
        inbox = InboxWriter(storage, on_commit=lambda updates: channel.tell(COMMITTED))
        app = create_webhook_app(
            bot=Bot(settings.token),
            secret=settings.secret,
            process=inbox.accept,
            storage_ready=storage_ready(storage, settings.storage_url),
            path=settings.path,
            metrics_page=channel.metrics_page,
            on_unreadable=lambda: channel.tell(UNREADABLE),
        )
        server = _Server(
            uvicorn.Config(
                app,
                log_config=None,  # uvicorn logs through the root logger like the rest of the bot
                log_level="warning",
                lifespan="off",
                timeout_graceful_shutdown=GRACE_SECONDS,
            )
        )
        loop = asyncio.get_running_loop()

        def stop() -> None:
            server.should_exit = True

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop)
        gc.freeze()  # what start-up built lives as long as the process
        serving = asyncio.create_task(server.serve(sockets=[socket.socket(fileno=listen_fd)]))
        # The bot's process closes its end when it stops or dies: this one stops with it.
        bot_gone = asyncio.create_task(channel.read_until_closed())
        await asyncio.wait({serving, bot_gone}, return_when=asyncio.FIRST_COMPLETED)
        stop()
        await serving
        bot_gone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot_gone
    finally:
        storage.close()


def main(argv: list[str]) -> int:
    """``python -m bot.telegram.acceptor LISTEN_FD CHANNEL_FD``, run by :func:`start_acceptor`."""
    configure_logging()
    listen_fd, channel_fd = (int(value) for value in argv)
    asyncio.run(_serve(listen_fd, channel_fd))
    return 0


__all__ = ["Acceptor", "AcceptorSettings", "start_acceptor"]

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
