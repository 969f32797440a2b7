"""A resolver made to refuse by a reload is withdrawn within a round trip, not at the next round.

An operator's ACL change reaches a running Unbound through `unbound-control reload`: the same
process then answers REFUSED to everyone. The reload closes every client TCP connection, the
sidecar's kept watch connection too, but keeps listening, so the watch's reconnect is accepted: a
refused reconnect (the kill's evidence) never comes. The watch now counts a close before the
server's idle timeout as news (probes/watch_policy.hpp): the round runs confirm_interval_ms later,
finds REFUSED (hard evidence, confirmed 20 ms apart) and the route leaves the real GoBGP router
(read from `gobgp monitor global rib`, labkit.gobgp_stream.RibWatch) in about 0.1 s.

The reload comes 1.2 s after the service went up (the watch's connection is then older than its
refill period; younger closes are never news), so the next scheduled round is 1.8 s away (a 3 s
interval): without the news the REFUSED answers wait for it.

Negative control (always run): the same node with the watch off is still announced 1 s after the
reload (withdrawn only by the scheduled round). About 30 s."""
import time

import e2e
from e2e import wait_until
from labkit import sidecar as sc
from labkit.gobgp_stream import RibWatch
from labkit.resolvers import Unbound

SCHEDULE = dict(interval_ms=3000, fast_interval_ms=100, timeout_ms=300, rise=2, fall=2)
BOUND_S = 0.4
RELOAD_AFTER_UP_S = 1.2
TRIALS = 3


class ReloadRefusing(e2e.NodeTestCase):
    def node(self, watch):
        self.resolver = self.own(Unbound(self.workdir, control=True))
        self.resolver.start()
        check = sc.dns_check(self.resolver.port)
        check["watch"] = watch
        svc = sc.service(checks=[check], routes=[sc.route(self.PREFIX)], **SCHEDULE)
        self.start_node([svc])
        rib = self.own(RibWatch(self.router, self.PREFIX))
        return rib

    def reload_refusing(self, rib, after):
        """Waits for the route, reloads into REFUSED RELOAD_AFTER_UP_S after it came; returns
        the reload's start (monotonic)."""
        up = rib.wait(True, after, 30)
        self.assertIsNotNone(up, "route never announced")
        time.sleep(max(0.0, up[0] + RELOAD_AFTER_UP_S - time.monotonic()))
        t0 = time.monotonic()
        self.resolver.reload_config(refuse=True)
        return t0

    def test_reload_into_refused_is_withdrawn_at_once(self):
        rib = self.node(watch=True)
        took, after = [], 0.0
        for _ in range(TRIALS):
            t0 = self.reload_refusing(rib, after)
            gone = rib.wait(False, t0, 10)
            self.assertIsNotNone(gone, "route never withdrawn after the reload")
            took.append(gone[0] - t0)
            self.resolver.reload_config(refuse=False)
            after = gone[0]
        print("withdrawn after the reload in " + ", ".join(f"{t * 1000:.0f}" for t in took)
              + " ms", flush=True)
        self.assertLess(max(took), BOUND_S, f"withdraw times {took} (bound {BOUND_S} s)")
        log = self.exabgp.child_stderr()
        self.assertIn("watch_ended_early", log)

    def test_negative_control_watch_off_waits_for_the_round(self):
        rib = self.node(watch=False)
        t0 = self.reload_refusing(rib, 0.0)
        self.assertIsNone(rib.wait(False, t0, 1.0),
                          "withdrawn within 1 s with the watch off: the scheduled round came "
                          "early, the phase assumption does not hold")
        gone = rib.wait(False, t0, 10)
        self.assertIsNotNone(gone, "never withdrawn, even by the scheduled round")
        print(f"negative control: watch off, withdrawn {gone[0] - t0:.2f} s after the reload "
              "(the next scheduled round)", flush=True)
        wait_until(lambda: self.service()["state"] == "down", 10, "service down")


if __name__ == "__main__":
    e2e.main()
