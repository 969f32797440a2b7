"""ExaBGP frozen (SIGSTOP) for 30 s while the desired state keeps changing. The
sidecar's loop keeps running, reports `stalled` within ack_timeout_ms + 1 s, its memory does not
grow with the stall, and after SIGCONT it writes at most one command per route plus a ping; the
router converges to the latest state."""
import time

import e2e
from e2e import wait_until, rss_kib
from labkit import sidecar as sc

ROUTES = 4
ACK_TIMEOUT_MS = 2000
STALL_S = 30


class BridgeStall(e2e.NodeTestCase):

    def test_frozen_exabgp(self):
        self.start_resolver()
        prefixes = [f"192.0.2.{i}/32" for i in range(60, 60 + ROUTES)]
        services = [sc.service(checks=[sc.dns_check(self.resolver.port)],
                               routes=[sc.route(p) for p in prefixes], interval_ms=200, timeout_ms=150,
                               fast_interval_ms=100, rise=1, fall=1, hold_down_ms=0)]
        # A hold time longer than the stall keeps the BGP session: what converges afterwards is
        # only what the sidecar writes, not a session reset.
        self.start_node(services, hold_time=90,
                        exabgp={"ack_timeout_ms": ACK_TIMEOUT_MS, "ping_interval_ms": 1000})
        wait_until(lambda: len(self.router.rib()) == ROUTES, 20, "routes at the router")
        pid = self.sidecar_pid()

        self.exabgp.sigstop()
        t_stop = time.monotonic()
        try:
            stalled_after = None
            seq_before = self.status()["seq"]
            rss_early = None
            flips = 0
            while time.monotonic() - t_stop < STALL_S:
                # The desired state keeps changing: maintenance on/off every 300 ms.
                sc.maintenance_cmd(self.config, "on" if flips % 2 == 0 else "off")
                flips += 1
                time.sleep(0.3)  # pacing of the state changes, not synchronisation
                st = self.status()
                if stalled_after is None and st["exabgp"]["state"] == "stalled":
                    stalled_after = time.monotonic() - t_stop
                    written_at_stall = st["exabgp"]["counters"]["commands_written"]
                if rss_early is None and time.monotonic() - t_stop > 5:
                    rss_early = rss_kib(pid)
            rss_late = rss_kib(pid)
            st = self.status()
            self.assertIsNotNone(stalled_after, "never reported stalled")
            self.assertLessEqual(stalled_after, ACK_TIMEOUT_MS / 1000 + 1.0)
            self.assertGreater(st["seq"], seq_before + STALL_S * 2, "heartbeat stopped")
            self.assertEqual(st["exabgp"]["state"], "stalled")
            self.assertIn("ExaBGP", st["exabgp"]["detail"])
            self.assertLess(rss_late - rss_early, 512, f"RSS grew {rss_early}->{rss_late} KiB")
            # Final desired state: in maintenance (every route withdrawn).
            sc.maintenance_cmd(self.config, "on")
            wait_until(lambda: self.service()["state"] == "disabled", 3, "disabled")
            counters = self.status()["exabgp"]["counters"]
            self.assertEqual(counters["commands_written"], written_at_stall, "wrote while stalled")
            routes_before = counters["route_commands_written"]
        finally:
            self.exabgp.sigcont()

        wait_until(lambda: self.status()["exabgp"]["state"] == "ok", 10, "bridge ok again")
        wait_until(lambda: not self.router.rib(), 10, "router converged: every route withdrawn")
        wait_until(lambda: self.status()["exabgp"]["pending_acks"] == 0, 5, "acks drained")
        after = self.status()["exabgp"]["counters"]["route_commands_written"]
        print(f"stalled after {stalled_after:.2f} s; RSS {rss_early} -> {rss_late} KiB over "
              f"{STALL_S} s; {flips} state flips; {after - routes_before} route commands after "
              f"SIGCONT for {ROUTES} routes")
        # One command per route (the latest), however many changes the stall coalesced; pings
        # are counted apart.
        self.assertLessEqual(after - routes_before, ROUTES)


if __name__ == "__main__":
    e2e.main()
