"""The fleet in the lab (both modes of ./deploy/lab) and the 2024 rollout replayed step by step.

Every node's sidecar has a `fleet` block (max_unavailable 1) on a real 3-member etcd; `status`
shows `anycast-sidecar fleet` as node 1 sees it; `replay 2024` runs the real apt hook
(deploy/examples/apt-hook) on the lab's BIND node around the `dnssec-enable` upgrade, then the
same upgrade's hook on the next node, printing what to watch after each step.

A mode gives a Lab: how to run a command on a node (inside its namespace on the data plane), how
to break and fix its BIND, and what the router forwards to.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from .common import wait_until

HOOK = Path(__file__).resolve().parents[1] / "examples" / "apt-hook"
FLEET_PREFIX = "/anycast-sidecar/lab"
LEASE_TTL_S = 3
# What dpkg hands the hook's pre step on stdin: the .deb files of the coming run.
BIND_DEBS = "/var/cache/apt/archives/bind9_1%3a9.18.33-1~deb12u2_amd64.deb\n"
EX_TEMPFAIL = 75


def fleet_block(endpoints: Sequence[str], node: str, prefix: str = FLEET_PREFIX) -> dict:
    return {"endpoints": list(endpoints), "prefix": prefix, "node": node, "max_unavailable": 1,
            "lease_ttl_s": LEASE_TTL_S, "request_timeout_ms": 500}


def hook_env(node_dir: Path, sidecar_bin: str, config: Path, verify_timeout_s: int = 5) -> dict:
    """The environment that runs the apt hook against one node of a lab: the hook calls
    `anycast-sidecar ...` with the packaged configuration path, so ANYCAST_SIDECAR is a script
    that adds this node's --config; the mark file lives in the node's folder."""
    wrapper = Path(node_dir) / f"anycast-sidecar-{Path(config).stem}"
    wrapper.write_text(f'#!/bin/sh\nexec {sidecar_bin} "$@" --config {config}\n')
    wrapper.chmod(0o755)
    return {"ANYCAST_SIDECAR": str(wrapper),
            "ANYCAST_SIDECAR_APT_MARK": str(Path(node_dir) / "apt-mark"),
            "ANYCAST_SIDECAR_VERIFY_TIMEOUT": str(verify_timeout_s)}


def indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()) or "    (no output)"


@dataclass
class LabNode:
    name: str
    config: Path
    dir: Path


@dataclass
class Lab:
    sidecar_bin: str
    nodes: list  # [LabNode], node1 first
    # run(node, argv, stdin="", env=None, timeout=60) -> CompletedProcess, as the node's
    # operator would run it there
    run: Callable[..., subprocess.CompletedProcess]
    upgrade_bind: Callable[[int], bool]  # (k) -> named started? (restarted with dnssec-enable)
    fix_bind: Callable[[int], None]
    router_view: Callable[[], str]
    bind_node: int = 2


def show_fleet(lab: Lab, k: int = 1) -> int:
    node = lab.nodes[k - 1]
    print(f"--- the fleet as {node.name} sees it: `anycast-sidecar fleet --config {node.config}`")
    r = lab.run(node, [lab.sidecar_bin, "fleet", "--config", str(node.config)])
    print(indent(r.stdout + r.stderr))
    print(f"    exit {r.returncode}")
    return r.returncode


def wait_settled(lab: Lab, timeout: float = 15, k: int = 1) -> bool:
    """Polls `fleet` on node k until it exits 0 (every node present and in service). A node's
    presence follows its own state by one publish, so the router can hold a path a moment
    before the fleet's record says so."""
    node = lab.nodes[k - 1]
    argv = [lab.sidecar_bin, "fleet", "--config", str(node.config)]
    try:
        wait_until(lambda: lab.run(node, argv).returncode == 0, timeout,
                   "the fleet to show every node in service", interval=0.2)
        return True
    except TimeoutError:
        print(f"!! the fleet as {node.name} sees it is not all in service after {timeout:.0f} s")
        return False


def _hook(lab: Lab, k: int, step: str) -> int:
    node = lab.nodes[k - 1]
    print(f"$ ({node.name}) apt-hook {step}   # dpkg's list on stdin: {BIND_DEBS.strip()}")
    r = lab.run(node, ["sh", str(HOOK), step], stdin=BIND_DEBS,
                env=hook_env(node.dir, lab.sidecar_bin, node.config))
    print(indent(r.stdout + r.stderr))
    print(f"    exit {r.returncode}")
    return r.returncode


def replay_2024(lab: Lab, pause: Optional[Callable[[str], None]] = None) -> int:
    """The July 2024 rollout with the fleet on; 0 when every step did what the fleet promises."""
    pause = pause or (lambda what: print(f"\n=== {what}"))
    b = lab.bind_node
    nxt = next(k for k in range(1, len(lab.nodes) + 1) if k != b)
    bn, nn = lab.nodes[b - 1], lab.nodes[nxt - 1]
    expected = []

    pause("0. before: every node in service, no slot held (on the data plane, "
          "`./deploy/lab load --seconds 60` in another terminal shows what clients get)")
    print(lab.router_view())
    show_fleet(lab)

    pause(f"1. unattended-upgrades on {bn.name} upgrades bind9: the hook's pre step takes the "
          f"fleet's only slot and drains {bn.name} (watch: the router loses {bn.name}, "
          f"`fleet` shows {bn.name} holding the slot)")
    expected.append(("pre", _hook(lab, b, "pre"), 0))
    print(lab.router_view())
    show_fleet(lab)

    pause("2. the upgrade: named restarts on its old configuration with `dnssec-enable yes;`, "
          "which BIND 9.18 refuses (named stays down, as in July 2024)")
    started = lab.upgrade_bind(b)
    print(f"    named {'started (unexpected)' if started else 'did not start'}")
    expected.append(("named down", int(started), 0))

    pause(f"3. the hook's post step: `maintenance off --verify` runs the checks while {bn.name} "
          f"is still out; they fail (connection_refused), so it stays out holding the slot "
          f"(exit 2; watch: `fleet` exit 2, `status` names the check)")
    expected.append(("post", _hook(lab, b, "post"), 2))
    status = [lab.sidecar_bin, "status", "--config", str(bn.config)]
    try:  # the daemon shows the verify file from its next status write on (within ~1 s)
        wait_until(lambda: lab.run(bn, status).returncode == 2, 5, "status CRITICAL")
    except TimeoutError:
        pass
    r = lab.run(bn, status)
    print(f"$ ({bn.name}) anycast-sidecar status\n{indent(r.stdout + r.stderr)}\n"
          f"    exit {r.returncode}")
    show_fleet(lab)

    pause(f"4. later, the same upgrade reaches {nn.name}: the pre step is refused (exit 75), "
          f"apt aborts before touching a package, unattended-upgrades retries on its next run "
          f"(watch: {nn.name} stays at the router, nothing changed on it)")
    expected.append(("refused", _hook(lab, nxt, "pre"), EX_TEMPFAIL))
    print(lab.router_view())

    pause(f"5. a person looks: fixes named's configuration on {bn.name} and returns it with "
          f"`maintenance off --verify` (watch: {bn.name} back at the router, the slot free, "
          f"`fleet` exit 0)")
    lab.fix_bind(b)
    r = lab.run(bn, [lab.sidecar_bin, "maintenance", "off", "--verify", "--timeout", "30",
                     "--config", str(bn.config)], timeout=60)
    print(f"$ ({bn.name}) anycast-sidecar maintenance off --verify\n"
          f"{indent(r.stdout + r.stderr)}\n    exit {r.returncode}")
    expected.append(("verified return", r.returncode, 0))
    print(lab.router_view())
    show_fleet(lab)

    wrong = [f"{what}: exit {got}, expected {want}" for what, got, want in expected
             if got != want]
    print("\n=== replay: " + ("every step as the fleet promises" if not wrong else
                             "UNEXPECTED: " + "; ".join(wrong)))
    return 0 if not wrong else 1
