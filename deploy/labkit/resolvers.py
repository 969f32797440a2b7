"""The resolvers of labkit: a real Unbound and a real BIND 9.18 on loopback, for the tests and the lab.

Both serve the same health zone so a check written for one works against the other:
  probe.health.test.  A    192.0.2.1   (the health probe's name; it has no AAAA: nodata)
  txt.health.test.    TXT  "healthy"
  anything else under health.test: NXDOMAIN
BIND as authoritative serves example.test. (www A 192.0.2.80, every other name A 192.0.2.81 via
a wildcard, so a test can ask a name no cache has seen). A resolver whose recursion goes to that
server (Unbound's stub-zone, BIND's forward zone) turns SERVFAIL when it dies.

Nothing here sends a packet off loopback: the root hints name 127.0.0.1 only, and every daemon
listens on the one address it is given (127.0.0.1 or ::1). The configurations were verified
by hand against the real daemons before they were written here.
"""
from __future__ import annotations

import hashlib
import os
import random
import socket
import struct
import tempfile
import time
from pathlib import Path
from typing import Optional

from .common import OwnsProc, Proc, free_port, run, wait_until, which

HEALTH_NAME = "probe.health.test."
HEALTH_ADDR = "192.0.2.1"
HEALTH_TXT = "healthy"
EXAMPLE_WWW = "192.0.2.80"
EXAMPLE_WILDCARD = "192.0.2.81"

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

# A root that lives on loopback: if a daemon ever recursed beyond the zones configured here, it
# would ask 127.0.0.1:53, never the real root servers.
_ROOT_HINTS = """.                        3600000      NS    a.root.lab.
a.root.lab.              3600000      A     127.0.0.1
"""

_HEALTH_ZONE = f"""$TTL 60
@       IN SOA ns.health.test. hostmaster.health.test. 1 3600 600 86400 60
@       IN NS  ns.health.test.
ns      IN A   127.0.0.1
probe   IN A   {HEALTH_ADDR}
txt     IN TXT "{HEALTH_TXT}"
"""

_EXAMPLE_ZONE = f"""$TTL 60
@       IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
@       IN NS  ns.example.test.
ns      IN A   127.0.0.1
www     IN A   {EXAMPLE_WWW}
*       IN A   {EXAMPLE_WILDCARD}
"""


def dns_query(addr: str, port: int, name: str = HEALTH_NAME, qtype: int = 1,
              timeout: float = 0.5) -> Optional[int]:
    """One UDP query; returns the reply's rcode, or None when nothing (valid) came back in time."""
    qid = random.randrange(1, 0xFFFF)
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".") if p)
    query = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack(
        ">HH", qtype, 1)
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(query, (addr, port))
            reply, _ = s.recvfrom(4096)
        except OSError:  # timeout, ICMP port unreachable
            return None
    if len(reply) < 12 or struct.unpack(">H", reply[:2])[0] != qid or not reply[2] & 0x80:
        return None
    return reply[3] & 0x0F


def _where(addr: str, port: int) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


class _Resolver(OwnsProc):
    """What Unbound and BIND share: the process, start/stop/faults, waiting until it answers."""

    name = "resolver"

    def __init__(self, workdir: Path, addr: str, port: Optional[int], detached: bool):
        self.workdir = Path(workdir)
        self.addr = addr
        self.port = port or free_port(addr)
        self.detached = detached
        self.proc: Proc = None  # type: ignore[assignment]  # set by the subclass

    def __repr__(self):
        return f"{type(self).__name__}({_where(self.addr, self.port)})"

    def write_config(self) -> Path:
        raise NotImplementedError

    def check_config_command(self) -> str:
        raise NotImplementedError

    def answers(self) -> bool:
        return dns_query(self.addr, self.port) is not None

    def _launch(self, timeout: float) -> bool:
        """Starts the daemon; True once it answers, False if it exited (its log says why)."""
        self.write_config()
        self.proc.start()

        def settled():
            if not self.proc.running():
                return "exited"
            return "answers" if self.answers() else None
        try:
            outcome = wait_until(settled, timeout, f"{self.name} answering on "
                                 f"{_where(self.addr, self.port)}")
        except TimeoutError:
            self.proc.kill()
            raise RuntimeError(f"{self.name} did not answer on {_where(self.addr, self.port)} "
                               f"within {timeout:.0f} s; its log ({self.proc.log_path}):\n"
                               + self.proc.log()[-3000:]) from None
        if outcome == "exited":
            self.proc.stop(1)  # reaps it
            return False
        return True

    def start(self, timeout: float = 20) -> "_Resolver":
        """Starts the daemon and waits until it answers a query; raises with its log if not."""
        if not self._launch(timeout):
            raise RuntimeError(f"{self.name} exited at start (check: `{self.check_config_command()}`)"
                               f"; its log ({self.proc.log_path}):\n" + self.proc.log()[-3000:])
        return self

    def restart(self, timeout: float = 20, **changes) -> bool:
        """Stops the daemon, applies the changed settings (e.g. dnssec_enable=True), starts it again.

        Returns False, without raising, when the new settings keep it from starting: the process
        is then not running and its log says why (the 2024 outage, reproduced)."""
        for key, value in changes.items():
            if not hasattr(self, key) or key in ("proc", "workdir"):
                raise TypeError(f"{type(self).__name__}.restart: unknown setting {key!r}")
            setattr(self, key, value)
        self.stop()
        return self._launch(timeout)



class Unbound(_Resolver):
    """Unbound serving health.test statically; with stub_port, example.test is a stub zone whose
    authoritative server is stub_addr:stub_port. refuse=True answers every query REFUSED.
    control=True enables unbound-control over a Unix socket in the work folder (reload_config)."""

    name = "unbound"

    def __init__(self, workdir: Path, addr: str = "127.0.0.1", port: Optional[int] = None,
                 stub_port: Optional[int] = None, refuse: bool = False, detached: bool = False,
                 stub_addr: str = "127.0.0.1", name: str = "unbound", control: bool = False):
        super().__init__(workdir, addr, port, detached)
        self.stub_port = stub_port
        self.stub_addr = stub_addr
        self.refuse = refuse
        self.control = control
        self.name = name
        self.config_path = self.workdir / f"{name}.conf"
        self.proc = Proc(name, [which("unbound"), "-d", "-c", str(self.config_path)], self.workdir,
                         detached=detached)

    def write_config(self) -> Path:
        hints = self.workdir / "root.hints"
        hints.write_text(_ROOT_HINTS)
        acl = "refuse" if self.refuse else "allow"
        lines = [
            "server:",
            f"  interface: {self.addr}@{self.port}",
            f"  port: {self.port}",
            "  do-ip6: yes" if ":" in self.addr else "  do-ip6: no",
            "  do-daemonize: no",
            '  username: ""',
            '  chroot: ""',
            f'  directory: "{self.workdir}"',
            f'  pidfile: "{self.workdir / (self.name + ".pid.unbound")}"',
            "  use-syslog: no",
            "  verbosity: 1",
            "  num-threads: 1",
            f'  root-hints: "{hints}"',
            f"  access-control: 127.0.0.0/8 {acl}",
            f"  access-control: ::1/128 {acl}",
            "  do-not-query-localhost: no",
            '  module-config: "iterator"',
            # A dead stub target must turn into SERVFAIL in under a second, not after Unbound's
            # default backoff (which let a query go unanswered for over a minute in the lab).
            "  infra-cache-max-rtt: 300",
            "  max-sent-count: 4",
            # With a 300 ms ceiling one slow first answer (an authoritative server still
            # starting on a busy machine) marks the server down, and Unbound's default keeps it
            # down for infra-host-ttl, 900 s: the stub zone SERVFAILs for 15 minutes (seen once
            # in six data-plane bring-ups). Forgotten after 2 s, it is asked again.
            "  infra-host-ttl: 2",
            '  local-zone: "test." nodefault',  # Unbound serves test. as NXDOMAIN by default
            '  local-zone: "health.test." static',
            f'  local-data: "{HEALTH_NAME} 60 IN A {HEALTH_ADDR}"',
            f"  local-data: 'txt.health.test. 60 IN TXT \"{HEALTH_TXT}\"'",
        ]
        if self.stub_port:
            lines += ["stub-zone:", '  name: "example.test."',
                      f"  stub-addr: {self.stub_addr}@{self.stub_port}"]
        if self.control:
            lines += ["remote-control:", "  control-enable: yes",
                      f'  control-interface: "{self.control_socket}"']
        self.config_path.write_text("\n".join(lines) + "\n")
        return self.config_path

    @property
    def control_socket(self) -> Path:
        path = self.workdir / f"{self.name}.ctl"
        # A Unix socket's path has 108 bytes at most: a deep work folder gets a short name.
        if len(str(path)) > 100:
            digest = hashlib.sha1(str(path).encode()).hexdigest()[:16]
            path = Path(tempfile.gettempdir()) / f"acs-unbound-{digest}.ctl"
        return path

    def reload_config(self, refuse: bool) -> None:
        """The access-control changed in place and `unbound-control reload` (control=True): the
        same process answers REFUSED (or serves again) from then on, as an operator's ACL change
        does; a restart (restart(refuse=...)) is another process."""
        if not self.control:
            raise RuntimeError("reload_config needs Unbound(control=True)")
        self.refuse = refuse
        self.write_config()
        out = run([which("unbound-control"), "-c", str(self.config_path), "reload"], timeout=15)
        if out.returncode != 0 or "ok" not in out.stdout:
            raise RuntimeError(f"unbound-control reload: {(out.stdout + out.stderr).strip()}")

    def check_config_command(self) -> str:
        return f"unbound-checkconf {self.config_path}"


class Bind(_Resolver):
    """BIND 9.18 (`named -g`). role="authoritative" serves example.test; role="resolver" serves
    health.test as a local primary zone with recursion on, forwarding example.test to
    127.0.0.1:upstream_port when given. dnssec_enable=True adds `dnssec-enable yes;`, which 9.18
    refuses: named does not start. refuse=True answers every query REFUSED (allow-query none)."""

    name = "named"

    def __init__(self, workdir: Path, role: str = "authoritative", addr: str = "127.0.0.1",
                 port: Optional[int] = None, dnssec_enable: bool = False,
                 upstream_port: Optional[int] = None, detached: bool = False,
                 refuse: bool = False, name: Optional[str] = None):
        if role not in ("authoritative", "resolver"):
            raise ValueError(f"Bind role {role!r}: use 'authoritative' or 'resolver'")
        super().__init__(workdir, addr, port, detached)
        self.role = role
        self.dnssec_enable = dnssec_enable
        self.upstream_port = upstream_port
        self.refuse = refuse
        self.name = name or ("named-auth" if role == "authoritative" else "named")
        self.dir = self.workdir / self.name
        self.config_path = self.dir / "named.conf"
        argv = [which("named"), "-g", "-n", "1", "-c", str(self.config_path)]
        if os.geteuid() == 0:
            argv[1:1] = ["-u", "root"]
        self.proc = Proc(self.name, argv, self.workdir, detached=detached)

    def write_config(self) -> Path:
        self.dir.mkdir(exist_ok=True)
        (self.dir / "root.hints").write_text(_ROOT_HINTS)
        v6 = ":" in self.addr
        listen = [f"  listen-on port {self.port} {{ none; }};" if v6 else
                  f"  listen-on port {self.port} {{ {self.addr}; }};",
                  f"  listen-on-v6 port {self.port} {{ {self.addr}; }};" if v6 else
                  "  listen-on-v6 { none; };"]
        options = [
            "options {",
            f'  directory "{self.dir}";',
            *listen,
            f'  pid-file "{self.dir / "named.pid"}";',
            f'  session-keyfile "{self.dir / "session.key"}";',
            f'  managed-keys-directory "{self.dir}";',
            "  dnssec-validation no;",
            "  notify no;",
        ]
        if self.role == "resolver":
            options += ["  recursion yes;", "  allow-recursion { 127.0.0.0/8; ::1; };"]
        else:
            options += ["  recursion no;"]
        if self.refuse:
            options += ["  allow-query { none; };"]
        if self.dnssec_enable:
            options += ["  dnssec-enable yes;"]  # BIND 9.18: "option 'dnssec-enable' no longer exists"
        options += ["};", "controls { };"]
        zones = [f'zone "." {{ type hint; file "{self.dir / "root.hints"}"; }};']
        if self.role == "authoritative":
            (self.dir / "example.test.zone").write_text(_EXAMPLE_ZONE)
            zones.append(f'zone "example.test" {{ type primary; '
                         f'file "{self.dir / "example.test.zone"}"; }};')
        else:
            (self.dir / "health.test.zone").write_text(_HEALTH_ZONE)
            zones.append(f'zone "health.test" {{ type primary; '
                         f'file "{self.dir / "health.test.zone"}"; }};')
            if self.upstream_port:
                zones.append(f'zone "example.test" {{ type forward; forward only; '
                             f"forwarders {{ 127.0.0.1 port {self.upstream_port}; }}; }};")
        self.config_path.write_text("\n".join(options + zones) + "\n")
        return self.config_path

    def answers(self) -> bool:
        name = "www.example.test." if self.role == "authoritative" else HEALTH_NAME
        return dns_query(self.addr, self.port, name) is not None

    def check_config_command(self) -> str:
        return f"named-checkconf {self.config_path}"


def wait_answering(resolver, timeout: float = 10.0) -> float:
    """Tight poll (2 ms) until the resolver answers; returns the monotonic time of the answer."""
    wait_until(lambda: dns_query(resolver.addr, resolver.port, timeout=0.05) is not None, timeout,
               f"{resolver!r} answering (see its log {resolver.proc.log_path})", interval=0.002)
    return time.monotonic()
