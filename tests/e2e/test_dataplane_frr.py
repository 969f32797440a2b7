"""FRR as the data plane's router (the router matrix's FRR cell): zebra + bgpd (Debian 12 `frr`,
8.4) started by pid in the router namespace, three nodes announcing 192.0.2.53/32 over eBGP.
In one lab bring-up:
- the three paths in bgpd's RIB (vtysh JSON) and as one ECMP route in the router's kernel FIB
  (`ip -j route`, what zebra installed); 1,000 client queries/s for 3 s all answered, every
  node answering a share (the kernel hashes fresh source ports over the next hops);
- node 1's resolver SIGKILLed under load: its path leaves bgpd and the FIB, and the queries lost
  fall inside the window the schedule allows (labkit.dataplane.fault_bound_s), as with BIRD;
- node 1's recursion broken (a degrade check): the path stays in bgpd with MED 1000 and leaves
  the FIB (bgpd's best path compares the MEDs of the nodes' one AS).
The other data-plane tests run against FRR with ACS_ROUTER=frr.

Negative control: ACS_NEGATIVE_CONTROL=1 replaces node 1's sidecar by a STAND-IN that announces
once and never withdraws: the killed resolver's path stays and clients keep losing queries, so
the withdraw assertions fail. Skips, saying why, without network namespaces or FRR."""
import os
import unittest

import e2e
from e2e import sidecar_bin

from labkit import dataplane as dpl

QPS = 1000
SCHEDULE = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=2, fall=3)
NOISE = 3  # as test_dataplane_faults: tolerated outside a fault's window, never more

POSSIBLE, WHY = dpl.netns_possible("frr")


def bound(what):
    return dpl.fault_bound_s(what, SCHEDULE["interval_ms"], SCHEDULE["fast_interval_ms"],
                             SCHEDULE["timeout_ms"], SCHEDULE["fall"])


@unittest.skipUnless(POSSIBLE, f"data plane with FRR: {WHY}")
class DataplaneFrr(e2e.TestCase):

    def test_frr_ecmp_withdraw_and_degrade(self):
        with dpl.DataPlane(self.workdir, sidecar_bin=sidecar_bin(), router="frr",
                           **SCHEDULE) as dp:
            names = {n.name for n in dp.nodes}
            self.assertEqual(dp.router.fib_nexthops(), dp.all_nexthops())
            self.assertEqual(set(dp.router.rib_paths()), names, dp.router.summary())
            self.assertEqual(dp.query(), 0, "one query through the anycast address")

            rows, s = dpl.read_load(dp.load(QPS, 3), 3 + 30)
            self.assertEqual(s["answered"], s["sent"], f"not answered: {s['bad_at'][:20]}")
            self.assertEqual(set(s["nodes"]), names, f"ECMP spread: {s['nodes']}")

            n = dp.nodes[0]
            if os.environ.get("ACS_NEGATIVE_CONTROL"):
                print("NEGATIVE CONTROL: node 1's child never withdraws; this test must fail")
                dp.never_withdrawing_child(n)
            what = "resolver-killed"
            imp, s = dpl.run_fault(dp, what, QPS, bound(what), node=1)
            print(f"{what}: bad {imp['bad']} (inside {imp['inside']}, before {imp['before']}, "
                  f"after {imp['after']}) first {imp['first']} last {imp['last']} s; bound "
                  f"{bound(what):.1f} s", flush=True)
            self.assertNotIn(n.name, dp.router.rib_paths(), "killed node's path still in bgpd")
            self.assertEqual(dp.router.fib_nexthops(), dp.all_nexthops() - {n.addr})
            self.assertLessEqual(imp["before"] + imp["after"], NOISE,
                                 f"failures outside the {bound(what):.1f} s window: "
                                 f"{imp['outside']}")
            healed = dpl.fix_fault(dp, what, n)
            print(f"{what}: healed in {healed:.1f} s", flush=True)

            what = "recursion-broken"
            dpl.break_fault(dp, what, n)
            e2e.wait_until(lambda: dp.router.rib_paths().get(n.name) == 1000 and
                           n.addr not in dp.router.fib_nexthops(), bound(what) + 5,
                           "node 1 degraded: MED 1000 in bgpd, out of the FIB")
            self.assertEqual(dp.router.fib_nexthops(), dp.all_nexthops() - {n.addr})
            dpl.fix_fault(dp, what, n)
        self.assertFalse(any(ns in dpl.run(["ip", "netns", "list"]).stdout
                             for ns in (dp.router_ns, dp.client_ns)), "namespaces left behind")


if __name__ == "__main__":
    e2e.main()
