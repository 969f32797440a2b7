#!/usr/bin/env python3
"""A STAND-IN for a slow upstream: a UDP relay that holds every DNS reply for a set delay.

  python3 deploy/labkit/slow_upstream.py --listen 127.0.0.1:5301 --to 127.0.0.1:5300 \\
      --delay-file DIR/slow-upstream.delay_ms

This kernel has no netem, and no real resolver or authoritative server can be told to answer
late, so the data-plane lab puts this relay between a node's resolver and its authoritative BIND
(the resolver's stub-zone / forwarder points at --listen) when it is built with slow_upstream.
Each query is forwarded at once on a fresh socket; its reply is sent back to the resolver
--delay-file's milliseconds later (0, or no file: no delay). The file is read again whenever
it changes, so `echo 200 > DIR/slow-upstream.delay_ms` makes the upstream slow within one
query and `echo 0 > ...` heals it. A dead authoritative stays dead behind the relay (no reply is
invented). Python stdlib only, one selector loop; stops on SIGTERM.
"""
from __future__ import annotations

import argparse
import heapq
import os
import selectors
import signal
import socket
import sys
import time

FORGET_AFTER_S = 5.0  # a query whose reply never came: its socket is closed


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


class DelayFile:
    """The delay in seconds, re-read when the file's mtime changes."""

    def __init__(self, path: str | None):
        self.path = path
        self.mtime: tuple | None = None
        self.seconds = 0.0

    def get(self) -> float:
        if not self.path:
            return 0.0
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self.mtime, self.seconds = None, 0.0
            return 0.0
        # The inode too: mtimes are as coarse as the kernel's tick, a file replaced by rename
        # (as labkit writes it) is a new inode.
        mtime = (st.st_ino, st.st_mtime_ns)
        if mtime != self.mtime:
            self.mtime = mtime
            try:
                with open(self.path) as f:
                    self.seconds = max(0.0, float(f.read().strip() or 0) / 1000.0)
            except (OSError, ValueError):
                pass  # a half-written file: keep the previous delay, read again next time
        return self.seconds


def serve(listen: tuple[str, int], target: tuple[str, int], delay: DelayFile) -> None:
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(listen)
    front.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(front, selectors.EVENT_READ, None)
    upstream: dict[int, tuple[socket.socket, tuple, float]] = {}  # fd -> (sock, client, sent)
    held: list[tuple[float, int, bytes, tuple]] = []  # (due, seq, reply, client): a heap
    seq = 0
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    print(f"slow upstream relay on {listen[0]}:{listen[1]} -> {target[0]}:{target[1]}",
          flush=True)
    while not stopping:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, reply, client = heapq.heappop(held)
            try:
                front.sendto(reply, client)
            except OSError:
                pass
        for fd in [fd for fd, (_, _, sent) in upstream.items() if now - sent > FORGET_AFTER_S]:
            sock = upstream.pop(fd)[0]
            sel.unregister(sock)
            sock.close()
        timeout = 0.5 if not held else max(0.0, held[0][0] - now)
        try:
            events = sel.select(timeout)
        except InterruptedError:
            continue
        for key, _ in events:
            if key.data is None:  # a query from the resolver
                try:
                    query, client = front.recvfrom(65535)
                except OSError:
                    continue
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.setblocking(False)
                try:
                    sock.sendto(query, target)
                except OSError:
                    sock.close()
                    continue
                upstream[sock.fileno()] = (sock, client, time.monotonic())
                sel.register(sock, selectors.EVENT_READ, "upstream")
            else:  # the authoritative's reply: held for the delay, then sent on
                sock = key.fileobj
                entry = upstream.pop(sock.fileno(), None)
                sel.unregister(sock)
                try:
                    reply = sock.recv(65535)
                except OSError:  # ICMP port unreachable: the authoritative is dead
                    reply = None
                sock.close()
                if reply is None or entry is None:
                    continue
                seq += 1
                heapq.heappush(held, (time.monotonic() + delay.get(), seq, reply, entry[1]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listen", type=_addr, required=True, help="ADDR:PORT the resolver asks")
    p.add_argument("--to", type=_addr, required=True, help="ADDR:PORT of the authoritative")
    p.add_argument("--delay-file", help="file holding the delay in milliseconds")
    a = p.parse_args(argv)
    serve(a.listen, a.to, DelayFile(a.delay_file))
    return 0


if __name__ == "__main__":
    sys.exit(main())
