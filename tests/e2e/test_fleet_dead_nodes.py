"""Nodes that die (ExaBGP and the sidecar SIGKILLed), with a real 3-member etcd:

- node 1 dies holding a maintenance slot: the slot stays (a change that killed a node stops the
  rollout until a person looks); node 2 is refused (75);
- `fleet release node1` frees the slot, but node 1 is gone (its presence expired within the TTL)
  and still counts as out: node 2 is still refused;
- `fleet forget node1` removes it: node 2 is granted.
Negative control: node 3 killed without a slot is gone within the TTL and counts against the
budget exactly like node 1 (refused), until forgotten.
"""
import time

import e2e
from e2e import wait_until
from fleet_e2e import LEASE_TTL_S, FleetTestCase


class FleetDeadNodes(FleetTestCase):
    def gone(self, node):
        entry = self.node_entry(self.fleet_json(2), node) or {}
        return entry.get("status") == "gone"

    def test_dead_nodes(self):
        self.start_etcd()
        self.start_fleet_nodes()

        r = self.maintenance(1, "on", "--reason", "exabgp upgrade")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.kill_node(1)
        t0 = time.monotonic()
        wait_until(lambda: self.gone("node1"), LEASE_TTL_S + 2, "node 1 gone")
        print(f"node 1 gone {time.monotonic() - t0:.1f} s after it died (TTL {LEASE_TTL_S} s)")
        entry = self.node_entry(self.fleet_json(2), "node1")
        self.assertIsNotNone(entry.get("slot"), entry)
        r = self.maintenance(2, "on", "--reason", "next")
        self.assertEqual(r.returncode, 75, r.stdout + r.stderr)
        self.assertIn("node1", r.stderr)

        r = self.cli(2, "fleet", "release", "node1", "--reason", "looked at it: disk died")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIsNone(self.node_entry(self.fleet_json(2), "node1").get("slot"))
        r = self.maintenance(2, "on", "--reason", "next")
        self.assertEqual(r.returncode, 75, "a gone node still counts: " + r.stdout + r.stderr)

        r = self.cli(2, "fleet", "forget", "node1", "--reason", "decommissioned")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIsNone(self.node_entry(self.fleet_json(2), "node1"))
        r = self.maintenance(2, "on", "--reason", "next")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.maintenance(2, "off")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        print("slot kept by the dead node until release; the gone node counted until forget")

        # Node 3 dies without a slot: gone within the TTL, counted until forgotten.
        self.kill_node(3)
        t0 = time.monotonic()
        wait_until(lambda: self.gone("node3"), LEASE_TTL_S + 2, "node 3 gone")
        print(f"node 3 gone {time.monotonic() - t0:.1f} s after it died")
        self.assertEqual(self.maintenance(2, "on", "--reason", "x").returncode, 75)
        self.assertEqual(self.cli(2, "fleet", "forget", "node3", "--reason", "rma").returncode, 0)
        self.assertEqual(self.maintenance(2, "on", "--reason", "x").returncode, 0)


if __name__ == "__main__":
    e2e.main()
