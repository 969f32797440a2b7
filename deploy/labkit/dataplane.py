"""The data-plane lab: a client, a forwarding router and anycast nodes in network namespaces.

What clients see, not what a RIB says (a recipe verified by hand before it was written here):

  client ns  198.51.100.10 --veth-- router ns (BIRD 2, ECMP into its kernel FIB)
                                      |-- veth 203.0.113.4k+1/30 -- node k ns:
                                            192.0.2.53/32 on lo, its resolver bound to it
                                            (Unbound on nodes 1 and 3, BIND on node 2),
                                            an authoritative BIND on 127.0.0.1:5300 it recurses
                                            into, ExaBGP + the sidecar announcing next-hop self

Each node's authoritative server answers whoami.example.test. TXT "nodeK" (TTL 1 s, like every
name of its zone, so a dead authoritative shows to clients within a second; www.example.test,
the recursion check's name, has TTL 0 so every check recurses), and each resolver itself answers
whoami.health.test. TXT "nodeK" from its local zone, so labkit/load.py can tell which node
answered, through recursion or not.

The recursion check is `on_failure: "degrade"` with `max_rtt_ms` 100 (a healthy lab answers in
a few ms), the local-zone check `down`, as deploy/examples has them. With slow_upstream=True a
delaying relay (labkit/slow_upstream.py, a stand-in for a slow upstream) sits between each
resolver and its authoritative server: Node.set_upstream_delay(ms).

With fleet=True the nodes coordinate through a real 3-member etcd (labkit/etcd.py) in a namespace
of its own behind the router (203.0.113.248/29: the router .249, the members .250-.252), as a
fleet's etcd runs on machines of its own that every node reaches through the network; each
node's sidecar gets a `fleet` block (labkit/lab_fleet.py: max_unavailable 1, lease TTL 3 s).
kinds= chooses each node's resolver (e.g. {1: "bind", 2: "bind"}: the 2024 pair).

With ipv6=True (opt-in; off, nothing above changes) the plane carries the IPv6 anycast prefix
2001:db8:53::53/128 to the same nodes beside 192.0.2.53/32: 2001:db8::/32 addresses on every veth
(client 2001:db8:100::10/64 behind the router's ::1, node k 2001:db8:0:k::2/64 facing the
router's 2001:db8:0:k::1; no DAD, no default route), 2001:db8:53::53/128 on each node's lo, both
resolvers listening on it too, IPv6 forwarding and L4 multipath hashing in the router.
How BGP carries it: over the SAME IPv4 session (multiprotocol BGP, RFC 4760): ExaBGP 4.2's
neighbor already has `family { ipv4 unicast; ipv6 unicast; }`, the router gets an ipv6 channel
(BIRD) / address-family (FRR) on that session, and the sidecar announces the IPv6 prefix with an
explicit next hop, the node's own IPv6 address (2001:db8:0:k::2). Why not a second, IPv6 session:
one session per node keeps one hold timer, one ExaBGP neighbor and one set of faults (a frozen
ExaBGP drops both families at once, as a real node would), and the router resolves the next hop
on the veth both sessions would share anyway. `self` is not usable for the IPv6 route on an IPv4
session (it would be the IPv4 session address; sidecar/config/config_routes.cpp refuses it), hence
the explicit next hop. The sidecar keeps ONE service with two routes: its checks probe the IPv4
anycast address as before, plus a `down` local-zone check over IPv6 (local-zone-v6, the resolver's
IPv6 listener): a resolver that stops answering on either family withdraws both routes. The
router's IPv6 FIB: fib_nexthops(PREFIX6) (kernel_nexthops reads `ip -6 route` for a v6 prefix);
DataPlane.wait_fib(want, prefix=PREFIX6); the client's load: dp.load(..., server=ANYCAST6).

Namespace names carry a per-run prefix (acsdp<pid><random>-), so parallel runs never meet.
DataPlane is a context manager: leaving it (or the interpreter, through atexit) stops every
process by pid and then deletes every namespace, even when bringing it up failed half-way.
Only documentation addresses, only inside the namespaces made here, no default route.
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

from . import sidecar as sc
from .bgp import ExaBGP
from .etcd import EtcdCluster
from .lab_fleet import fleet_block
from .common import OwnsProc, Proc, make_workdir, run, wait_until, which
from .resolvers import EXAMPLE_WWW, Bind, Unbound, dns_query

ANYCAST = "192.0.2.53"
PREFIX = ANYCAST + "/32"
CLIENT_ADDR = "198.51.100.10"
CLIENT_GW = "198.51.100.1"
# ipv6=True (opt-in): the IPv6 side, documentation addresses only (2001:db8::/32). The anycast
# address in a /48 of its own; the client's /64; node k's veth /64 is 2001:db8:0:k::/64 (the
# router ::1, the node ::2).
ANYCAST6 = "2001:db8:53::53"
PREFIX6 = ANYCAST6 + "/128"
ANYCAST6_NET = "2001:db8:53::/48"
CLIENT6_ADDR = "2001:db8:100::10"
CLIENT6_GW = "2001:db8:100::1"
CLIENT6_NET = "2001:db8:100::/64"
ROUTER_ASN = 65000
NODE_ASN = 65001
AUTH_PORT = 5300
WHOAMI = "whoami.example.test."
WHOAMI_LOCAL = "whoami.health.test."  # answered by the resolver itself: no recursion
RELAY_PORT = 5301  # the slow-upstream relay, in front of AUTH_PORT
SLOW_UPSTREAM_PY = Path(__file__).resolve().parent / "slow_upstream.py"
# Unbound behind a slow upstream (slow_upstream=True). labkit's Unbound learns the 1 ms loopback
# RTT and gives up on a try after 50 ms (infra-cache-min-rtt default) up to 300 ms: a 200 ms
# upstream times out, and Unbound then answers SERVFAIL from its infra cache for over a minute
# (seen). With these it waits at least 400 ms a try, so a slow upstream is slow (the check's `slow`), a
# dead one still fails within the check's timeout, and a host entry lives 2 s, so a healed
# upstream is asked again at once (what `unbound-control flush_infra all` does by hand).
SLOW_LAB_UNBOUND = ("infra-cache-min-rtt: 400", "infra-cache-max-rtt: 1000", "infra-host-ttl: 2")
LOAD_PY = Path(__file__).resolve().parent / "load.py"
# The fleet's etcd: its own /29 behind the router, outside every node's /30.
ETCD_NET = "203.0.113.248/29"
ETCD_GW = "203.0.113.249"
ETCD_HOSTS = ["203.0.113.250", "203.0.113.251", "203.0.113.252"]
_CLONE_NEWNET = 0x40000000


ROUTERS = ("bird", "frr")


def selected_router() -> str:
    """The data plane's router: ACS_ROUTER (bird, the default, or frr), so any data-plane test
    runs against FRR with ACS_ROUTER=frr."""
    router = os.environ.get("ACS_ROUTER", "bird")
    if router not in ROUTERS:
        raise ValueError(f"ACS_ROUTER={router!r}: use one of {', '.join(ROUTERS)}")
    return router


def netns_possible(router: Optional[str] = None) -> tuple[bool, str]:
    """(True, "") when this process can make network namespaces and run the router (default:
    selected_router()), else (False, why)."""
    if os.geteuid() != 0:
        return False, "not root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)"
    router = router or selected_router()
    if router == "frr":
        from .frr import frr_missing
        if frr_missing():
            return False, frr_missing()
    for prog in ("ip",) + (("bird", "birdc") if router == "bird" else ()):
        try:
            which(prog)
        except RuntimeError as exc:
            return False, str(exc)
    name = f"acsprobe{os.getpid()}"
    out = run(["ip", "netns", "add", name], timeout=10)
    if out.returncode != 0:
        return False, f"`ip netns add` failed: {(out.stderr or out.stdout).strip()}"
    run(["ip", "netns", "del", name], timeout=10)
    return True, ""


def in_netns(ns: str, fn: Callable):
    """Runs fn in a thread that joined network namespace ns: sockets it makes live there."""
    result: dict = {}

    def body():
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            if libc.setns(fd, _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {ns}")
        finally:
            os.close(fd)
        try:
            result["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc
    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _ns_argv(ns: str, argv: Sequence[str]) -> list[str]:
    # `ip netns exec` joins the namespace and execs the program: the pid stays the program's.
    return ["ip", "netns", "exec", ns, *argv]


def _ip(*args: str) -> None:
    out = run(["ip", *args], timeout=10)
    if out.returncode != 0:
        raise RuntimeError(f"`ip {' '.join(args)}` failed: {(out.stderr or out.stdout).strip()}")


def veth(a_ns: str, a: str, a_addr: str, b_ns: str, b: str, b_addr: str) -> None:
    """A veth pair from namespace a_ns (device a, address a_addr/30) to b_ns (b, b_addr/30), up."""
    _ip("link", "add", a, "netns", a_ns, "type", "veth", "peer", "name", b, "netns", b_ns)
    _ip("-n", a_ns, "addr", "add", a_addr + "/30", "dev", a)
    _ip("-n", b_ns, "addr", "add", b_addr + "/30", "dev", b)
    _ip("-n", a_ns, "link", "set", a, "up")
    _ip("-n", b_ns, "link", "set", b, "up")


# --- the daemons, namespace-aware ------------------------------------------------------------
class NsUnbound(Unbound):
    """Unbound on the anycast address inside a node namespace, open to the clients' network."""

    def __init__(self, ns: str, *args, node_name: str = "", tuning: Sequence[str] = (),
                 addr6: Optional[str] = None, **kwargs):
        self.ns = ns
        self.node_name = node_name
        self.addr6 = addr6  # ipv6=True: also listening on the IPv6 anycast address
        self.tuning = list(tuning)  # server: lines replacing labkit's (same option) or added
        kwargs.setdefault("control", True)  # unbound-control: the resolver-refusing-reload fault
        super().__init__(*args, **kwargs)
        self.proc.argv = _ns_argv(ns, self.proc.argv)

    def write_config(self) -> Path:
        super().write_config()
        text = self.config_path.read_text().replace(
            "  access-control: ::1/128", "  access-control: 192.0.2.0/24 "
            + ("refuse" if self.refuse else "allow") + "\n  access-control: 198.51.100.0/24 "
            + ("refuse" if self.refuse else "allow") + "\n  access-control: ::1/128")
        lines = [f"  local-data: '{WHOAMI_LOCAL} 60 IN TXT \"{self.node_name}\"'"]
        if self.addr6:
            text = text.replace("  do-ip6: no", "  do-ip6: yes")
            acl = "refuse" if self.refuse else "allow"
            lines += [f"  interface: {self.addr6}@{self.port}",
                      f"  access-control: 2001:db8::/32 {acl}"]
        for line in self.tuning:
            option = line.split(":")[0]
            kept = [x for x in text.splitlines() if x.strip().split(":")[0] != option]
            text = "\n".join(kept) + "\n"
            lines.append("  " + line)
        text = text.replace("stub-zone:", "\n".join(lines) + "\nstub-zone:")
        self.config_path.write_text(text)
        return self.config_path

    def answers(self) -> bool:
        return in_netns(self.ns, lambda: dns_query(self.addr, self.port)) is not None


class NsBind(Bind):
    """BIND inside a node namespace (authoritative with per-node whoami, or the resolver)."""

    def __init__(self, ns: str, *args, node_name: str = "", addr6: Optional[str] = None,
                 **kwargs):
        self.ns = ns
        self.node_name = node_name
        self.addr6 = addr6  # ipv6=True: the resolver also listens on the IPv6 anycast address
        super().__init__(*args, **kwargs)
        self.proc.argv = _ns_argv(ns, self.proc.argv)

    def write_config(self) -> Path:
        super().write_config()
        if self.role == "authoritative":
            zone = self.dir / "example.test.zone"
            # www (the recursion check's name) TTL 0: no check is answered from a cache.
            text = zone.read_text().replace("$TTL 60", "$TTL 1").replace(
                "www     IN A", "www   0 IN A")
            zone.write_text(text + f'whoami  IN TXT "{self.node_name}"\n')
        else:
            zone = self.dir / "health.test.zone"
            zone.write_text(zone.read_text() + f'whoami  IN TXT "{self.node_name}"\n')
            text = self.config_path.read_text().replace(
                "allow-recursion { 127.0.0.0/8; ::1; };",
                "allow-recursion { 127.0.0.0/8; ::1; 192.0.2.0/24; 198.51.100.0/24; "
                + ("2001:db8::/32; " if self.addr6 else "") + "};")
            if self.addr6:
                text = text.replace("  listen-on-v6 { none; };",
                                    f"  listen-on-v6 port {self.port} {{ {self.addr6}; }};")
            self.config_path.write_text(text)
        return self.config_path

    def answers(self) -> bool:
        name = "www.example.test." if self.role == "authoritative" else "probe.health.test."
        return in_netns(self.ns, lambda: dns_query(self.addr, self.port, name)) is not None


class Bird(OwnsProc):
    """The router: BIRD 2 in its namespace, passive BGP with every node, ECMP into the kernel.

    neighbor_state()/peer_asn() mirror GoBGP's so labkit's ExaBGP can wait for its session."""

    def __init__(self, ns: str, workdir: Path, router_id: str,
                 peers: Sequence[tuple[str, str, int]], hold_time: int = 9, name: str = "bird",
                 ipv6: bool = False):
        self.ns = ns
        self.ipv6 = ipv6  # an ipv6 channel on every (IPv4) session, ECMP into the IPv6 FIB
        self.workdir = Path(workdir)
        self.router_id = router_id
        self.peers = list(peers)  # (protocol name, neighbor address, asn)
        self.hold_time = hold_time
        self.asn = ROUTER_ASN
        self.port = 179
        self.config_path = self.workdir / f"{name}.conf"
        self.ctl = self.workdir / f"{name}.ctl"
        self.proc = Proc(name, _ns_argv(ns, [which("bird"), "-f", "-c", str(self.config_path),
                                             "-s", str(self.ctl),
                                             "-P", str(self.workdir / f"{name}.bird.pid")]),
                         self.workdir)

    def __repr__(self):
        return f"Bird({self.ns})"

    def write_config(self) -> Path:
        v6 = self.ipv6
        lines = [f"router id {self.router_id};", "protocol device {}",
                 f'protocol direct {{ ipv4; {"ipv6; " if v6 else ""}interface "r-*"; }}',
                 # merge paths: the BGP paths of equal preference go into the FIB as one ECMP route
                 "protocol kernel { ipv4 { export filter { if proto = \"direct1\" then reject; "
                 "accept; }; }; merge paths on; }"]
        if v6:
            # The IPv6 FIB, the same way (kernel2); the routes come in on the ipv6 channel of
            # the IPv4 sessions below, their next hop the node's address on the shared veth.
            lines.append("protocol kernel { ipv6 { export filter { if proto = \"direct1\" then "
                         "reject; accept; }; }; merge paths on; }")
        lines += [f"template bgp node {{ local as {ROUTER_ASN}; ipv4 {{ import all; export none; "
                 f"}}; {'ipv6 { import all; export none; }; ' if v6 else ''}"
                 f"hold time {self.hold_time}; passive on; "
                 # BIRD's default waits 60-300 s after a session error before it accepts the
                 # peer again: a thawed ExaBGP would stay out for a minute.
                 "error wait time 1, 5; }"]
        lines += [f"protocol bgp {name} from node {{ neighbor {addr} as {asn}; }}"
                  for name, addr, asn in self.peers]
        self.config_path.write_text("\n".join(lines) + "\n")
        return self.config_path

    def birdc(self, *args: str):
        return run([which("birdc"), "-s", str(self.ctl), *args], timeout=10)

    def summary(self) -> str:
        """The sessions, for an error message."""
        return self.birdc("show", "protocols").stdout

    def start(self, timeout: float = 20) -> "Bird":
        self.write_config()
        self.proc.start()

        self.wait_started("bird", lambda: self.birdc("show", "status").returncode == 0, timeout,
                            f"bird control socket {self.ctl}")
        return self

    def peer_asn(self, addr: str) -> Optional[int]:
        return next((asn for _, a, asn in self.peers if a == addr), None)

    def neighbor_state(self, addr: str) -> str:
        name = next((n for n, a, _ in self.peers if a == addr), None)
        if name is None:
            raise RuntimeError(f"bird has no neighbor {addr}")
        out = self.birdc("show", "protocols", name)
        for line in out.stdout.splitlines():
            if line.startswith(name + " "):
                return "established" if "Established" in line else line.split()[-1].lower()
        return "unknown"

    def rib_paths(self, prefix: str = PREFIX) -> dict[str, int]:
        """The paths BIRD holds for the anycast prefix (or PREFIX6), best or not: {protocol (node
        name): MED (0 when none)}. A degraded node is here with its worse MED but not in
        fib_nexthops()."""
        out = self.birdc("show", "route", "for", prefix, "all")
        paths: dict[str, int] = {}
        current = None
        for line in out.stdout.splitlines():
            m = re.search(r"unicast \[(\S+) ", line)
            if m:
                current = m.group(1)
                paths[current] = 0
            elif current and line.strip().startswith("BGP.med:"):
                paths[current] = int(line.split(":", 1)[1])
        return paths

    def fib_nexthops(self, prefix: str = PREFIX) -> set[str]:
        """The next hops the router's kernel forwards the anycast address (or PREFIX6) to."""
        return kernel_nexthops(self.ns, prefix)


def kernel_nexthops(ns: str, prefix: str) -> set[str]:
    """The next hops namespace ns's kernel forwards prefix to (one, or an ECMP route's); an IPv6
    prefix is read from `ip -6 route`."""
    family = ["-6"] if ":" in prefix else []
    out = run(["ip", *family, "-n", ns, "-j", "route", "show", prefix], timeout=10)
    hops: set[str] = set()
    for r in json.loads(out.stdout or "[]"):
        if r.get("gateway"):
            hops.add(r["gateway"])
        for nh in r.get("nexthops", []):
            if nh.get("gateway"):
                hops.add(nh["gateway"])
    return hops


class RouterView:
    """The router as one node's ExaBGP sees it: BIRD or FRR at the node's side of its veth."""

    def __init__(self, router, addr: str):
        self.router, self.addr, self.port, self.asn = router, addr, router.port, router.asn

    def peer_asn(self, addr: str) -> Optional[int]:
        return self.router.peer_asn(addr)

    def neighbor_state(self, addr: str) -> str:
        return self.router.neighbor_state(addr)


class SlowUpstream(OwnsProc):
    """A STAND-IN for a slow upstream (labkit/slow_upstream.py) in a node namespace: the
    resolver asks it on RELAY_PORT, it asks the authoritative on AUTH_PORT and holds each reply
    for the delay in its delay file."""

    def __init__(self, ns: str, workdir: Path):
        self.ns = ns
        self.delay_path = Path(workdir) / "slow-upstream.delay_ms"
        self.proc = Proc("slow-upstream", _ns_argv(ns, [
            sys.executable, str(SLOW_UPSTREAM_PY), "--listen", f"127.0.0.1:{RELAY_PORT}",
            "--to", f"127.0.0.1:{AUTH_PORT}", "--delay-file", str(self.delay_path)]), workdir)

    def __repr__(self):
        return f"SlowUpstream({self.ns})"

    def start(self, timeout: float = 10) -> "SlowUpstream":
        self.set_delay(0)
        self.proc.start()
        wait_until(lambda: "relay on" in self.proc.log() or not self.proc.running(), timeout,
                   f"slow-upstream relay in {self.ns}")
        if not self.proc.running():
            raise RuntimeError(f"slow-upstream relay exited: {self.proc.log()[-2000:]}")
        return self

    def set_delay(self, ms: int) -> None:
        tmp = self.delay_path.with_suffix(".tmp")
        tmp.write_text(f"{ms}\n")
        os.replace(tmp, self.delay_path)  # the relay never reads half a number


class NsExaBGP(ExaBGP):
    def __init__(self, ns: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ns = ns
        self.proc.argv = _ns_argv(ns, self.proc.argv)


# --- the lab ----------------------------------------------------------------------------------
class Node:
    def __init__(self, k: int, kind: str, ns: str, workdir: Path, slow_upstream: bool = False,
                 ipv6: bool = False):
        self.k, self.kind, self.ns, self.workdir = k, kind, ns, workdir
        self.name = f"node{k}"
        self.router_side = f"203.0.113.{4 * (k - 1) + 1}"
        self.addr = f"203.0.113.{4 * (k - 1) + 2}"
        # ipv6=True: the veth's IPv6 /64; addr6 is the IPv6 route's next hop.
        self.ipv6 = ipv6
        self.router_side6 = f"2001:db8:0:{k}::1"
        self.addr6 = f"2001:db8:0:{k}::2"
        addr6 = ANYCAST6 if ipv6 else None
        self.auth = NsBind(ns, workdir, role="authoritative", port=AUTH_PORT,
                           node_name=self.name)
        self.relay = SlowUpstream(ns, workdir) if slow_upstream else None
        upstream = RELAY_PORT if slow_upstream else AUTH_PORT
        if kind == "bind":
            self.resolver = NsBind(ns, workdir, role="resolver", addr=ANYCAST, port=53,
                                   upstream_port=upstream, node_name=self.name, addr6=addr6)
        else:
            self.resolver = NsUnbound(ns, workdir, addr=ANYCAST, port=53, stub_port=upstream,
                                      node_name=self.name, addr6=addr6,
                                      tuning=SLOW_LAB_UNBOUND if slow_upstream else ())
        self.exabgp: Optional[NsExaBGP] = None
        self.config: Optional[Path] = None

    def __repr__(self):
        return f"Node({self.name}, {self.kind}, {self.ns})"

    def sidecar_children(self) -> list[int]:
        return self.exabgp.children() if self.exabgp and self.exabgp.running() else []

    def set_upstream_delay(self, ms: int) -> None:
        """Replies from the authoritative server reach the resolver ms later (slow_upstream)."""
        if self.relay is None:
            raise RuntimeError(f"{self.name}: the lab was built without slow_upstream=True")
        self.relay.set_delay(ms)


class DataPlane:
    """The namespaces and every program in them. Use as `with DataPlane(...) as dp:`.

    child="sidecar" runs the sidecar under ExaBGP; child=<argv> runs that instead (the never-
    withdrawing stand-in of the negative control, ExaBGP's healthcheck in the benchmark)."""

    KINDS = {1: "unbound", 2: "bind", 3: "unbound"}

    def __init__(self, workdir: Optional[Path] = None, sidecar_bin: Optional[str] = None,
                 interval_ms: int = 1000, fast_interval_ms: int = 200, timeout_ms: int = 500,
                 rise: int = 2, fall: int = 3, hold_time: int = 9,
                 child_argv: Optional[Callable[["Node"], list[str]]] = None, nodes: int = 3,
                 log=None, prefix: Optional[str] = None, persistent: bool = False,
                 slow_upstream: bool = False, kinds: Optional[dict] = None,
                 fleet: bool = False, router: Optional[str] = None, ipv6: bool = False):
        self.workdir = Path(workdir) if workdir else make_workdir("acs-dataplane-")
        self.prefix = prefix or f"acsdp{os.getpid() % 100000}{random.randrange(1000):03d}-"
        # persistent (the lab): no atexit cleanup, the processes outlive this command.
        self.persistent = persistent
        self.sidecar_bin = sidecar_bin
        self.schedule = dict(interval_ms=interval_ms, fast_interval_ms=fast_interval_ms,
                             timeout_ms=timeout_ms, rise=rise, fall=fall)
        self.hold_time = hold_time
        self.child_argv = child_argv
        # The recursion check's on_failure: "degrade" (a shared upstream failure worsens the
        # announcement, as deploy/examples has it) or "down" (it withdraws, as before the
        # degraded state existed: the negative controls). max_rtt_ms: a healthy lab answers in a
        # few ms, so 100 is never tripped by a busy machine's jitter, and stays below Unbound's
        # 300 ms upstream timeout (infra-cache-max-rtt) that a slower upstream would hit.
        self.recursion_on_failure = "degrade"
        self.recursion_max_rtt_ms: Optional[int] = 100
        self.local_on_failure = "down"
        self.when_degraded: Optional[dict] = None  # None: the default (MED + 1000)
        self.extra_checks: list[dict] = []  # appended to the two DNS checks
        self.check_extra: dict = {}  # more keys for both DNS checks (e.g. {"watch": False})
        # fleet=True: more keys for every node's fleet block (e.g. {"min_announcing": 2}).
        self.fleet_extra: dict = {}
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        # ipv6=True: the IPv6 anycast prefix too (the module's docstring); False: IPv4 only.
        self.ipv6 = ipv6
        self.namespaces: list[str] = []
        self.router_ns = self.prefix + "r"
        self.client_ns = self.prefix + "c"
        kinds = kinds or self.KINDS
        self.nodes = [Node(k, kinds.get(k, "unbound"), self.prefix + f"n{k}",
                           self._node_dir(k), slow_upstream, ipv6)
                      for k in range(1, nodes + 1)]
        # The router: BIRD 2 or FRR (zebra + bgpd), read through the same methods.
        self.router_kind = router or selected_router()
        peers = [(n.name, n.addr, NODE_ASN) for n in self.nodes]
        if self.router_kind == "frr":
            from .frr import Frr
            self.router = Frr(self.router_ns, self.workdir, "203.0.113.1", ROUTER_ASN, peers,
                              PREFIX, hold_time=hold_time, ipv6=ipv6)
        else:
            self.router = Bird(self.router_ns, self.workdir, "203.0.113.1", peers,
                               hold_time=hold_time, ipv6=ipv6)
        # The fleet (fleet=True): etcd in namespace <prefix>e, a fleet block in every node's
        # configuration.
        self.etcd_ns = self.prefix + "e"
        self.etcd: Optional[EtcdCluster] = None
        if fleet:
            (self.workdir / "etcd").mkdir(exist_ok=True)
            self.etcd = EtcdCluster(self.workdir / "etcd", 3, ns=self.etcd_ns, hosts=ETCD_HOSTS)
        self._extra: list = []  # other processes started in the lab (load generators)
        self._closed = False

    def _node_dir(self, k: int) -> Path:
        d = self.workdir / f"node{k}"
        d.mkdir(exist_ok=True)
        os.chmod(d, 0o755)
        return d

    # --- lifecycle ---
    def __enter__(self) -> "DataPlane":
        if not self.persistent:
            atexit.register(self.close)
        try:
            self.up()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _netns(self, name: str) -> None:
        _ip("netns", "add", name)
        self.namespaces.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def up(self, timeout: float = 60) -> None:
        r, c = self.router_ns, self.client_ns
        for name in [r, c] + [n.ns for n in self.nodes] + ([self.etcd_ns] if self.etcd else []):
            self._netns(name)
        self._client_link()
        out = run(["ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1",
                   "net.ipv4.fib_multipath_hash_policy=1"], timeout=10)
        if out.returncode != 0:
            raise RuntimeError(f"sysctl in {r}: {out.stderr.strip()}")
        if self.ipv6:
            self._ipv6_client()
        for n in self.nodes:
            veth(r, f"r-n{n.k}", n.router_side, n.ns, f"n{n.k}-r", n.addr)
            _ip("-n", n.ns, "addr", "add", PREFIX, "dev", "lo")
            _ip("-n", n.ns, "route", "add", "198.51.100.0/24", "via", n.router_side)
            if self.etcd:
                _ip("-n", n.ns, "route", "add", ETCD_NET, "via", n.router_side)
            if self.ipv6:
                self._ipv6_node(n)
        if self.etcd:
            self._etcd_up()
        self.router.start()
        for n in self.nodes:
            n.auth.start()
            if n.relay:
                n.relay.start()
            n.resolver.start()
        for n in self.nodes:
            self.start_speaker(n)
        self.wait_fib({n.addr for n in self.nodes}, timeout)
        if self.ipv6:
            self.wait_fib(self.all_nexthops6(), timeout, prefix=PREFIX6)
        if self.etcd:
            self.wait_fleet(timeout)

    def _ipv6_client(self) -> None:
        """ipv6=True: the client's IPv6 /64 on its veth, a route to the anycast /48 only (no
        default), IPv6 forwarding and L4 multipath hashing in the router. nodad: usable at once."""
        r, c = self.router_ns, self.client_ns
        out = run(["ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1",
                   "net.ipv6.conf.default.forwarding=1",
                   "net.ipv6.fib_multipath_hash_policy=1"], timeout=10)
        if out.returncode != 0:
            raise RuntimeError(f"IPv6 sysctl in {r}: {out.stderr.strip()}")
        _ip("-n", r, "addr", "add", CLIENT6_GW + "/64", "dev", "r-c", "nodad")
        _ip("-n", c, "addr", "add", CLIENT6_ADDR + "/64", "dev", "c-r", "nodad")
        _ip("-n", c, "-6", "route", "add", ANYCAST6_NET, "via", CLIENT6_GW)

    def _ipv6_node(self, n: "Node") -> None:
        """ipv6=True: node n's veth /64 (the router ::1, the node ::2), the IPv6 anycast address
        on its lo, the way back to the client's /64 only."""
        r = self.router_ns
        _ip("-n", r, "addr", "add", n.router_side6 + "/64", "dev", f"r-n{n.k}", "nodad")
        _ip("-n", n.ns, "addr", "add", n.addr6 + "/64", "dev", f"n{n.k}-r", "nodad")
        _ip("-n", n.ns, "addr", "add", PREFIX6, "dev", "lo")
        _ip("-n", n.ns, "-6", "route", "add", CLIENT6_NET, "via", n.router_side6)

    def _client_link(self) -> None:
        """The client's veth to the router (CLIENT_GW) and its route to the anycast range."""
        r, c = self.router_ns, self.client_ns
        _ip("link", "add", "r-c", "netns", r, "type", "veth", "peer", "name", "c-r", "netns", c)
        _ip("-n", r, "addr", "add", CLIENT_GW + "/24", "dev", "r-c")
        _ip("-n", c, "addr", "add", CLIENT_ADDR + "/24", "dev", "c-r")
        _ip("-n", r, "link", "set", "r-c", "up")
        _ip("-n", c, "link", "set", "c-r", "up")
        _ip("-n", c, "route", "add", "192.0.2.0/24", "via", CLIENT_GW)

    def wait_fleet(self, timeout: float = 30) -> None:
        """Polls until every node's status file shows the whole fleet present and none out. A
        node's presence follows its route by one publish, so the FIB can hold a path a moment
        before the fleet's records say that node is in service (a test that asks for a slot at
        once would be refused for a node still "init")."""
        def settled():
            for n in self.nodes:
                f = (sc.read_status(n.workdir / "status.json") or {}).get("fleet") or {}
                m = f.get("members") or {}
                if (f.get("state") != "ok" or m.get("present") != len(self.nodes)
                        or m.get("out") != 0):
                    return False
            return True
        wait_until(settled, timeout, "every node's fleet view: all present, none out",
                   interval=0.1)

    def _etcd_up(self) -> None:
        """The etcd namespace: one veth to the router, the three members' addresses, a route
        back to the nodes only (the clients never reach it)."""
        r, e = self.router_ns, self.etcd_ns
        _ip("link", "add", "r-e", "netns", r, "type", "veth", "peer", "name", "e-r", "netns", e)
        plen = ETCD_NET.split("/")[1]
        _ip("-n", r, "addr", "add", f"{ETCD_GW}/{plen}", "dev", "r-e")
        for host in ETCD_HOSTS:
            _ip("-n", e, "addr", "add", f"{host}/{plen}", "dev", "e-r")
        _ip("-n", r, "link", "set", "r-e", "up")
        _ip("-n", e, "link", "set", "e-r", "up")
        _ip("-n", e, "route", "add", "203.0.113.0/24", "via", ETCD_GW)
        self.etcd.start()

    def node_cmd(self, n: Node, *args: str, timeout: float = 30, stdin: str = "",
                 env: Optional[dict] = None) -> subprocess.CompletedProcess:
        """Runs a command on node n as its operator would: inside its namespace (the fleet's
        commands reach etcd from there only)."""
        return subprocess.run(_ns_argv(n.ns, list(args)), input=stdin, text=True,
                              capture_output=True, timeout=timeout,
                              env={**os.environ, **(env or {})})

    def sidecar_config(self, n: Node) -> Path:
        checks = [sc.dns_check(53, server=ANYCAST, name="local-zone",
                               on_failure=self.local_on_failure),
                  sc.dns_check(53, server=ANYCAST, name="recursion", qname="www.example.test.",
                               answers=(EXAMPLE_WWW,), on_failure=self.recursion_on_failure,
                               max_rtt_ms=self.recursion_max_rtt_ms)] + self.extra_checks
        if self.ipv6:
            # The resolver's IPv6 listener: down when it stops answering there (both routes go).
            checks.insert(2, sc.dns_check(53, server=ANYCAST6, name="local-zone-v6",
                                          on_failure=self.local_on_failure))
        for check in checks[:3 if self.ipv6 else 2]:
            check.update(self.check_extra)
        route = sc.route(PREFIX, next_hop="self")
        routes = [route]
        if self.ipv6:
            # Over the IPv4 session (multiprotocol): `self` would be the IPv4 session address,
            # so the node's own IPv6 address on the veth is the next hop.
            routes.append(sc.route(PREFIX6, next_hop=n.addr6))
        if self.when_degraded is not None:
            for r in routes:
                r["when_degraded"] = self.when_degraded
        svc = sc.service("resolver", checks=checks, routes=routes, **self.schedule)
        extra = ({"fleet": {**fleet_block(self.etcd.endpoints, n.name), **self.fleet_extra}}
                 if self.etcd else {})
        return sc.write_config(n.workdir, [svc], exabgp={"ack": True, "ack_timeout_ms": 2000,
                                                         "ping_interval_ms": 2000}, **extra)

    def reconfigure(self, n: Node, timeout: float = 10) -> None:
        """Rewrites node n's sidecar configuration from the attributes above and reloads it
        (SIGHUP to the sidecar); returns once the sidecar logged the reload."""
        before = n.exabgp.child_stderr().count(" reloaded config=")
        n.config = self.sidecar_config(n)
        children = n.sidecar_children()
        if not children:
            raise RuntimeError(f"{n.name}: ExaBGP has no sidecar child to reload")
        for pid in children:
            os.kill(pid, signal.SIGHUP)
        wait_until(lambda: n.exabgp.child_stderr().count(" reloaded config=") > before, timeout,
                   f"{n.name}'s sidecar reloading {n.config}")

    def attach(self) -> "DataPlane":
        """For a later command of the lab: the objects of a running data plane (same workdir and
        prefix), its processes found through their pid files."""
        self.namespaces = [self.router_ns, self.client_ns] + [n.ns for n in self.nodes]
        if self.etcd:
            self.namespaces.append(self.etcd_ns)
            self.etcd.attach()
        for n in self.nodes:
            n.config = n.workdir / "sidecar.json"
            n.exabgp = self._speaker(n, [self.sidecar_bin or "", "run", "--config",
                                         str(n.config)])
        return self

    def _speaker(self, n: Node, argv: list) -> NsExaBGP:
        return NsExaBGP(n.ns, n.workdir, local_addr=n.addr,
                        router=RouterView(self.router, n.router_side), run=argv,
                        asn=NODE_ASN, hold_time=self.hold_time,
                        neighbor_changes=self.child_argv is None)

    def start_speaker(self, n: Node, wait: bool = True) -> None:
        if self.child_argv is not None:
            argv = self.child_argv(n)
        else:
            if not self.sidecar_bin:
                raise ValueError("DataPlane needs sidecar_bin (or child_argv)")
            n.config = self.sidecar_config(n)
            argv = [self.sidecar_bin, "run", "--config", str(n.config)]
        n.exabgp = self._speaker(n, argv)
        n.exabgp.start(wait=wait)

    def never_withdrawing_child(self, n: Node) -> None:
        """The negative controls: node n's sidecar replaced by a STAND-IN that announces once and
        never withdraws (never_withdraws_argv; with ipv6=True the IPv6 route too); returns once
        the router forwards to every node."""
        n.exabgp.stop()
        six = (PREFIX6, n.addr6) if self.ipv6 else None
        self.child_argv = lambda node: never_withdraws_argv(node.workdir, six)
        self.start_speaker(n)
        self.child_argv = None
        self.wait_fib(self.all_nexthops(), 30)
        if self.ipv6:
            self.wait_fib(self.all_nexthops6(), 30, prefix=PREFIX6)

    def wait_fib(self, want: set, timeout: float = 60, prefix: str = PREFIX) -> float:
        """Polls until the router's FIB forwards the anycast address (or prefix, e.g. PREFIX6)
        to exactly `want`."""
        t0 = time.monotonic()
        try:
            wait_until(lambda: self.router.fib_nexthops(prefix) == want, timeout,
                       f"router FIB next hops for {prefix} {sorted(want)}", interval=0.1)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; FIB has {sorted(self.router.fib_nexthops(prefix))}; "
                               f"router: {self.router.summary()}") from None
        return time.monotonic() - t0

    def all_nexthops(self) -> set:
        return {n.addr for n in self.nodes}

    def all_nexthops6(self) -> set:
        """ipv6=True: the IPv6 next hops of a whole plane (each node's veth address)."""
        return {n.addr6 for n in self.nodes}

    def close(self) -> None:
        """Stops every process by pid, then deletes every namespace (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for p in self._extra:
            try:
                if p.poll() is None:
                    p.kill()
                    p.wait(5)
            except Exception:
                pass
        procs = [n.exabgp for n in self.nodes if n.exabgp] + [self.router]
        procs += [x for n in self.nodes for x in (n.resolver, n.relay, n.auth) if x]
        procs += [m for m in (self.etcd.members if self.etcd else []) if m.proc]
        for p in procs:
            try:
                p.stop(5)
            except Exception as exc:
                self.log(f"dataplane cleanup: stopping {p!r}: {exc}")
        for ns in reversed(self.namespaces):
            self._kill_ns_leftovers(ns)
            out = run(["ip", "netns", "del", ns], timeout=10)
            if out.returncode != 0:
                self.log(f"dataplane cleanup: ip netns del {ns}: {out.stderr.strip()}")
        self.namespaces.clear()
        try:
            atexit.unregister(self.close)
        except Exception:
            pass

    def _kill_ns_leftovers(self, ns: str) -> None:
        # Anything we started that is still inside (a respawned child): by pid, from `ip netns pids`.
        out = run(["ip", "netns", "pids", ns], timeout=10)
        for pid in (int(p) for p in out.stdout.split() if p.isdigit()):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass

    # --- clients ---
    def query(self, name: str = WHOAMI, qtype: int = 16,
              server: str = ANYCAST) -> Optional[int]:
        """One query from the client namespace to the anycast address (or server, e.g.
        ANYCAST6): the rcode or None."""
        return in_netns(self.client_ns, lambda: dns_query(server, 53, name, qtype, 1.0))

    def load(self, qps: float, seconds: float, interval: float = 1.0,
             bad_times: bool = True, qname: str = WHOAMI, qtype: int = 16,
             server: str = ANYCAST) -> subprocess.Popen:
        """Starts load.py in the client namespace (to server: ANYCAST, or ANYCAST6 with
        ipv6=True); read its JSON lines from .stdout."""
        p = subprocess.Popen(_ns_argv(self.client_ns, [sys.executable, str(LOAD_PY),
                                                       "--server", server, "--qps", str(qps),
                                                       "--seconds", str(seconds),
                                                       "--interval", str(interval),
                                                       "--qname", qname, "--qtype", str(qtype)]
                                      + (["--bad-times"] if bad_times else [])),
                             stdout=subprocess.PIPE, text=True)
        self._extra.append(p)
        return p


def read_load(p: subprocess.Popen, timeout: float) -> tuple[list[dict], dict]:
    """Waits for a load.py to finish: (interval records, summary)."""
    out, _ = p.communicate(timeout=timeout)
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    rows = [r for r in rows if "start_monotonic" not in r]
    summary = next((r for r in rows if r.get("summary")), None)
    if summary is None:
        raise RuntimeError(f"load.py gave no summary (exit {p.returncode})")
    return [r for r in rows if not r.get("summary")], summary


def end_load(p: subprocess.Popen, timeout: float = 30) -> tuple[list[dict], dict]:
    """Ends a load.py early (SIGTERM: it sends no more and settles what is out); read_load's
    answer."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    return read_load(p, timeout)


def never_withdraws_argv(workdir: Path,
                         ipv6: Optional[tuple[str, str]] = None) -> list[str]:
    """A STAND-IN for a broken health checker (the negative control): it announces the anycast
    route once and never withdraws it, whatever the resolver does. ipv6=(prefix, next hop): that
    route too."""
    script = Path(workdir) / "never_withdraws.py"
    six = (f"print('announce route {ipv6[0]} next-hop {ipv6[1]}', flush=True)\n"
           if ipv6 else "")
    script.write_text("import sys, time\n"
                      f"print('announce route {PREFIX} next-hop self', flush=True)\n" + six +
                      "for _ in sys.stdin:\n    pass\n"
                      "while True:\n    time.sleep(3600)\n")
    return [sys.executable, str(script)]


def read_load_start(p: subprocess.Popen) -> float:
    """Reads load.py's first line: its start on the shared monotonic clock."""
    line = p.stdout.readline()
    return json.loads(line)["start_monotonic"]


def udp53_loss(ns: str, percent: int) -> None:
    """Random loss of `percent` % of the UDP packets to port 53 arriving in namespace `ns`
    (nf_tables numgen: this kernel has no netem), the only rules of table inet acsloss, replaced
    by each call; 0 removes it. A first rule counts every packet the second one judges, so
    udp53_counts says what share the rule really dropped."""
    run(["ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "acsloss"], timeout=10)
    if percent <= 0:
        return
    script = ("add table inet acsloss\n"
              "add chain inet acsloss input { type filter hook input priority 0; }\n"
              "add rule inet acsloss input udp dport 53 counter\n"
              f"add rule inet acsloss input udp dport 53 numgen random mod 100 < {percent} "
              "counter drop\n")
    out = subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=script, text=True,
                         capture_output=True, timeout=10)
    if out.returncode != 0:
        raise RuntimeError(f"nft in {ns}: {out.stderr.strip()} (package nftables installed?)")


def udp53_counts(ns: str) -> tuple[int, int]:
    """(packets seen, packets dropped) by the udp53_loss rules of `ns` so far."""
    out = run(["ip", "netns", "exec", ns, "nft", "list", "table", "inet", "acsloss"], timeout=10)
    counts = [int(m) for m in re.findall(r"counter packets (\d+)", out.stdout)]
    return (counts[0], counts[1]) if len(counts) == 2 else (0, 0)


# --- faults -------------------------------------------------------------------------------------
FAULTS = ("resolver-killed", "resolver-hung", "resolver-refusing", "recursion-broken",
          "bind-upgrade", "exabgp-frozen", "sidecar-killed", "router-restarted")
# Faults that are one event rather than a state: `fix` only waits for the lab to heal.
ONE_SHOT = ("sidecar-killed", "router-restarted")
# The refusing resolver made the way an operator's ACL change makes it: the same Unbound,
# `unbound-control reload` (resolver-refusing restarts it). Unbound nodes only; the bench and
# the lab offer it, the fault matrix test does not.
MORE_FAULTS = ("resolver-refusing-reload",)


def default_node(what: str) -> int:
    return 2 if what == "bind-upgrade" else 1


def break_fault(dp: DataPlane, what: str, n: Node) -> None:
    """Injects one fault with the real programs (as ./deploy/lab break does on loopback)."""
    if what == "resolver-killed":
        n.resolver.kill()
    elif what == "resolver-hung":
        n.resolver.sigstop()
    elif what == "resolver-refusing":
        n.resolver.restart(refuse=True)
    elif what == "resolver-refusing-reload":
        _unbound(n, what).reload_config(refuse=True)
    elif what == "recursion-broken":
        n.auth.kill()
    elif what == "bind-upgrade":
        if n.kind != "bind":
            raise ValueError(f"bind-upgrade needs the BIND node (2), not {n.name}")
        n.resolver.restart(dnssec_enable=True)  # named refuses the option: it stays down
    elif what == "exabgp-frozen":
        n.exabgp.sigstop()
    elif what == "sidecar-killed":
        if not n.sidecar_children():
            raise RuntimeError(f"{n.name}: ExaBGP has no child to kill")
        for pid in n.sidecar_children():
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
    elif what == "router-restarted":
        dp.router.stop(10)
        dp.router.start()
    else:
        raise ValueError(f"fault {what!r}: choose one of {', '.join(FAULTS + MORE_FAULTS)}")


def _unbound(n: Node, what: str) -> NsUnbound:
    if not isinstance(n.resolver, NsUnbound):
        raise ValueError(f"{what} needs an Unbound node (1 or 3), not {n.name}")
    return n.resolver


def fix_fault(dp: DataPlane, what: str, n: Node, timeout: float = 60) -> float:
    """Undoes a fault and waits until the router forwards to every node again; returns the wait."""
    if what == "resolver-killed":
        n.resolver.start()
    elif what == "resolver-hung":
        n.resolver.sigcont()
    elif what == "resolver-refusing":
        n.resolver.restart(refuse=False)
    elif what == "resolver-refusing-reload":
        _unbound(n, what).reload_config(refuse=False)
    elif what == "recursion-broken":
        # Both resolvers remember an unreachable server (Unbound's infra cache, BIND's bad-server
        # cache); a restart forgets at once, as `unbound-control flush_infra all` / `rndc flush`.
        # So: resolver stopped (the node is degraded already, its worse MED keeps clients away:
        # it costs them nothing), authoritative started, resolver started with an empty cache.
        n.resolver.stop()
        n.auth.start()
        n.resolver.start()
    elif what == "bind-upgrade":
        n.resolver.restart(dnssec_enable=False)
    elif what == "exabgp-frozen":
        n.exabgp.sigcont()
    elif what == "sidecar-killed":
        if not n.exabgp.running():
            dp.start_speaker(n)
    waited = dp.wait_fib(dp.all_nexthops(), timeout)
    if dp.ipv6:  # ipv6=True: healed is both families' FIBs holding every node again
        waited += dp.wait_fib(dp.all_nexthops6(), timeout, prefix=PREFIX6)
    return waited


def fault_bound_s(what: str, interval_ms: int, fast_interval_ms: int, timeout_ms: int,
                  fall: int, hold_time: int = 9) -> float:
    """How long after the fault clients may see failures, from the configured schedule.

    A check can start up to one interval after the fault, then `fall` failed checks: a refused
    or failing check returns at once, so they are fast_interval apart; a hung resolver's check
    lasts its timeout, so max(fast, timeout) apart. Then 1 s for ExaBGP -> BIRD -> FIB. Faults
    whose cost is not the sidecar's detection say so."""
    fast = (interval_ms + fall * fast_interval_ms) / 1000 + 1.0
    slow = (interval_ms + fall * max(fast_interval_ms, timeout_ms)) / 1000 + 1.0
    return {
        "resolver-killed": fast,
        "resolver-hung": slow,
        "resolver-refusing": fast + 1.0,  # + the restart that turns refusing on
        "resolver-refusing-reload": fast + 1.0,  # + the reload
        # + the 1 s TTL the resolvers may still serve; BIND's forwarder check may time out
        "recursion-broken": slow + 1.0,
        "bind-upgrade": fast + 1.0,  # + named's stop
        # The node keeps forwarding while frozen; BIRD drops it gracefully after hold time.
        "exabgp-frozen": hold_time + 1.0,
        # A healthy node leaving and rejoining costs nothing while the others answer.
        "sidecar-killed": fast,
        # Every path gone until BIRD is back, ExaBGP reconnects and the sidecar re-announces.
        "router-restarted": 5.0,
    }[what]


def impact(summary: dict, t_fault: float, bound_s: float) -> dict:
    """Splits a load summary (with bad_at) around the fault: bad queries inside
    [t_fault, t_fault + bound_s], before and after, first and last failure."""
    bad = summary.get("bad_at", [])
    inside = [t for t, _ in bad if t_fault - 0.01 <= t <= t_fault + bound_s]
    return {"bad": len(bad), "inside": len(inside), "t_fault": t_fault,
            "before": sum(1 for t, _ in bad if t < t_fault - 0.01),
            "after": sum(1 for t, _ in bad if t > t_fault + bound_s),
            "first": round(min(inside) - t_fault, 3) if inside else None,
            "last": round(max(inside) - t_fault, 3) if inside else None,
            "failed": summary["failed"], "lost": summary["lost"], "late": summary["late"],
            "outside": [b for b in bad if not t_fault - 0.01 <= b[0] <= t_fault + bound_s][:10]}


def run_fault(dp: DataPlane, what: str, qps: float, bound_s: float, lead_s: float = 2.0,
              tail_s: float = 3.0, node: Optional[int] = None,
              interval: float = 1.0, server: str = ANYCAST) -> tuple[dict, dict]:
    """A load of lead_s + bound_s + tail_s seconds with the fault injected at lead_s; the fault
    stays in (the caller fixes it). Returns (impact, summary); summary["rows"] holds load.py's
    records, one per `interval` of send time. server: the load's target (ANYCAST6 with
    ipv6=True: the IPv6 clients')."""
    n = dp.nodes[(node or default_node(what)) - 1]
    p = dp.load(qps, lead_s + bound_s + tail_s, interval=interval, server=server)
    start = read_load_start(p)
    while time.monotonic() < start + lead_s:
        time.sleep(0.005)
    t_fault = time.monotonic() - start
    break_fault(dp, what, n)
    rows, summary = read_load(p, lead_s + bound_s + tail_s + 30)
    summary["rows"] = rows
    return impact(summary, t_fault, bound_s), summary


def dnsperf_fault(dp: DataPlane, what: str, qps: float, bound_s: float, lead_s: float = 2.0,
                  tail_s: float = 3.0, clients: int = 64, server: str = ANYCAST) -> dict:
    """run_fault with DNS-OARC's dnsperf as the client (`clients` sockets, so the router's ECMP
    spreads them; -t 1: a query unanswered after 1 s is lost, as load.py counts; server: its -s,
    ANYCAST6 with ipv6=True). Returns {"sent", "completed", "lost", "noerror", "bad"}: bad = lost
    + answered with another rcode."""
    n = dp.nodes[default_node(what) - 1]
    queries = dp.workdir / "dnsperf-queries.txt"
    queries.write_text(f"{WHOAMI} TXT\n")
    seconds = lead_s + bound_s + tail_s
    p = subprocess.Popen(_ns_argv(dp.client_ns, [
        "dnsperf", "-s", server, "-d", str(queries), "-l", f"{seconds:g}", "-Q", f"{qps:g}",
        "-c", str(clients), "-t", "1", "-q", "2000"]), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    dp._extra.append(p)
    start = time.monotonic()
    while time.monotonic() < start + lead_s:
        time.sleep(0.005)
    break_fault(dp, what, n)
    out, _ = p.communicate(timeout=seconds + 30)

    def count(label):
        m = re.search(rf"{label}:\s+(\d+)", out)
        return int(m.group(1)) if m else None
    sent, completed, lost = count("Queries sent"), count("Queries completed"), count("Queries lost")
    m = re.search(r"NOERROR (\d+)", out)
    if sent is None or completed is None or lost is None:
        raise RuntimeError(f"dnsperf gave no summary: {out[-500:]}")
    noerror = int(m.group(1)) if m else 0
    return {"sent": sent, "completed": completed, "lost": lost, "noerror": noerror,
            "bad": lost + completed - noerror}
