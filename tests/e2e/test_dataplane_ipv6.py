"""IPv6 end to end on the data plane (labkit.dataplane.DataPlane(ipv6=True)): the client, the
router (BIRD 2, or FRR with ACS_ROUTER=frr) and three nodes in network namespaces, each node
announcing 2001:db8:53::53/128 beside 192.0.2.53/32 over its one IPv4 BGP session
(multiprotocol, the IPv6 route's next hop the node's own 2001:db8:0:k::2), its resolver
listening on both anycast addresses. Measured as client queries through the router:

1. the router's IPv6 FIB holds one ECMP route to all three nodes and clients' IPv6 queries are
   answered by every node, as IPv4 ones are;
2. 300 queries/s over IPv6 and 300 over IPv4 at the same time, node 1's resolver SIGKILLed: both
   families' routes leave the router's FIB within the usual window
   (labkit.dataplane.fault_bound_s("resolver-killed")), no client query fails outside it, and the
   IPv6 clients' losses are of the same order as the IPv4 clients' (both printed);
3. node 1's recursion broken (its authoritative server killed): the IPv6 route stays in the RIB
   with the degraded MED (1000, as the IPv4 one) and leaves the IPv6 FIB; no IPv6 client query is
   answered by node 1 after that;
4. negative control: node 3's sidecar replaced by a STAND-IN that announces both routes once and
   never withdraws (DataPlane.never_withdrawing_child); its resolver killed, the IPv6 path stays in
   the FIB and IPv6 clients keep losing queries: the assertions of 2 can fail.

No sleeps as synchronisation: every wait polls with a deadline. About 30 s. Exits 77 (skipped),
saying why, where network namespaces cannot be made."""
import sys
import time
import unittest

import e2e
from e2e import sidecar_bin, wait_until
from labkit import dataplane as dpl
from labkit import sidecar as sc

SCHEDULE = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=2, fall=3)
QPS = 300  # per family
NOISE = 3  # stray losses of a shared machine tolerated outside a fault's window
BIN = 0.25  # the load's report interval, s
LEAD_S, TAIL_S = 2.0, 3.0
POSSIBLE, WHY = dpl.netns_possible()


def bound(what):
    return dpl.fault_bound_s(what, SCHEDULE["interval_ms"], SCHEDULE["fast_interval_ms"],
                             SCHEDULE["timeout_ms"], SCHEDULE["fall"])


def state(n):
    svc = sc.service_status(sc.read_status(n.workdir / "status.json"))
    return svc["state"] if svc else None


def answered_by(rows, node, t_from, t_to=1e9):
    """Queries node answered among those sent in the report bins inside [t_from, t_to)."""
    return sum(r["nodes"].get(node, 0) for r in rows
               if r["t"] >= t_from - 1e-6 and r["t"] + BIN <= t_to + 1e-6)


def pace_until(t):
    # Pacing of the script against the loads' schedule, not synchronisation.
    while time.monotonic() < t:
        time.sleep(0.005)


@unittest.skipUnless(POSSIBLE, f"data plane needs network namespaces: {WHY}")
class DataplaneIPv6(e2e.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dp = dpl.DataPlane(cls.class_workdir("acs-dataplane-ipv6-"),
                               sidecar_bin=sidecar_bin(), ipv6=True, **SCHEDULE)
        cls.dp.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.dp.close()
        left = dpl.run(["ip", "netns", "list"]).stdout
        assert cls.dp.prefix not in left, f"namespaces left behind: {left}"

    def setUp(self):
        super().setUp()
        dp = self.dp
        for n in dp.nodes:
            for proc in (n.auth, n.resolver):
                if not proc.running():
                    proc.start()
        dp.wait_fib(dp.all_nexthops(), 30)
        dp.wait_fib(dp.all_nexthops6(), 30, prefix=dpl.PREFIX6)

    def fibs_without(self, n, t0, timeout):
        """Polls both FIBs until neither forwards to node n; returns (IPv4 s, IPv6 s) after t0
        at which each first showed n gone (None: not within timeout)."""
        dp = self.dp
        gone = {}

        def poll():
            now = time.monotonic()
            if "v4" not in gone and n.addr not in dp.router.fib_nexthops():
                gone["v4"] = now - t0
            if "v6" not in gone and n.addr6 not in dp.router.fib_nexthops(dpl.PREFIX6):
                gone["v6"] = now - t0
            return len(gone) == 2
        try:
            wait_until(poll, timeout, f"{n.name} gone from both FIBs", interval=0.02)
        except TimeoutError:
            pass
        return gone.get("v4"), gone.get("v6")

    def test_1_ipv6_fib_has_every_node_and_each_answers(self):
        dp = self.dp
        fib6, rib6 = dp.router.fib_nexthops(dpl.PREFIX6), dp.router.rib_paths(dpl.PREFIX6)
        route6 = dpl.run(["ip", "-6", "-n", dp.router_ns, "route", "show", dpl.PREFIX6]).stdout
        print(f"router ({dp.router_kind}) IPv6 FIB for {dpl.PREFIX6}:\n{route6.rstrip()}\n"
              f"RIB {rib6}", flush=True)
        self.assertEqual(fib6, dp.all_nexthops6())
        self.assertEqual(rib6, {"node1": 0, "node2": 0, "node3": 0})
        self.assertEqual(dp.query(server=dpl.ANYCAST6), 0, "one query over IPv6")
        self.assertEqual(dp.query(), 0, "one query over IPv4")
        _, s6 = dpl.read_load(dp.load(QPS, 2, server=dpl.ANYCAST6), 30)
        print(f"IPv6 clients, {QPS} q/s for 2 s: {s6['answered']} of {s6['sent']} answered, "
              f"per node {s6['nodes']}", flush=True)
        self.assertEqual(s6["bad"], 0, s6["bad_at"][:20])
        self.assertEqual(set(s6["nodes"]), {n.name for n in dp.nodes}, "ECMP over IPv6")

    def test_2_resolver_killed_both_families_leave_the_fib(self):
        dp = self.dp
        n1 = dp.nodes[0]
        b = bound("resolver-killed")
        seconds = LEAD_S + b + TAIL_S
        p4 = dp.load(QPS, seconds, interval=BIN, server=dpl.ANYCAST)
        p6 = dp.load(QPS, seconds, interval=BIN, server=dpl.ANYCAST6)
        start4, start6 = dpl.read_load_start(p4), dpl.read_load_start(p6)
        pace_until(max(start4, start6) + LEAD_S)
        t_kill = time.monotonic()
        dpl.break_fault(dp, "resolver-killed", n1)
        away4, away6 = self.fibs_without(n1, t_kill, b + 5)
        fib4, fib6 = dp.router.fib_nexthops(), dp.router.fib_nexthops(dpl.PREFIX6)
        rows4, s4 = dpl.read_load(p4, seconds + 30)
        rows6, s6 = dpl.read_load(p6, seconds + 30)
        i4 = dpl.impact(s4, t_kill - start4, b)
        i6 = dpl.impact(s6, t_kill - start6, b)
        fmt = (lambda t: "never" if t is None else f"{t:.2f} s")
        for fam, s, i, away in (("IPv4", s4, i4, away4), ("IPv6", s6, i6, away6)):
            print(f"{fam}: node1 out of the FIB {fmt(away)} after the kill (bound {b:.1f} s); "
                  f"clients: {s['bad']} of {s['sent']} not answered in time (lost {s['lost']}, "
                  f"failed {s['failed']}, late {s['late']}); inside the window {i['inside']} "
                  f"(first {i['first']} s, last {i['last']} s), before {i['before']}, after "
                  f"{i['after']}; answers per node {s['nodes']}", flush=True)
        dpl.fix_fault(dp, "resolver-killed", n1, 30)
        dp.wait_fib(dp.all_nexthops6(), 30, prefix=dpl.PREFIX6)
        self.assertIsNotNone(away4, "IPv4 route still at the router")
        self.assertIsNotNone(away6, "IPv6 route still at the router")
        self.assertLessEqual(away4, b)
        self.assertLessEqual(away6, b)
        self.assertEqual(fib4, dp.all_nexthops() - {n1.addr})
        self.assertEqual(fib6, dp.all_nexthops6() - {n1.addr6})
        for fam, rows, i in (("IPv4", rows4, i4), ("IPv6", rows6, i6)):
            self.assertLessEqual(i["before"] + i["after"], NOISE,
                                 f"{fam} failures outside the window: {i['outside']}")
            self.assertGreater(answered_by(rows, "node1", 0, LEAD_S - BIN), 0,
                               f"node1 answered {fam} before the kill")
        # Same order: each family loses what node 1's share of it costs until the withdraw.
        self.assertGreater(s4["bad"], 0)
        self.assertGreater(s6["bad"], 0)
        self.assertLessEqual(s6["bad"], 3 * s4["bad"] + 10, "IPv6 lost far more than IPv4")
        self.assertLessEqual(s4["bad"], 3 * s6["bad"] + 10, "IPv6 lost far less than IPv4")

    def test_3_recursion_broken_ipv6_route_degraded(self):
        dp = self.dp
        n1 = dp.nodes[0]
        b = bound("recursion-broken")
        p6 = dp.load(QPS, 60, interval=BIN, server=dpl.ANYCAST6, qname=dpl.WHOAMI_LOCAL)
        start6 = dpl.read_load_start(p6)
        pace_until(start6 + 1.0)
        t_break = time.monotonic()
        dpl.break_fault(dp, "recursion-broken", n1)
        away4, away6 = self.fibs_without(n1, t_break, b + 5)
        rib4, rib6 = dp.router.rib_paths(), dp.router.rib_paths(dpl.PREFIX6)
        wait_until(lambda: state(n1) is not None, 5, "node1's status file")
        try:
            wait_until(lambda: state(n1) == "degraded", 2, "node1 degraded in its status file",
                       interval=0.02)
        except TimeoutError:
            pass
        st = state(n1)
        t_away = (t_break + away6 - start6) if away6 is not None else None
        # 1.5 s of IPv6 load after the IPv6 FIB dropped node 1 (pacing, not synchronisation)
        pace_until(start6 + (t_away if t_away is not None else time.monotonic() - start6)
                   + 1.5 + BIN)
        rows6, s6 = dpl.end_load(p6)
        after = (answered_by(rows6, "node1", t_away + BIN, t_away + 1.5)
                 if t_away is not None else None)
        fmt = (lambda t: "never" if t is None else f"{t:.2f} s")
        print(f"recursion broken on node1: state {st}; IPv6 RIB {rib6}, IPv4 RIB {rib4}; out of "
              f"the IPv6 FIB {fmt(away6)}, the IPv4 FIB {fmt(away4)} after the break (bound "
              f"{b:.1f} s); node1 answered {after} IPv6 queries in the 1.5 s after; IPv6 "
              f"clients: {s6['bad']} of {s6['sent']} not answered in time", flush=True)
        dpl.fix_fault(dp, "recursion-broken", n1, 30)
        dp.wait_fib(dp.all_nexthops6(), 30, prefix=dpl.PREFIX6)
        self.assertEqual(st, "degraded")
        self.assertEqual(rib6, {"node1": 1000, "node2": 0, "node3": 0}, "the IPv6 RIB")
        self.assertEqual(rib4, {"node1": 1000, "node2": 0, "node3": 0}, "the IPv4 RIB")
        self.assertIsNotNone(away6, "the degraded node stayed in the IPv6 FIB")
        self.assertLessEqual(away6, b)
        self.assertIsNotNone(away4)
        self.assertEqual(after, 0, "IPv6 queries answered by the degraded node")
        self.assertLessEqual(s6["bad"], NOISE)

    def test_4_negative_control_never_withdrawing_keeps_the_ipv6_path(self):
        # The last test: node 3 keeps the stand-in until the plane is torn down.
        dp = self.dp
        n3 = dp.nodes[2]
        dp.never_withdrawing_child(n3)
        t_kill = time.monotonic()
        n3.resolver.kill()
        _, s6 = dpl.read_load(dp.load(QPS, 3, server=dpl.ANYCAST6), 30)
        away4, away6 = self.fibs_without(n3, t_kill, 0.5)
        print(f"NEGATIVE CONTROL (node3 never withdraws, its resolver killed): IPv6 FIB "
              f"{sorted(dp.router.fib_nexthops(dpl.PREFIX6))} ({time.monotonic() - t_kill:.1f} s "
              f"after the kill); IPv6 clients: {s6['bad']} of {s6['sent']} not answered in time",
              flush=True)
        self.assertIsNone(away6, "the stand-in's IPv6 path stays")
        self.assertIn(n3.addr6, dp.router.fib_nexthops(dpl.PREFIX6))
        self.assertGreater(s6["bad"], 3 * NOISE + 10, "the assertions of test 2 can fail")


if __name__ == "__main__":
    if not POSSIBLE:
        print(f"SKIPPED: data plane needs network namespaces: {WHY}", file=sys.stderr)
        sys.exit(77)
    e2e.main()
