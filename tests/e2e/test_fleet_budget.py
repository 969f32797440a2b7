"""The fleet's maintenance budget with a real 3-member etcd and three real nodes (Unbound, ExaBGP,
the sidecar, one GoBGP router), max_unavailable 1:

- node 3's resolver killed: node 3 is withdrawn, so it counts as out; `maintenance on` on node 1
  is refused with exit 75, names node 3, and changes nothing on node 1 (its route stays);
- node 3 recovers: the same command is granted, node 1 drains, the slot is held in etcd, and a
  second node is refused while node 1 holds it;
- `maintenance off --verify` on node 1 with its resolver dead: exit 2, node 1 stays out holding
  the slot, `status` names the failed check; with the resolver back, the same command returns
  node 1 to service, waits for the announcement and gives the slot back.

Negative control: node 1's configuration without its fleet block puts it in maintenance while
node 3 is down (the refusal above is the fleet's doing).
"""
import time

import e2e
from e2e import wait_until
from fleet_e2e import FleetTestCase, config_without_fleet


class FleetBudget(FleetTestCase):
    def test_budget_refuses_then_grants(self):
        self.start_etcd()
        self.start_fleet_nodes()
        n1, n2, n3 = (n["addr"] for n in self.nodes)

        # Node 3 withdrawn for a failure: out of service in the fleet's eyes.
        self.nodes[2]["resolver"].kill()
        self.wait_peers({n1, n2}, 10, "node 3 withdrawn")
        wait_until(lambda: (self.node_entry(self.fleet_json(1), "node3") or {}).get("out"), 10,
                   "the fleet sees node 3 out")
        r = self.maintenance(1, "on", "--reason", "bind upgrade")
        self.assertEqual(r.returncode, 75, r.stdout + r.stderr)
        self.assertIn("node3", r.stderr)
        self.assertIn("since", r.stderr)
        self.assertFalse((self.nodes[0]["dir"] / "resolver.maintenance").exists())
        time.sleep(1.0)  # two rounds: node 1 must still be announced
        self.assertEqual(self.path_peers(), {n1, n2})
        print(f"refused while node 3 is down: {r.stderr.strip()}")

        # Node 3 back: the slot is granted, node 1 drains.
        self.nodes[2]["resolver"].start()
        self.wait_peers({n1, n2, n3}, 15, "node 3 back")
        wait_until(lambda: self.fleet_json(1).get("exit_code") == 0, 10, "every node in service")
        t0 = time.monotonic()
        r = self.maintenance(1, "on", "--wait", "--reason", "bind upgrade")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        print(f"granted and drained in {time.monotonic() - t0:.2f} s: {r.stdout.strip()}")
        self.assertEqual(self.path_peers(), {n2, n3})
        doc = self.fleet_json(2)
        self.assertIsNotNone((self.node_entry(doc, "node1") or {}).get("slot"), doc)
        r = self.maintenance(2, "on", "--reason", "second upgrade")
        self.assertEqual(r.returncode, 75, r.stdout + r.stderr)
        self.assertIn("node1", r.stderr)

        # Verified return, failing: the resolver is dead after the "upgrade".
        self.nodes[0]["resolver"].kill()
        r = self.maintenance(1, "off", "--verify", "--timeout", "3")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertTrue((self.nodes[0]["dir"] / "resolver.maintenance").exists())
        self.assertEqual(self.path_peers(), {n2, n3})
        wait_until(lambda: ((self.node_status(1) or {}).get("fleet") or {}).get("verify"), 5,
                   "the status file shows the verification")
        verify = self.node_status(1)["fleet"]["verify"]
        self.assertFalse(verify["ok"])
        self.assertEqual(verify["check"], "local-zone")
        self.assertEqual(verify["reason"], "connection_refused")
        status = self.cli(1, "status")
        self.assertEqual(status.returncode, 2, status.stdout)
        self.assertIn("verif", status.stdout)
        self.assertIsNotNone((self.node_entry(self.fleet_json(2), "node1") or {}).get("slot"))
        self.assertEqual(self.maintenance(2, "on", "--reason", "x").returncode, 75)
        print(f"verification failed: {r.stderr.strip()}")

        # Verified return, passing.
        self.nodes[0]["resolver"].start()
        t0 = time.monotonic()
        r = self.maintenance(1, "off", "--verify", "--timeout", "20")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        print(f"verified return in {time.monotonic() - t0:.2f} s")
        self.assertEqual(self.path_peers(), {n1, n2, n3})
        doc = self.fleet_json(2)
        self.assertIsNone((self.node_entry(doc, "node1") or {}).get("slot"), doc)
        self.assertEqual(doc["exit_code"], 0, doc)

        # Negative control: without the fleet block nothing stops node 1 while node 3 is down.
        self.nodes[2]["resolver"].kill()
        self.wait_peers({n1, n2}, 10, "node 3 withdrawn again")
        wait_until(lambda: (self.node_entry(self.fleet_json(1), "node3") or {}).get("out"), 10,
                   "the fleet sees node 3 out again")
        self.assertEqual(self.maintenance(1, "on", "--reason", "x").returncode, 75)
        alone = config_without_fleet(self.nodes[0]["config"], self.nodes[0]["dir"])
        r = e2e.run([e2e.sidecar_bin(), "maintenance", "on", "--reason", "x", "--config",
                     str(alone)])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.wait_peers({n2}, 10, "negative control: node 1 out too, unchecked")
        print("negative control: without the fleet block node 1 went out while node 3 was down")


if __name__ == "__main__":
    e2e.main()
