#!/usr/bin/env python3
"""A DNS load generator that reports what clients get: answered, failed, late and lost queries.

  python3 deploy/labkit/load.py --server 192.0.2.53 --qps 2000 --seconds 10

Every query goes out on a fresh UDP socket (a fresh source port), so a router hashing on ports
(fib_multipath_hash_policy=1) spreads the queries over its ECMP paths as it would spread real
clients. The question is a TXT name each anycast node answers with its own name
(whoami.example.test. TXT "node1"), so each answer says which node served it.

Output, one JSON object per line on stdout: first {"start_monotonic": ...} (the clock every
time below counts from), then
  {"interval": 3, "t": 3.0, "sent": 2000, "answered": 1990, "failed": 4, "late": 0, "lost": 6,
   "nodes": {"node1": 660, ...}, "first_bad": 3.41, "last_bad": 3.87}
per interval of send time (emitted once every query sent in it is settled), then one
{"summary": true, ...} with the totals. SIGTERM ends the sending early: what was sent is
settled and reported as usual. answered = a NOERROR reply within --late-after (1 s);
late = a NOERROR reply after that; failed = any other rcode (SERVFAIL, REFUSED); lost = no
reply within --lost-after. first_bad/last_bad: send times (s since start) of the first and last
query that was not answered in time, null when there was none; with --bad-times the summary
also has bad_at: [send time, "lost"|"failed"|"late"] of each.

Python stdlib only (non-blocking sockets on one epoll selector): it sends on a fixed schedule
(query i leaves at start + i/qps), so a slow resolver cannot slow the offered load.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import selectors
import signal
import socket
import struct
import sys
import time

RCODE_NOERROR = 0


def encode_query(qid: int, name: str, qtype: int) -> bytes:
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".") if p)
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack(
        ">HH", qtype, 1)


def _skip_name(msg: bytes, pos: int) -> int:
    while pos < len(msg):
        length = msg[pos]
        if length == 0:
            return pos + 1
        if length & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + length
    raise ValueError("name runs past the message")


def parse_reply(msg: bytes) -> tuple[int, int, str | None]:
    """(id, rcode, first TXT string of the answer or None). Raises ValueError on garbage."""
    if len(msg) < 12 or not msg[2] & 0x80:
        raise ValueError("not a reply")
    qid, _flags, qd, an = struct.unpack(">HHHH", msg[:8])
    rcode = msg[3] & 0x0F
    pos = 12
    for _ in range(qd):
        pos = _skip_name(msg, pos) + 4
    for _ in range(an):
        pos = _skip_name(msg, pos)
        rtype, _cls, _ttl, rdlen = struct.unpack(">HHIH", msg[pos:pos + 10])
        pos += 10
        if rtype == 16 and rdlen > 0:  # TXT: length-prefixed strings
            n = msg[pos]
            return qid, rcode, msg[pos + 1:pos + 1 + n].decode("utf-8", "replace")
        pos += rdlen
    return qid, rcode, None


class Interval:
    __slots__ = ("index", "bad_at", "outstanding", "sent", "answered", "failed", "late", "lost", "nodes", "first_bad",
                 "last_bad")

    def __init__(self, index: int):
        self.index = index
        self.sent = self.answered = self.failed = self.late = self.lost = 0
        self.outstanding = 0
        self.bad_at: list = []  # (send time, what) of every query not answered in time
        self.nodes: dict[str, int] = {}
        self.first_bad: float | None = None
        self.last_bad: float | None = None

    def bad(self, sent_at: float, what: str) -> None:
        self.bad_at.append((round(sent_at, 4), what))
        if self.first_bad is None or sent_at < self.first_bad:
            self.first_bad = sent_at
        if self.last_bad is None or sent_at > self.last_bad:
            self.last_bad = sent_at

    def record(self, interval_s: float, bad_times: bool = False) -> dict:
        rnd = (lambda v: None if v is None else round(v, 3))
        extra = {"bad_at": sorted(self.bad_at)} if bad_times else {}
        return extra | {"interval": self.index, "t": round(self.index * interval_s, 3), "sent": self.sent,
                "answered": self.answered, "failed": self.failed, "late": self.late,
                "lost": self.lost, "nodes": dict(sorted(self.nodes.items())),
                "first_bad": rnd(self.first_bad), "last_bad": rnd(self.last_bad)}


def run(server: str, port: int, qps: float, seconds: float, qname: str, qtype: int,
        interval_s: float, late_after: float, lost_after: float, out,
        bad_times: bool = False) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = int(qps * lost_after * 1.5) + 64
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    dest = (server, port)
    sel = selectors.DefaultSelector()
    pending: dict[int, tuple] = {}  # fd -> (socket, qid, sent_at, Interval)
    order: list[int] = []  # fds in send order, for expiry
    intervals: dict[int, Interval] = {}
    total = Interval(-1)
    n_intervals = max(1, int(round(seconds / interval_s)))
    total_queries = int(round(qps * seconds))
    emitted = 0
    start = time.monotonic()
    sent = 0
    # CLOCK_MONOTONIC is shared across network namespaces: a caller lines its fault times up
    # with the send times (s since this start) below.
    out.write(json.dumps({"start_monotonic": start, "qps": qps, "seconds": seconds}) + "\n")
    out.flush()

    def settle(iv: Interval, sent_at: float, rcode: int | None, node: str | None,
               answered_at: float | None, was_pending: bool = True) -> None:
        if was_pending:
            iv.outstanding -= 1
        for acc in (iv, total):
            if rcode is None:
                acc.lost += 1
                acc.bad(sent_at, "lost")
            elif rcode != RCODE_NOERROR:
                acc.failed += 1
                acc.bad(sent_at, "failed")
            elif answered_at - sent_at > late_after:
                acc.late += 1
                acc.bad(sent_at, "late")
            else:
                acc.answered += 1
                name = node or "?"
                acc.nodes[name] = acc.nodes.get(name, 0) + 1

    def close(fd: int):
        entry = pending.pop(fd)
        sel.unregister(entry[0])
        entry[0].close()
        return entry

    expire_at = 0  # index into order
    while True:
        now = time.monotonic()
        if _stop_requested and sent < total_queries:
            # SIGTERM: send no more, settle what is out, report what was sent.
            total_queries = sent
            n_intervals = max(1, min(n_intervals, int(sent / qps / interval_s) + 1))
        # Send everything that is due (catching up if the loop fell behind).
        while sent < total_queries and start + sent / qps <= now:
            idx = min(int(sent / qps / interval_s), n_intervals - 1)
            iv = intervals.get(idx)
            if iv is None:
                iv = intervals[idx] = Interval(idx)
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.setblocking(False)
            qid = random.getrandbits(16)
            sent_at = start + sent / qps
            try:
                s.sendto(encode_query(qid, qname, qtype), dest)
            except OSError:  # no route (the router withdrew everything): lost at once
                s.close()
                iv.sent += 1
                total.sent += 1
                settle(iv, sent_at - start, None, None, None, was_pending=False)
                sent += 1
                continue
            iv.sent += 1
            iv.outstanding += 1
            total.sent += 1
            fd = s.fileno()
            pending[fd] = (s, qid, sent_at, iv)
            order.append(fd)
            sel.register(s, selectors.EVENT_READ)
            sent += 1
        # Expire what waited too long.
        while expire_at < len(order):
            fd = order[expire_at]
            entry = pending.get(fd)
            if entry is not None and entry[2] + lost_after > now:
                break
            expire_at += 1
            if entry is not None:
                close(fd)
                settle(entry[3], entry[2] - start, None, None, None)
        if expire_at > 4096:
            del order[:expire_at]
            expire_at = 0
        # Emit every interval whose queries are all settled.
        while emitted < n_intervals:
            iv = intervals.get(emitted)
            end_send = start + (emitted + 1) * interval_s
            all_sent = sent >= total_queries or start + sent / qps >= end_send
            if iv is None and all_sent:
                iv = Interval(emitted)
            if iv is None or not all_sent:
                break
            if iv.outstanding > 0:
                break
            out.write(json.dumps(iv.record(interval_s)) + "\n")
            out.flush()
            intervals.pop(emitted, None)
            emitted += 1
        if sent >= total_queries and not pending and emitted >= n_intervals:
            break
        next_send = start + sent / qps if sent < total_queries else now + 0.05
        timeout = max(0.0, min(next_send - time.monotonic(), 0.05))
        for key, _ in sel.select(timeout):
            s = key.fileobj
            fd = s.fileno()
            try:
                msg = s.recv(4096)
            except OSError:  # ICMP port unreachable: the node answered "nobody here"
                entry = close(fd)
                settle(entry[3], entry[2] - start, 2, None, time.monotonic() - start)
                continue
            entry = pending.get(fd)
            try:
                qid, rcode, txt = parse_reply(msg)
            except (ValueError, struct.error, IndexError):
                continue  # garbage: keep waiting for the real reply
            if qid != entry[1]:
                continue
            close(fd)
            settle(entry[3], entry[2] - start, rcode, txt, time.monotonic() - start)
    summary = total.record(interval_s, bad_times)
    del summary["interval"], summary["t"]
    summary.update({"summary": True, "qps": qps, "seconds": seconds,
                    "elapsed": round(time.monotonic() - start, 3),
                    "bad": summary["failed"] + summary["late"] + summary["lost"]})
    out.write(json.dumps(summary) + "\n")
    out.flush()
    return summary


_stop_requested = False


def _request_stop(*_):
    global _stop_requested
    _stop_requested = True


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", default="192.0.2.53")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--qps", type=float, default=1000)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--qname", default="whoami.example.test.")
    p.add_argument("--qtype", type=int, default=16, help="16 = TXT")
    p.add_argument("--interval", type=float, default=1.0, help="report interval, seconds")
    p.add_argument("--late-after", type=float, default=1.0)
    p.add_argument("--lost-after", type=float, default=2.0)
    p.add_argument("--bad-times", action="store_true",
                   help="the summary lists [send time, what] of every query not answered in time")
    a = p.parse_args(argv)
    if a.qps <= 0 or a.seconds <= 0:
        p.error("--qps and --seconds must be positive")
    signal.signal(signal.SIGTERM, _request_stop)
    try:
        run(a.server, a.port, a.qps, a.seconds, a.qname, a.qtype, a.interval, a.late_after,
            a.lost_after, sys.stdout, a.bad_times)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
