"""The daemon withdraws a dead resolver's route within seconds and brings it back, with
real Unbound, real ExaBGP 4.2 and a real GoBGP router whose RIB the test reads."""
import os
import signal
import time

import e2e
from e2e import wait_until
from labkit import sidecar as sc


class Failover(e2e.NodeTestCase):
    FAST_MS, INTERVAL_MS, RISE, FALL = 100, 500, 2, 2

    def node(self, **route_extra):
        port = self.start_resolver().port
        # Two checks on one resolver: each must name the cause on its own (a regression: on a
        # shared UDP socket one query's ICMP error was taken by the other, leaving a "timeout").
        checks = [sc.dns_check(port),
                  sc.dns_check(port, name="negative", qname="nope.health.test.", answers=(),
                               rcode="NXDOMAIN")]
        services = [sc.service(checks=checks,
                               routes=[sc.route(self.PREFIX, **route_extra)],
                               interval_ms=self.INTERVAL_MS, fast_interval_ms=self.FAST_MS,
                               rise=self.RISE, fall=self.FALL, hold_down_ms=0)]
        return self.start_node(services)

    def window(self):
        """The contract's bound: fall x fast_interval + interval + 1 s."""
        return (self.FALL * self.FAST_MS + self.INTERVAL_MS) / 1000.0 + 1.0

    def test_killed_resolver_is_withdrawn_and_comes_back(self):
        self.node()
        paths = self.wait_route(True, timeout=15)
        self.assertEqual(paths[0]["next_hop"], sc.TEST_NEXT_HOP)

        t0 = time.monotonic()
        self.resolver.kill()
        self.wait_route(False, timeout=self.window(), what="route withdrawn after resolver kill")
        took = time.monotonic() - t0
        svc = self.wait_state("down")
        self.assertEqual([c["reason"] for c in svc["checks"]], ["connection_refused"] * 2)
        print(f"withdrawn {took * 1000:.0f} ms after SIGKILL (bound {self.window() * 1000:.0f} ms)")

        self.resolver.start()
        t0 = time.monotonic()
        self.wait_route(True, timeout=self.RISE * self.INTERVAL_MS / 1000 + 2.0)
        print(f"back {(time.monotonic() - t0) * 1000:.0f} ms after restart")
        # The status file may trail the router by its write spacing (tens of ms): polled.
        wait_until(lambda: {("down", "rising"), ("rising", "up")} <= {
            (t["from"], t["to"]) for t in self.service()["transitions"]}, 2,
            "down -> rising -> up in the status file's transitions")

    def test_maintenance_withdraws_within_one_interval(self):
        self.node()
        self.wait_route(True, timeout=15)
        r = sc.maintenance_cmd(self.config, "on", "--reason", "kernel upgrade")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_route(False, timeout=self.INTERVAL_MS / 1000 + 1.0)
        svc = self.wait_state("disabled")
        self.assertEqual(svc["maintenance"]["reason"], "kernel upgrade")
        r = sc.maintenance_cmd(self.config, "off")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_route(True, timeout=self.RISE * self.INTERVAL_MS / 1000 + 2.0)

    def test_when_down_announces_worse_med_instead_of_withdrawing(self):
        self.node(attributes={"med": 100},
                  when_down={"med": 1000, "community": ["65000:666"]})
        wait_until(lambda: [p["med"] for p in self.paths()] == [100], 15, "MED 100 at the router")
        self.resolver.kill()
        wait_until(lambda: [p["med"] for p in self.paths()] == [1000], self.window(),
                   "MED 1000 at the router after the resolver died")
        path = self.paths()[0]
        self.assertIn("65000:666", path["communities"])
        wait_until(lambda: self.service()["desired"] == "announce-down", 2,
                   "desired announce-down in the status file")
        self.resolver.start()
        wait_until(lambda: [p["med"] for p in self.paths()] == [100], 5, "MED back to 100")

    def test_sigterm_withdraws_before_exit(self):
        self.node()
        self.wait_route(True, timeout=15)
        pid = self.sidecar_pid()
        os.kill(pid, signal.SIGTERM)
        # The route leaves the router although the resolver is healthy: the sidecar withdrew it.
        self.wait_route(False, timeout=3, what="route withdrawn after SIGTERM")
        # Before exiting, the old sidecar saw ExaBGP acknowledge the withdrawal (its last line).
        wait_until(lambda: "exit withdrawals_acknowledged=true" in self.exabgp.child_stderr(), 5,
                   "the sidecar's exit line after acknowledged withdrawals")
        # ExaBGP respawns its child; the new one proves health again and re-announces.
        wait_until(lambda: self.status()["pid"] != pid, 10, "ExaBGP to respawn the sidecar")
        self.wait_route(True, timeout=10)

if __name__ == "__main__":
    e2e.main()
