"""The rest of the resolver matrix: PowerDNS Recursor, Knot Resolver (kresd) and dnsdist, on
loopback, started by pid, serving the same health zone as labkit.resolvers' Unbound and BIND:
  probe.health.test.  A    192.0.2.1   (no AAAA: nodata)
  txt.health.test.    TXT  "healthy"
  anything else under health.test: NXDOMAIN
and, with upstream_port, recursing for example.test into a BIND authoritative on 127.0.0.1, so
killing that server turns fresh names under example.test into SERVFAIL.

Each class takes refuse=True (every query answered REFUSED) and broken=True (a configuration the
program refuses at start, as BIND 9.18 refuses `dnssec-enable`): restart(broken=True) returns
False and check_config() runs the program's own checker on it. How each program gets there
differs, and that is part of what the tests record:
- PowerDNS Recursor drops UDP (and resets TCP) from clients outside `allow-from` instead of
  answering REFUSED, so its REFUSED comes from a Lua `preresolve` policy (lua-dns-script).
- Knot Resolver serves the health names from policy.ANSWER rules (it has no local zone file in
  5.x); REFUSED is policy.REFUSE. It has no configuration checker: a bad config.lua makes kresd
  exit at start with the Lua error in its log.
- dnsdist answers nothing itself: it forwards to a backend resolver (here a labkit Unbound) and
  health-checks it; REFUSED comes from an RCodeAction rule.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Optional

from .common import Proc, free_port, which
from .resolvers import _HEALTH_ZONE, _ROOT_HINTS, HEALTH_ADDR, HEALTH_NAME, HEALTH_TXT, \
    _Resolver, _where


class _OwnFolder(_Resolver):
    """What PowerDNS Recursor and kresd share: a folder of their own under workdir, recursion for
    example.test to upstream_port, the refuse and broken switches."""

    def __init__(self, workdir: Path, addr: str, port: Optional[int],
                 upstream_port: Optional[int], refuse: bool, broken: bool, detached: bool,
                 name: str):
        super().__init__(workdir, addr, port, detached)
        self.upstream_port = upstream_port
        self.refuse = refuse
        self.broken = broken
        self.name = name
        self.dir = self.workdir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.extra = ""  # more configuration text, appended (e.g. a deploy/examples snippet)


class _Checked(_Resolver):
    """A resolver whose program has a configuration checker the tests can run."""

    def check_config_argv(self) -> list:
        raise NotImplementedError

    def check_config_command(self) -> str:
        return " ".join(self.check_config_argv())

    def check_config(self) -> subprocess.CompletedProcess:
        """Runs the program's own checker on the current configuration (written first)."""
        self.write_config()
        return subprocess.run(self.check_config_argv(), capture_output=True, text=True,
                              timeout=30)


class PdnsRecursor(_OwnFolder, _Checked):
    """PowerDNS Recursor 4.8 (`pdns_recursor --config-dir DIR`, foreground): health.test from an
    auth-zones file, example.test forwarded to 127.0.0.1:upstream_port."""

    name = "pdns_recursor"

    def __init__(self, workdir: Path, addr: str = "127.0.0.1", port: Optional[int] = None,
                 upstream_port: Optional[int] = None, refuse: bool = False,
                 broken: bool = False, detached: bool = False, name: str = "pdns_recursor",
                 allow_from: str = "127.0.0.0/8, ::1/128"):
        super().__init__(workdir, addr, port, upstream_port, refuse, broken, detached, name)
        self.allow_from = allow_from
        self.config_path = self.dir / "recursor.conf"
        self.proc = Proc(name, [which("pdns_recursor"), f"--config-dir={self.dir}"],
                         self.workdir, detached=detached)

    def write_config(self) -> Path:
        (self.dir / "root.hints").write_text(_ROOT_HINTS)
        (self.dir / "health.test.zone").write_text(_HEALTH_ZONE)
        lines = [
            f"local-address={self.addr}",
            f"local-port={self.port}",
            f"allow-from={self.allow_from}",
            "daemon=no",
            f"socket-dir={self.dir}",
            "threads=1",
            "pdns-distributes-queries=no",
            "disable-syslog=yes",
            "log-timestamp=no",
            "dnssec=off",
            "security-poll-suffix=",  # no secpoll query (it would go to the loopback root anyway)
            f"hint-file={self.dir / 'root.hints'}",
            f"auth-zones=health.test={self.dir / 'health.test.zone'}",
            # A dead forwarder turns into SERVFAIL in about a second, not after the 1.5 s default
            # per try.
            "network-timeout=300",
        ]
        if self.upstream_port:
            lines.append(f"forward-zones=example.test=127.0.0.1:{self.upstream_port}")
        if self.refuse:
            script = self.dir / "refuse.lua"
            script.write_text("function preresolve(dq)\n  dq.rcode = pdns.REFUSED\n"
                              "  return true\nend\n")
            lines.append(f"lua-dns-script={script}")
        if self.broken:
            lines.append("dnssec-enable=yes")  # "Trying to set unknown setting 'dnssec-enable'"
        self.config_path.write_text("\n".join(lines) + "\n" + self.extra)
        return self.config_path

    def check_config_argv(self) -> list:
        return ["pdns_recursor", f"--config-dir={self.dir}", "--config=check"]

    def control_argv(self) -> list:
        return ["rec_control", f"--socket-dir={self.dir}", "ping"]


class Kresd(_OwnFolder):
    """Knot Resolver 5.6 (`kresd -n -c config RUNDIR`): health names from policy.ANSWER rules,
    example.test through policy.STUB to 127.0.0.1:upstream_port, DNSSEC off (the lab's root is
    unsigned)."""

    name = "kresd"

    def __init__(self, workdir: Path, addr: str = "127.0.0.1", port: Optional[int] = None,
                 upstream_port: Optional[int] = None, refuse: bool = False,
                 broken: bool = False, detached: bool = False, name: str = "kresd"):
        super().__init__(workdir, addr, port, upstream_port, refuse, broken, detached, name)
        self.config_path = self.dir / "config"
        self.proc = Proc(name, [which("kresd"), "-n", "-c", str(self.config_path), str(self.dir)],
                         self.workdir, detached=detached)

    def write_config(self) -> Path:
        def answer(qtype: str, rdata: str, name: str) -> str:
            # nodata=true: the other types of the name are NOERROR without an answer.
            return (f"policy.add(policy.domains(policy.ANSWER({{ [kres.type.{qtype}] = "
                    f"{{ rdata = {rdata}, ttl = 60 }} }}, true), {{ todname('{name}') }}))")
        lines = [
            f"net.listen('{self.addr}', {self.port}, {{ kind = 'dns' }})",
            "modules = { 'hints > iterate', 'policy' }",
            f"cache.open(10 * MB, 'lmdb://{self.dir / 'cache'}')",
            "trust_anchors.remove('.')",
            "hints.root({ ['a.root.lab.'] = '127.0.0.1' })",
        ]
        if self.refuse:
            lines.append("policy.add(policy.all(policy.REFUSE))")  # the first rule wins
        if self.upstream_port:
            lines.append(f"policy.add(policy.suffix(policy.STUB({{ '127.0.0.1@"
                         f"{self.upstream_port}' }}), {{ todname('example.test.') }}))")
        lines += [
            answer("A", f"kres.str2ip('{HEALTH_ADDR}')", HEALTH_NAME),
            # TXT rdata in wire form: one length-prefixed string.
            answer("TXT", f"'\\{len(HEALTH_TXT)}{HEALTH_TXT}'", "txt.health.test."),
            "policy.add(policy.suffix(policy.DENY, { todname('health.test.') }))",
        ]
        if self.broken:
            lines.append("modules.load('no_such_module')")  # kresd exits: "module not found"
        self.config_path.write_text("\n".join(lines) + "\n" + self.extra)
        return self.config_path

    def check_config_command(self) -> str:
        # Knot Resolver 5 has no checker: started by hand, kresd exits with the Lua error.
        return f"kresd -n -c {self.config_path} {self.dir}"


class Dnsdist(_Checked):
    """dnsdist 1.7 (`dnsdist --supervised -C FILE`) in front of one backend resolver (a started
    labkit resolver), health-checking it every second with the health name; SERVFAIL when no
    backend is up."""

    name = "dnsdist"

    def __init__(self, workdir: Path, backend: _Resolver, addr: str = "127.0.0.1",
                 port: Optional[int] = None, refuse: bool = False, broken: bool = False,
                 detached: bool = False, name: str = "dnsdist"):
        super().__init__(workdir, addr, port, detached)
        self.backend = backend
        self.refuse = refuse
        self.broken = broken
        self.name = name
        self.console_port = free_port("127.0.0.1")
        self.config_path = self.workdir / f"{name}.conf"
        self.proc = Proc(name, [which("dnsdist"), "--supervised", "--disable-syslog", "-C",
                                str(self.config_path)], self.workdir, detached=detached)

    def write_config(self) -> Path:
        lines = [
            f"setLocal('{_where(self.addr, self.port)}')",
            "setACL({ '127.0.0.0/8', '::1/128' })",
            f"newServer({{ address = '{_where(self.backend.addr, self.backend.port)}', "
            f"name = 'backend', checkName = '{HEALTH_NAME}', checkInterval = 1, "
            "maxCheckFailures = 2, rise = 1 })",
            "setServFailWhenNoServer(true)",
            f"controlSocket('127.0.0.1:{self.console_port}')",
            "setKey('MXtlsRTu0Y8B9IIBQfqO8UQiSDFy6bUmFgDeSxCmgPk=')",  # lab only, loopback
            "setSecurityPollSuffix('')",
        ]
        if self.refuse:
            lines.append("addAction(AllRule(), RCodeAction(DNSRCode.REFUSED))")
        if self.broken:
            lines.append("addAction(AllRule(), NoSuchAction())")  # a nil call: dnsdist exits
        self.config_path.write_text("\n".join(lines) + "\n")
        return self.config_path

    def check_config_argv(self) -> list:
        return ["dnsdist", "--check-config", "-C", str(self.config_path)]

    def control_argv(self, command: str = "showServers()") -> list:
        return ["dnsdist", "-C", str(self.config_path), "-c", "-e", command]
