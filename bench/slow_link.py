"""A TCP proxy that delays every chunk by a fixed time each way, as a network would.

    .venv/bin/python bench/slow_link.py --delay-ms 5 --listen 55432 --to 127.0.0.1:5432 &
    .venv/bin/python bench/machinery_bench.py --service --backends postgres \\
        --pg-url postgresql://postgres@127.0.0.1:55432/test

With PostgreSQL on the same host a round trip costs little; through this proxy each one costs
twice the delay (plus the proxy's own scheduling), so wall time shows how often a client waits
for the server. Stop it with its process id.
"""

from __future__ import annotations

import argparse
import asyncio
import time


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Forward what ``reader`` receives to ``writer``, each chunk ``delay`` seconds later."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                writer.close()
                return
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    delivering = asyncio.create_task(deliver())
    while True:
        data = await reader.read(65536)
        queue.put_nowait((time.monotonic() + delay, data))
        if not data:
            break
    await delivering


async def serve(listen: int, host: str, port: int, delay: float) -> None:
    async def connect(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        server_reader, server_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(
            pump(client_reader, server_writer, delay),
            pump(server_reader, client_writer, delay),
            return_exceptions=True,
        )

    server = await asyncio.start_server(connect, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=5.0, help="added each way")
    parser.add_argument("--listen", type=int, default=55432)
    parser.add_argument("--to", default="127.0.0.1:5432", help="host:port of the server")
    args = parser.parse_args()
    host, _, port = args.to.rpartition(":")
    asyncio.run(serve(args.listen, host, int(port), args.delay_ms / 1000.0))


if __name__ == "__main__":
    main()
