#!/usr/bin/env python3
"""A STAND-IN for a slow BGP path between two routers: a TCP relay that holds every byte for a
set delay, in both directions.

  python3 deploy/labkit/tcp_delay.py --listen 203.0.113.241:179 --to 203.0.113.237:179 \\
      --source 203.0.113.238 --delay-ms 300

In a real network an update takes time to reach a remote router: route reflectors, the minimum
route advertisement interval, busy control planes. In the lab, two BIRDs next to each other
converge in a millisecond, and that time is what a withdraw costs clients where a router learns
the alternative path only from another router. This kernel has no netem, so the two-router lab
(labkit/drain_lab.py) puts this relay on the iBGP session: one router connects to --listen, the
relay connects to --to from --source (the address the other router expects its peer at) and
forwards each chunk --delay-ms after it arrived, in order. One connection at a time; either side
closing closes both. Python stdlib only (asyncio); stops on SIGTERM.
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                delay: float) -> None:
    """Copies reader to writer, each chunk `delay` s after it was read, in order."""
    queue: asyncio.Queue = asyncio.Queue()

    async def read():
        while True:
            data = await reader.read(65536)
            await queue.put((time.monotonic() + delay, data))
            if not data:
                return

    async def write():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    await asyncio.gather(read(), write())


async def _serve(args) -> None:
    to_host, to_port = _addr(args.to)
    delay = args.delay_ms / 1000.0

    async def handle(reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(
                to_host, to_port, local_addr=(args.source, 0) if args.source else None)
        except OSError as exc:
            print(f"connect {args.to}: {exc}", flush=True)
            writer.close()
            return
        print(f"relaying {writer.get_extra_info('peername')} <-> {args.to} "
              f"with {args.delay_ms} ms each way", flush=True)
        try:
            await asyncio.gather(_pipe(reader, up_writer, delay), _pipe(up_reader, writer, delay))
        except (ConnectionError, OSError):
            pass
        finally:
            for w in (writer, up_writer):
                w.close()

    host, port = _addr(args.listen)
    server = await asyncio.start_server(handle, host, port, reuse_address=True)
    print(f"relay on {args.listen} -> {args.to}, delay {args.delay_ms} ms", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True, help="ADDR:PORT to accept the connection on")
    ap.add_argument("--to", required=True, help="ADDR:PORT to relay it to")
    ap.add_argument("--source", default="", help="the local address to connect from")
    ap.add_argument("--delay-ms", type=int, default=0, help="hold every chunk this long")
    args = ap.parse_args(argv)
    if args.delay_ms < 0:
        ap.error("--delay-ms must not be negative")
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
