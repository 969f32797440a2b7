"""Common ground of the fleet's end-to-end tests: a real 3-member etcd on loopback and three
anycast nodes (ThreeNodeTestCase) whose configurations carry a fleet block."""
import json
import os
import signal

import e2e
from e2e import run, sidecar_bin, wait_until

from labkit.etcd import EtcdCluster

LEASE_TTL_S = 3


class FleetTestCase(e2e.ThreeNodeTestCase):
    MAX_UNAVAILABLE = 1

    def start_etcd(self, members=3):
        self.etcd = self.own(EtcdCluster(self.workdir / "etcd", members))
        (self.workdir / "etcd").mkdir(exist_ok=True)
        self.etcd.start()
        self.prefix = "/acs-test/" + self.id().split(".")[-1]
        return self.etcd

    def fleet_block(self, i, **extra):
        block = {"endpoints": self.etcd.endpoints, "prefix": self.prefix, "node": f"node{i}",
                 "max_unavailable": self.MAX_UNAVAILABLE, "lease_ttl_s": LEASE_TTL_S,
                 "request_timeout_ms": 500}
        block.update(extra)
        return block

    def start_fleet_nodes(self, **kwargs):
        self.start_nodes(config_extra=lambda i: {"fleet": self.fleet_block(i)}, **kwargs)
        every = {n["addr"] for n in self.nodes}
        self.wait_peers(every, 30, "all three nodes announced")
        wait_until(lambda: all(self.fleet_state(i) == "ok" for i in (1, 2, 3)), 15,
                   "every node's status file names the fleet ok")
        wait_until(lambda: self.fleet_json(1).get("exit_code") == 0, 15,
                   "`fleet` shows every node in service")

    # --- the contract's commands ---
    def cli(self, i, *args, timeout=30):
        return run([sidecar_bin(), *args, "--config", str(self.nodes[i - 1]["config"])],
                   timeout=timeout)

    def maintenance(self, i, *args, timeout=30):
        return self.cli(i, "maintenance", *args, timeout=timeout)

    def fleet_json(self, i=1):
        r = self.cli(i, "fleet", "--json")
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            doc = {}
        doc.setdefault("exit_code", r.returncode)
        doc["_rc"] = r.returncode
        return doc

    def fleet_state(self, i):
        status = self.node_status(i) or {}
        return (status.get("fleet") or {}).get("state")

    def node_entry(self, doc, node):
        for n in (doc.get("fleet") or {}).get("nodes", []):
            if n.get("node") == node:
                return n
        return None

    def kill_node(self, i):
        """SIGKILL the node's ExaBGP and its sidecar child: the machine died."""
        node = self.nodes[i - 1]
        children = node["exabgp"].children()
        node["exabgp"].kill()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def config_without_fleet(path, workdir, name="nofleet.json"):
    """The same node's configuration with its fleet block removed (negative controls)."""
    cfg = json.loads(path.read_text())
    cfg.pop("fleet", None)
    out = workdir / name
    out.write_text(json.dumps(cfg, indent=2))
    return out
