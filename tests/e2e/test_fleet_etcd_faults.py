"""etcd's faults change nothing about routing (real 3-member etcd, three real nodes):

- one member killed (quorum kept): every node stays announced and its fleet stays ok;
- every member killed: every node's status file says the fleet is unreachable (with since_unix),
  `status` exits 1 naming it, and not one route changes because of etcd alone (the router's
  paths are sampled throughout); a node's own checks still decide: node 3's resolver killed
  during the outage withdraws node 3 (negative control: routing still follows the checks);
- etcd back: every node's presence returns within the lease TTL.
"""
import time

import e2e
from e2e import wait_until
from fleet_e2e import LEASE_TTL_S, FleetTestCase


class FleetEtcdFaults(FleetTestCase):
    def sample_peers(self, seconds):
        seen = set()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            seen.add(frozenset(self.path_peers()))
            time.sleep(0.1)
        return seen

    def presences(self):
        return {k.rsplit("/", 1)[-1] for k in self.etcd.get_prefix(self.prefix + "/presence/")}

    def test_etcd_faults(self):
        self.start_etcd()
        self.start_fleet_nodes()
        every = frozenset(n["addr"] for n in self.nodes)

        self.etcd.kill_member(0)
        self.assertEqual(self.sample_peers(2 * LEASE_TTL_S), {every})
        wait_until(lambda: all(self.fleet_state(i) == "ok" for i in (1, 2, 3)), 5,
                   "the fleet ok with two members of three")
        self.assertEqual(self.presences(), {"node1", "node2", "node3"})
        print("one member killed: no route change, the fleet ok on every node")

        self.etcd.kill_all()
        t0 = time.monotonic()
        wait_until(lambda: all(self.fleet_state(i) == "unreachable" for i in (1, 2, 3)), 15,
                   "every node names the fleet unreachable")
        print(f"every node says unreachable {time.monotonic() - t0:.1f} s after etcd died")
        self.assertEqual(self.sample_peers(2 * LEASE_TTL_S), {every})
        fleet = self.node_status(1)["fleet"]
        self.assertGreater(fleet["since_unix"], time.time() - 60)
        r = self.cli(1, "status")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("unreachable", r.stdout)

        # The nodes' own checks still decide while etcd is gone.
        self.nodes[2]["resolver"].kill()
        self.wait_peers(every - {self.nodes[2]["addr"]}, 10, "node 3 withdrawn by its own check")
        self.nodes[2]["resolver"].start()
        self.wait_peers(every, 15, "node 3 back by its own check")
        print("during the outage node 3 withdrew and returned by its own checks")

        self.etcd.restart_all()
        t_back = time.monotonic()
        wait_until(lambda: all(self.fleet_state(i) == "ok" for i in (1, 2, 3)), LEASE_TTL_S,
                   "every node's fleet ok again within the TTL")
        print(f"fleet ok on every node {time.monotonic() - t_back:.2f} s after etcd was back "
              f"(TTL {LEASE_TTL_S} s)")
        # Live presences, not leftovers: still there after more than a TTL.
        time.sleep(LEASE_TTL_S + 1)
        self.assertEqual(self.presences(), {"node1", "node2", "node3"})


if __name__ == "__main__":
    e2e.main()
