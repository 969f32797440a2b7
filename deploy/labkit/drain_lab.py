"""The two-router lab: where a drain by RFC 8326 (GRACEFUL_SHUTDOWN) matters and a withdraw costs.

  client 198.51.100.10 -- R1 (BIRD) -- node 1 (eBGP, LOCAL_PREF 200: the preferred site)
                          |   \\
                          |    `-- BGP only, through a delaying relay (ns x) --.
                          |                                                    |
                          `-- 203.0.113.244/30 (data) -- R2 (BIRD) -- node 2 (eBGP, LOCAL_PREF 100)

R1 and R2 are one AS (iBGP, next hop self on the data link). Both prefer node 1 (LOCAL_PREF 200,
carried over iBGP), so R2's best path is R1's and, by the iBGP rule, R2 tells R1 nothing about
node 2: R1 knows a single path. When node 1 withdraws, R1 has no route until its withdraw has
reached R2 and R2's update for node 2 has come back, two trips across the iBGP session; clients
behind R1 are lost meanwhile. The session runs through labkit/tcp_delay.py (a STAND-IN for a
network where updates take time to spread, since this kernel has no netem), DELAY_MS each way.

With `"when_disabled": "drain"` node 1 first announces with GRACEFUL_SHUTDOWN (65535:0); both
routers' import filters set LOCAL_PREF 0 on it (RFC 8326's receiver side), R1's path goes to R2
with LOCAL_PREF 0, R2 prefers node 2 and tells R1, R1 moves the traffic while node 1 still
answers, and the withdraw after drain_ms finds nothing using the path.

Addresses: node k as in labkit.dataplane (203.0.113.4k-2, its router 4k-3), the data link
R1 .245 - R2 .246, the iBGP relay R1 .237 - x .238 / x .241 - R2 .242. Only documentation addresses, only in
namespaces made here, no default route.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from .common import Proc, run, wait_until
from .dataplane import (NODE_ASN, PREFIX, Bird, DataPlane, Node, NsExaBGP, RouterView, _ip,
                        _ns_argv, veth)

TCP_DELAY_PY = Path(__file__).resolve().parent / "tcp_delay.py"
DELAY_MS = 300
R1_DATA, R2_DATA = "203.0.113.245", "203.0.113.246"
R1_BGP, X_R1 = "203.0.113.237", "203.0.113.238"
X_R2, R2_BGP = "203.0.113.241", "203.0.113.242"
GRACEFUL_SHUTDOWN = "(65535, 0)"


class SiteBird(Bird):
    """One of the two routers: eBGP with its node at `local_pref`, iBGP with the other router
    (next hop: its own data-link address), RFC 8326's import rule on both."""

    def __init__(self, ns: str, workdir: Path, router_id: str, peers, local_pref: int,
                 ibgp_neighbor: str, ibgp_passive: bool, data_addr: str, name: str):
        super().__init__(ns, workdir, router_id, peers, name=name)
        self.local_pref = local_pref
        self.ibgp_neighbor = ibgp_neighbor
        self.ibgp_passive = ibgp_passive
        self.data_addr = data_addr

    def write_config(self) -> Path:
        gshut = f"if {GRACEFUL_SHUTDOWN} ~ bgp_community then bgp_local_pref = 0;"
        lines = [
            f"router id {self.router_id};", "protocol device {}",
            # The connected networks, for the iBGP next hops' recursive lookup.
            "protocol direct { ipv4; }",
            "protocol kernel { ipv4 { export where source = RTS_BGP; }; merge paths on; }",
            # The node's path: the site's preference, then RFC 8326 (a drained path is a last
            # resort, whatever its site).
            f"filter from_node {{ bgp_local_pref = {self.local_pref}; {gshut} accept; }}",
            f"filter from_peer {{ {gshut} accept; }}",
            f"template bgp node {{ local as {self.asn}; ipv4 {{ import filter from_node; "
            "export none; }; hold time 9; passive on; error wait time 1, 5; }",
            f"protocol bgp site_peer {{ local as {self.asn}; neighbor {self.ibgp_neighbor} as "
            f"{self.asn}; {'passive on; ' if self.ibgp_passive else ''}hold time 9; "
            "error wait time 1, 5; connect retry time 1; "
            f"ipv4 {{ import filter from_peer; export where source = RTS_BGP; "
            f"next hop self; next hop address {self.data_addr}; }}; }}",
        ]
        lines += [f"protocol bgp {name} from node {{ neighbor {addr} as {asn}; }}"
                  for name, addr, asn in self.peers]
        self.config_path.write_text("\n".join(lines) + "\n")
        return self.config_path

    def ibgp_established(self) -> bool:
        out = self.birdc("show", "protocols", "site_peer")
        return any(line.startswith("site_peer ") and "Established" in line
                   for line in out.stdout.splitlines())


class BgpDelay:
    """The relay of the iBGP session (labkit/tcp_delay.py) in namespace x, by pid."""

    def __init__(self, ns: str, workdir: Path, delay_ms: int):
        self.ns = ns
        self.proc = Proc("bgp-delay", _ns_argv(ns, [
            sys.executable, str(TCP_DELAY_PY), "--listen", f"{X_R2}:179",
            "--to", f"{R1_BGP}:179", "--source", X_R1, "--delay-ms", str(delay_ms)]), workdir)

    def __repr__(self):
        return f"BgpDelay({self.ns})"

    def start(self, timeout: float = 10) -> "BgpDelay":
        self.proc.start()
        wait_until(lambda: "relay on" in self.proc.log() or not self.proc.running(), timeout,
                   f"BGP delay relay in {self.ns}")
        if not self.proc.running():
            raise RuntimeError(f"BGP delay relay exited: {self.proc.log()[-500:]}")
        return self

    def stop(self, timeout: float = 10) -> None:
        self.proc.stop(timeout)


class TwoRouterPlane(DataPlane):
    """Two nodes, two routers; the client behind R1. drain_ms=None: when_disabled as the lab's
    default (withdraw); a number: `"when_disabled": "drain"` with that drain_ms."""

    def __init__(self, workdir: Optional[Path] = None, delay_ms: int = DELAY_MS,
                 drain_ms: Optional[int] = None, **kwargs):
        super().__init__(workdir, nodes=2, kinds={1: "unbound", 2: "unbound"}, router="bird",
                         **kwargs)
        self.drain_ms = drain_ms
        n1, n2 = self.nodes
        self.router = SiteBird(self.router_ns, self.workdir, "203.0.113.1",
                               [(n1.name, n1.addr, NODE_ASN)], 200, X_R1, True, R1_DATA,
                               "bird1")
        self.router2_ns = self.prefix + "r2"
        self.relay_ns = self.prefix + "x"
        self.router2 = SiteBird(self.router2_ns, self.workdir, "203.0.113.2",
                                [(n2.name, n2.addr, NODE_ASN)], 100, X_R2, False, R2_DATA,
                                "bird2")
        self.relay = BgpDelay(self.relay_ns, self.workdir, delay_ms)

    def up(self, timeout: float = 60) -> None:
        r1, r2, x, c = self.router_ns, self.router2_ns, self.relay_ns, self.client_ns
        n1, n2 = self.nodes
        for name in [r1, r2, x, c, n1.ns, n2.ns]:
            self._netns(name)
        self._client_link()
        for ns in (r1, r2):
            out = run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
                      timeout=10)
            if out.returncode != 0:
                raise RuntimeError(f"sysctl in {ns}: {out.stderr.strip()}")
        veth(r1, "r-r2", R1_DATA, r2, "r2-r", R2_DATA)
        veth(r1, "r-x", R1_BGP, x, "x-r", X_R1)
        veth(x, "x-r2", X_R2, r2, "r2-x", R2_BGP)
        # Replies of node 2 to the client: through R2, then R1.
        _ip("-n", r2, "route", "add", "198.51.100.0/24", "via", R1_DATA)
        for n, ns in ((n1, r1), (n2, r2)):
            veth(ns, f"r-n{n.k}", n.router_side, n.ns, f"n{n.k}-r", n.addr)
            _ip("-n", n.ns, "addr", "add", PREFIX, "dev", "lo")
            _ip("-n", n.ns, "route", "add", "198.51.100.0/24", "via", n.router_side)
        self.relay.start()
        self.router.start()
        self.router2.start()
        for n in self.nodes:
            n.auth.start()
            n.resolver.start()
        for n in self.nodes:
            self.start_speaker(n)
        wait_until(lambda: self.router.ibgp_established() and self.router2.ibgp_established(),
                   timeout, "the iBGP session between R1 and R2 (through the relay)",
                   interval=0.1)
        self.wait_settled(timeout)

    def wait_settled(self, timeout: float = 30) -> None:
        """Both routers prefer node 1: R1 forwards to it, R2 forwards to R1."""
        wait_until(lambda: (self.router.fib_nexthops() == {self.nodes[0].addr}
                            and self.router2.fib_nexthops() == {R1_DATA}), timeout,
                   f"R1 forwarding to node 1 and R2 to R1 (R1: {self.router.summary()})",
                   interval=0.1)

    def _speaker(self, n: Node, argv: list) -> NsExaBGP:
        router = self.router2 if n.k == 2 else self.router
        return NsExaBGP(n.ns, n.workdir, local_addr=n.addr,
                        router=RouterView(router, n.router_side), run=argv,
                        asn=NODE_ASN, hold_time=self.hold_time,
                        neighbor_changes=self.child_argv is None)

    def sidecar_config(self, n: Node) -> Path:
        path = super().sidecar_config(n)
        if self.drain_ms is not None:
            doc = json.loads(path.read_text())
            for route in doc["services"][0]["routes"]:
                route["when_disabled"] = "drain"
                route["drain_ms"] = self.drain_ms
            path.write_text(json.dumps(doc, indent=2) + "\n")
        return path

    def all_nexthops(self) -> set:
        return {self.nodes[0].addr}

    def close(self) -> None:
        if self._closed:
            return
        for p in (self.router2, self.relay):
            try:
                p.stop(5)
            except Exception as exc:
                self.log(f"two-router cleanup: stopping {p!r}: {exc}")
        self.namespaces += [ns for ns in (self.router2_ns, self.relay_ns)
                            if ns not in self.namespaces]
        super().close()


def r1_path_moved(plane: TwoRouterPlane) -> bool:
    """R1 forwards the anycast address to R2 (node 2's path), not to node 1."""
    return plane.router.fib_nexthops() == {R2_DATA}


def paths(plane: TwoRouterPlane) -> Sequence[str]:
    """R1's paths, for a message."""
    return plane.router.birdc("show", "route", "for", PREFIX, "all").stdout
