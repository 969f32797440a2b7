"""Steady state on the data plane: a client in its own network namespace sends
>= 2,000 queries/s for 10 s over fresh source ports to the anycast address; the router (BIRD 2)
spreads them over three nodes by ECMP. Every query is answered and every node answers a share.

Negative control: ACS_NEGATIVE_CONTROL=1 kills node 3's resolver before the load; its sidecar
withdraws and node 3 answers nothing, so "every node answers a share" fails.
Skips, saying why, where network namespaces cannot be made."""
import os
import unittest

import e2e
from e2e import sidecar_bin

from labkit import dataplane as dpl

QPS = 2000
SECONDS = 10
MIN_SHARE = 0.15  # of all answers, per node (an even spread is 1/3)

POSSIBLE, WHY = dpl.netns_possible()


@unittest.skipUnless(POSSIBLE, f"data plane needs network namespaces: {WHY}")
class DataplaneSteady(e2e.TestCase):

    def test_steady_state_2000_qps(self):
        with dpl.DataPlane(self.workdir, sidecar_bin=sidecar_bin()) as dp:
            self.assertEqual(dp.query(), 0, "one query through the anycast address")
            if os.environ.get("ACS_NEGATIVE_CONTROL"):
                print("NEGATIVE CONTROL: node 3's resolver killed; this test must fail")
                dp.nodes[2].resolver.kill()
                dp.wait_fib(dp.all_nexthops() - {dp.nodes[2].addr}, 10)
            rows, s = dpl.read_load(dp.load(QPS, SECONDS), SECONDS + 30)
            for r in rows:
                print(f"t={r['t']:>4}: answered {r['answered']}, failed {r['failed']}, "
                      f"late {r['late']}, lost {r['lost']}, nodes {r['nodes']}")
            self.assertEqual(s["sent"], QPS * SECONDS)
            self.assertEqual(s["bad"], 0, f"queries not answered in time: {s['bad_at'][:20]}")
            self.assertEqual(s["answered"], QPS * SECONDS)
            for n in dp.nodes:
                share = s["nodes"].get(n.name, 0) / s["answered"]
                self.assertGreaterEqual(share, MIN_SHARE, f"{n.name} answered {share:.0%}")
            self.assertEqual(set(s["nodes"]), {n.name for n in dp.nodes}, s["nodes"])
        self.assertFalse(any(ns in dpl.run(["ip", "netns", "list"]).stdout
                             for ns in (dp.router_ns, dp.client_ns)), "namespaces left behind")


if __name__ == "__main__":
    e2e.main()
