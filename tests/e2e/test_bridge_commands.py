"""At least 20,000 commands through a real ExaBGP 4.2 (acks on) to a real GoBGP
router without the BGP session ever dropping, and the router ends with the last attributes sent.
The negative control, a child that never reads its stdin wedging the same ExaBGP, is
test_exabgp_wedge.py: it proves this test's session assertion can fail."""
import json
import os
import signal
import time

import e2e
from e2e import wait_until
from labkit import sidecar as sc

ROUTES = 25
TARGET = 20000


class BridgeCommands(e2e.NodeTestCase):

    def test_twenty_thousand_commands_keep_the_session(self):
        self.start_resolver()
        prefixes = [f"192.0.2.{i}/32" for i in range(100, 100 + ROUTES)]
        routes = [sc.route(p, attributes={"med": 10}) for p in prefixes]
        services = [sc.service(checks=[sc.dns_check(self.resolver.port)], routes=routes,
                               interval_ms=200, timeout_ms=150, fast_interval_ms=50, rise=1, fall=2)]
        # refresh_ms re-sends every route's state continuously: a compressed day of commands.
        self.start_node(services, exabgp={"refresh_ms": 1})
        wait_until(lambda: len(self.router.rib()) == ROUTES, 20, "all routes at the router")
        peer = self.exabgp.local_addr

        t0 = time.monotonic()
        sent = 0
        while sent < TARGET:
            self.assertLess(time.monotonic() - t0, 300, f"only {sent} commands after 300 s")
            self.assertEqual(self.router.neighbor_state(peer), "established",
                             f"BGP session dropped after {sent} commands")
            status = self.status()
            sent = status["exabgp"]["counters"]["route_commands_written"]
            self.assertEqual(status["exabgp"]["state"], "ok", status["exabgp"]["detail"])
            time.sleep(0.5)  # sampling period of the session check, not synchronisation
        took = time.monotonic() - t0
        acks = self.status()["exabgp"]["counters"]["acks_done"]
        print(f"{sent} route commands in {took:.1f} s ({sent / took:.0f}/s), {acks} acks, "
              f"session established throughout")

        # The last attributes sent win: reload with another MED and stop the refresh.
        cfg = json.loads(self.config.read_text())
        for r in cfg["services"][0]["routes"]:
            r["attributes"]["med"] = 77
        cfg["exabgp"]["refresh_ms"] = 0
        self.config.write_text(json.dumps(cfg))
        os.kill(self.sidecar_pid(), signal.SIGHUP)
        wait_until(lambda: sorted(p["med"] for p in self.router.rib()) == [77] * ROUTES, 20,
                   "every route with MED 77 at the router")
        self.assertEqual(self.router.neighbor_state(peer), "established")
        # The RIB can show MED 77 before the status file records the last acks: the file is
        # rewritten once per interval, so poll it rather than read it once.
        wait_until(lambda: self.service()["announced"] and self.status()["exabgp"]["pending_acks"] == 0,
                   5, "the status file shows the routes announced and every ack read")


if __name__ == "__main__":
    e2e.main()
