"""Replay 1: the April 2021 outage. Three nodes, ExaBGP 4.2 with acknowledgements on, a
day of health checks compressed into >= 100,000 commands through each ExaBGP: every BGP session
stays up and the router keeps three paths. The same run with a child that never reads its stdin
(the 2021 health checker; a stand-in, tests/e2e/tools/deaf_child.py) loses the paths: the
negative control that proves the assertions can fail."""
import sys
import time
from pathlib import Path

import e2e
from e2e import wait_until

COMMANDS_PER_NODE = 100_000
ROUTES = 40


class Outage2021(e2e.ThreeNodeTestCase):

    def routes(self):
        from labkit import sidecar as sc
        return [sc.route(self.PREFIX)] + [sc.route(f"198.51.100.{i}/32") for i in range(1, ROUTES)]

    def test_acks_read_sessions_stay_up(self):
        self.start_nodes(exabgp_settings={"refresh_ms": 1}, routes=self.routes(),
                         service_extra={"rise": 1})
        self.wait_peers(self.ADDRS, 30)
        t0 = time.monotonic()
        while True:
            counts = [self.node_status(i)["exabgp"]["counters"]["route_commands_written"]
                      for i in (1, 2, 3)]
            if min(counts) >= COMMANDS_PER_NODE:
                break
            self.assertLess(time.monotonic() - t0, 600, f"only {counts} commands after 600 s")
            for n in self.nodes:
                self.assertEqual(self.router.neighbor_state(n["addr"]), "established",
                                 f"{n['addr']} lost its BGP session after {counts} commands")
            self.assertEqual(self.path_peers(), set(self.ADDRS))
            time.sleep(1)  # sampling period of the checks above
        took = time.monotonic() - t0
        print(f"commands per node {counts} in {took:.0f} s; 3 sessions up, 3 paths throughout")
        for i in (1, 2, 3):
            self.assertEqual(self.node_status(i)["exabgp"]["state"], "ok")

    def test_negative_control_deaf_children_lose_the_paths(self):
        deaf = Path(__file__).resolve().parent / "tools" / "deaf_child.py"
        self.start_nodes(run_argv=lambda i, config: [sys.executable, str(deaf), "--count", "30000",
                                                     "--prefix", self.PREFIX,
                                                     "--next-hop", "192.0.2.254"])
        self.wait_peers(self.ADDRS, 30, "the deaf children's routes at the router first")
        # The deaf child wedges ExaBGP once the pipe of unread acks is full; the router then
        # drops the session at its 9 s hold time and every path is gone.
        wait_until(lambda: not self.path_peers(), 60, "the router to lose every path")
        for n in self.nodes:
            self.assertNotEqual(self.router.neighbor_state(n["addr"]), "established")


if __name__ == "__main__":
    e2e.main()
