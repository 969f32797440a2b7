"""Measuring tools of tests/bench/run: CPU and RSS of a process tree from /proc, percentiles, and
the two checkers under comparison (ours and ExaBGP's own healthcheck) started the same way on one
anycast node. The router's RIB as a timestamped stream is labkit.gobgp_stream's (the e2e tests
use it too). Standard library only.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional

from labkit import sidecar as sc
from labkit.bgp import ExaBGP
from labkit.common import which
from labkit.resolvers import HEALTH_ADDR

PREFIX = "192.0.2.53/32"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def pct(values, p):
    """The p-th percentile (nearest rank); None for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def ms(value):
    return "-" if value is None else f"{value * 1000:.0f}"


def ms3(value):
    """Seconds as milliseconds with two decimals (sub-millisecond figures)."""
    return "-" if value is None else f"{value * 1000:.2f}"


def cpu_seconds(pid: int) -> float:
    """utime + stime of pid plus everything it has reaped (cutime + cstime): the whole tree as
    long as the checker waits for what it spawns (both do)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    own = sum(int(x) for x in fields[11:13]) / CLK_TCK
    # The process's own time to the nanosecond (scheduler runtime of each of its threads): at a
    # few milliseconds of CPU a second, clock ticks (10 ms) would be most of the figure.
    try:
        own = sum(int(Path(t, "schedstat").read_text().split()[0])
                  for t in Path(f"/proc/{pid}/task").iterdir()) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    return own + sum(int(x) for x in fields[13:15]) / CLK_TCK


def dig_command(port: int, dig_time_s: int = 1, counter: Optional[Path] = None) -> str:
    """The healthcheck's shell command: the same question and expectation as our check."""
    cmd = (f"{which('dig')} @127.0.0.1 -p {port} probe.health.test. A +tries=1 "
           f"+time={dig_time_s} +short | grep -qx {HEALTH_ADDR}")
    if counter:  # one byte per check run, for the checks/s count
        cmd = f"{cmd}; r=$?; printf . >> {counter}; exit $r"
    return cmd


def healthcheck_argv(port: int, interval_s=None, fast_s=None, rise=None, fall=None,
                     timeout_s=None, counter=None, prefix=PREFIX) -> list[str]:
    """ExaBGP 4.2's healthcheck as its `process`; None keeps its own default. --withdraw-on-down
    is always given: without it a failed service is re-announced with MED 1000, not withdrawn."""
    argv = ["/usr/bin/python3", "-m", "exabgp", "healthcheck", "--silent", "--no-ip-setup",
            "--withdraw-on-down", "--ip", prefix, "--next-hop", sc.TEST_NEXT_HOP,
            "--cmd", dig_command(port, counter=counter)]
    for flag, value in (("--interval", interval_s), ("--fast-interval", fast_s),
                        ("--rise", rise), ("--fall", fall), ("--timeout", timeout_s)):
        if value is not None:
            argv += [flag, str(value)]
    return argv


def start_exabgp(workdir, router, argv, local_addr="127.0.0.1", name="exabgp",
                 neighbor_changes=True) -> ExaBGP:
    exabgp = ExaBGP(workdir, local_addr=local_addr, router=router, run=argv, name=name,
                    neighbor_changes=neighbor_changes)
    exabgp.start()
    return exabgp


def child_pid(exabgp: ExaBGP, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = exabgp.children()
        if kids:
            return kids[0]
        time.sleep(0.02)
    raise RuntimeError(f"{exabgp!r} has no process child; see {exabgp.log_path}")


def dataplane_healthcheck_argv(node_addr: str, interval_s: float, fast_s: float, rise: int,
                               fall: int, timeout_s: int) -> list[str]:
    """ExaBGP's healthcheck on a data-plane node, asking what our sidecar asks there: the local
    zone and one recursive name at the anycast address, next-hop the node's own address."""
    dig = which("dig")
    cmd = (f"{dig} @192.0.2.53 probe.health.test. A +tries=1 +time={timeout_s} +short | "
           f"grep -qx {HEALTH_ADDR} && {dig} @192.0.2.53 www.example.test. A +tries=1 "
           f"+time={timeout_s} +short | grep -qx 192.0.2.80")
    return _healthcheck_argv(PREFIX, node_addr, cmd, interval_s, fast_s, rise, fall, timeout_s)


def _healthcheck_argv(prefix, next_hop, cmd, interval_s, fast_s, rise, fall, timeout_s):
    return ["/usr/bin/python3", "-m", "exabgp", "healthcheck", "--silent", "--no-ip-setup",
            "--withdraw-on-down", "--ip", prefix, "--next-hop", next_hop, "--cmd", cmd,
            "--interval", str(interval_s), "--fast-interval", str(fast_s), "--rise", str(rise),
            "--fall", str(fall), "--timeout", str(timeout_s)]


# Runs each argv of ARGVS as a child sharing this one's stdin/stdout (ExaBGP's pipe; every
# line the healthcheck writes is far below PIPE_BUF, so their lines never interleave), each
# killed with this process (PR_SET_PDEATHSIG: a SIGKILLed parent, the sidecar-killed fault,
# leaves none behind); when one ends, the others are ended and this exits.
_BOTH = """import ctypes, os, signal, subprocess, sys
ARGVS = %r
libc = ctypes.CDLL(None)
def die_with_parent():
    libc.prctl(1, signal.SIGKILL)
procs = [subprocess.Popen(a, preexec_fn=die_with_parent) for a in ARGVS]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    os.wait()
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
"""


def dataplane_healthcheck6_argv(workdir: Path, node_addr: str, node_addr6: str,
                                interval_s: float, fast_s: float, rise: int, fall: int,
                                timeout_s: int) -> list[str]:
    """The healthcheck on a node of DataPlane(ipv6=True): ExaBGP's healthcheck announces one
    next hop for all its --ip, and an IPv6 route cannot take the IPv4 session's, so two under
    one ExaBGP child, as an operator would run them: the IPv4 one of dataplane_healthcheck_argv
    and an IPv6 one asking the same two questions at the IPv6 anycast address, announcing
    2001:db8:53::53/128 next-hop the node's IPv6 address (what our sidecar's second route is).
    The pair's script is written into workdir (the node's: exabgp.conf takes plain words)."""
    from labkit.dataplane import ANYCAST6, PREFIX6
    dig = which("dig")
    cmd6 = (f"{dig} @{ANYCAST6} probe.health.test. A +tries=1 +time={timeout_s} +short | "
            f"grep -qx {HEALTH_ADDR} && {dig} @{ANYCAST6} www.example.test. A +tries=1 "
            f"+time={timeout_s} +short | grep -qx 192.0.2.80")
    argvs = [dataplane_healthcheck_argv(node_addr, interval_s, fast_s, rise, fall, timeout_s),
             _healthcheck_argv(PREFIX6, node_addr6, cmd6, interval_s, fast_s, rise, fall,
                               timeout_s)]
    script = Path(workdir) / "healthcheck_pair.py"
    script.write_text(_BOTH % (argvs,))
    return ["/usr/bin/python3", str(script)]
