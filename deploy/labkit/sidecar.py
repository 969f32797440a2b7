"""The sidecar's side of labkit: writing its configuration, reading its status file, running its
commands. Everything goes through what operators use: the configuration keys, the status file and
the commands of anycast-sidecar(8) (deploy/man/anycast-sidecar.8)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Sequence

from .common import run, sidecar_bin

# GoBGP drops routes whose next-hop is in 127/8 (found in the lab): announce a documentation address.
TEST_NEXT_HOP = "192.0.2.254"


def dns_check(port: int, server: str = "127.0.0.1", qname: str = "probe.health.test.",
              qtype: str = "A", answers: Sequence[str] = ("192.0.2.1",), name: str = "local-zone",
              transport: str = "udp", rcode: str = "NOERROR", on_failure: Optional[str] = None,
              max_rtt_ms: Optional[int] = None) -> dict:
    check = {"name": name, "server": server, "port": port, "qname": qname, "qtype": qtype,
             "transport": transport, "expect": {"rcode": rcode}}
    if answers:
        check["expect"]["answers"] = list(answers)
    # Degraded (deploy/docs/design.md, "Degraded"): only written when given, so older configs stay as they were.
    if on_failure is not None:
        check["on_failure"] = on_failure
    if max_rtt_ms is not None:
        check["expect"]["max_rtt_ms"] = max_rtt_ms
    return check


def route(prefix: str = "192.0.2.53/32", next_hop: str = TEST_NEXT_HOP, **extra) -> dict:
    r = {"prefix": prefix, "next_hop": next_hop}
    r.update(extra)
    return r


def service(name: str = "resolver", checks: Sequence[dict] = (), routes: Sequence[dict] = (),
            interval_ms: int = 500, fast_interval_ms: int = 100, timeout_ms: int = 300,
            rise: int = 2, fall: int = 2, **extra) -> dict:
    s = {"name": name, "interval_ms": interval_ms, "fast_interval_ms": fast_interval_ms,
         "timeout_ms": timeout_ms, "rise": rise, "fall": fall, "checks": list(checks),
         "routes": list(routes or [route()])}
    s.update(extra)
    return s


def write_config(workdir: Path, services: Sequence[dict], name: str = "sidecar.json",
                 exabgp: Optional[dict] = None, metrics: bool = True, **extra) -> Path:
    """Writes a sidecar configuration whose status, metrics and maintenance files live in workdir."""
    cfg = {"status_file": str(Path(workdir) / "status.json"), "services": list(services)}
    if metrics:
        cfg["metrics_file"] = str(Path(workdir) / "metrics.prom")
    if exabgp:
        cfg["exabgp"] = exabgp
    for svc in cfg["services"]:
        svc.setdefault("maintenance_file", str(Path(workdir) / f"{svc['name']}.maintenance"))
    cfg.update(extra)
    path = Path(workdir) / name
    path.write_text(json.dumps(cfg, indent=2))
    os.chmod(path, 0o644)
    return path


def read_status(path: Path) -> Optional[dict]:
    """The parsed status file, or None when it does not exist yet."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None


def service_status(status: Optional[dict], name: str = "resolver") -> Optional[dict]:
    if not status:
        return None
    for svc in status.get("services", []):
        if svc.get("name") == name:
            return svc
    return None


def status_cmd(config: Path, *args: str, timeout: float = 10):
    return run([sidecar_bin(), "status", "--config", str(config), *args], timeout=timeout)


def maintenance_cmd(config: Path, *args: str, timeout: float = 10):
    return run([sidecar_bin(), "maintenance", *args, "--config", str(config)], timeout=timeout)


def run_argv(config: Path) -> list[str]:
    """The argv ExaBGP's `process` stanza runs."""
    return [sidecar_bin(), "run", "--config", str(config)]
