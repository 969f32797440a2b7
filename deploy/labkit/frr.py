"""FRR as the data plane's router: zebra and bgpd (Debian 12 `frr`, 8.4) started by pid in the
router's namespace, passive eBGP with every node, ECMP (maximum-paths) into the kernel FIB
through zebra. The same interface as dataplane.Bird, so DataPlane(router="frr") and the tests
read either router the same way: rib_paths() from bgpd (vtysh), fib_nexthops() from the kernel.

The daemons run as the frr user (FRR refuses root unless root is in the frrvty group), so their
folder is handed to frr; vtysh talks to them through their vty sockets there (--vty_socket),
never the system's /run/frr.

ipv6=True (DataPlane(ipv6=True)): the ipv6 unicast address-family activated on the same IPv4
sessions with maximum-paths too, so the nodes' IPv6 routes (their next hop the node's IPv6
address on the veth) go into the kernel's IPv6 FIB as one ECMP route;
rib_paths(prefix)/fib_nexthops(prefix) read either family.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Optional, Sequence

from .common import Proc, run, wait_until
from .dataplane import kernel_nexthops

FRR_LIB = Path("/usr/lib/frr")


def frr_missing() -> str:
    """Why FRR cannot run here ("" when it can)."""
    for prog in (FRR_LIB / "zebra", FRR_LIB / "bgpd"):
        if not os.access(prog, os.X_OK):
            return f"{prog} not found: install the Debian package frr (./deploy/install-deps)"
    if not shutil.which("vtysh"):
        return "vtysh not found: install the Debian package frr (./deploy/install-deps)"
    try:
        import pwd
        pwd.getpwnam("frr")
    except KeyError:
        return "no frr user (the frr package creates it)"
    return ""


class Frr:
    """zebra + bgpd in namespace ns. peers: (name, neighbor address, asn)."""

    def __init__(self, ns: str, workdir: Path, router_id: str, asn: int,
                 peers: Sequence[tuple[str, str, int]], prefix: str, hold_time: int = 9,
                 name: str = "frr", ipv6: bool = False):
        self.ns = ns
        self.ipv6 = ipv6
        self.prefix = prefix  # the anycast prefix rib_paths() and fib_nexthops() look at
        self.workdir = Path(workdir)
        self.router_id = router_id
        self.asn = asn
        self.port = 179
        self.peers = list(peers)
        self.hold_time = hold_time
        self.dir = self.workdir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ctl = self.dir  # the vty sockets' folder (vtysh --vty_socket)
        zserv = self.dir / "zserv.api"

        def daemon(program: str, extra: Sequence[str]) -> Proc:
            argv = ["ip", "netns", "exec", ns, str(FRR_LIB / program),
                    "-f", str(self.dir / f"{program}.conf"), "-i", str(self.dir / f"{program}.pid"),
                    "-z", str(zserv), "--vty_socket", str(self.dir), "-P", "0",
                    "-u", "frr", "-g", "frr", "--log", "stdout", *extra]
            return Proc(f"{name}-{program}", argv, self.workdir)
        self.zebra = daemon("zebra", [])
        self.bgpd = daemon("bgpd", ["-p", "179"])

    def __repr__(self):
        return f"Frr({self.ns})"

    def write_config(self) -> None:
        (self.dir / "zebra.conf").write_text("hostname lab-router\n")
        lines = [
            "frr defaults traditional",
            "hostname lab-router",
            f"router bgp {self.asn}",
            f" bgp router-id {self.router_id}",
            " no bgp ebgp-requires-policy",  # the nodes' routes are accepted as BIRD's import all
            " no bgp default ipv4-unicast",
            " neighbor nodes peer-group",
            f" neighbor nodes timers 3 {self.hold_time}",
            # bgpd retries a peer after 120 s by default: a thawed ExaBGP would stay out that long.
            " neighbor nodes timers connect 1",
            " neighbor nodes passive",
        ]
        for _, addr, asn in self.peers:
            lines += [f" neighbor {addr} peer-group nodes", f" neighbor {addr} remote-as {asn}"]
        lines += [" address-family ipv4 unicast", "  neighbor nodes activate",
                  # every node's path of equal preference into the FIB as one ECMP route
                  "  maximum-paths 16", " exit-address-family"]
        if self.ipv6:
            lines += [" address-family ipv6 unicast", "  neighbor nodes activate",
                      "  maximum-paths 16", " exit-address-family"]
        (self.dir / "bgpd.conf").write_text("\n".join(lines) + "\n")
        shutil.chown(self.dir, "frr", "frr")
        for f in self.dir.iterdir():
            shutil.chown(f, "frr", "frr")

    def vtysh(self, command: str):
        return run(["vtysh", "--vty_socket", str(self.dir), "-c", command], timeout=10)

    def summary(self) -> str:
        """The sessions, for an error message."""
        return self.vtysh("show bgp summary").stdout

    def start(self, timeout: float = 20) -> "Frr":
        self.write_config()
        self.zebra.start()
        wait_until(lambda: self._alive(self.zebra) and (self.dir / "zserv.api").exists(),
                   timeout, f"zebra's socket in {self.dir} (log {self.zebra.log_path})")
        self.bgpd.start()
        wait_until(lambda: self._alive(self.bgpd) and self.vtysh("show bgp summary json")
                   .returncode == 0, timeout, f"bgpd answering vtysh (log {self.bgpd.log_path})")
        return self

    @staticmethod
    def _alive(proc: Proc) -> bool:
        if not proc.running():
            raise RuntimeError(f"{proc.name} exited at start; see {proc.log_path}:\n"
                               + proc.log()[-2000:])
        return True

    def running(self) -> bool:
        return self.bgpd.running()

    def stop(self, timeout: float = 10) -> None:
        self.bgpd.stop(timeout)
        self.zebra.stop(timeout)

    def kill(self) -> None:
        self.bgpd.kill()
        self.zebra.kill()

    def log(self) -> str:
        return self.zebra.log() + self.bgpd.log()

    # --- what the tests read (dataplane.Bird's interface) ---
    def peer_asn(self, addr: str) -> Optional[int]:
        return next((asn for _, a, asn in self.peers if a == addr), None)

    def neighbor_state(self, addr: str) -> str:
        out = self.vtysh(f"show bgp neighbors {addr} json")
        try:
            state = json.loads(out.stdout)[addr]["bgpState"]
        except (ValueError, KeyError, TypeError):
            return "unknown"
        return state.lower()

    def rib_paths(self, prefix: Optional[str] = None) -> dict[str, int]:
        """The paths bgpd holds for the prefix (default: the anycast one; an IPv6 prefix is
        looked up in ipv6 unicast), best or not: {node name: MED (0 when none)}."""
        prefix = prefix or self.prefix
        family = "ipv6" if ":" in prefix else "ipv4"
        out = self.vtysh(f"show bgp {family} unicast {prefix} json")
        try:
            paths = json.loads(out.stdout).get("paths", [])
        except ValueError:
            return {}
        names = {addr: name for name, addr, _ in self.peers}
        found = {}
        for p in paths:
            peer = p.get("peer", {}).get("peerId")
            if peer in names:
                found[names[peer]] = int(p.get("metric", 0))
        return found

    def fib_nexthops(self, prefix: Optional[str] = None) -> set[str]:
        """The next hops the router's kernel forwards the anycast address (or prefix) to (zebra
        put them there)."""
        return kernel_nexthops(self.ns, prefix or self.prefix)
