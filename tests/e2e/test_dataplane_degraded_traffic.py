"""The degraded state on the data plane (client, BIRD 2 ECMP router, three nodes in network namespaces, a
slow-upstream relay between each resolver and its authoritative server), measured as client
queries through the anycast address. The lab's checks as deploy/examples has them: local-zone
`down`, recursion `degrade` with max_rtt_ms 100. The load asks whoami.health.test TXT, which
each resolver answers from its own local zone with its node's name: the answers say which node
served each query, also while that node's recursion is broken.

- Recursion broken on one node (its authoritative server killed): the node degrades, its path
  stays in the router's RIB with MED 1000 while the FIB drops to the other two next-hops, no
  client query is answered by it after that, and it is back (three next-hops, answering) after
  `rise` once its authoritative server runs again. Negative control: with `when_degraded: {}`
  (the degraded route keeps the healthy attributes) the node degrades and keeps answering.
- One upstream slower (200 ms, the relay) than max_rtt_ms: that node degrades with reason
  `slow`, traffic moves away, and comes back once the delay is gone; all three slow: all degraded,
  all announced, three next-hops, every query answered. Negative control: 50 ms, under max_rtt_ms,
  degrades nothing.
- A hard failure on a degraded node (its resolver killed): the path leaves the RIB within the
  usual window (labkit.dataplane.fault_bound_s("resolver-killed")). Negative control: with the
  local-zone check `degrade` too (an exec check `true` as the only `down` check: nothing that
  looks at the resolver can withdraw) the path stays.

Every query not answered in time counts (NOISE at most: stray losses of a shared 2-core
machine). Takes about 60 s. Skips, saying why, where network namespaces cannot be made."""
import shutil
import time
import unittest

import e2e
from e2e import sidecar_bin, wait_until
from labkit import dataplane as dpl
from labkit import sidecar as sc

SCHEDULE = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=2, fall=3)
QPS = 500
NOISE = 3
BIN = 0.1  # the load's report interval, s: the answers per node are counted per 0.1 s
SLOW_MS = 200  # above the lab's max_rtt_ms (100), below Unbound's 400 ms per try
FAST_MS = 50  # under max_rtt_ms: the negative control
POSSIBLE, WHY = dpl.netns_possible()


def bound(what):
    return dpl.fault_bound_s(what, SCHEDULE["interval_ms"], SCHEDULE["fast_interval_ms"],
                             SCHEDULE["timeout_ms"], SCHEDULE["fall"])


# Back after the fix: `rise` clean rounds (at most an interval apart), 1 s for ExaBGP -> BIRD ->
# FIB, 2 s for Unbound to forget the dead server (the slow lab's infra-host-ttl).
BACK_S = (SCHEDULE["interval_ms"] * (1 + SCHEDULE["rise"])) / 1000 + 1.0 + 2.0
# A slow check returns after the delay: like a hung one, max(fast, timeout) apart at most.
SLOW_AWAY_S = bound("resolver-hung")


def state(n):
    svc = sc.service_status(sc.read_status(n.workdir / "status.json"))
    recursion = next(c for c in svc["checks"] if c["name"] == "recursion")
    return svc["state"], recursion["reason"], recursion.get("rtt_ms")


def state_after_router(n, want, timeout=2.0):
    """n's state once the status file has caught up with what the router just showed (its writes
    are spaced, so it may trail the router by tens of ms): polled until its state is `want`, then
    read; past the deadline, what it says then (the caller's assertion fails on it)."""
    try:
        wait_until(lambda: state(n)[0] == want, timeout, f"{n.name} {want} in its status file",
                   interval=0.02)
    except TimeoutError:
        pass
    return state(n)


def answered_by(rows, node, t_from, t_to=1e9):
    """Queries node answered among those sent in the report bins inside [t_from, t_to)."""
    return sum(r["nodes"].get(node, 0) for r in rows
               if r["t"] >= t_from - 1e-6 and r["t"] + BIN <= t_to + 1e-6)


class Clock:
    """Seconds since the load's start (its send times count from there)."""

    def __init__(self, p):
        self.start = dpl.read_load_start(p)

    def now(self):
        return time.monotonic() - self.start

    def until(self, t):
        # Pacing of the script against the load's schedule, not synchronisation.
        while self.now() < t:
            time.sleep(0.005)


@unittest.skipUnless(POSSIBLE, f"data plane needs network namespaces: {WHY}")
class Degraded(e2e.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dp = dpl.DataPlane(cls.class_workdir("acs-dataplane-degraded-"),
                               sidecar_bin=sidecar_bin(), slow_upstream=True, **SCHEDULE)
        cls.dp.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.dp.close()

    def setUp(self):
        super().setUp()
        self.heal()

    def heal(self):
        """The lab whole: no delay, every daemon running, the default checks, three next-hops."""
        dp = self.dp
        for n in dp.nodes:
            n.set_upstream_delay(0)
            for proc in (n.auth, n.resolver):
                if not proc.running():
                    proc.start()
        if (dp.when_degraded, dp.extra_checks, dp.local_on_failure) != (None, [], "down"):
            dp.when_degraded, dp.extra_checks, dp.local_on_failure = None, [], "down"
            for n in dp.nodes:
                dp.reconfigure(n)
        dp.wait_fib(dp.all_nexthops(), 30)
        wait_until(lambda: all(state(n)[0] == "up" for n in dp.nodes), 30, "every node up")

    def load(self):
        # Long enough for any case; ended (dpl.end_load) when the case is done.
        p = self.dp.load(QPS, 60, interval=BIN, qname=dpl.WHOAMI_LOCAL, qtype=16)
        return p, Clock(p)

    def wait_fib(self, want, timeout, clock):
        self.dp.wait_fib(want, timeout)
        return clock.now()

    def test_1_recursion_broken_on_one_node_moves_traffic_and_back(self):
        dp = self.dp
        n1, others = dp.nodes[0], {n.addr for n in dp.nodes[1:]}
        p, clock = self.load()
        clock.until(1.0)
        t_break = clock.now()
        n1.auth.kill()
        t_away = self.wait_fib(others, bound("recursion-broken") + 5, clock)
        rib = dp.router.rib_paths()
        st = state_after_router(n1, "degraded")
        clock.until(t_away + 2.5)
        rib_later = dp.router.rib_paths()
        t_fix = clock.now()
        n1.auth.start()
        t_back = self.wait_fib(dp.all_nexthops(), BACK_S + 5, clock)
        clock.until(t_back + 1.5)
        rows, summary = dpl.end_load(p)
        after_detection = answered_by(rows, "node1", t_away + BIN, t_fix)
        back = answered_by(rows, "node1", t_back + BIN)
        print(f"recursion broken on node1 at {t_break:.2f} s: state {st}, RIB {rib}; FIB 2 "
              f"next-hops {t_away - t_break:.2f} s after the break (bound "
              f"{bound('recursion-broken'):.1f}); node1 answered {after_detection} queries "
              f"after that; fixed at {t_fix:.2f} s, 3 next-hops {t_back - t_fix:.2f} s later "
              f"(bound {BACK_S:.1f}), node1 answered {back} after; clients: {summary['bad']} of "
              f"{summary['sent']} not answered in time", flush=True)
        self.assertLessEqual(t_away - t_break, bound("recursion-broken"))
        self.assertEqual(st[0], "degraded")
        self.assertIn(st[1], ("servfail", "timeout"))
        for r in (rib, rib_later):
            self.assertEqual(r, {"node1": 1000, "node2": 0, "node3": 0}, "the RIB while degraded")
        self.assertEqual(after_detection, 0, "queries answered by the degraded node")
        self.assertGreater(answered_by(rows, "node1", 0, t_break), 0)
        self.assertLessEqual(t_back - t_fix, BACK_S)
        self.assertGreater(back, 0, "node1 answers again")
        self.assertLessEqual(summary["bad"], NOISE)

    def test_2_negative_control_same_attributes_keep_the_traffic(self):
        dp = self.dp
        n1 = dp.nodes[0]
        dp.when_degraded = {}  # degraded announced with the healthy attributes: MED unchanged
        dp.reconfigure(n1)
        p, clock = self.load()
        clock.until(1.0)
        n1.auth.kill()
        wait_until(lambda: state(n1)[0] == "degraded", bound("recursion-broken") + 5,
                   "node1 degraded")
        t_degraded = clock.now()
        clock.until(t_degraded + 1.5)
        hops = dp.router.fib_nexthops()
        rib = dp.router.rib_paths()
        n1.auth.start()
        rows, summary = dpl.end_load(p)
        still = answered_by(rows, "node1", t_degraded + BIN, t_degraded + 1.5)
        print(f"NEGATIVE CONTROL (when_degraded {{}}): node1 degraded at {t_degraded:.2f} s, "
              f"RIB {rib}, {len(hops)} next-hops, node1 answered {still} queries in the 1.5 s "
              "after", flush=True)
        self.assertEqual(len(hops), 3)
        self.assertGreater(still, 0, "the assertion of test 1 (none after detection) can fail")

    def test_3_slow_upstream_under_max_rtt_degrades_nothing(self):
        # Negative control of test 4: the relay's delay alone, under max_rtt_ms, changes nothing.
        dp = self.dp
        n1 = dp.nodes[0]
        n1.set_upstream_delay(FAST_MS)
        wait_until(lambda: (state(n1)[2] or 0) >= FAST_MS, 5, "node1's check seeing the delay")
        t0 = time.monotonic()
        hops = set(dp.all_nexthops())
        while time.monotonic() < t0 + SLOW_AWAY_S + 0.5:
            hops &= dp.router.fib_nexthops()
            time.sleep(0.1)
        st = state(n1)
        print(f"NEGATIVE CONTROL (upstream {FAST_MS} ms, max_rtt_ms 100): node1 {st}, "
              f"{len(hops)} next-hops throughout {SLOW_AWAY_S + 0.5:.1f} s", flush=True)
        self.assertEqual(st[:2], ("up", "ok"))
        self.assertEqual(hops, dp.all_nexthops())

    def test_4_slow_upstream_one_node_then_all(self):
        dp = self.dp
        n1, others = dp.nodes[0], {n.addr for n in dp.nodes[1:]}
        p, clock = self.load()
        clock.until(1.0)
        t_slow = clock.now()
        n1.set_upstream_delay(SLOW_MS)
        t_away = self.wait_fib(others, SLOW_AWAY_S + 5, clock)
        st1, rib1 = state_after_router(n1, "degraded"), dp.router.rib_paths()
        clock.until(t_away + 1.5)
        t_fix = clock.now()
        n1.set_upstream_delay(0)
        t_back = self.wait_fib(dp.all_nexthops(), BACK_S + 5, clock)
        clock.until(t_back + 1.0)
        # Every upstream slow: every node degraded, all three announced with the same MED.
        t_all = clock.now()
        for n in dp.nodes:
            n.set_upstream_delay(SLOW_MS)
        wait_until(lambda: all(state(n)[0] == "degraded" for n in dp.nodes), SLOW_AWAY_S + 5,
                   "every node degraded")
        t_all_degraded = clock.now()
        self.dp.wait_fib(dp.all_nexthops(), 5)
        clock.until(t_all_degraded + 3.0)
        states, rib_all, hops_all = [state(n) for n in dp.nodes], dp.router.rib_paths(), \
            dp.router.fib_nexthops()
        t_end = clock.now()
        rows, summary = dpl.end_load(p)
        for n in dp.nodes:
            n.set_upstream_delay(0)
        after_detection = answered_by(rows, "node1", t_away + BIN, t_fix)
        all_slow = [answered_by(rows, n.name, t_all_degraded + 1.0, t_end) for n in dp.nodes]
        print(f"upstream of node1 {SLOW_MS} ms at {t_slow:.2f} s: {st1}, RIB {rib1}; FIB 2 "
              f"next-hops {t_away - t_slow:.2f} s later (bound {SLOW_AWAY_S:.1f}); node1 answered "
              f"{after_detection} after; delay removed, 3 next-hops {t_back - t_fix:.2f} s later. "
              f"All slow at {t_all:.2f} s: all degraded {t_all_degraded - t_all:.2f} s later, "
              f"RIB {rib_all}, {len(hops_all)} next-hops, answers per node {all_slow}; clients: "
              f"{summary['bad']} of {summary['sent']} not answered in time", flush=True)
        self.assertLessEqual(t_away - t_slow, SLOW_AWAY_S)
        self.assertEqual(st1[:2], ("degraded", "slow"))
        self.assertEqual(rib1, {"node1": 1000, "node2": 0, "node3": 0})
        self.assertEqual(after_detection, 0, "queries answered by the slow node")
        self.assertLessEqual(t_back - t_fix, BACK_S)
        self.assertEqual([s[:2] for s in states], [("degraded", "slow")] * 3)
        self.assertEqual(rib_all, {"node1": 1000, "node2": 1000, "node3": 1000})
        self.assertEqual(hops_all, dp.all_nexthops())
        for count in all_slow:
            self.assertGreater(count, 0, "every node answers while all are degraded")
        self.assertLessEqual(summary["bad"], NOISE)

    def _kill_resolver_while_degraded(self, n):
        """Breaks n's recursion, waits until it is degraded, kills its resolver: the seconds
        until its path left the RIB, or None if it was still there after the window + 2 s."""
        dp = self.dp
        n.auth.kill()
        wait_until(lambda: state(n)[0] == "degraded" and dp.router.rib_paths().get(n.name),
                   bound("recursion-broken") + 5, f"{n.name} degraded at the router")
        t0 = time.monotonic()
        n.resolver.kill()
        try:
            wait_until(lambda: n.name not in dp.router.rib_paths(), bound("resolver-killed") + 2,
                       f"{n.name}'s path gone", interval=0.02)
            return time.monotonic() - t0
        except TimeoutError:
            return None

    def test_5_hard_failure_on_a_degraded_node_withdraws(self):
        took = self._kill_resolver_while_degraded(self.dp.nodes[0])
        print(f"node1 degraded, resolver killed: path gone from the RIB "
              f"{'never' if took is None else f'{took:.2f} s'} later (bound "
              f"{bound('resolver-killed'):.1f})", flush=True)
        self.assertIsNotNone(took)
        self.assertLessEqual(took, bound("resolver-killed"))

    def test_6_negative_control_no_down_check_on_the_resolver(self):
        dp = self.dp
        n1 = dp.nodes[0]
        # A STAND-IN configuration: the only `down` check never looks at the resolver.
        dp.local_on_failure = "degrade"
        dp.extra_checks = [{"name": "always-ok", "type": "exec",
                            "command": [shutil.which("true")]}]
        dp.reconfigure(n1)
        took = self._kill_resolver_while_degraded(n1)
        print(f"NEGATIVE CONTROL (local-zone degrade too): path gone "
              f"{'never' if took is None else f'{took:.2f} s'} after the kill", flush=True)
        self.assertIsNone(took, "the assertion of test 5 can fail")


if __name__ == "__main__":
    e2e.main()
