"""Watching the data plane's router for one node's path, every 10 ms, for a whole test.

Two views at each poll, read without starting a process (a `birdc` or `ip` per poll would cost
more than the 10 ms between polls on a loaded 2-core machine):
- the RIB: BIRD's own answer to `show route <prefix>` on its control socket (the protocol birdc
  speaks: a numbered reply, lines "DDDD-" continued, "DDDD " last), the node's path present when
  a route of its BGP protocol ("[node1 ...") is listed;
- the FIB: the router namespace's kernel table, dumped over a netlink socket made inside that
  namespace (a socket keeps the namespace it was made in), the node's path present when the
  prefix's route has the node as a gateway, alone or among its ECMP next hops;
- and, between polls, every change of the prefix the kernel announces (netlink route group):
  queued for the watcher, so a hole shorter than a late poll's gap is still counted.
An IPv6 prefix (DataPlane(ipv6=True)'s PREFIX6) is watched the same way: BIRD's answer for it,
the kernel's IPv6 table, its IPv6 route group.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Optional

_NLMSG_ERROR, _NLMSG_DONE, _RTM_NEWROUTE, _RTM_DELROUTE, _RTM_GETROUTE = 2, 3, 24, 25, 26
_RTMGRP_IPV4_ROUTE = 0x40
_RTMGRP_IPV6_ROUTE = 0x400
_NLM_F_REQUEST, _NLM_F_DUMP = 0x1, 0x300
_RTA_DST, _RTA_GATEWAY, _RTA_MULTIPATH = 1, 5, 9


class BirdSocket:
    """One connection to BIRD's control socket, kept open for every poll."""

    def __init__(self, path: Path, timeout: float = 2.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = b""
        self._reply()  # "0001 BIRD 2.0.12 ready."

    def _reply(self) -> str:
        lines = []
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("bird closed its control socket")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            text = line.decode(errors="replace")
            lines.append(text)
            if len(text) >= 5 and text[:4].isdigit() and text[4] == " ":
                return "\n".join(lines)

    def command(self, cmd: str) -> str:
        self.sock.sendall(cmd.encode() + b"\n")
        return self._reply()

    def close(self) -> None:
        self.sock.close()


def _family(net) -> int:
    return socket.AF_INET6 if net.version == 6 else socket.AF_INET


def _addr(net, value: bytes) -> str:
    """An address attribute of the prefix's family, as ipaddress writes it."""
    if net.version == 6:
        return str(ipaddress.IPv6Address(value[:16]))
    return socket.inet_ntoa(value[:4])


def _attrs(data: bytes, pos: int, end: int):
    while pos + 4 <= end:
        length, kind = struct.unpack_from("=HH", data, pos)
        if length < 4:
            return
        yield kind, data[pos + 4:pos + length]
        pos += (length + 3) & ~3


class KernelRoutes:
    """A netlink socket of one namespace: the gateways its main FIB uses for a prefix."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.sock.settimeout(2.0)
        self.seq = 0

    @staticmethod
    def open_here() -> socket.socket:
        """Call inside the namespace (labkit.dataplane.in_netns)."""
        return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)

    def gateways(self, prefix: str) -> set[str]:
        net = ipaddress.ip_network(prefix)
        self.seq += 1
        req = struct.pack("=LHHLL", 16 + 12, _RTM_GETROUTE, _NLM_F_REQUEST | _NLM_F_DUMP,
                          self.seq, 0) + struct.pack("=BBBBBBBBI", _family(net), 0, 0, 0, 0,
                                                      0, 0, 0, 0)
        self.sock.send(req)
        hops: set[str] = set()
        while True:
            data = self.sock.recv(1 << 20)
            pos = 0
            while pos + 16 <= len(data):
                length, kind, _, seq, _ = struct.unpack_from("=LHHLL", data, pos)
                if length < 16:
                    return hops
                if seq == self.seq:
                    if kind == _NLMSG_DONE:
                        return hops
                    if kind == _NLMSG_ERROR:
                        raise OSError("netlink route dump failed")
                    if kind == _RTM_NEWROUTE:
                        hops |= self._route_gateways(data[pos + 16:pos + length], net)
                pos += (length + 3) & ~3

    @staticmethod
    def _route_gateways(msg: bytes, net) -> set[str]:
        if len(msg) < 12 or msg[0] != _family(net) or msg[1] != net.prefixlen:
            return set()
        dst, hops = None, set()
        for kind, value in _attrs(msg, 12, len(msg)):
            if kind == _RTA_DST:
                dst = _addr(net, value)
            elif kind == _RTA_GATEWAY:
                hops.add(_addr(net, value))
            elif kind == _RTA_MULTIPATH:
                pos = 0
                while pos + 8 <= len(value):  # struct rtnexthop, then its attributes
                    nh_len = struct.unpack_from("=H", value, pos)[0]
                    if nh_len < 8:
                        break
                    for k, v in _attrs(value, pos + 8, pos + nh_len):
                        if k == _RTA_GATEWAY:
                            hops.add(_addr(net, v))
                    pos += (nh_len + 3) & ~3
        return hops if dst == str(net.network_address) else set()


class RouteEvents:
    """The kernel's own announcements of FIB changes (netlink group RTMGRP_IPV4_ROUTE, or
    RTMGRP_IPV6_ROUTE for ipv6) in one namespace: queued in the socket, so a change between two
    polls is not missed even when the poller is scheduled late."""

    def __init__(self, sock: socket.socket, ipv6: bool = False):
        self.sock = sock
        self.sock.bind((0, _RTMGRP_IPV6_ROUTE if ipv6 else _RTMGRP_IPV4_ROUTE))
        self.sock.setblocking(False)

    @staticmethod
    def open_here() -> socket.socket:
        return KernelRoutes.open_here()

    def drain(self, prefix: str) -> list:
        """The changes of `prefix` since the last call: (deleted?, gateways) each."""
        net = ipaddress.ip_network(prefix)
        changes = []
        while True:
            try:
                data = self.sock.recv(1 << 20)
            except BlockingIOError:
                return changes
            pos = 0
            while pos + 16 <= len(data):
                length, kind = struct.unpack_from("=LH", data, pos)
                if length < 16:
                    break
                body = data[pos + 16:pos + length]
                if kind in (_RTM_NEWROUTE, _RTM_DELROUTE) and _dst(body, net):
                    changes.append((kind == _RTM_DELROUTE, KernelRoutes._route_gateways(body, net)))
                pos += (length + 3) & ~3


def _dst(msg: bytes, net) -> bool:
    if len(msg) < 12 or msg[0] != _family(net) or msg[1] != net.prefixlen:
        return False
    return any(kind == _RTA_DST and _addr(net, value) == str(net.network_address)
               for kind, value in _attrs(msg, 12, len(msg)))


class PathWatch(threading.Thread):
    """Polls the router every `period` s for node `proto`'s path (BIRD protocol name) to `prefix`
    through gateway `gateway`: counts the polls where the RIB or the FIB lacked it, keeps when
    (unix time) they first and last did, and the longest gap between two polls. An IPv6 prefix
    takes the node's IPv6 address as gateway."""

    def __init__(self, bird_ctl: Path, netlink: socket.socket, events: socket.socket,
                 prefix: str, proto: str, gateway: str, period: float = 0.010):
        super().__init__(daemon=True)
        self.bird = BirdSocket(bird_ctl)
        self.kernel = KernelRoutes(netlink)
        self.events = RouteEvents(events, ipaddress.ip_network(prefix).version == 6)
        self.fib_changes = self.fib_changes_without = 0  # kernel FIB changes of the prefix
        self.prefix, self.proto, self.gateway, self.period = prefix, proto, gateway, period
        self.polls = self.rib_missing = self.fib_missing = self.errors = 0
        self.first_missing: Optional[float] = None
        self.rib_gone_at: Optional[float] = None  # unix time of the first poll without it
        self.fib_gone_at: Optional[float] = None
        self.last_present: Optional[float] = None
        self.max_gap = 0.0
        self.long_gaps: list = []  # (unix time, seconds) of every gap above 50 ms
        self._done = threading.Event()

    def rib_has(self) -> bool:
        return f"[{self.proto} " in self.bird.command(f"show route {self.prefix}")

    def fib_has(self) -> bool:
        return self.gateway in self.kernel.gateways(self.prefix)

    def run(self):
        # Ahead of the load and of make jobs on a shared 2-core machine, so the 10 ms hold; a
        # nice value, not a real-time class: a watcher gone wrong cannot starve the machine.
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), -10)
        except OSError:
            pass
        last = None
        next_at = time.monotonic()
        while not self._done.is_set():
            try:
                rib, fib = self.rib_has(), self.fib_has()
                for deleted, hops in self.events.drain(self.prefix):
                    self.fib_changes += 1
                    if deleted or self.gateway not in hops:
                        self.fib_changes_without += 1
                        self.fib_gone_at = self.fib_gone_at or time.time()
            except (OSError, ConnectionError):
                self.errors += 1
                rib = fib = None
            now = time.monotonic()
            if last is not None:
                self.max_gap = max(self.max_gap, now - last)
                if now - last > 0.05:
                    self.long_gaps.append((round(time.time(), 3), round(now - last, 3)))
            last = now
            if rib is not None:
                self.polls += 1
                self.rib_missing += not rib
                self.fib_missing += not fib
                if not rib and self.rib_gone_at is None:
                    self.rib_gone_at = time.time()
                if not fib and self.fib_gone_at is None:
                    self.fib_gone_at = time.time()
                if rib and fib:
                    self.last_present = time.time()
                elif self.first_missing is None:
                    self.first_missing = time.time()
            next_at += self.period
            delay = next_at - time.monotonic()
            if delay > 0:
                self._done.wait(delay)
            else:  # late: poll again at once, from now on the grid
                next_at = time.monotonic()

    def missing(self) -> int:
        return max(self.rib_missing, self.fib_missing, self.fib_changes_without)

    def stop(self) -> None:
        self._done.set()
        self.join(5)
        self.bird.close()
        self.kernel.sock.close()
        self.events.sock.close()

    def summary(self) -> str:
        return (f"{self.polls} polls of the router (max gap {self.max_gap * 1000:.0f} ms), "
                f"{self.rib_missing} without the path in BIRD's RIB, {self.fib_missing} in the "
                f"kernel FIB; {self.fib_changes} FIB changes of the prefix announced by the "
                f"kernel, {self.fib_changes_without} without the path")
