"""What each fault costs clients: on the data plane (client, BIRD 2 ECMP router, three
nodes in network namespaces), a load of 1,000 queries/s runs while one fault is injected at 2 s.
For every fault class the queries not answered in time are counted, and asserted to fall inside
the window the configured schedule allows (interval 1000 / fast 200 / timeout 500 / fall 3:
labkit.dataplane.fault_bound_s) and to stay under that fault's expected figure, with none after.

One lab serves every fault; each case is fixed, and the lab seen whole again, before the next.

Today's behaviour, measured and asserted as it is (each a constant in EXPECTED_MAX_BAD, to
tighten as the product improves):
  recursion-broken degrades the node (the lab's recursion check is on_failure "degrade"): its
  path stays at the router with MED 1000 while the FIB drops it, so the clients' cost is the
  same window as a withdraw's (asserted: the path in the RIB, not in the FIB);
  sidecar-killed: ExaBGP respawns the sidecar; the restart is hitless (the route stays).

Negative control (always run, last): node 1's ExaBGP child replaced by a STAND-IN that announces
once and never withdraws; with its resolver killed, clients keep losing queries to the end of
the window, and the same assertion as above fails. Skips, saying why, where network namespaces
cannot be made."""
import unittest

import e2e
from e2e import sidecar_bin

from labkit import dataplane as dpl

QPS = 1000
SCHEDULE = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=2, fall=3)
HOLD_TIME = 9
# Queries a shared 2-core machine may drop or answer late with no fault at all (seen: 1 in
# ~100,000); tolerated outside a fault's window, never more.
NOISE = 3


def bound(what):
    return dpl.fault_bound_s(what, SCHEDULE["interval_ms"], SCHEDULE["fast_interval_ms"],
                             SCHEDULE["timeout_ms"], SCHEDULE["fall"], HOLD_TIME)


def node_share(what):
    """Queries at most lost in the window: a third of the load goes to the broken node (x1.5
    for the hash's unevenness), all of it when the router restarts."""
    share = 1.0 if what == "router-restarted" else 0.5
    return int(QPS * bound(what) * share)


# The expected figure per fault: one constant each, easy to tighten later.
EXPECTED_MAX_BAD = {what: node_share(what) for what in dpl.FAULTS}
# The node answers while its BGP is frozen; at the hold timer's expiry (9 s) BIRD takes its path
# out of the ECMP route, and a query sent while the kernel route is replaced can be lost: 0 in
# most runs, 5 seen once on a loaded 2-core machine. Bounded well under a withdraw's window.
EXPECTED_MAX_BAD["exabgp-frozen"] = 20
EXPECTED_MAX_BAD["sidecar-killed"] = NOISE  # measured 0: respawned, the route stays (today)

POSSIBLE, WHY = dpl.netns_possible()


@unittest.skipUnless(POSSIBLE, f"data plane needs network namespaces: {WHY}")
class DataplaneFaults(e2e.TestCase):

    def test_fault_matrix_and_negative_control(self):
        rows = []
        with dpl.DataPlane(self.workdir, sidecar_bin=sidecar_bin(), hold_time=HOLD_TIME,
                           **SCHEDULE) as dp:
            for what in dpl.FAULTS:
                n = dp.nodes[dpl.default_node(what) - 1]
                with self.subTest(fault=what):
                    imp, s = dpl.run_fault(dp, what, QPS, bound(what))
                    if what == "recursion-broken":
                        # Degraded, not withdrawn: announced with the worse MED, out of the FIB.
                        self.assertEqual(dp.router.rib_paths().get(n.name), 1000, what)
                        self.assertNotIn(n.addr, dp.router.fib_nexthops(), what)
                    healed = dpl.fix_fault(dp, what, n)
                    rows.append((what, imp, healed))
                    print(f"{what:18} bad {imp['bad']:5} (inside {imp['inside']}, before "
                          f"{imp['before']}, after {imp['after']}; failed {imp['failed']}, lost "
                          f"{imp['lost']}, late {imp['late']}) first {imp['first']} last "
                          f"{imp['last']} s; bound {bound(what):.1f} s, max "
                          f"{EXPECTED_MAX_BAD[what]}; healed in {healed:.1f} s", flush=True)
                    self.assertLessEqual(imp["before"] + imp["after"], NOISE,
                                         f"{what}: failures outside the {bound(what):.1f} s window "
                                         f"from {imp['t_fault']:.2f} s: {imp['outside']}")
                    self.assertLessEqual(imp["bad"], EXPECTED_MAX_BAD[what], what)

            # Negative control: a child that never withdraws (a stand-in) keeps node 1 announced.
            dp.never_withdrawing_child(dp.nodes[0])
            what = "resolver-killed"
            imp, s = dpl.run_fault(dp, what, QPS, bound(what), node=1)
            print(f"NEGATIVE CONTROL (stand-in never withdraws) {what}: bad {imp['bad']}, after "
                  f"the window {imp['after']}, last failure at {s['last_bad']} s of "
                  f"{s['seconds']} s", flush=True)
            self.assertGreater(imp["after"], NOISE,
                               "the stand-in must keep losing queries after the window: if not, "
                               "the fault assertions above could never fail")
            self.assertGreater(s["last_bad"], s["seconds"] - 1.0, "losses to the window's end")
        print("\nfault              queries lost  first..last (s after fault)  bound (s)")
        for what, imp, _ in rows:
            span = "-" if imp["first"] is None else f"{imp['first']:.2f}..{imp['last']:.2f}"
            print(f"{what:18} {imp['bad']:>12}  {span:>26}  {bound(what):>9.1f}")


if __name__ == "__main__":
    e2e.main()
