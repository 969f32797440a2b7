"""Detection of a killed resolver: with the contract's default schedule (interval 1000, fast 200, rise 3,
fall 3) a SIGKILLed Unbound's route leaves a real GoBGP router within 250 ms, through a real
ExaBGP 4.2: the sidecar's kept TCP connection to Unbound ("watch") is closed by the kernel with
the process, its refused reconnect runs the round at once, and the refusals are confirmed
confirm_interval_ms (20) apart instead of fast_interval_ms.

Negative control (always run): the same node with the watch off and confirm_interval_ms =
fast_interval_ms (the old schedule) takes longer than the bound every time: at least
(fall - 1) x fast = 400 ms. And a resolver that does not serve TCP (Unbound do-tcp: no) gets its
watch disabled with one notice line, no withdraw, no probe storm.

Timing is read from `gobgp monitor global rib -j` (labkit.gobgp_stream.RibWatch). Each kill
lands at a random phase of the probe interval. About 45 s."""
import random
import time

import e2e
from e2e import wait_until
from labkit import sidecar as sc
from labkit.gobgp_stream import RibWatch
from labkit.resolvers import Unbound, wait_answering

BOUND_S = 0.250
DEFAULTS = dict(interval_ms=1000, fast_interval_ms=200, timeout_ms=500, rise=3, fall=3,
                hold_down_ms=0)
OLD_SCHEDULE = dict(confirm_interval_ms=200)
RECONNECT_S = 1.1  # the watch's reconnect budget (one a second), with a margin


class NoTcpUnbound(Unbound):
    """The real Unbound, configured not to serve TCP (do-tcp: no): it answers UDP only."""

    def write_config(self):
        path = super().write_config()
        text = path.read_text().replace("server:\n", "server:\n  do-tcp: no\n", 1)
        path.write_text(text)
        return path


class Detection(e2e.NodeTestCase):
    def node(self, watch=True, **extra):
        check = sc.dns_check(self.resolver.port)
        if not watch:
            check["watch"] = False
        svc = sc.service(checks=[check], routes=[sc.route(self.PREFIX)], **DEFAULTS, **extra)
        self.start_node([svc])
        self.rib = RibWatch(self.router, self.PREFIX)
        self.own(self.rib)

    def kill_trials(self, n):
        """Withdraw times (s) from SIGKILL to the route leaving the router, n kills."""
        took = []
        last_kill = -RECONNECT_S
        for _ in range(n):
            self.assertIsNotNone(self.rib.wait(True, 0, 30), "route never announced")
            # The watch reconnects at most once a second: a kill less than that after the last
            # one finds its reconnect waiting for a token and is left to the schedule, as
            # design.md's failure-mode table says. Kills here are that far apart, at a random
            # phase of the probe interval.
            time.sleep(max(0.0, last_kill + RECONNECT_S - time.monotonic()) +
                       random.uniform(0, DEFAULTS["interval_ms"] / 1000))
            t0 = last_kill = time.monotonic()
            self.resolver.kill()
            gone = self.rib.wait(False, t0, 10)
            self.assertIsNotNone(gone, "route never withdrawn after SIGKILL")
            took.append(gone[0] - t0)
            self.resolver.proc.start()
            back_at = wait_answering(self.resolver)
            self.assertIsNotNone(self.rib.wait(True, back_at, 10), "route not back")
        return took

    def test_killed_resolver_leaves_the_router_within_250_ms(self):
        self.start_resolver()
        self.node()
        took = self.kill_trials(6)
        print("withdraw after SIGKILL (ms):", [round(t * 1000) for t in took])
        self.assertLessEqual(max(took), BOUND_S, took)
        # The path the test claims: the watch's refusal started the round.
        self.assertIn("watch_gone", self.exabgp.child_stderr())

    def test_negative_control_old_schedule_is_slower_than_the_bound(self):
        self.start_resolver()
        self.node(watch=False, **OLD_SCHEDULE)
        took = self.kill_trials(3)
        print("old schedule, withdraw after SIGKILL (ms):", [round(t * 1000) for t in took])
        self.assertGreater(min(took), BOUND_S, took)
        self.assertNotIn("watch_gone", self.exabgp.child_stderr())

    def test_resolver_without_tcp_disables_the_watch_once(self):
        self.resolver = self.own(NoTcpUnbound(self.workdir))
        self.resolver.start()
        self.node()
        wait_until(lambda: "watch_disabled" in self.exabgp.child_stderr(), 15,
                   "the watch_disabled notice")
        time.sleep(3)  # a window in which a storm or a second notice would show
        log = self.exabgp.child_stderr()
        self.assertEqual(log.count("watch_disabled"), 1, log)
        self.assertEqual(self.service()["state"], "up")
        self.assertEqual(len([e for e in self.rib.events if not e[2]]), 0, "a withdraw happened")
        # Still detected, by the schedule alone (well within the contract's window).
        t0 = time.monotonic()
        self.resolver.kill()
        self.assertIsNotNone(self.rib.wait(False, t0, 3), "route never withdrawn")

    def test_one_watch_per_resolver_however_many_services(self):
        """30 services probing one Unbound hold one watch connection to it, not 30 (Unbound
        serves 10 TCP connections per thread by default). The count is shown to move: a second
        resolver probed by one more service makes it two."""
        self.start_resolver()
        other = self.own(Unbound(self.workdir, name="unbound2"))
        other.start()
        svcs = [sc.service(name=f"svc{i:02d}", checks=[sc.dns_check(self.resolver.port)],
                           routes=[sc.route(f"198.18.0.{i}/32")], **DEFAULTS)
                for i in range(30)]
        svcs.append(sc.service(name="other", checks=[sc.dns_check(other.port)],
                               routes=[sc.route("198.18.1.1/32")], **DEFAULTS))
        self.start_node(svcs)
        pid = self.status()["pid"]

        def established(port):
            out = e2e.run(["ss", "-Htnp", "state", "established", f"dport = :{port}"]).stdout
            return sum(1 for line in out.splitlines() if f"pid={pid}," in line)
        wait_until(lambda: established(self.resolver.port) >= 1 and established(other.port) >= 1,
                   10, "the watches connected")
        time.sleep(2)  # two rounds of every service: a per-check watch would have connected
        self.assertEqual(established(self.resolver.port), 1)
        self.assertEqual(established(other.port), 1)


if __name__ == "__main__":
    e2e.main()
