"""The fleet floor (fleet.min_announcing) on real nodes: three Unbound resolvers, three ExaBGPs
with the sidecar as their child, one GoBGP router whose RIB the test reads (per peer, every
update: labkit.gobgp_stream.PeerPaths), a real 3-member etcd on loopback. min_announcing 2.
One bring-up for every assertion:

1. One node's resolver hung (SIGSTOP: timeouts, a soft cause): it withdraws as usual; the floor
   never keeps a lone sick node in (status OK-but-down, floor_hold empty).
2. The race: all three resolvers hung at once. The nodes' rounds run on grids of their own (a
   few hundred ms apart), so to make the three floor decisions really concurrent the etcd
   members are frozen (SIGSTOP) first: each node goes DOWN, holds its route while its decision
   is pending (fail open) and has its read in flight; then the members are resumed (SIGCONT,
   back to back) and the three reads are answered in the same instant: three decisions from one
   revision, three txns on one floor record. The sidecars log `floor_retry` for each compare
   that failed (counted: the race happened). At no moment does the router hold fewer than 2
   paths (every BGP update watched); exactly one node withdrew and two are held (status.json
   fleet.floor_hold, `status` names the floor (exit 2: the held node's service is down), the metric, the presence). Resolvers
   resumed: all three back. FLOOR_RACES rounds (default 3; ACS_FLOOR_RACES=50 for the long run).
3. etcd gone (every member killed), then one node's resolver hung: the node cannot count the
   others and fails open (its route stays announced, held, `floor_hold` logged with the reason);
   etcd restarted: it decides and withdraws as usual.
4. A hard failure on every node (all three resolvers SIGKILLed: connection_refused): all withdraw,
   floor or not.
5. A node stopped (SIGTERM): its presence is removed at once (lease revoked), not after the TTL.

Negative control (ACS_NEGATIVE_CONTROL=1): min_announcing 0; step 2 then sees the router lose
every path and fails on "fewest paths".
"""
import os
import signal
import time

import e2e
from e2e import wait_until

from fleet_e2e import FleetTestCase
from labkit import sidecar as sc
from labkit.gobgp_stream import PeerPaths

NEGATIVE = bool(os.environ.get("ACS_NEGATIVE_CONTROL"))
FLOOR = 0 if NEGATIVE else 2
RACES = int(os.environ.get("ACS_FLOOR_RACES", "3"))


class FleetFloor(FleetTestCase):
    def fleet_block(self, i, **extra):
        block = super().fleet_block(i, **extra)
        block["min_announcing"] = FLOOR
        # The race freezes etcd for a few seconds: requests and the presence must outlast it.
        block.update(lease_ttl_s=10, request_timeout_ms=8000)
        return block

    def service(self, i):
        return sc.service_status(self.node_status(i)) or {}

    def floor_hold(self, i):
        return ((self.node_status(i) or {}).get("fleet") or {}).get("floor_hold")

    def signal_resolvers(self, sig, nodes=(1, 2, 3)):
        pids = [self.nodes[i - 1]["resolver"].proc.pid for i in nodes]
        for pid in pids:  # back to back: the three faults land within microseconds
            os.kill(pid, sig)

    def signal_etcd(self, sig):
        for m in self.etcd.members:
            os.kill(m.proc.pid, sig)

    def retries(self):
        return sum(n["exabgp"].child_stderr().count("floor_retry") for n in self.nodes)

    def all_back(self, what):
        wait_until(lambda: self.path_peers() == set(self.ADDRS), 30, what)
        wait_until(lambda: all(self.floor_hold(i) == [] and self.service(i).get("state") == "up"
                               for i in (1, 2, 3)), 15, what + ": every node up, nothing held")

    def test_floor(self):
        self.start_etcd()
        self.start_fleet_nodes()
        watch = PeerPaths(self.router, self.PREFIX)
        self.addCleanup(watch.stop)
        wait_until(lambda: watch.count() == 3, 10, "the router stream shows three paths")

        # 1. One node sick: it withdraws as usual.
        self.signal_resolvers(signal.SIGSTOP, (1,))
        wait_until(lambda: self.path_peers() == {self.ADDRS[1], self.ADDRS[2]}, 20,
                   "node 1 withdrawn for its own soft failure")
        # The status file trails the router by a write (a few ms): polled, then held to it.
        wait_until(lambda: self.floor_hold(1) == [], 2, "node 1 not held by the floor")
        self.assertEqual(self.path_peers(), {self.ADDRS[1], self.ADDRS[2]})
        self.signal_resolvers(signal.SIGCONT, (1,))
        self.all_back("node 1 back")

        # 2. The race: every node fails at once, the decisions meet at etcd at once.
        spreads, retries = [], 0
        t_total = time.monotonic()
        for k in range(RACES):
            logs_before = self.retries()
            t0 = time.monotonic()
            self.signal_etcd(signal.SIGSTOP)
            try:
                self.signal_resolvers(signal.SIGSTOP)
                wait_until(lambda: all(self.service(i).get("state") == "down" and
                                       (FLOOR == 0 or self.floor_hold(i) == [self.PREFIX])
                                       for i in (1, 2, 3)), 20,
                           f"race {k}: all three nodes down (holding while etcd is frozen)")
                downs = [self.service(i)["since_unix"] for i in (1, 2, 3)]
            finally:
                self.signal_etcd(signal.SIGCONT)
            held = []

            def settled():
                held[:] = [i for i in (1, 2, 3) if self.floor_hold(i) == [self.PREFIX]]
                return len(held) == FLOOR and len(self.path_peers()) == FLOOR

            wait_until(settled, 20, f"race {k}: {FLOOR} nodes held, the others withdrawn")
            spreads.append(max(downs) - min(downs))
            fewest = watch.fewest(t0)
            lost = self.retries() - logs_before
            retries += lost
            print(f"race {k}: fewest paths {fewest}, held {held}, compares lost {lost}, DOWN "
                  f"spread {spreads[-1] * 1000:.0f} ms", flush=True)
            self.assertGreaterEqual(fewest, 2, f"race {k}: fewest paths at the router")
            time.sleep(0.5)  # stays settled: no late withdraw (an observation, not a sync)
            self.assertEqual(len(self.path_peers()), FLOOR)
            self.assertGreaterEqual(watch.fewest(t0), 2)
            if k == 0:
                i = held[0]
                r = sc.status_cmd(self.nodes[i - 1]["config"])
                # The held node's service is down (CRITICAL, 2); the floor adds its warning.
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("fleet floor holds", r.stdout + r.stderr)
                metrics = (self.nodes[i - 1]["dir"] / "metrics.prom").read_text()
                self.assertIn(f'anycast_sidecar_fleet_floor_hold{{prefix="{self.PREFIX}"}} 1',
                              metrics)
                wait_until(lambda: (self.node_entry(self.fleet_json(1), f"node{i}") or {})
                           .get("floor_hold") == [self.PREFIX], 10,
                           f"`fleet` shows node{i} held by the floor")
            self.signal_resolvers(signal.SIGCONT)
            self.all_back(f"race {k}: resolvers resumed")
        print(f"{RACES} races in {time.monotonic() - t_total:.1f} s; compares lost {retries}; "
              f"DOWN spread max {max(spreads) * 1000:.0f} ms", flush=True)
        # Decisions from one revision: txns found the record changed under them (the freeze
        # lines the decisions up nearly always: 2 lost compares a race; at least one overall).
        if FLOOR:
            self.assertGreater(retries, 0, "no concurrent decisions: the race was not exercised")

        # 3. etcd gone (every member killed), then node 1 sick: it cannot count the others, so
        # it fails open: its route stays announced (held, with when_degraded) and it says why.
        # etcd back: it decides, sees two others, and withdraws as usual.
        self.etcd.kill_all()
        wait_until(lambda: all(self.fleet_state(i) == "unreachable" for i in (1, 2, 3)), 15,
                   "every node names the fleet unreachable")
        self.signal_resolvers(signal.SIGSTOP, (1,))
        wait_until(lambda: self.service(1).get("state") == "down", 20, "node 1 down")
        wait_until(lambda: "etcd unreachable" in self.nodes[0]["exabgp"].child_stderr(), 10,
                   "node 1 logs that it holds its route because etcd is unreachable")
        self.assertEqual(self.floor_hold(1), [self.PREFIX])
        self.assertEqual(self.path_peers(), set(self.ADDRS), "fail open: node 1 still announced")
        t0 = time.monotonic()
        self.etcd.restart_all()
        wait_until(lambda: self.path_peers() == {self.ADDRS[1], self.ADDRS[2]}, 30,
                   "etcd back: node 1 withdrawn as usual")
        print(f"etcd back: node 1 withdrew {time.monotonic() - t0:.1f} s after the restart "
              f"began", flush=True)
        wait_until(lambda: self.floor_hold(1) == [], 2, "node 1 no longer held")
        self.signal_resolvers(signal.SIGCONT, (1,))
        self.all_back("node 1 back after the etcd outage")

        # 4. A hard failure everywhere: all withdraw.
        t0 = time.monotonic()
        self.signal_resolvers(signal.SIGKILL)
        wait_until(lambda: self.path_peers() == set(), 20, "every node withdrawn (hard failure)")
        print(f"hard failure everywhere: no path after {time.monotonic() - t0:.1f} s", flush=True)
        self.assertEqual([self.floor_hold(i) for i in (1, 2, 3)], [[], [], []])

        # 5. A node stopped (SIGTERM to its ExaBGP, which stops the sidecar): its presence goes
        # at once (lease revoked), not after the 10 s TTL, so nobody counts it meanwhile.
        key = f"{self.prefix}/presence/node3"
        self.assertIsNotNone(self.etcd.get(key))
        t0 = time.monotonic()
        os.kill(self.nodes[2]["exabgp"].proc.pid, signal.SIGTERM)
        wait_until(lambda: self.etcd.get(key) is None, 3, "node 3's presence removed at its stop")
        print(f"node 3 stopped: presence gone after {time.monotonic() - t0:.2f} s", flush=True)


if __name__ == "__main__":
    e2e.main()
