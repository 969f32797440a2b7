"""The BGP side of labkit: a GoBGP router that receives the anycast routes, and ExaBGP speakers
(one per anycast node) whose `process` child is the program under test.

Everything listens on loopback only. The settings were verified against the real programs: a
passive router, 127/8 next-hops dropped by GoBGP, hold time 9 s, ExaBGP in the
foreground without its CLI FIFOs.
"""
from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from .common import OwnsProc, Proc, free_port, pid_alive, run, wait_until, which

# apipb.PeerState.SessionState; protobuf JSON omits the zero value, hence the default "unknown".
_SESSION_STATES = {0: "unknown", 1: "idle", 2: "connect", 3: "active", 4: "opensent",
                   5: "openconfirm", 6: "established"}

# BGP path attribute type codes as GoBGP's JSON reports them.
_ATTR_AS_PATH, _ATTR_NEXT_HOP, _ATTR_MED, _ATTR_LOCAL_PREF = 2, 3, 4, 5
_ATTR_COMMUNITIES, _ATTR_MP_REACH, _ATTR_LARGE_COMMUNITIES = 8, 14, 32

# ExaBGP's own log lines, 4.2 ("00:38:48 | 7337   | reactor  | ...") and 5.0 with
# exabgp_log_short=false ("00:38:48 7337   reactor         ..."); anything else in its log file
# was written by its process child on stderr.
_EXABGP_LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d (?:\| +)?\d+ +(?:\| )?")
# A route command ExaBGP applied, as it logs it (both releases' formats).
_EXABGP_APPLIED = re.compile(
    r"^\d\d:\d\d:\d\d (?:\| +)?\d+ +(?:\| )?\S+ +(?:\| )?route (?:added to|removed from|not found on) ",
    re.M)

# Characters that split or end a token in ExaBGP's configuration tokeniser (format.py).
_EXABGP_SPECIAL = set(" \t;{}#,[]")


def _family_flag(family: str) -> str:
    if family not in ("ipv4", "ipv6"):
        raise ValueError(f"family {family!r}: use 'ipv4' or 'ipv6'")
    return family


def _community(value: int) -> str:
    return f"{value >> 16}:{value & 0xFFFF}"


def parse_rib(text: str) -> list[dict]:
    """Turns `gobgp global rib -j` output into flat path dicts (pure, so tests can feed it text)."""
    data = json.loads(text) if text.strip() else {}
    paths = []
    for prefix, entries in sorted(data.items()):
        for entry in entries:
            path = {"prefix": entry.get("nlri", {}).get("prefix", prefix), "next_hop": None,
                    "med": None, "local_pref": None, "communities": [],
                    "large_communities": [], "as_path": [],
                    "peer": entry.get("neighbor-ip") or entry.get("source-id"),
                    "best": bool(entry.get("best"))}
            for attr in entry.get("attrs", []):
                kind = attr.get("type")
                if kind == _ATTR_AS_PATH:
                    for segment in attr.get("as_paths", []):
                        path["as_path"].extend(segment.get("asns", []))
                elif kind in (_ATTR_NEXT_HOP, _ATTR_MP_REACH):
                    path["next_hop"] = attr.get("nexthop")
                elif kind == _ATTR_MED:
                    path["med"] = attr.get("metric", 0)
                elif kind == _ATTR_LOCAL_PREF:
                    path["local_pref"] = attr.get("value", 0)
                elif kind == _ATTR_COMMUNITIES:
                    path["communities"] = [_community(c) for c in attr.get("communities", [])]
                elif kind == _ATTR_LARGE_COMMUNITIES:
                    path["large_communities"] = [
                        f"{c.get('ASN', 0)}:{c.get('LocalData1', 0)}:{c.get('LocalData2', 0)}"
                        for c in attr.get("value", [])]
            paths.append(path)
    return paths


class GoBGP(OwnsProc):
    """The router: gobgpd listening passively on addr:port, one neighbor per (address, asn) peer.

    Local preference is not carried over eBGP, so `local_pref` in rib() is normally None.
    """

    def __init__(self, workdir: Path, addr: str = "127.0.0.2", port: Optional[int] = None,
                 api_port: Optional[int] = None, asn: int = 65000,
                 peers: Sequence[tuple[str, int]] = (("127.0.0.1", 65001),),
                 detached: bool = False, name: str = "gobgpd"):
        self.workdir = Path(workdir)
        self.addr = addr
        self.port = port or free_port(addr)
        self.api_port = api_port or free_port("127.0.0.1")
        self.asn = asn
        self.peers = [(str(a), int(n)) for a, n in peers]
        self.name = name
        self.config_path = self.workdir / f"{name}.toml"
        self.proc = Proc(name, [which("gobgpd"), "-f", str(self.config_path), "-p",
                                "--api-hosts", f"127.0.0.1:{self.api_port}", "--pprof-disable"],
                         self.workdir, detached=detached)

    def __repr__(self):
        return f"GoBGP({self.addr}:{self.port}, api {self.api_port})"

    def peer_asn(self, addr: str) -> Optional[int]:
        return next((asn for a, asn in self.peers if a == addr), None)

    def write_config(self) -> Path:
        lines = ["[global.config]", f"  as = {self.asn}", f'  router-id = "{self.addr}"',
                 f"  port = {self.port}", f'  local-address-list = ["{self.addr}"]']
        for peer, asn in self.peers:
            lines += ["[[neighbors]]", "  [neighbors.config]", f'    neighbor-address = "{peer}"',
                      f"    peer-as = {asn}",
                      # The default 30 s idle hold after a reset would refuse a restarted node's
                      # reconnects for half a minute; the lab wants to see recovery in seconds.
                      "  [neighbors.timers.config]", "    idle-hold-time-after-reset = 1",
                      "  [neighbors.transport.config]", f'    local-address = "{self.addr}"',
                      "    passive-mode = true"]
            for family in ("ipv4-unicast", "ipv6-unicast"):
                lines += ["  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                          f'      afi-safi-name = "{family}"']
        self.config_path.write_text("\n".join(lines) + "\n")
        return self.config_path

    def cli(self, *args: str, timeout: float = 10):
        return run([which("gobgp"), "-u", "127.0.0.1", "-p", str(self.api_port), *args],
                   timeout=timeout)

    def api_answers(self) -> bool:
        return self.cli("global", timeout=5).returncode == 0

    def start(self, timeout: float = 20) -> "GoBGP":
        self.write_config()
        self.proc.start()

        try:
            self.wait_started("gobgpd", self.api_answers, timeout,
                                f"gobgpd API on 127.0.0.1:{self.api_port}")
        except RuntimeError:
            self.proc.kill()
            raise
        return self

    def rib(self, family: str = "ipv4") -> list[dict]:
        """Every path the router holds: {prefix, next_hop, med, local_pref, communities,
        large_communities, as_path, peer, best}."""
        out = self.cli("global", "rib", "-a", _family_flag(family), "-j")
        if out.returncode != 0:
            raise RuntimeError(f"gobgp global rib failed ({out.returncode}): {out.stderr.strip()}")
        return parse_rib(out.stdout)

    def paths(self, prefix: str, family: Optional[str] = None) -> list[dict]:
        family = family or ("ipv6" if ":" in prefix else "ipv4")
        return [p for p in self.rib(family) if p["prefix"] == prefix]

    def neighbor_state(self, peer: str) -> str:
        """'established', 'active', 'idle', ... ('unknown' when GoBGP reports none)."""
        out = self.cli("neighbor", peer, "-j")
        if out.returncode != 0:
            raise RuntimeError(f"gobgp neighbor {peer} failed: {out.stderr.strip()} "
                               f"(is {peer} in the router's peers?)")
        state = json.loads(out.stdout).get("state", {}).get("session_state", 0)
        return _SESSION_STATES.get(state, str(state))

    def neighbor_states(self) -> dict[str, str]:
        return {peer: self.neighbor_state(peer) for peer, _ in self.peers}

    def show_rib(self, family: str = "ipv4") -> str:
        """The router's table as an operator reads it (`gobgp global rib`)."""
        out = self.cli("global", "rib", "-a", _family_flag(family))
        return (out.stdout or out.stderr).rstrip()


# The ExaBGP releases the e2e tests run against. "system" is the machine's own `exabgp` (Debian
# 12: 4.2.21); the others are Debian 13's and unstable's packages, extracted (never installed) by
# deploy/fetch-exabgp into build/exabgp-releases/<version>/root. ACS_EXABGP_RELEASE picks one for
# every ExaBGP a test starts, so an unchanged e2e test runs against each.
RELEASE_ENV = "ACS_EXABGP_RELEASE"
RELEASES = ("system", "4.2.25", "5.0.15")
_REPO = Path(__file__).resolve().parents[2]


def releases_dir() -> Path:
    return Path(os.environ.get("ACS_EXABGP_RELEASES") or _REPO / "build" / "exabgp-releases")


def selected_release() -> str:
    """The release ACS_EXABGP_RELEASE names ("system" when unset, or "4.2.21", Debian 12's)."""
    name = os.environ.get(RELEASE_ENV, "").strip() or "system"
    return "system" if name == "4.2.21" else name


def release_pythonpath(release: str) -> Optional[Path]:
    """Where an extracted release's `exabgp` package lives (None for the system's)."""
    if release == "system":
        return None
    if release not in RELEASES:
        raise ValueError(f"{RELEASE_ENV}={release!r}: use one of {', '.join(RELEASES)} "
                         "(or 4.2.21 for the system's)")
    return releases_dir() / release / "root" / "usr" / "lib" / "python3" / "dist-packages"


def release_missing(release: Optional[str] = None) -> Optional[str]:
    """Why the release cannot run here (a sentence naming the fix), or None when it can."""
    release = release or selected_release()
    path = release_pythonpath(release)
    if path is None:
        return None if shutil.which("exabgp") else "exabgp not installed: run deploy/install-deps"
    if not (path / "exabgp" / "__init__.py").is_file():
        return (f"ExaBGP {release} is not in {path.parents[3]}: run deploy/fetch-exabgp "
                "(deploy/install-deps calls it)")
    return None


def release_major(release: str) -> int:
    return 5 if release.startswith("5.") else 4


def exabgp_env_name(dotted: str, release: str) -> str:
    """A setting's environment name: 4.2 reads `exabgp.api.ack`; 5.0 reads only `exabgp_api_ack`
    (its environment loader looks names up with underscores)."""
    return dotted.replace(".", "_") if release_major(release) >= 5 else dotted


def exabgp_argv(release: str, config: Path) -> list[str]:
    """The command line that runs `release` on `config` in the foreground."""
    if release == "system":
        return [which("exabgp"), str(config)]
    if release_major(release) >= 5:
        # 5.0 has subcommands; `server` is what 4.2 did with a bare configuration argument.
        return [sys.executable, "-m", "exabgp", "server", str(config)]
    return [sys.executable, "-m", "exabgp", str(config)]


def _exabgp_word(arg: str) -> str:
    """One argv element as an ExaBGP configuration token."""
    if not arg or '"' in arg or "'" in arg or "\\" in arg or "\n" in arg:
        raise ValueError(f"process argument {arg!r} cannot be written into exabgp.conf: no "
                         "empty arguments, quotes, backslashes or newlines; move the file to a "
                         "plain path")
    return f'"{arg}"' if _EXABGP_SPECIAL & set(arg) else arg


class ExaBGP:
    """One anycast node's BGP speaker: ExaBGP 4.2 in the foreground, peering from local_addr with
    the router, with `run` (an argv) as its `process` child.

    Where the child's output goes in ExaBGP 4.2.21: its stdout is ExaBGP's API pipe; its stderr is
    NOT captured, the child inherits ExaBGP's own stderr (reactor/api/processes.py starts it with
    stdin/stdout pipes only). Here that is `<workdir>/<name>.log`, interleaved with ExaBGP's log
    lines: read it with log() or, without ExaBGP's own lines, child_stderr().

    ExaBGP puts the child in its own process group (setpgrp), so signals to ExaBGP's group
    (sigstop, kill) do not reach the child; stop() also ends children left behind.
    """

    def __init__(self, workdir: Path, local_addr: str = "127.0.0.1", router: GoBGP = None,
                 run: Optional[Sequence[str]] = None, asn: int = 65001, hold_time: int = 9,
                 ack: bool = True, encoder: str = "json", neighbor_changes: bool = True,
                 extra_env: Optional[dict] = None, detached: bool = False,
                 name: str = "exabgp", process_name: str = "sidecar",
                 release: Optional[str] = None):
        if router is None:
            raise ValueError("ExaBGP needs router=GoBGP(...) to peer with")
        if encoder not in ("json", "text"):
            raise ValueError(f"encoder {encoder!r}: use 'json' or 'text'")
        self.workdir = Path(workdir)
        self.local_addr = local_addr
        self.router = router
        self.run = list(run or [])
        self.asn = asn
        self.hold_time = hold_time
        self.ack = ack
        self.encoder = encoder
        self.neighbor_changes = neighbor_changes
        self.process_name = process_name
        self.name = name
        self.config_path = self.workdir / f"{name}.conf"
        self.children_path = self.workdir / f"{name}.children"
        env = {
            "exabgp.daemon.daemonize": "false",
            "exabgp.daemon.user": pwd.getpwuid(os.geteuid()).pw_name,
            "exabgp.log.destination": "stdout",
            "exabgp.tcp.bind": "",
            "exabgp.api.cli": "false",
            "exabgp.api.ack": "true" if ack else "false",
            # 5.0 defaults to a short format without time and pid; 4.2 has long lines already
            "exabgp.log.short": "false",
        }
        env.update(extra_env or {})
        self.release = release or selected_release()
        missing = release_missing(self.release)
        if missing:
            raise RuntimeError(missing)
        # Settings are given in 4.2's dotted form everywhere (tests, extra_env) and renamed here.
        env = {exabgp_env_name(k, self.release) if k.startswith("exabgp.") else k: v
               for k, v in env.items()}
        pythonpath = release_pythonpath(self.release)
        if pythonpath is not None:
            env["PYTHONPATH"] = str(pythonpath)
        self.proc = Proc(name, exabgp_argv(self.release, self.config_path), self.workdir,
                         env=env, detached=detached)

    def __repr__(self):
        return (f"ExaBGP {self.release} ({self.local_addr} -> "
                f"{self.router.addr}:{self.router.port})")

    @property
    def addr(self) -> str:
        return self.local_addr

    @property
    def log_path(self) -> Path:
        return self.proc.log_path

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid

    def config_text(self) -> str:
        lines = []
        if self.run:
            lines += [f"process {self.process_name} {{",
                      f"  run {' '.join(_exabgp_word(a) for a in self.run)};",
                      f"  encoder {self.encoder};", "}"]
        lines += [f"neighbor {self.router.addr} {{",
                  f"  router-id {self.local_addr};", f"  local-address {self.local_addr};",
                  f"  local-as {self.asn};", f"  peer-as {self.router.asn};",
                  f"  connect {self.router.port};", f"  hold-time {self.hold_time};",
                  "  family { ipv4 unicast; ipv6 unicast; }"]
        if self.run:
            changes = " neighbor-changes;" if self.neighbor_changes else ""
            lines.append(f"  api {{ processes [ {self.process_name} ];{changes} }}")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def write_config(self) -> Path:
        self.config_path.write_text(self.config_text())
        os.chmod(self.config_path, 0o644)
        return self.config_path

    def start(self, timeout: float = 30, wait: bool = True) -> "ExaBGP":
        """Starts ExaBGP and (wait=True) returns once the router shows the session established."""
        if self.router.peer_asn(self.local_addr) != self.asn:
            raise ValueError(f"the router has no neighbor {self.local_addr} AS {self.asn}: add "
                             f"({self.local_addr!r}, {self.asn}) to GoBGP(peers=...)")
        self.write_config()
        self.proc.start()
        if wait:
            self.wait_established(timeout)
        self.record_children()
        return self

    def wait_established(self, timeout: float = 30) -> None:
        def up():
            if not self.proc.running():
                raise RuntimeError(f"exabgp exited; see {self.log_path}:\n"
                                   + self.proc.log()[-2000:])
            return self.router.neighbor_state(self.local_addr) == "established"
        try:
            wait_until(up, timeout, f"BGP session {self.local_addr} -> router established")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; ExaBGP log {self.log_path}:\n"
                               + self.proc.log()[-2000:]) from None

    def running(self) -> bool:
        return self.proc.running()

    def children(self) -> list[int]:
        """Pids of ExaBGP's direct children (its process child, respawned or not)."""
        pid = self.proc.pid
        found: list[int] = []
        if pid is None:
            return found
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    found += [int(p) for p in f.read().split()]
        except OSError:
            pass
        return found

    def record_children(self) -> set[int]:
        """Remembers the children (in a file, for a later command) so stop() can end leftovers;
        returns them."""
        known = set(self._recorded_children()) | set(self.children())
        if known:
            try:
                self.children_path.write_text(
                    "".join(f"{p} {_start_time(p)}\n" for p in sorted(known) if _start_time(p)))
            except OSError as exc:
                # Never a reason not to stop: stop() still ends the children it sees now.
                print(f"!! could not record ExaBGP's children in {self.children_path}: {exc}",
                      file=sys.stderr)
        return known

    def _recorded_children(self) -> list[int]:
        try:
            return [int(line.split()[0]) for line in self.children_path.read_text().splitlines()
                    if line.strip() and _start_time(int(line.split()[0])) == line.split()[1]]
        except (OSError, ValueError, IndexError):
            return []

    def sigstop(self) -> None:
        self.record_children()
        self.proc.sigstop()

    def sigcont(self) -> None:
        self.proc.sigcont()

    def kill(self) -> None:
        """SIGKILL ExaBGP alone: its child is orphaned and must notice the EOF on its own."""
        self.record_children()
        self.proc.kill()

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM ExaBGP (it closes its sessions and SIGTERMs its child), then ends any child
        still alive after `timeout`."""
        known = self.record_children()
        started = {p: _start_time(p) for p in known}
        self.proc.stop(timeout)
        leftovers = [p for p in known if started[p] and _start_time(p) == started[p]]
        deadline = time.monotonic() + timeout
        while leftovers and time.monotonic() < deadline:
            time.sleep(0.05)
            leftovers = [p for p in leftovers if pid_alive(p)]
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.children_path.unlink()
        except FileNotFoundError:
            pass

    def log(self) -> str:
        return self.proc.log()

    def applied_commands(self) -> int:
        """Route commands ExaBGP applied so far (it logs every announce/withdraw it takes)."""
        return len(_EXABGP_APPLIED.findall(self.log()))

    def child_stderr(self) -> str:
        """What the process child wrote on stderr (the log file without ExaBGP's own lines)."""
        return "".join(line for line in self.log().splitlines(keepends=True)
                       if not _EXABGP_LOG_LINE.match(line))


def _start_time(pid: int) -> Optional[str]:
    """The process start time (clock ticks since boot): tells a pid apart from a reused one."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None

